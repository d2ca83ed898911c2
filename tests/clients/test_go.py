"""Tests for the Go clients (clients/go): go-gorilla and go-nhooyr on catalog scenarios."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest

from proxyharness.harness.agents import Agent
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner() as running:
        yield running


def installed(name: str, missing: Callable[[str], NoReturn]) -> Agent:
    """The agent, or a skip (a failure in CI) saying how to install it."""
    agent = get_agent(name)
    reason = agent.available()
    if reason is not None:
        missing(reason)
    return agent


def verdict(runner: Runner, agent: Agent, scenario_id: str) -> Verdict:
    (scenario,) = [s for s in all_scenarios() if s.id == scenario_id]
    case = runner.run_case(scenario, agent)
    return case.verdict


@pytest.mark.parametrize("name", ["go-gorilla", "go-nhooyr"])
@pytest.mark.parametrize(
    ("scenario_id", "expected"),
    [
        ("SEL-06.nothing-configured[ws]", Verdict.PASS),
        ("SEL-11.overrides-environment[wss]", Verdict.PASS),
        # Go reads https_proxy for wss://, never wss_proxy (httpproxy.FromEnvironment).
        ("SEL-03.wss-proxy-first[wss,lower]", Verdict.FAIL),
        # ProxyFromEnvironment never proxies a loopback literal: N/A on this stage.
        ("SEL-01.no-proxy[wss,ipv4]", Verdict.NA),
    ],
)
def test_go_clients(
    runner: Runner,
    missing: Callable[[str], NoReturn],
    name: str,
    scenario_id: str,
    expected: Verdict,
) -> None:
    """Both Go clients: direct, an explicit proxy, the environment as Go reads it, N/A."""
    assert verdict(runner, installed(name, missing), scenario_id) is expected


def test_ws_through_http_proxy(runner: Runner, missing: Callable[[str], NoReturn]) -> None:
    """gorilla tunnels ws:// with CONNECT; nhooyr, through net/http, sends a forward GET."""
    scenario_id = "SEL-04.http-proxy[ws,lower]"
    assert verdict(runner, installed("go-gorilla", missing), scenario_id) is Verdict.PASS
    assert verdict(runner, installed("go-nhooyr", missing), scenario_id) is Verdict.FAIL


@pytest.mark.parametrize("name", ["go-gorilla", "go-nhooyr"])
def test_describe(missing: Callable[[str], NoReturn], name: str) -> None:
    """The version names the Debian package's library version and Go's."""
    agent = installed(name, missing)
    assert agent.name == name
    assert " go1." in agent.version
    assert "unknown" not in agent.version
