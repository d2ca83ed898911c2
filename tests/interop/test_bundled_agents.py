"""The bundled clients (Node, Deno, Bun, Go, curl-cffi) on a few scenarios of the catalog.

Each needs ``proxyharness clients install NAME`` (npm, and the registry); missing, the
test is skipped with that hint, or fails under ``PROXYHARNESS_REQUIRE_INTEROP=1``.
The whole catalog runs in the ``conformance-*`` tox environments, against baselines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest

from proxyharness.harness.agents import Agent
from proxyharness.harness.agents.bundled import BUNDLES
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios

pytestmark = pytest.mark.interop

#: What every bundled client does right: direct wss://, an explicit proxy over CONNECT
#: (TLS inside the tunnel), and an emulated OS configuration it cannot see (N/A).
CASES = [
    ("SEL-06.nothing-configured[wss]", Verdict.PASS),
    ("SEL-11.overrides-environment[wss]", Verdict.PASS),
    ("HTTP-01.connect-name[wss,explicit]", Verdict.PASS),
    ("SEL-02.environment-first[ws,lower,macos]", Verdict.NA),
]


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(settle_timeout=0.5) as runner:
        yield runner


@pytest.fixture(scope="module", params=sorted(BUNDLES))
def agent(request: pytest.FixtureRequest, missing: Callable[[str], NoReturn]) -> Agent:
    """Each bundled client, once installed."""
    agent = get_agent(request.param)
    reason = agent.available()
    if reason is not None:
        missing(reason)
    return agent


@pytest.mark.parametrize(("scenario_id", "verdict"), CASES)
def test_bundled_agent(runner: Runner, agent: Agent, scenario_id: str, verdict: Verdict) -> None:
    """A direct and two explicit-proxy scenarios pass; an emulated OS profile is N/A."""
    scenario = next(s for s in all_scenarios() if s.id == scenario_id)
    case = runner.run_case(scenario, agent)
    assert case.verdict is verdict, (case.reason, case.diff, case.client_error)


def test_bundled_agent_runs_unchanged(agent: Agent) -> None:
    """Every bundled client asks for the private network stage (no hosts table there)."""
    assert getattr(agent, "network", None) == "private"
