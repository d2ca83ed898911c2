"""Tests for proxyharness.harness.runner, with deliberately broken agents."""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from proxyharness.harness.agents import Agent
from proxyharness.harness.agents.reference import ReferenceAgent
from proxyharness.harness.agents.websockets_agents import WebsocketsAsyncioAgent
from proxyharness.harness.results import REDACTED, CaseResult, Verdict
from proxyharness.harness.runner import HarnessError, Runner, run
from proxyharness.scenarios import all_scenarios
from proxyharness.scenarios.model import ANY, Expect, Given, ProxySpec, Scenario

# The broken agents live beside this file (imported by name by the plugin and CLI tests).
sys.path.insert(0, str(Path(__file__).parent))
broken_agents = importlib.import_module("broken_agents")

SECRET = "Runner-s3cret"

#: https_proxy names an authenticating HTTP proxy: the client must go through it.
THROUGH_PROXY = Scenario(
    id="HTTP-02.runner-test",
    rule="HTTP-02",
    description="through an authenticating proxy",
    given=Given(env={"https_proxy": "{P.url}"}),
    expect=Expect(route="proxy", proxy="P", protocol="http", credentials=("user", SECRET)),
    proxies={"P": ProxySpec("http", auth=("user", SECRET))},
)
#: The proxy refuses the credentials: a proxy-rejected error.
REJECTED = Scenario(
    id="URL-05.runner-test",
    rule="URL-05",
    description="wrong password",
    given=Given(env={"https_proxy": "{P.url}"}),
    expect=Expect(error="proxy-rejected", echo=False),
    proxies={"P": ProxySpec("http", auth=("user", "right"), url_credentials=f"user:{SECRET}")},
)


def quick(rule: str = "ERR-03", **options: object) -> Scenario:
    """A failing scenario with a short opening timeout."""
    return Scenario(
        id=f"{rule}.runner-test",
        rule=rule,
        description="quick",
        given=Given(env={"https_proxy": "{P.url}"}, options={"open_timeout": 0.2, **options}),
        expect=Expect(error=ANY, echo=False),
        proxies={"P": ProxySpec("http")},
    )


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(hang_margin=0.2, cancel_grace=0.3, settle_timeout=0.3) as runner:
        yield runner


@pytest.fixture(autouse=True)
def _close_leaked() -> Iterator[None]:
    yield
    while broken_agents.LEAKED:
        broken_agents.LEAKED.pop().close()


def test_reference_passes(runner: Runner) -> None:
    """The reference client goes through the proxy; nothing secret is in the result."""
    case = runner.run_case(THROUGH_PROXY, ReferenceAgent())
    assert (case.verdict, case.diff) == (Verdict.PASS, ())
    assert case.observed["credentials"] == ["user", REDACTED]
    assert [record["source"] for record in case.wire] == ["proxy P", "server"]
    assert SECRET not in json.dumps(case.to_dict())


def test_ignoring_proxies_fails(runner: Runner) -> None:
    """A client that connects directly fails with a readable diff."""
    case = runner.run_case(THROUGH_PROXY, broken_agents.IgnoresProxy())
    assert case.verdict is Verdict.FAIL
    assert case.diff[:2] == (
        "route: expected 'proxy', observed 'direct'",
        "proxy: expected 'P', observed none",
    )
    assert case.observed["connections"] == {"proxies": 0, "server": 1, "direct": 1}


def test_password_in_error_fails(runner: Runner) -> None:
    """URL-05: an error quoting the proxy URL fails, and the result is redacted."""
    case = runner.run_case(REJECTED, broken_agents.LeaksPassword())
    assert case.verdict is Verdict.FAIL
    assert "URL-05: the client's error shows a proxy password" in case.diff
    assert case.diff[0].startswith(
        "error: expected 'proxy-rejected', observed 'unexpected OSError'"
    )
    assert case.client_error is not None
    assert REDACTED in case.client_error
    assert SECRET not in json.dumps(case.to_dict())


def test_reference_keeps_passwords_out(runner: Runner) -> None:
    """The same scenario passes with the reference client."""
    assert runner.run_case(REJECTED, ReferenceAgent()).verdict is Verdict.PASS


def test_case_is_its_json_form(runner: Runner) -> None:
    """A case equals what its JSON form gives back: a serial run keeps the case itself,
    an xdist worker sends its JSON, and both report the same."""
    rules = {"SOCKS-02", "HTTP-02", "HTTP-04", "ERR-03", "OS-01", "DIAG-01"}
    for scenario in [s for s in all_scenarios() if s.rule in rules]:
        case = runner.run_case(scenario, ReferenceAgent())
        text = json.dumps(case.to_dict(), default=str)
        assert CaseResult.from_dict(json.loads(text)) == case, scenario.id


def test_hanging_agent_is_cut_off(runner: Runner) -> None:
    """A call that never ends is FAIL "agent hung", within its hard timeout."""
    started = time.monotonic()
    case = runner.run_case(quick(), broken_agents.Hangs())
    assert (case.verdict, case.reason) == (Verdict.FAIL, "agent hung")
    assert time.monotonic() - started < 3


def test_blocking_agent_is_abandoned(runner: Runner) -> None:
    """A call that blocks its loop is abandoned; the next case runs on a fresh loop."""
    runner.run_case(THROUGH_PROXY, ReferenceAgent())
    blocked = runner._worker
    assert blocked is not None
    started = time.monotonic()
    case = runner.run_case(quick(), broken_agents.Blocks())
    assert (case.verdict, case.reason) == (Verdict.FAIL, "agent hung")
    assert time.monotonic() - started < 1.4
    assert runner.run_case(THROUGH_PROXY, ReferenceAgent()).verdict is Verdict.PASS
    assert runner._worker is not blocked
    blocked.thread.join(3)  # once it wakes up, the abandoned loop stops and closes
    assert blocked.loop.is_closed()


def test_socket_leak_fails_err04(runner: Runner) -> None:
    """ERR-04: a socket left open, and the connection it holds, fail the case."""
    case = runner.run_case(quick("ERR-04"), broken_agents.LeaksSocket())
    assert case.verdict is Verdict.FAIL
    assert "ERR-04: 1 socket(s) left open" in case.diff
    assert any(line.startswith("ERR-04: connection to ws://") for line in case.diff)


def test_unclosed_socket_fails_err04(runner: Runner) -> None:
    """ERR-04: a socket closed only by the garbage collector is a leak, found without noise."""
    case = runner.run_case(quick("ERR-04"), broken_agents.DropsSocket())
    assert case.verdict is Verdict.FAIL
    assert "ERR-04: 1 resource(s) left to the garbage collector, unclosed" in case.diff
    assert any(w.startswith("ResourceWarning: unclosed") for w in case.observed["warnings"])


def test_leaks_are_recorded_elsewhere(runner: Runner) -> None:
    """Outside ERR-04 a leak is recorded, not gated."""
    case = runner.run_case(quick("ERR-03"), broken_agents.LeaksSocket())
    assert case.verdict is Verdict.PASS
    assert "1 socket(s) left open" in case.observed["leaks"]


def test_task_and_thread_leaks(runner: Runner) -> None:
    """ERR-04: a pending task and a running thread are leaks too."""
    case = runner.run_case(quick("ERR-04"), broken_agents.LeaksTaskAndThread())
    assert case.verdict is Verdict.FAIL
    assert any("asyncio task left pending" in line for line in case.diff)
    assert "ERR-04: thread left running: forgotten" in case.diff


@pytest.mark.parametrize(
    ("agent", "scenario", "reason"),
    [
        (broken_agents.Unavailable(), THROUGH_PROXY, "not installed: pip install nothing"),
        (broken_agents.Unsupported(), THROUGH_PROXY, "unsupported: this client has no such thing"),
        (
            WebsocketsAsyncioAgent(),
            Scenario("DIAG-01.t", "DIAG-01", "t", requires=frozenset({"explain"})),
            "websockets-asyncio cannot express: explain",
        ),
    ],
)
def test_not_applicable(runner: Runner, agent: Agent, scenario: Scenario, reason: str) -> None:
    """N/A, with the reason, when the agent cannot run or express the scenario."""
    case = runner.run_case(scenario, agent)
    assert (case.verdict, case.reason) == (Verdict.NA, reason)


def test_harness_error(runner: Runner) -> None:
    """A scenario that cannot be staged is the harness's error, not the agent's FAIL."""
    broken = Scenario("SEL-11.t", "SEL-11", "t", given=Given(proxy="{NOPE.url}"))
    with pytest.raises(HarnessError, match="cannot stage"):
        runner.run_case(broken, ReferenceAgent())
    case = runner.run_case_safe(broken, ReferenceAgent())
    assert case.verdict is Verdict.FAIL
    assert case.reason.startswith("harness error:")


def test_run(runner: Runner) -> None:
    """run() gives every case of every agent, with versions."""
    result = run(
        [THROUGH_PROXY, REJECTED], [ReferenceAgent(), broken_agents.IgnoresProxy()], runner=runner
    )
    assert result.agents == ("reference", "ignores-proxy")
    assert [(c.agent, c.verdict) for c in result.cases] == [
        ("reference", Verdict.PASS),
        ("reference", Verdict.PASS),
        ("ignores-proxy", Verdict.FAIL),
        ("ignores-proxy", Verdict.FAIL),
    ]
    assert set(result.versions) >= {"proxyharness", "python", "reference", "ignores-proxy"}
