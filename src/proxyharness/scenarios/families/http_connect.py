"""HTTP: HTTP and HTTPS proxies (HTTP-01 to HTTP-08).

Proxies are configured with ``https_proxy``, and every scenario has an ``explicit``
twin passing the same proxy as ``proxy=URL`` (:func:`.matrix.proxy_sources`), with the
same expectation. ``https`` proxies are reached by the virtual name ``proxy.example``
unless the scenario is about addresses. The runner checks every case for
``Proxy-Authorization`` at the origin server (HTTP-02).
"""

from __future__ import annotations

from ..build import HOST, PROXY_HOST, SPEC, fails, make, via
from ..matrix import expand, proxy_sources, schemes
from ..model import Expect, ProxySpec, Scenario, Scheme

__all__ = ["scenarios"]

ENV = {"https_proxy": "{P.url}"}
HTTPS = ProxySpec("https", url_host=PROXY_HOST)


def scenarios() -> list[Scenario]:
    """Every HTTP scenario, expanded."""
    return [
        *_http01(),
        *_http02(),
        *_http03(),
        *_http04(),
        *_http05(),
        *_http06(),
        *_http07(),
        *_http08(),
    ]


def _http01() -> list[Scenario]:
    # fmt: off
    rows: list[tuple[str, str, str, str, tuple[Scheme, ...]]] = [
        # slug,          target host,  address type, Host header,                 schemes
        ("connect-name", HOST,         "domain",     f"{HOST}:{{server.port}}",   ("ws", "wss")),
        ("connect-ipv6", "::1",        "ipv6",       "[::1]:{server.port}",       ("ws", "wss")),
        ("connect-ipv4", "127.0.0.1",  "ipv4",       "127.0.0.1:{server.port}",   ("ws",)),
    ]
    # fmt: on
    result = []
    for slug, host, address_type, host_header, which in rows:
        base = make(
            "HTTP-01",
            slug,
            f"The tunnel to {host} opens with CONNECT host:port and Host: {host_header}.",
            via(
                "P",
                protocol="http",
                address_type=address_type,
                target_host=host,
                connect_headers={"Host": host_header},
            ),
            proxies={"P": SPEC["http"]},
            env=ENV,
            host=host,
        )
        result += expand(base, schemes(*which), proxy_sources())
    return result


def _http02() -> list[Scenario]:
    basic = make(
        "HTTP-02",
        "basic-credentials",
        "Credentials go to the proxy as Proxy-Authorization Basic, never to the server.",
        via("P", credentials=("alice", "s3cret-pw")),
        proxies={"P": ProxySpec("http", auth=("alice", "s3cret-pw"))},
        env=ENV,
    )
    utf8 = make(
        "HTTP-02",
        "utf8-credentials",
        "Non-ASCII credentials are sent as UTF-8 in Proxy-Authorization.",
        via("P", credentials=("jösé", "pässwörd")),
        proxies={"P": ProxySpec("http", auth=("jösé", "pässwörd"))},
        env=ENV,
    )
    over_tls = make(
        "HTTP-02",
        "https-proxy-credentials",
        "Credentials go to an https:// proxy inside its TLS connection.",
        via("P", credentials=("alice", "s3cret-pw"), proxy_sni=PROXY_HOST),
        proxies={"P": ProxySpec("https", auth=("alice", "s3cret-pw"), url_host=PROXY_HOST)},
        names=(PROXY_HOST,),
        env=ENV,
    )
    return [
        *expand(basic, schemes(), proxy_sources()),
        *expand(utf8, schemes("ws"), proxy_sources()),
        *expand(over_tls, schemes(), proxy_sources()),
    ]


def _http03() -> list[Scenario]:
    ok = via("P", protocol="http")
    answer = fails("proxy-answer", route="proxy", proxy="P")
    both: tuple[Scheme, ...] = ("ws", "wss")

    def rejected(status: str) -> Expect:
        return fails("proxy-rejected", route="proxy", proxy="P", error_mentions=(status,))

    said = "answer is a proxy-rejected error naming the status."
    # fmt: off
    rows: list[tuple[str, str, str, Expect, tuple[Scheme, ...]]] = [
        ("status-204", "reply:204", "A 204 answer opens the tunnel.", ok, both),
        ("http-1.0", "http_version:HTTP/1.0", "An HTTP/1.0 answer opens the tunnel.", ok, both),
        ("status-407", "reply:407", f"A 407 {said}", rejected("407"), ("ws",)),
        ("status-403", "reply:403", f"A 403 {said}", rejected("403"), ("ws",)),
        ("status-502", "reply:502", f"A 502 {said}", rejected("502"), ("ws",)),
        ("garbage", "garbage", "A malformed answer is a proxy-answer error.", answer, ("ws",)),
        ("closed", "close_after:0", "A proxy that closes without answering is a proxy-answer"
         " error.", answer, ("ws",)),
    ]
    # fmt: on
    result = []
    for slug, fault, description, expect, which in rows:
        base = make(
            "HTTP-03",
            slug,
            description,
            expect,
            proxies={"P": ProxySpec("http", fault=fault)},
            env=ENV,
        )
        result += expand(base, schemes(*which), proxy_sources())
    return result


def _http04() -> list[Scenario]:
    by_name = make(
        "HTTP-04",
        "sni-is-proxy-name",
        "An https:// proxy gets its own host name as SNI and a verified TLS connection.",
        via("P", protocol="http", proxy_sni=PROXY_HOST),
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
    )
    by_address = make(
        "HTTP-04",
        "no-sni-for-address",
        "An https:// proxy given by IP address gets no SNI (RFC 6066).",
        via("P", protocol="http", proxy_sni=None),
        proxies={"P": SPEC["https"]},
        env=ENV,
    )
    override = make(
        "HTTP-04",
        "sni-override",
        "proxy_server_hostname replaces the proxy's host name as SNI.",
        via("P", protocol="http", proxy_sni="other.example"),
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
        options={"proxy_server_hostname": "other.example"},
    )
    return [
        *expand(by_name, schemes(), proxy_sources()),
        *expand(by_address, schemes("ws"), proxy_sources()),
        *expand(override, schemes("ws"), proxy_sources()),
    ]


def _http05() -> list[Scenario]:
    end_to_end = make(
        "HTTP-05",
        "tls-end-to-end",
        "wss:// through an HTTP proxy sends the server's name as SNI inside the tunnel.",
        via("P", protocol="http", server_sni=HOST),
        proxies={"P": SPEC["http"]},
        env=ENV,
    )
    untrusted = make(
        "HTTP-05",
        "untrusted-server",
        "wss:// through an HTTP proxy checks the server's certificate: server-tls.",
        fails("server-tls", route="proxy", proxy="P"),
        proxies={"P": SPEC["http"]},
        env=ENV,
        untrusted_certificate=True,
    )
    return [
        *expand(end_to_end, schemes("wss"), proxy_sources()),
        *expand(untrusted, schemes("wss"), proxy_sources()),
    ]


def _http06() -> list[Scenario]:
    both = via("P", protocol="http", proxy_sni=PROXY_HOST, server_sni=HOST)
    explicit = make(
        "HTTP-06",
        "explicit-tls",
        "TLS-in-TLS (https:// proxy, wss:// server) works with explicit trust for each hop.",
        both,
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
    )
    default = make(
        "HTTP-06",
        "default-tls",
        "TLS-in-TLS works with the client's default TLS settings (test CAs in its default trust).",
        both,
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
        default_trust=True,
    )
    return [
        *expand(explicit, schemes("wss"), proxy_sources()),
        *expand(default, schemes("wss"), proxy_sources()),
    ]


def _http07() -> list[Scenario]:
    untrusted_proxy = make(
        "HTTP-07",
        "untrusted-proxy",
        "An https:// proxy with a certificate the client does not trust is a proxy-tls error.",
        fails("proxy-tls", route="proxy", proxy="P"),
        proxies={"P": ProxySpec("https", url_host=PROXY_HOST, trusted=False)},
        names=(PROXY_HOST,),
        env=ENV,
    )
    untrusted_server = make(
        "HTTP-07",
        "untrusted-server-via-https-proxy",
        "Behind a trusted https:// proxy, an untrusted server certificate is a server-tls error.",
        fails("server-tls", route="proxy", proxy="P"),
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
        untrusted_certificate=True,
    )
    apart = make(
        "HTTP-07",
        "each-ca-for-its-hop",
        "The proxy CA (only for the proxy) and the server CA (only for the server) suffice.",
        via("P", protocol="http", proxy_sni=PROXY_HOST, server_sni=HOST),
        proxies={"P": HTTPS},
        names=(PROXY_HOST,),
        env=ENV,
    )
    return [
        *expand(untrusted_proxy, schemes(), proxy_sources()),
        *expand(untrusted_server, schemes("wss"), proxy_sources()),
        *expand(apart, schemes("wss"), proxy_sources()),
    ]


def _http08() -> list[Scenario]:
    user_agent = make(
        "HTTP-08",
        "user-agent",
        "Records the User-Agent of the CONNECT request, if any.",
        via("P", protocol="http"),
        proxies={"P": SPEC["http"]},
        env=ENV,
    )
    extra = make(
        "HTTP-08",
        "handshake-headers-stay-out",
        "Records whether extra handshake headers also appear in the CONNECT request.",
        via("P", protocol="http"),
        proxies={"P": SPEC["http"]},
        env=ENV,
        options={"additional_headers": {"X-Handshake-Only": "yes"}},
    )
    return [
        *expand(user_agent, schemes("ws"), proxy_sources()),
        *expand(extra, schemes("ws"), proxy_sources()),
    ]
