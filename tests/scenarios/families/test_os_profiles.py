"""Tests for scenarios.families.os_profiles: the OS bypass tables agree with urllib."""

from __future__ import annotations

import fnmatch
import re
import urllib.request

import pytest

from proxyharness.fixtures.config.os_config import OsProxyConfig
from proxyharness.scenarios import scenarios_for
from proxyharness.scenarios.build import MACOS_REPORTS_SOCKS, WINDOWS_OVERRIDE_FNMATCH
from proxyharness.scenarios.families import os_profiles
from proxyharness.scenarios.families.os_profiles import (
    MACOS_EXCEPTIONS,
    WINDOWS_OVERRIDES,
    BypassRow,
)

PORT = 8080


def _key(row: BypassRow) -> str:
    return f"{row.host}:{PORT}"


def _entries(row: BypassRow) -> tuple[str, ...]:
    assert isinstance(row.entries, tuple)
    return tuple(entry.replace("{server.port}", str(PORT)) for entry in row.entries)


@pytest.mark.parametrize("row", MACOS_EXCEPTIONS, ids=lambda r: r.label)
def test_macos_rows_follow_urllib(row: BypassRow) -> None:
    """urllib's own _proxy_bypass_macosx_sysconf (defined everywhere) gives each row's result."""
    settings = {"exclude_simple": row.exclude_simple, "exceptions": _entries(row)}
    bypass = vars(urllib.request)["_proxy_bypass_macosx_sysconf"]
    assert bool(bypass(_key(row), settings)) is row.bypass


def _regex_matcher(host: str, override: str) -> bool:
    """Windows up to 3.12: entries as regexes anchored at the start (no DNS here)."""
    for entry in override.split(";"):
        if entry == "<local>" and "." not in host:
            return True
        pattern = entry.replace(".", r"\.").replace("*", r".*").replace("?", r".")
        if re.match(pattern, host, re.IGNORECASE):
            return True
    return False


def _fnmatch_matcher(host: str, override: str) -> bool:
    """Windows from 3.13: trimmed entries fnmatch-ed, case-insensitive."""
    for entry in (e.strip() for e in override.split(";")):
        if entry == "<local>":
            if "." not in host:
                return True
        elif fnmatch.fnmatchcase(host.lower(), entry.lower()):
            return True
    return False


@pytest.mark.parametrize("row", WINDOWS_OVERRIDES, ids=lambda r: r.label)
def test_windows_rows_hold_for_both_matchers(row: BypassRow) -> None:
    """Gated ProxyOverride rows give the same answer before and after gh-115197."""
    assert isinstance(row.entries, str)
    assert _regex_matcher(row.host, row.entries) is row.bypass
    assert _fnmatch_matcher(row.host, row.entries) is row.bypass


@pytest.mark.parametrize("row", WINDOWS_OVERRIDES, ids=lambda r: r.label)
def test_windows_rows_follow_the_emulation(row: BypassRow) -> None:
    """The emulation the runner uses agrees with each row."""
    assert isinstance(row.entries, str)
    config = OsProxyConfig(
        "windows", proxy_enable=1, proxy_server="127.0.0.1:1", proxy_override=row.entries
    )
    assert config.emulated_os_proxy_bypass(_key(row)) is row.bypass


def test_os04_expectations_are_this_pythons() -> None:
    """The recorded Windows rows expect what this Python's matcher answers."""
    windows = [s for s in scenarios_for("OS-04") if s.given.os.os == "windows"]
    assert len(windows) == 3
    for scenario in windows:
        settings = dict(scenario.given.os.settings)
        override = settings["ProxyOverride"]
        assert isinstance(override, str)
        config = OsProxyConfig(
            "windows", proxy_enable=1, proxy_server="127.0.0.1:1", proxy_override=override
        )
        bypass = config.emulated_os_proxy_bypass(f"{scenario.target.host}:{PORT}")
        assert (scenario.expect.route == "direct") is bypass, scenario.id
        matcher = _fnmatch_matcher if WINDOWS_OVERRIDE_FNMATCH else _regex_matcher
        if scenario.target.host != "127.0.0.1":  # the reverse-name row needs a look-up
            assert matcher(scenario.target.host, override) is bypass


def test_macos_socks_follows_the_python_version() -> None:
    """macOS reports its SOCKS proxy from 3.12 on; OS-01 expects accordingly."""
    config = OsProxyConfig("macos", socks=("127.0.0.1", 1080))
    assert ("socks" in config.emulated_os_getproxies()) is MACOS_REPORTS_SOCKS
    for scenario in scenarios_for("OS-01"):
        if scenario.given.os.os == "macos":
            assert (scenario.expect.route == "proxy") is MACOS_REPORTS_SOCKS


def test_holds_the_os_rules() -> None:
    """OS-01 to OS-04."""
    assert {s.rule for s in os_profiles.scenarios()} == {f"OS-{n:02d}" for n in range(1, 5)}
