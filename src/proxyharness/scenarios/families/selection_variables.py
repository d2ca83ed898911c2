"""SEL-07 to SEL-10: how variable names and values are read.

The spelling of a name (SEL-07), the scheme inside a value (SEL-08), ``all_proxy``
(SEL-09) and the CGI guard (SEL-10); the lookup order itself is in :mod:`.selection`.
Environment-only scenarios run for ``ws`` and ``wss``, under each spelling where names
matter, and under the macOS and Windows profiles where the OS proxy must stay unused.
"""

from __future__ import annotations

from ..build import SPEC, direct, make, os_proxy, socks_fields, via
from ..matrix import expand, os_profiles, own_os, schemes, spellings
from ..model import Expect, OsProfile, ProxySpec, Scenario

__all__ = ["scenarios"]

HTTP = SPEC["http"]
SOCKS5H = SPEC["socks5h"]


def scenarios() -> list[Scenario]:
    """The SEL-07 to SEL-10 scenarios, expanded."""
    return [*_sel07(), *_sel08(), *_sel09(), *_sel10()]


def _sel07() -> list[Scenario]:
    any_spelling = make(
        "SEL-07",
        "any-spelling",
        "https_proxy is found in any spelling; of two spellings the lower-case one wins.",
        via("P"),
        proxies={"P": HTTP},
        env={"https_proxy": "{P.url}"},
    )
    no_proxy = make(
        "SEL-07",
        "no-proxy-any-spelling",
        "no_proxy is honoured in any spelling; of two spellings the lower-case one wins.",
        direct(),
        proxies={"P": HTTP},
        env={"https_proxy": "{P.url}", "no_proxy": "example.com"},
    )
    removes = make(
        "SEL-07",
        "empty-lower-removes",
        "An empty https_proxy removes HTTPS_PROXY: nothing is left, so no proxy is used.",
        direct(),
        proxies={"P": HTTP},
        env={"HTTPS_PROXY": "{P.url}", "https_proxy": ""},
    )
    # On macOS the same environment leaves no variable at all: the OS proxy applies.
    removes_macos = make(
        "SEL-07",
        "empty-lower-removes",
        "An empty https_proxy removes HTTPS_PROXY; with no variable left the OS proxy is used.",
        via("OS"),
        proxies={"P": HTTP, "OS": HTTP},
        env={"HTTPS_PROXY": "{P.url}", "https_proxy": ""},
        os=os_proxy("macos"),
    )
    falls_through = make(
        "SEL-07",
        "empty-lower-falls-through",
        "An empty https_proxy removes HTTPS_PROXY, so ws:// falls through to http_proxy.",
        via("HTTP"),
        proxies={"HTTPS": HTTP, "HTTP": HTTP},
        env={"HTTPS_PROXY": "{HTTPS.url}", "https_proxy": "", "http_proxy": "{HTTP.url}"},
    )
    upper_empty = make(
        "SEL-07",
        "empty-upper-ignored",
        "An empty HTTPS_PROXY does not remove https_proxy.",
        via("P"),
        proxies={"P": HTTP},
        env={"https_proxy": "{P.url}", "HTTPS_PROXY": ""},
    )
    return [
        # Windows upper-cases every name, so each single spelling works there too.
        *expand(any_spelling, schemes(), spellings(), os_profiles("linux", "windows")),
        *expand(no_proxy, schemes(), spellings()),
        # Two spellings of one name: the Windows profile is skipped by os_profiles().
        *expand(removes, schemes(), os_profiles("linux", "windows")),
        *expand(removes_macos, schemes(), own_os(removes_macos.given.os)),
        *expand(falls_through, schemes("ws"), os_profiles()),
        *expand(upper_empty, schemes(), os_profiles()),
    ]


def _sel08() -> list[Scenario]:
    https_socks = make(
        "SEL-08",
        "https-proxy-holds-socks5h",
        "https_proxy=socks5h://... makes a SOCKS5 proxy that receives the host name.",
        via("S", **socks_fields("socks5h")),
        proxies={"S": SOCKS5H},
        env={"https_proxy": "{S.url}"},
    )
    wss_http = make(
        "SEL-08",
        "wss-proxy-holds-http",
        "wss_proxy=http://... makes an HTTP proxy for wss://.",
        via("H", protocol="http"),
        proxies={"H": HTTP},
        env={"wss_proxy": "{H.url}"},
    )
    wss_socks4a = make(
        "SEL-08",
        "wss-proxy-holds-socks4a",
        "wss_proxy=socks4a://... makes a SOCKS4a proxy for wss://.",
        via("S", **socks_fields("socks4a")),
        proxies={"S": SPEC["socks4a"]},
        env={"wss_proxy": "{S.url}"},
    )
    http_socks4 = make(
        "SEL-08",
        "http-proxy-holds-socks4",
        "http_proxy=socks4://... makes a SOCKS4 proxy for ws://.",
        via("S", **socks_fields("socks4")),
        proxies={"S": SPEC["socks4"]},
        env={"http_proxy": "{S.url}"},
    )
    ws_https = make(
        "SEL-08",
        "ws-proxy-holds-https",
        "ws_proxy=https://... makes an HTTPS proxy for ws://.",
        via("H", protocol="http", proxy_sni="proxy.example"),
        proxies={"H": ProxySpec("https", url_host="proxy.example")},
        names=("proxy.example",),
        env={"ws_proxy": "{H.url}"},
    )
    return [
        *expand(https_socks, schemes(), os_profiles()),
        *expand(wss_http, schemes("wss"), os_profiles()),
        *expand(wss_socks4a, schemes("wss")),
        *expand(http_socks4, schemes("ws")),
        *expand(ws_https, schemes("ws")),
    ]


def _sel09() -> list[Scenario]:
    ignored = make(
        "SEL-09",
        "all-proxy-ignored",
        "all_proxy is never used: the client connects directly.",
        direct(),
        proxies={"ALL": HTTP},
        env={"all_proxy": "{ALL.url}"},
    )
    not_fallback = make(
        "SEL-09",
        "all-proxy-beside-https-proxy",
        "With all_proxy and https_proxy set, https_proxy is used.",
        via("P"),
        proxies={"ALL": HTTP, "P": HTTP},
        env={"all_proxy": "{ALL.url}", "https_proxy": "{P.url}"},
    )
    return [
        *expand(ignored, schemes(), os_profiles()),
        *expand(ignored, schemes(), spellings("upper")),
        *expand(not_fallback, schemes()),
    ]


def _sel10() -> list[Scenario]:
    """CGI: urllib drops HTTP_PROXY (Windows: every http proxy) under REQUEST_METHOD."""
    cases: list[tuple[str, str, dict[str, str], OsProfile, Expect]] = [
        (
            "upper-case-dropped",
            "Under CGI an upper-case HTTP_PROXY is ignored: ws:// connects directly.",
            {"REQUEST_METHOD": "GET", "HTTP_PROXY": "{HTTP.url}"},
            OsProfile("linux"),
            direct(),
        ),
        (
            "empty-request-method",
            "An empty REQUEST_METHOD counts too: HTTP_PROXY is ignored.",
            {"REQUEST_METHOD": "", "HTTP_PROXY": "{HTTP.url}"},
            OsProfile("linux"),
            direct(),
        ),
        (
            "lower-case-kept",
            "Under CGI a lower-case http_proxy is still used.",
            {"REQUEST_METHOD": "GET", "http_proxy": "{HTTP.url}"},
            OsProfile("linux"),
            via("HTTP"),
        ),
        (
            "https-proxy-kept",
            "Under CGI HTTPS_PROXY is still used.",
            {"REQUEST_METHOD": "GET", "HTTPS_PROXY": "{HTTPS.url}"},
            OsProfile("linux"),
            via("HTTPS"),
        ),
        (
            "upper-case-dropped",
            "Under CGI HTTP_PROXY is dropped, which leaves no variable: the OS proxy is used.",
            {"REQUEST_METHOD": "GET", "HTTP_PROXY": "{HTTP.url}"},
            os_proxy("macos"),
            via("OS"),
        ),
        (
            "lower-case-dropped",
            "On Windows even http_proxy is dropped under CGI, so the OS proxy is used.",
            {"REQUEST_METHOD": "GET", "http_proxy": "{HTTP.url}"},
            os_proxy("windows"),
            via("OS"),
        ),
    ]
    result = []
    for slug, description, env, profile, expect in cases:
        used = [name for name in ("HTTP", "HTTPS") if any(name + "." in v for v in env.values())]
        proxies = dict.fromkeys(used, HTTP) | ({} if profile.os == "linux" else {"OS": HTTP})
        base = make("SEL-10", slug, description, expect, proxies=proxies, env=env, os=profile)
        result += expand(base, schemes("ws"), own_os(base.given.os))
    return result
