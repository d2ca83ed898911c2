"""SEL: where the client looks for a proxy and in what order (SEL-01 to SEL-06), and
the explicit ``proxy`` argument and sockets (SEL-11 to SEL-13).

How variable names and values are read (SEL-07 to SEL-10) is in
:mod:`.selection_variables`. Environment-only scenarios run for ``ws`` and ``wss``,
under each variable-name spelling where names matter, and under the macOS and Windows
profiles with an OS proxy configured that must not be used (the environment switches it
off, SEL-02).
"""

from __future__ import annotations

from ..build import (
    MACOS_REPORTS_SOCKS,
    SPEC,
    direct,
    macos,
    make,
    os_proxy,
    socks_fields,
    via,
    windows,
)
from ..matrix import expand, no_proxy_forms, os_profiles, own_os, schemes, spellings
from ..model import Expect, OsProfile, Scenario, Scheme

__all__ = ["scenarios"]

HTTP = SPEC["http"]
SOCKS5H = SPEC["socks5h"]
#: Every location at once, each a different proxy.
ALL_LOCATIONS = {
    "wss_proxy": "{WSS.url}",
    "ws_proxy": "{WS.url}",
    "socks_proxy": "{SOCKS.url}",
    "https_proxy": "{HTTPS.url}",
    "http_proxy": "{HTTP.url}",
}
ALL_PROXIES = {"WSS": HTTP, "WS": HTTP, "SOCKS": SOCKS5H, "HTTPS": HTTP, "HTTP": HTTP}


def scenarios() -> list[Scenario]:
    """The SEL scenarios of this module (SEL-01 to SEL-06, SEL-11 to SEL-13), expanded."""
    return [
        *_sel01(),
        *_sel02(),
        *_sel03(),
        *_sel04(),
        *_sel05(),
        *_sel06(),
        *_sel11(),
        *_sel12(),
        *_sel13(),
    ]


def _sel01() -> list[Scenario]:
    base = make(
        "SEL-01",
        "no-proxy",
        "no_proxy decides whether the proxy is bypassed.",
        via("P"),
        proxies={"P": HTTP},
        env={"https_proxy": "{P.url}"},
    )
    representative = [
        form
        for form in no_proxy_forms(direct())
        if form.label in ("exact-host", "not-a-suffix", "host-port")
    ]
    first = make(
        "SEL-01",
        "bypass-before-every-location",
        "A matching no_proxy wins over every proxy location.",
        direct(),
        proxies=ALL_PROXIES,
        env={**ALL_LOCATIONS, "no_proxy": "example.com"},
    )
    return [
        *expand(base, schemes(), no_proxy_forms(direct())),
        *expand(base, schemes(), tuple(representative), os_profiles("macos", "windows")),
        *expand(first, schemes(), os_profiles()),
    ]


def _sel02() -> list[Scenario]:
    """Any ``*_proxy`` variable switches the OS configuration off; an empty one does not."""
    env_first = make(
        "SEL-02",
        "environment-first",
        "An https_proxy variable is used and the OS proxy is ignored.",
        via("P"),
        proxies={"P": HTTP, "OS": HTTP},
        env={"https_proxy": "{P.url}"},
    )
    lone_no_proxy = make(
        "SEL-02",
        "lone-no-proxy",
        "A lone no_proxy that matches nothing still switches the OS proxy off.",
        direct(),
        proxies={"OS": HTTP},
        env={"no_proxy": "other.example"},
    )
    other_variable = make(
        "SEL-02",
        "unrelated-variable",
        "An ftp_proxy variable switches the OS proxy off, and is not used.",
        direct(),
        proxies={"OS": HTTP},
        env={"ftp_proxy": "http://127.0.0.1:{closed.port}"},
    )
    os_bypass_off = make(
        "SEL-02",
        "os-bypass-ignored",
        "With https_proxy set, the OS bypass list that matches the server is ignored.",
        via("P"),
        proxies={"P": HTTP, "OS": HTTP},
        env={"https_proxy": "{P.url}"},
    )
    empty = make(
        "SEL-02",
        "empty-variable-keeps-os",
        "An empty https_proxy is no variable at all: the OS proxy is used.",
        via("OS"),
        proxies={"OS": HTTP},
        env={"https_proxy": ""},
    )
    result = []
    for os_name, bypass in (("macos", "*.example.com*"), ("windows", "*.example.com")):
        profile = os_proxy(os_name)
        result += [
            *expand(env_first, schemes(), spellings("lower", "upper"), own_os(profile)),
            *expand(lone_no_proxy, schemes(), spellings("lower", "upper"), own_os(profile)),
            *expand(other_variable, schemes(), own_os(profile)),
            *expand(os_bypass_off, schemes(), own_os(os_proxy(os_name, bypass=bypass))),
            *expand(empty, schemes(), own_os(profile)),
        ]
    return result


def _sel03() -> list[Scenario]:
    first = make(
        "SEL-03",
        "wss-proxy-first",
        "For wss://, wss_proxy wins over the SOCKS, https and http locations.",
        via("WSS"),
        proxies=ALL_PROXIES,
        env=ALL_LOCATIONS,
    )
    https = make(
        "SEL-03",
        "https-proxy",
        "For wss://, https_proxy alone is used.",
        via("HTTPS"),
        proxies={"HTTPS": HTTP},
        env={"https_proxy": "{HTTPS.url}"},
    )
    ws_only = make(
        "SEL-03",
        "ws-proxy-not-for-wss",
        "ws_proxy plays no part for wss://.",
        direct(),
        proxies={"WS": HTTP},
        env={"ws_proxy": "{WS.url}"},
    )
    return [
        *expand(first, schemes("wss"), spellings(), os_profiles()),
        *expand(https, schemes("wss"), os_profiles()),
        *expand(ws_only, schemes("wss"), spellings("lower", "upper"), os_profiles()),
        *_socks_before_https("SEL-03", "wss"),
    ]


def _sel04() -> list[Scenario]:
    first = make(
        "SEL-04",
        "ws-proxy-first",
        "For ws://, ws_proxy wins over the SOCKS, https and http locations.",
        via("WS"),
        proxies=ALL_PROXIES,
        env=ALL_LOCATIONS,
    )
    https_first = make(
        "SEL-04",
        "https-before-http",
        "For ws://, https_proxy wins over http_proxy.",
        via("HTTPS"),
        proxies={"HTTPS": HTTP, "HTTP": HTTP},
        env={"https_proxy": "{HTTPS.url}", "http_proxy": "{HTTP.url}"},
    )
    http = make(
        "SEL-04",
        "http-proxy",
        "For ws://, http_proxy alone is used.",
        via("HTTP"),
        proxies={"HTTP": HTTP},
        env={"http_proxy": "{HTTP.url}"},
    )
    wss_only = make(
        "SEL-04",
        "wss-proxy-not-for-ws",
        "wss_proxy plays no part for ws://.",
        direct(),
        proxies={"WSS": HTTP},
        env={"wss_proxy": "{WSS.url}"},
    )
    return [
        *expand(first, schemes("ws"), spellings(), os_profiles()),
        *expand(https_first, schemes("ws"), spellings()),
        *expand(https_first, schemes("ws"), os_profiles("macos", "windows")),
        *expand(http, schemes("ws"), spellings("lower", "upper")),
        *expand(wss_only, schemes("ws"), spellings("lower", "upper"), os_profiles()),
        *_socks_before_https("SEL-04", "ws"),
    ]


def _socks_before_https(rule: str, scheme: Scheme) -> list[Scenario]:
    """The OS SOCKS proxy comes before https_proxy (and http_proxy), in each OS's shape."""
    socks_wins = via("SOCKS", **socks_fields("socks5h"))
    cases: list[tuple[OsProfile, dict[str, str], Expect]] = [
        # Linux: the socks_proxy variable is the OS SOCKS location (OS-01).
        (
            OsProfile("linux"),
            {
                "socks_proxy": "{SOCKS.url}",
                "https_proxy": "{HTTPS.url}",
                "http_proxy": "{HTTP.url}",
            },
            socks_wins,
        ),
        # macOS reports its SOCKS proxy from Python 3.12 on; before, https is first.
        (
            macos(http="HTTP", https="HTTPS", socks="SOCKS"),
            {},
            socks_wins if MACOS_REPORTS_SOCKS else via("HTTPS", protocol="http"),
        ),
        (
            windows("http={HTTP.netloc};https={HTTPS.netloc};socks={SOCKS.netloc}"),
            {},
            socks_wins,
        ),
    ]
    result = []
    for profile, env, expect in cases:
        base = make(
            rule,
            "socks-before-https",
            "The OS-configured SOCKS proxy wins over the https and http proxies.",
            expect,
            proxies={"SOCKS": SOCKS5H, "HTTPS": HTTP, "HTTP": HTTP},
            env=env,
            os=profile,
        )
        result += expand(base, schemes(scheme), own_os(profile))
    return result


def _sel05() -> list[Scenario]:
    env_only = make(
        "SEL-05",
        "http-proxy-never-for-wss",
        "http_proxy alone gives wss:// a direct connection.",
        direct(),
        proxies={"HTTP": HTTP},
        env={"http_proxy": "{HTTP.url}"},
    )
    result = expand(env_only, schemes("wss"), spellings(), os_profiles())
    for profile in (macos(http="HTTP"), windows("http={HTTP.netloc}")):
        base = make(
            "SEL-05",
            "os-http-proxy-never-for-wss",
            "An OS-configured HTTP proxy alone gives wss:// a direct connection.",
            direct(),
            proxies={"HTTP": HTTP},
            os=profile,
        )
        result += expand(base, schemes("wss"), own_os(base.given.os))
    return result


def _sel06() -> list[Scenario]:
    result = []
    profiles = (
        OsProfile("linux"),
        macos(http="OS", https="OS", socks="OS", disabled=True),
        windows("{OS.netloc}", enable=0),
    )
    for profile in profiles:
        base = make(
            "SEL-06",
            "nothing-configured",
            "With no proxy configured (OS entries disabled), the client connects directly.",
            direct(),
            proxies={} if profile.os == "linux" else {"OS": HTTP},
            os=profile,
        )
        result += expand(base, schemes(), own_os(base.given.os))
    unrelated = make(
        "SEL-06",
        "no-location-set",
        "Variables that are no location for the scheme leave a direct connection.",
        direct(),
        env={"ftp_proxy": "http://127.0.0.1:{closed.port}", "no_proxy": "other.example"},
    )
    return [*result, *expand(unrelated, schemes(), os_profiles())]


def _sel11() -> list[Scenario]:
    explicit = {"E": HTTP}
    over_env = make(
        "SEL-11",
        "overrides-environment",
        "An explicit proxy is used although every proxy variable is set.",
        via("E"),
        proxies={**explicit, **ALL_PROXIES},
        env=ALL_LOCATIONS,
        proxy="{E.url}",
    )
    over_no_proxy = make(
        "SEL-11",
        "overrides-no-proxy",
        "An explicit proxy is used although no_proxy=* bypasses everything.",
        via("E"),
        proxies={**explicit, "P": HTTP},
        env={"https_proxy": "{P.url}", "no_proxy": "*"},
        proxy="{E.url}",
    )
    socks = make(
        "SEL-11",
        "explicit-socks5h",
        "An explicit socks5h:// proxy is used as SOCKS5 with the host name.",
        via("E", **socks_fields("socks5h")),
        proxies={"E": SOCKS5H, "P": HTTP},
        env={"https_proxy": "{P.url}"},
        proxy="{E.url}",
    )
    result = [
        *expand(over_env, schemes(), os_profiles()),
        *expand(over_no_proxy, schemes()),
        *expand(socks, schemes()),
    ]
    for os_name, bypass in (("macos", "*"), ("windows", "*")):
        base = make(
            "SEL-11",
            "overrides-os-bypass",
            "An explicit proxy is used although the OS bypass list matches everything.",
            via("E"),
            proxies={**explicit, "OS": HTTP},
            os=os_proxy(os_name, bypass=bypass),
            proxy="{E.url}",
        )
        result += expand(base, schemes(), own_os(base.given.os))
    return result


def _sel12() -> list[Scenario]:
    over_env = make(
        "SEL-12",
        "disables-environment",
        "proxy=None connects directly although every proxy variable is set.",
        direct(),
        proxies=ALL_PROXIES,
        env=ALL_LOCATIONS,
        proxy=None,
    )
    result = expand(over_env, schemes(), os_profiles())
    for os_name in ("macos", "windows"):
        base = make(
            "SEL-12",
            "disables-os",
            "proxy=None connects directly although an OS proxy is configured.",
            direct(),
            proxies={"OS": HTTP},
            os=os_proxy(os_name),
            proxy=None,
        )
        result += expand(base, schemes(), own_os(base.given.os))
    return result


def _sel13() -> list[Scenario]:
    base = make(
        "SEL-13",
        "caller-socket",
        "A connection over a socket the caller supplies uses no proxy, https_proxy or not.",
        direct(),
        proxies={"P": HTTP},
        env={"https_proxy": "{P.url}"},
        # The agent connects a socket to the server itself and hands it to the client.
        options={"caller_socket": True},  # requires sock-arg
    )
    return expand(base, schemes())
