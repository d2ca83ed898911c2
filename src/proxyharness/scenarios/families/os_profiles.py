"""OS: operating-system proxy configuration (OS-01 to OS-04).

Profiles are emulated by ``fixtures.config.os_config``; the settings are its JSON form
(without ``os``). Expectations follow urllib as the running Python has it:

- macOS reports a SOCKS proxy from Python 3.12 on (``MACOS_REPORTS_SOCKS``): before,
  the SOCKS entry is invisible and the expectation is what the rest of the
  configuration gives;
- macOS exceptions are ``fnmatch``-ed against ``host:port`` (urllib's
  ``_proxy_bypass_macosx_sysconf``), so gated globs end in ``*``; a glob without it is
  recorded under OS-04;
- Windows ``ProxyOverride`` entries in gated scenarios match the same way under the
  old regex matcher and the gh-115197 ``fnmatch`` one (``WINDOWS_OVERRIDE_FNMATCH``);
  those that differ are OS-04 (info), with the expectation of the matcher this Python
  has;
- name look-ups inside the OS bypass functions go through the emulation's offline
  resolver: only IP literals and ``localhost`` resolve there.
"""

from __future__ import annotations

import dataclasses

from ..build import (
    HOST,
    MACOS_REPORTS_SOCKS,
    SPEC,
    WINDOWS_OVERRIDE_FNMATCH,
    direct,
    macos,
    make,
    socks_fields,
    via,
    windows,
)
from ..matrix import Dimension, Variant, expand, own_os, schemes
from ..model import Expect, OsProfile, ProxySpec, Scenario, Scheme

__all__ = ["MACOS_EXCEPTIONS", "WINDOWS_OVERRIDES", "scenarios"]

HTTP = SPEC["http"]


def scenarios() -> list[Scenario]:
    """Every OS scenario, expanded."""
    return [*_os01(), *_os02(), *_os03(), *_os04()]


def _os01() -> list[Scenario]:
    socks5h = via("S", **socks_fields("socks5h"))
    macos_socks = make(
        "OS-01",
        "socks",
        "A macOS SOCKS proxy (reported as http://host:port) is used as SOCKS5h"
        " (Python >= 3.12 reports it; older ones do not, so the client connects directly).",
        socks5h if MACOS_REPORTS_SOCKS else direct(),
        proxies={"S": SPEC["socks5"]},
        os=macos(socks="S"),
    )
    windows_socks = make(
        "OS-01",
        "socks",
        "A Windows ProxyServer socks=host:port (reported as socks://) is used as SOCKS5h.",
        socks5h,
        proxies={"S": SPEC["socks5"]},
        os=windows("socks={S.netloc}"),
    )
    result = [
        *expand(macos_socks, schemes(), own_os(macos_socks.given.os)),
        *expand(windows_socks, schemes(), own_os(windows_socks.given.os)),
    ]
    linux: list[tuple[str, tuple[Scheme, ...]]] = [
        ("socks5", ("ws", "wss")),
        ("socks4a", ("ws", "wss")),
        ("socks5h", ("ws",)),
        ("socks4", ("ws",)),
    ]
    for scheme, which in linux:
        base = make(
            "OS-01",
            f"socks-proxy-variable-{scheme}",
            f"On Linux socks_proxy={scheme}://... keeps its scheme.",
            via("S", **socks_fields(scheme)),
            proxies={"S": SPEC[scheme]},
            env={"socks_proxy": "{S.url}"},
        )
        result += expand(base, schemes(*which))
    return result


# -- OS-02: bypass lists ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BypassRow:
    """A target host, an OS bypass setting, and whether the host is bypassed."""

    label: str
    host: str
    bypass: bool
    #: macOS: exceptions; Windows: ProxyOverride.
    entries: tuple[str, ...] | str
    exclude_simple: bool = False


# fmt: off
MACOS_EXCEPTIONS: tuple[BypassRow, ...] = (
    #        label                  host               bypass  exceptions   exclude_simple
    BypassRow("glob",               HOST,              True,   ("*.example.com*",)),
    BypassRow("glob-other",         HOST,              False,  ("*.other.example*",)),
    BypassRow("host-and-port",      HOST,              True,   ("www.example.com:{server.port}",)),
    BypassRow("ipv4-prefix",        "127.0.0.1",       True,   ("127",)),
    BypassRow("ipv4-prefix-length", "127.0.0.1",       True,   ("10.1", "127.0/16")),
    BypassRow("ipv4-other-prefix",  "127.0.0.1",       False,  ("10.1", "169.254/16")),
    BypassRow("exclude-simple",     "intranet",        True,   (),                        True),
    BypassRow("simple-not-excluded", "intranet",       False,  ()),
    BypassRow("exclude-simple-dotted", HOST,           False,  (),                        True),
)
WINDOWS_OVERRIDES: tuple[BypassRow, ...] = (
    #        label          host          bypass  ProxyOverride
    BypassRow("local",       "intranet",   True,   "<local>"),
    BypassRow("local-dotted", HOST,        False,  "<local>"),
    BypassRow("glob",        HOST,         True,   "*.example.com"),
    BypassRow("exact",       HOST,         True,   "www.example.com"),
    BypassRow("list",        HOST,         True,   "other.example;*.example.com"),
    BypassRow("other",       HOST,         False,  "*.other.example;<local>"),
    BypassRow("ipv4-glob",   "127.0.0.1",  True,   "127.0.0.*"),
    BypassRow("case",        HOST,         True,   "WWW.EXAMPLE.COM"),
)
# fmt: on


def _bypass_profile(os_name: str, row: BypassRow) -> OsProfile:
    if os_name == "macos":
        assert isinstance(row.entries, tuple)
        return macos(http="P", https="P", exceptions=row.entries,
                     exclude_simple=row.exclude_simple)  # fmt: skip
    assert isinstance(row.entries, str)
    return windows("{P.netloc}", row.entries)


def _describe(os_name: str, row: BypassRow) -> str:
    if os_name == "windows":
        return f"Windows ProxyOverride {row.entries!r}"
    parts = [f"exceptions {list(row.entries)}"] if row.entries else []
    parts.append("exclude_simple" if row.exclude_simple else "exclude_simple off")
    return "macOS " + " and ".join(parts)


def _bypass_rows(os_name: str, rows: tuple[BypassRow, ...]) -> Dimension:
    """One variant per row: the OS profile, the target, and direct if bypassed."""

    def variant(row: BypassRow) -> Variant:
        description = f"With {_describe(os_name, row)}, {row.host} is reached " + (
            "directly." if row.bypass else "through the OS proxy."
        )

        def apply(scenario: Scenario) -> Scenario:
            return dataclasses.replace(
                scenario,
                description=description,
                given=dataclasses.replace(scenario.given, os=_bypass_profile(os_name, row)),
                target=dataclasses.replace(scenario.target, host=row.host),
                expect=direct() if row.bypass else scenario.expect,
            )

        return Variant(row.label, apply)

    return tuple(variant(row) for row in rows)


def _os02() -> list[Scenario]:
    result = []
    for os_name, rows in (("macos", MACOS_EXCEPTIONS), ("windows", WINDOWS_OVERRIDES)):
        base = make(
            "OS-02",
            "bypass",
            "The OS bypass list decides whether the OS proxy is bypassed.",
            via("P"),
            proxies={"P": HTTP},
        )
        label: Dimension = (Variant(os_name, lambda s: s),)
        result += expand(base, schemes(), _bypass_rows(os_name, rows), label)
    return result


# -- OS-03: HTTP and HTTPS proxies ------------------------------------------------------


def _os03() -> list[Scenario]:
    both = {"HTTP": HTTP, "HTTPS": HTTP}
    # fmt: off
    cases: list[tuple[str, str, OsProfile, dict[str, ProxySpec], Expect, Expect]] = [
        # slug, description, profile, proxies, expected for ws, for wss
        ("http-only", "A macOS HTTP proxy serves ws:// only.",
         macos(http="HTTP"), {"HTTP": HTTP}, via("HTTP"), direct()),
        ("https-only", "A macOS HTTPS proxy serves ws:// and wss://.",
         macos(https="HTTPS"), {"HTTPS": HTTP}, via("HTTPS"), via("HTTPS")),
        ("http-and-https", "With macOS HTTP and HTTPS proxies, the HTTPS one serves both.",
         macos(http="HTTP", https="HTTPS"), both, via("HTTPS"), via("HTTPS")),
        ("disabled", "Disabled macOS proxies are not used.",
         macos(http="HTTP", https="HTTPS", disabled=True), both, direct(), direct()),
        ("one-for-all", "A Windows ProxyServer host:port serves ws:// and wss://.",
         windows("{HTTP.netloc}"), {"HTTP": HTTP}, via("HTTP"), via("HTTP")),
        ("per-scheme", "With ProxyServer http=...;https=..., the https one serves both.",
         windows("http={HTTP.netloc};https={HTTPS.netloc}"), both, via("HTTPS"), via("HTTPS")),
        ("http-only", "A Windows ProxyServer http=... serves ws:// only.",
         windows("http={HTTP.netloc}"), {"HTTP": HTTP}, via("HTTP"), direct()),
        ("disabled", "A Windows ProxyServer is not used when ProxyEnable is 0.",
         windows("{HTTP.netloc}", enable=0), {"HTTP": HTTP}, direct(), direct()),
    ]
    # fmt: on
    result = []
    for slug, description, profile, proxies, for_ws, for_wss in cases:
        pairs: tuple[tuple[Scheme, Expect], ...] = (("ws", for_ws), ("wss", for_wss))
        for scheme, expect in pairs:
            if expect.route == "proxy":
                expect = dataclasses.replace(expect, protocol="http")
            base = make("OS-03", slug, description, expect, proxies=proxies, os=profile)
            result += expand(base, schemes(scheme), own_os(profile))
    return result


# -- OS-04: recorded, version-dependent ---------------------------------------------------


def _os04() -> list[Scenario]:
    """Where Python versions (or real macOS DNS) differ; expectations are this Python's."""
    new = WINDOWS_OVERRIDE_FNMATCH
    # fmt: off
    rows: list[tuple[str, str, BypassRow]] = [
        ("windows", "An override entry that is a prefix of the name (regex until 3.12).",
         BypassRow("override-prefix", HOST, not new, "www.example")),
        ("windows", "An override entry matching the reverse name localhost (until 3.12).",
         BypassRow("override-reverse-name", "127.0.0.1", not new, "localhost")),
        ("windows", "An override list with a blank after ';' (trimmed from 3.13).",
         BypassRow("override-blank", HOST, new, "other.example; www.example.com")),
        ("macos", "A glob without a port wildcard never matches host:port.",
         BypassRow("glob-without-port", HOST, False, ("*.example.com",))),
        ("macos", "An IPv4 prefix for a name: older macOS Pythons resolve it via DNS.",
         BypassRow("ipv4-prefix-for-name", HOST, False, ("127",))),
    ]
    # fmt: on
    result = []
    for os_name, description, row in rows:
        base = make(
            "OS-04",
            row.label,
            description,
            direct() if row.bypass else via("P"),
            proxies={"P": HTTP},
            os=_bypass_profile(os_name, row),
            host=row.host,
        )
        result += expand(base, schemes("ws"), own_os(base.given.os))
    return result
