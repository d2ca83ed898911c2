"""ERR: failures (ERR-01 to ERR-04).

Proxies are configured with ``https_proxy``, and every scenario has an ``explicit``
twin passing the same proxy as ``proxy=URL`` (:func:`.matrix.proxy_sources`); targets
are ``ws://`` (the failure happens before any TLS with the server). For ERR-04 the
runner compares sockets, tasks and threads before and after each case.

ERR-01 and ERR-02 are timed by the verdict (``verdicts.duration_limit``). A closed port
cannot count connection attempts, so ERR-01 also has ``resets-*`` variants: the proxy
port is a listener that resets each connection as soon as the client speaks (the
nearest a listener comes to refusing, seen the same way by every client); more than
one connection to it is a retry loop.
"""

from __future__ import annotations

from ..build import PROXY_HOST, fails, nowhere
from ..model import ANY, Expect, ProxyKind, ProxySpec, Scenario
from .proxy_answers import OPEN_TIMEOUT, through_https_proxy

__all__ = ["scenarios"]


def _spec(
    kind: ProxyKind,
    *,
    fault: str | None = None,
    closed: bool = False,
    trusted: bool = True,
    resets: bool = False,
) -> ProxySpec:
    """A proxy of ``kind``; https ones by name, socks5 written socks5h://."""
    return ProxySpec(
        kind,
        fault=fault,
        closed=closed or resets,
        resets=resets,
        trusted=trusted,
        url_host=PROXY_HOST if kind == "https" else None,
        url_scheme="socks5h" if kind == "socks5" else None,
    )


def scenarios() -> list[Scenario]:
    """Every ERR scenario, expanded."""
    result = []
    refusing: tuple[ProxyKind, ...] = ("http", "socks5", "socks4", "https")
    for kind in refusing:
        result += through_https_proxy(
            "ERR-01",
            f"refused-{kind}",
            f"A {kind} proxy port where nothing listens is a prompt proxy-refused error.",
            nowhere("proxy-refused"),
            _spec(kind, closed=True),
        )
    for kind in ("http", "socks5", "socks4"):
        result += through_https_proxy(
            "ERR-01",
            f"resets-{kind}",
            f"A {kind} proxy port that resets every connection as soon as the client speaks "
            "is a prompt error after one connection, not a retry loop.",
            Expect(route="nowhere", proxy=None, error=ANY, echo=False),
            _spec(kind, resets=True),
        )
    silent: tuple[ProxyKind, ...] = ("http", "socks5", "https")
    for kind in silent:
        result += through_https_proxy(
            "ERR-02",
            f"silent-{kind}",
            f"A {kind} proxy that never answers ends in a timeout error within open_timeout.",
            fails("timeout", route="proxy", proxy="P"),
            _spec(kind, fault="silence"),
            options={"open_timeout": OPEN_TIMEOUT},
        )
    # fmt: off
    closing: list[tuple[str, ProxyKind, int, str]] = [
        ("http-closes-at-once",          "http",   0,  "before reading the request"),
        ("http-closes-mid-request",      "http",   10, "in the middle of the request"),
        ("socks5-closes-at-once",        "socks5", 0,  "before reading the greeting"),
        ("socks5-closes-after-greeting", "socks5", 3,  "after the greeting"),
        ("socks4-closes-at-once",        "socks4", 0,  "before reading the request"),
    ]
    # fmt: on
    for slug, kind, nbytes, when in closing:
        result += through_https_proxy(
            "ERR-03",
            slug,
            f"A {kind} proxy that closes {when} is a proxy-answer error.",
            fails("proxy-answer", route="proxy", proxy="P"),
            _spec(kind, fault=f"close_after:{nbytes}"),
        )
    leak = "; afterwards the client holds no socket, task or thread."
    # fmt: off
    failures: list[tuple[str, ProxySpec, Expect, str, dict[str, object]]] = [
        ("after-refused", _spec("http", closed=True), nowhere("proxy-refused"),
         "A refused proxy connection fails", {}),
        ("after-rejected", _spec("http", fault="reply:502"),
         fails("proxy-rejected", route="proxy", proxy="P"), "A 502 from the proxy fails", {}),
        ("after-bad-answer", _spec("http", fault="garbage"),
         fails("proxy-answer", route="proxy", proxy="P"), "A malformed proxy answer fails", {}),
        ("after-socks-failure", _spec("socks5", fault="reply:5"),
         fails("proxy-rejected", route="proxy", proxy="P"), "A SOCKS5 failure reply fails", {}),
        ("after-proxy-tls", _spec("https", trusted=False),
         fails("proxy-tls", route="proxy", proxy="P"), "An untrusted proxy certificate fails", {}),
        ("after-timeout", _spec("http", fault="silence"),
         fails("timeout", route="proxy", proxy="P"), "A silent proxy times out",
         {"open_timeout": OPEN_TIMEOUT}),
    ]
    # fmt: on
    for slug, spec, expect, what, options in failures:
        result += through_https_proxy("ERR-04", slug, what + leak, expect, spec, options=options)
    return result
