"""Proxy answers: every kind of CONNECT status (HTTP-03), and keep-alive refusals (ERR-04).

HTTP-03: a 1xx alone opens no tunnel (101 without an Upgrade request is a
refusal naming it), a 3xx is a refusal whether or not it has a
``Location`` (a tunnel is never redirected), and so is any other non-2xx status;
each refusal is a ``proxy-rejected`` error whose text names the status
(``error_mentions``). Proxies that ``hold`` the connection after their answer show
whether the client took it for a tunnel: anything the client sends past a
refusal is recorded (``sent_after_refusal``).

ERR-04: a real proxy answers 407 or 403 with ``Connection: keep-alive`` and leaves
the connection open; only the client can close it, so a client that leaks its
socket shows it here (the runner's leak check, and the connection left open).

Proxies are configured with ``https_proxy`` and each scenario has an ``explicit``
twin (:func:`.matrix.proxy_sources`); targets are ``ws://``, and also ``wss://`` for
one status of each class (clients that send a forward GET for ``ws://`` still send
CONNECT for ``wss://``).
"""

from __future__ import annotations

from ..build import PROXY_HOST, fails, make
from ..matrix import expand, proxy_sources, schemes
from ..model import ANY, Expect, ProxySpec, Scenario

__all__ = ["OPEN_TIMEOUT", "scenarios", "through_https_proxy"]

ENV = {"https_proxy": "{P.url}"}
#: The opening timeout of cases that wait for an answer that never comes (a silent
#: proxy, a 1xx without a final answer): they wait it out whatever its length, and
#: nothing else is slow in them, so it is short (ERR-02 needs only a timeout shorter
#: than the harness's limit, which adds at least 0.5 s). It needs only to outlast a
#: loopback connection and one request: every client's verdicts on these cases were
#: the same with 0.1, 0.05, 0.03 and 0.02 s (under ``-n 2``); 0.05 keeps a margin.
OPEN_TIMEOUT = 0.05
LOCATION = "header:Location:http%3A//proxy.example/elsewhere"


def scenarios() -> list[Scenario]:
    """Every proxy-answer scenario, expanded."""
    return [*_interim(), *_refusals(), *_kept_alive()]


def _rejected(status: int) -> Expect:
    """A proxy-rejected error naming ``status``, and nothing sent past the refusal."""
    return fails(
        "proxy-rejected",
        route="proxy",
        proxy="P",
        error_mentions=(str(status),),
        sent_after_refusal=False,
    )


def through_https_proxy(
    rule: str,
    slug: str,
    description: str,
    expect: Expect,
    spec: ProxySpec,
    options: dict[str, object] | None = None,
    *,
    wss: bool = False,
) -> list[Scenario]:
    """The scenario through proxy ``spec`` (from ``https_proxy``, and explicit), for
    ws:// (and with ``wss``, wss://: the answer to a CONNECT where some clients send a
    forward GET for ws://)."""
    base = make(
        rule,
        slug,
        description,
        expect,
        proxies={"P": spec},
        names=(PROXY_HOST,) if spec.url_host == PROXY_HOST else (),
        env=ENV,
        options=options,
    )
    return expand(base, schemes() if wss else schemes("ws"), proxy_sources())


def _interim() -> list[Scenario]:
    # RFC 9110 makes a 1xx interim (the final answer follows), HTTP-03 makes any
    # non-2xx an error: waiting for the final answer until open_timeout and refusing
    # the 1xx at once both keep the rule; taking it for the tunnel does not.
    return [
        *through_https_proxy(
            "HTTP-03",
            "status-100-held",
            "A 100 Continue and nothing after it opens no tunnel: the client fails (by"
            " open_timeout at the latest) and sends nothing past it.",
            Expect(error=ANY, echo=False, route="proxy", proxy="P", sent_after_refusal=False),
            ProxySpec("http", fault="reply:100,hold"),
            options={"open_timeout": OPEN_TIMEOUT},
            wss=True,
        ),
        *through_https_proxy(
            "HTTP-03",
            "status-101",
            "A 101 Switching Protocols (no Upgrade was asked) opens no tunnel: a proxy-rejected"
            " error naming 101, nothing sent past it.",
            _rejected(101),
            ProxySpec("http", fault="reply:101,hold"),
            wss=True,
        ),
    ]


def _refusals() -> list[Scenario]:
    # fmt: off
    rows: list[tuple[str, int, str, str, bool]] = [
        ("status-301-location", 301, f"reply:301,{LOCATION}", "A 301 with a Location", True),
        ("status-302", 302, "reply:302", "A 302 without a Location", False),
        ("status-307-location", 307, f"reply:307,{LOCATION},hold", "A 307 with a Location", False),
        ("status-404", 404, "reply:404,hold", "A 404", True),
        ("status-418", 418, "reply:418", "A 418", False),
        ("status-500", 500, "reply:500,hold", "A 500", False),
        ("status-599", 599, "reply:599", "A 599 without a reason phrase", False),
    ]
    # fmt: on
    result = []
    for slug, status, fault, what, wss in rows:
        result += through_https_proxy(
            "HTTP-03",
            slug,
            f"{what} opens no tunnel: a proxy-rejected error naming {status}.",
            _rejected(status),
            ProxySpec("http", fault=fault),
            wss=wss,
        )
    return result


def _kept_alive() -> list[Scenario]:
    leak = ", and the proxy keeps the connection open; afterwards the client holds no socket."
    return [
        *through_https_proxy(
            "ERR-04",
            "after-407-kept-alive",
            "A 407 (no credentials given) fails" + leak,
            _rejected(407),
            ProxySpec("http", auth=("alice", "s3cret-pw"), url_credentials="", fault="hold"),
        ),
        *through_https_proxy(
            "ERR-04",
            "after-403-kept-alive",
            "A 403 fails" + leak,
            _rejected(403),
            ProxySpec("http", fault="reply:403,hold"),
        ),
        *through_https_proxy(
            "ERR-04",
            "after-403-kept-alive-https",
            "A 403 from an https:// proxy fails" + leak,
            _rejected(403),
            ProxySpec("https", url_host=PROXY_HOST, fault="reply:403,hold"),
        ),
    ]
