"""Tests for the curl-cffi client (clients/curl-cffi/agent.py) and its agent."""

from __future__ import annotations

import importlib.resources
import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios


@pytest.fixture(scope="module")
def program() -> ModuleType:
    """The client program, loaded as a module (it is package data, not a package)."""
    path = Path(str(importlib.resources.files("proxyharness") / "clients" / "curl-cffi"))
    spec = importlib.util.spec_from_file_location("curl_cffi_client", path / "agent.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def request(**fields: Any) -> dict[str, Any]:
    return {"uri": "wss://www.example.com:4443/", "proxy": True, "hosts": {}, **fields}


def test_resolve_entries(program: ModuleType) -> None:
    """Each name of the hosts table on every port the call may dial; IPv6 in brackets."""
    hosts = {"www.example.com": "127.0.0.1", "proxy.example": "::1"}
    environ = {"https_proxy": "http://proxy.example:3128", "no_proxy": "x:9", "HOME": "/"}
    entries = program.resolve_entries(request(hosts=hosts), environ)
    assert "www.example.com:4443:127.0.0.1" in entries
    assert "proxy.example:3128:[::1]" in entries
    assert not any(entry.split(":")[1] == "9" for entry in entries)
    explicit = program.resolve_entries(request(hosts=hosts, proxy="socks5h://proxy.example"), {})
    assert "proxy.example:1080:[::1]" in explicit


def test_resolve_entries_empty(program: ModuleType) -> None:
    """Without a hosts table libcurl resolves every name itself: no CURLOPT_RESOLVE."""
    assert program.resolve_entries(request(), {"https_proxy": "http://p:1"}) == []


@pytest.mark.parametrize(
    ("code", "message", "uri", "kind"),
    [
        (28, "curl: (28) Connection timed out after 251 milliseconds", "ws://h/", "timeout"),
        (56, "curl: (56) CONNECT tunnel failed, response 407", "ws://h/", "proxy-rejected"),
        (97, "curl: (97) cannot complete SOCKS5 connection to h. (5)", "ws://h/", "proxy-rejected"),
        (
            97,
            "curl: (97) Received invalid version in initial SOCKS5 response.",
            "ws://h/",
            "proxy-answer",
        ),
        (60, "curl: (60) SSL certificate problem", "ws://h/", "proxy-tls"),
        (60, "curl: (60) SSL certificate problem", "wss://h/", "tls"),
        (
            7,
            "curl: (7) Failed to connect to h port 8080 after 0 ms",
            "ws://h:8080/",
            "server-failed",
        ),
        (
            7,
            "curl: (7) Failed to connect to p port 3128 after 0 ms",
            "ws://h:8080/",
            "proxy-refused",
        ),
        (52, "curl: (52) Empty reply from server", "ws://h/", "lost"),
        (99, "curl: (99) something else", "ws://h/", "unknown"),
    ],
)
@pytest.mark.interop
def test_error_kind(
    program: ModuleType,
    missing: Callable[[str], NoReturn],
    code: int,
    message: str,
    uri: str,
    kind: str,
) -> None:
    """libcurl's code and message give the kind; the hop only when they tell it."""
    if importlib.util.find_spec("curl_cffi") is None:
        missing("curl-cffi is not installed: pip install 'proxyharness[curl-cffi]'")
    from curl_cffi import CurlError

    assert program.error_kind(CurlError(message, code), uri) == kind


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner() as running:
        yield running


@pytest.mark.interop
@pytest.mark.parametrize(
    ("scenario_id", "expected"),
    [
        ("SEL-06.nothing-configured[ws]", Verdict.PASS),
        ("SEL-03.wss-proxy-first[wss,lower]", Verdict.PASS),
        ("SEL-11.overrides-environment[wss]", Verdict.PASS),
        # libcurl falls back to all_proxy (lib/url.c detect_proxy).
        ("SEL-09.all-proxy-ignored[wss]", Verdict.FAIL),
    ],
)
def test_curl_cffi_agent(
    runner: Runner, missing: Callable[[str], NoReturn], scenario_id: str, expected: Verdict
) -> None:
    """curl-cffi on scenarios of the catalog: libcurl reads the variables itself."""
    agent = get_agent("curl-cffi")
    reason = agent.available()
    if reason is not None:
        missing(reason)
    (scenario,) = [s for s in all_scenarios() if s.id == scenario_id]
    case = runner.run_case(scenario, agent)
    assert case.verdict is expected, (case.reason, case.diff, case.client_error)
