"""SOCKS: SOCKS4, SOCKS4a, SOCKS5, SOCKS5h (SOCKS-01 to SOCKS-06).

Proxies are configured with ``https_proxy`` (it serves ``ws://`` and ``wss://``);
each such scenario has an ``explicit`` twin passing the same proxy as ``proxy=URL``
(:func:`.matrix.proxy_sources`), so that clients which ignore the variable still show
how they speak SOCKS. SOCKS-03 also plays a proxy that needs no authentication
while the URL has credentials: it selects 0x00, and the client must go on without
sending them. Not twinned: the OS-configured proxy and the direct connection
of SOCKS-01, which pass no proxy URL. Virtual names resolve to 127.0.0.1, so local
resolution sends that address.
"""

from __future__ import annotations

from ..build import HOST, SPEC, direct, fails, make, socks_fields, via, windows
from ..matrix import expand, own_os, proxy_sources, schemes
from ..model import ProxyKind, ProxySpec, Scenario

__all__ = ["scenarios"]

SOCKS_SCHEMES = ("socks4", "socks4a", "socks5", "socks5h")
ENV = {"https_proxy": "{P.url}"}


def scenarios() -> list[Scenario]:
    """Every SOCKS scenario, expanded."""
    return [*_socks01(), *_socks02(), *_socks03(), *_socks04(), *_socks05(), *_socks06()]


def _socks01() -> list[Scenario]:
    selected = make(
        "SOCKS-01",
        "socks-selected",
        "Without python-socks, a selected SOCKS proxy is a socks-unavailable error.",
        fails("socks-unavailable"),
        proxies={"P": SPEC["socks5h"]},
        env=ENV,
        hide_python_socks=True,
    )
    os_selected = make(
        "SOCKS-01",
        "os-socks-selected",
        "Without python-socks, an OS-configured SOCKS proxy is a socks-unavailable error.",
        fails("socks-unavailable"),
        proxies={"P": SPEC["socks5"]},
        os=windows("socks={P.netloc}"),
        hide_python_socks=True,
    )
    http_still = make(
        "SOCKS-01",
        "http-proxy-works",
        "Without python-socks, an HTTP proxy still works.",
        via("P", protocol="http"),
        proxies={"P": SPEC["http"]},
        env=ENV,
        hide_python_socks=True,
    )
    direct_still = make(
        "SOCKS-01",
        "direct-works",
        "Without python-socks, a direct connection still works.",
        direct(),
        hide_python_socks=True,
    )
    return [
        *expand(selected, schemes(), proxy_sources()),
        *expand(os_selected, schemes("ws"), own_os(os_selected.given.os)),
        *expand(http_still, schemes(), proxy_sources()),
        *expand(direct_still, schemes()),
    ]


def _socks02() -> list[Scenario]:
    result = []
    for scheme in SOCKS_SCHEMES:
        base = make(
            "SOCKS-02",
            scheme,
            f"A {scheme}:// proxy gets the "
            + ("host name." if scheme.endswith(("4a", "5h")) else "address the client resolved."),
            via("P", **socks_fields(scheme)),
            proxies={"P": SPEC[scheme]},
            env=ENV,
        )
        result += expand(base, schemes(), proxy_sources())
    ipv6 = make(
        "SOCKS-02",
        "socks5-ipv6-target",
        "A socks5:// proxy gets an IPv6 target as an IPv6 address (ATYP 4).",
        via("P", protocol="socks5", address_type="ipv6", target_host="::1"),
        proxies={"P": SPEC["socks5"]},
        env=ENV,
        host="::1",
    )
    return [*result, *expand(ipv6, schemes("ws"), proxy_sources())]


def _socks03() -> list[Scenario]:
    result = []
    # fmt: off
    rows: list[tuple[str, ProxyKind, str]] = [
        ("socks5",  "socks5", "SOCKS5 username/password authentication"),
        ("socks5h", "socks5", "SOCKS5 username/password authentication"),
        ("socks4",  "socks4", "the user name as SOCKS4 USERID"),
        ("socks4a", "socks4", "the user name as SOCKS4 USERID"),
    ]
    # fmt: on
    for scheme, kind, how in rows:
        base = make(
            "SOCKS-03",
            f"credentials-{scheme}",
            f"Credentials in a {scheme}:// URL are sent with {how}.",
            via("P", credentials=("alice", "s3cret-pw"), **socks_fields(scheme)),
            proxies={"P": ProxySpec(kind, auth=("alice", "s3cret-pw"), url_scheme=scheme)},
            env=ENV,
        )
        which = schemes("ws") if scheme.startswith("socks4") else schemes()
        result += expand(base, which, proxy_sources())
    # The client must have offered 0x00 beside 0x02 (offering 0x02 alone gets 0xFF, a
    # failure) and go on to the request without the credentials (sent anyway, the
    # proxy reads them as the request and fails): the tunnel opens, none received.
    no_auth = make(
        "SOCKS-03",
        "no-auth-selected",
        "A SOCKS5 proxy selecting no authentication (0x00) while the URL has credentials:"
        " the tunnel opens, no credentials sent.",
        via("P", credentials=None, **socks_fields("socks5h")),
        proxies={
            "P": ProxySpec(
                "socks5", methods=(0,), url_scheme="socks5h", url_credentials="alice:s3cret-pw"
            )
        },
        env=ENV,
    )
    return [*result, *expand(no_auth, schemes("ws"), proxy_sources())]


def _socks04() -> list[Scenario]:
    # fmt: off
    rows: list[tuple[str, tuple[int, ...], str]] = [
        ("gssapi-only",  (1,), "A SOCKS5 proxy that demands GSSAPI"),
        # Only username/password, and the URL has no credentials: the answer is 0xFF.
        ("no-acceptable-method", (2,), "A SOCKS5 proxy that accepts no offered method (0xFF)"),
    ]
    # fmt: on
    result = []
    for slug, methods, what in rows:
        base = make(
            "SOCKS-04",
            slug,
            f"{what} is a proxy-rejected error, never a hang.",
            fails("proxy-rejected", route="proxy", proxy="P"),
            proxies={"P": ProxySpec("socks5", methods=methods, url_scheme="socks5h")},
            env=ENV,
        )
        result += expand(base, schemes("ws"), proxy_sources())
    return result


def _socks05() -> list[Scenario]:
    # fmt: off
    rows: list[tuple[str, ProxySpec, str]] = [
        ("socks5-not-allowed", ProxySpec("socks5", url_scheme="socks5h", fault="reply:2"),
         "A SOCKS5 reply 0x02 (not allowed)"),
        ("socks5-refused", ProxySpec("socks5", url_scheme="socks5h", fault="reply:5"),
         "A SOCKS5 reply 0x05 (connection refused)"),
        ("socks4-rejected", ProxySpec("socks4", url_scheme="socks4a", fault="reply:91"),
         "A SOCKS4 reply 0x5B (rejected)"),
        ("socks5-wrong-password",
         ProxySpec("socks5", auth=("alice", "right-pw"), url_scheme="socks5h",
                   url_credentials="alice:wrong-pw"),
         "A failed SOCKS5 authentication"),
    ]
    # fmt: on
    result = []
    for slug, spec, what in rows:
        base = make(
            "SOCKS-05",
            slug,
            f"{what} is a proxy-rejected error.",
            fails("proxy-rejected", route="proxy", proxy="P"),
            proxies={"P": spec},
            env=ENV,
        )
        result += expand(base, schemes("ws"), proxy_sources())
    return result


def _socks06() -> list[Scenario]:
    result = []
    for scheme in SOCKS_SCHEMES:
        base = make(
            "SOCKS-06",
            f"tls-end-to-end-{scheme}",
            f"wss:// through a {scheme}:// proxy sends the server's name as SNI.",
            via("P", server_sni=HOST, **socks_fields(scheme)),
            proxies={"P": SPEC[scheme]},
            env=ENV,
        )
        result += expand(base, schemes("wss"), proxy_sources())
    untrusted = make(
        "SOCKS-06",
        "untrusted-server",
        "wss:// through a SOCKS proxy checks the server's certificate: server-tls.",
        fails("server-tls", route="proxy", proxy="P"),
        proxies={"P": SPEC["socks5h"]},
        env=ENV,
        untrusted_certificate=True,
    )
    return [*result, *expand(untrusted, schemes("wss"), proxy_sources())]
