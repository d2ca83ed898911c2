"""Scenarios as pytest items: ``pytest --proxyharness-agent NAME``.

Not a plugin of its own: :mod:`proxyharness.pytest_plugin` defines the options and
imports and registers this module only when ``--proxyharness-agent`` is given. Then
every scenario of the catalog becomes one item per agent, with node ID
``proxyharness::AGENT::SCENARIO-ID``, so ``-k``, ``-x``, ``-n`` (xdist), ``--junitxml``
and IDEs work as for any test:

- PASS passes; INFO passes and carries the observation in ``user_properties``;
- FAIL fails with the expected-vs-observed diff (no traceback);
- N/A is a skip with the reason;
- a FAIL the baseline (``--proxyharness-baseline FILE``) lists is an xfail with the
  baseline's reason; a PASS that an entry naming exactly this scenario lists fails
  ("stale baseline entry"); entries naming a rule or a pattern are checked at the end
  of the session, which then fails if one of them no longer matches any failure.

Cases stay in memory: a process that runs its own items keeps each case as it is; an
xdist worker sends each one (as JSON) to the controller with its test report. The
controller assembles the :class:`~proxyharness.harness.results.RunResult` at the end
(:func:`run_result`). With ``--proxyharness-report DIR`` it then writes each
case as JSON in ``DIR/cases/`` and the whole run in ``DIR/index.json``.
``--proxyharness-only`` deselects every other test of the session.
``--proxyharness-backend mitmproxy`` plays the proxies with mitmproxy (one per process)
instead of the fakes (:mod:`.backends`).
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import hashlib
import importlib.util
import json
import re
import shutil
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..scenarios.model import Scenario
from .agents import Agent, UnknownAgent, load_agents
from .baseline import Baseline, BaselineError
from .results import BACKENDS, CaseResult, RunResult, Verdict, versions

__all__ = [
    "GATE_PRINTS_STALE",
    "RUN_WRITES_INDEX",
    "ScenarioItem",
    "catalog",
    "read_report",
    "run_result",
    "write_index",
]

_STATE = pytest.StashKey["_Session"]()
#: Set by ``proxyharness run``, which prints stale entries with its gate: not here too.
GATE_PRINTS_STALE = pytest.StashKey[bool]()
#: Set by ``proxyharness run``, which writes ``index.json`` itself (with the baseline's
#: reasons): the report directory gets only ``cases/`` here.
RUN_WRITES_INDEX = pytest.StashKey[bool]()
_PROPERTY = "proxyharness"
#: The attribute of a scenario's call report that carries its case, as JSON.
_CASE_ATTRIBUTE = "proxyharness_case"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def catalog() -> list[Scenario]:
    """Every scenario of the catalog (``proxyharness.scenarios.all_scenarios``)."""
    from ..scenarios import all_scenarios

    return list(all_scenarios())


class _Session:
    """Per-process state (agents, baseline, runner) and the session-level hooks."""

    def __init__(self, config: pytest.Config) -> None:
        names: list[str] = config.getoption("--proxyharness-agent")
        try:
            self.agents: dict[str, Agent] = {agent.name: agent for agent in load_agents(names)}
        except (UnknownAgent, TypeError) as exc:
            raise pytest.UsageError(str(exc)) from None
        baseline_path = config.getoption("--proxyharness-baseline")
        try:
            self.baseline = Baseline.load(baseline_path) if baseline_path else Baseline()
        except (OSError, BaselineError) as exc:
            raise pytest.UsageError(f"--proxyharness-baseline: {exc}") from None
        self.backend: str = config.getoption("--proxyharness-backend")
        _check_backend(self.backend)
        report = config.getoption("--proxyharness-report")
        self.report = Path(report) if report else None
        self.controller = not hasattr(config, "workerinput")
        self.started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.clock = time.perf_counter()
        #: Cases seen in reports (on the xdist controller: every worker's).
        self.seen: list[CaseResult] = []
        self.stale: list[str] = []
        #: The whole run, assembled on the controller when the session finishes.
        self.result: RunResult | None = None
        self._runner: Any = None

    def run(self, scenario: Scenario, agent: str) -> CaseResult:
        """Run one case in this process."""
        if self._runner is None:
            from .runner import Runner
            from .staging import Stager

            self._runner = Runner(stager=Stager(backend=self.backend))
        case: CaseResult = self._runner.run_case(scenario, self.agents[agent])
        return case

    def keep(self, case: CaseResult) -> str | None:
        """Keep a case run here; in an xdist worker, return its JSON for the report instead."""
        if self.controller:
            self.seen.append(case)
            return None
        return json.dumps(_jsonable(case), default=str)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Carry a worker's case in its call report, to the xdist controller."""
        report: pytest.TestReport = yield
        case = getattr(item, "case_json", None)
        if call.when == "call" and case is not None:
            setattr(report, _CASE_ATTRIBUTE, case)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep every worker's case, for the baseline check and the run's result."""
        case = getattr(report, _CASE_ATTRIBUTE, None)
        if report.when == "call" and isinstance(case, str):
            self.seen.append(CaseResult.from_dict(json.loads(case)))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Exempt what lives all session (modules, catalog, items) from the collector.

        Each full collection would walk them again; the leak check and pytest's own
        unraisable-exception check collect, and so does Python itself as cases pile up.
        """
        gc.collect()
        gc.freeze()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Close the runner; check rule and pattern entries; write DIR/index.json."""
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        if not self.controller:
            return
        exact = [f"stale baseline entry {e} " for e in self.baseline.entries if e.is_exact]
        self.stale = [
            message
            for message in self.baseline.stale(self.seen, complete=False)
            if not message.startswith(tuple(exact))  # their own items failed already
        ]
        if self.stale and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        agents = list(self.agents.values())
        self.result = assemble(self.seen, agents, self.started, self.clock, self.backend)
        if self.report is not None:
            write_cases(self.report, self.result.cases)
            if not session.config.stash.get(RUN_WRITES_INDEX, False):
                write_index(self.report, self.result)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print stale baseline entries (unless ``proxyharness run`` prints them)."""
        if self.stale and not terminalreporter.config.stash.get(GATE_PRINTS_STALE, False):
            terminalreporter.section("proxyharness baseline", red=True)
            for message in self.stale:
                terminalreporter.line(message, red=True)


def _check_backend(name: str) -> None:
    """Refuse an unknown backend, or mitmproxy when it is not installed."""
    if name not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise pytest.UsageError(f"--proxyharness-backend: unknown {name!r} (known: {known})")
    if name == "mitmproxy" and importlib.util.find_spec("mitmproxy") is None:
        raise pytest.UsageError(
            "--proxyharness-backend mitmproxy: mitmproxy is not installed "
            "(pip install proxyharness[mitmproxy])"
        )


def pytest_configure(config: pytest.Config) -> None:
    """Activate only when an agent is named."""
    if not config.getoption("--proxyharness-agent"):
        return
    state = _Session(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "proxyharness-harness-session")
    if state.report is not None and state.controller:
        shutil.rmtree(state.report / "cases", ignore_errors=True)
        state.report.mkdir(parents=True, exist_ok=True)


def _state(config: pytest.Config) -> _Session | None:
    return config.stash.get(_STATE, None)


def run_result(config: pytest.Config) -> RunResult | None:
    """The run a finished session assembled (None: no agent named, or it never finished)."""
    state = _state(config)
    return None if state is None else state.result


class AgentCollector(pytest.Collector):
    """All the scenarios for one agent."""

    def __init__(self, *, agent: str, scenarios: list[Scenario], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.agent = agent
        self.scenarios = scenarios

    def collect(self) -> Iterator[ScenarioItem]:
        for scenario in self.scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.id, scenario=scenario)


class ScenarioFailure(AssertionError):
    """A scenario's FAIL: the message is the diff."""


class ScenarioItem(pytest.Item):
    """One scenario for one agent."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        #: The case once run in an xdist worker, as JSON (the form a report carries
        #: across processes).
        self.case_json: str | None = None
        assert isinstance(self.parent, AgentCollector)
        self.agent: str = self.parent.agent
        self.extra_keyword_matches.update({scenario.rule, self.agent, "proxyharness"})

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        entry = state.baseline.entry_for(self.agent, self.scenario.id, self.scenario.rule)
        case = state.run(self.scenario, self.agent)
        if case.verdict is Verdict.FAIL and entry is not None:
            case = dataclasses.replace(case, baseline_reason=entry.reason)
        summary = {
            "agent": case.agent,
            "scenario_id": case.scenario_id,
            "rule": case.rule,
            "verdict": case.verdict.value,
        }
        self.user_properties.append((_PROPERTY, json.dumps(summary)))
        self.case_json = state.keep(case)
        if case.verdict is Verdict.NA:
            pytest.skip(f"N/A: {case.reason}")
        if case.verdict is Verdict.INFO:
            self.user_properties.append(("observation", json.dumps(case.observed, default=str)))
        if case.verdict is Verdict.FAIL:
            if entry is not None:
                pytest.xfail(f"baseline: {entry.reason}")
            raise ScenarioFailure(_failure_text(case))
        if entry is not None and entry.is_exact:
            raise ScenarioFailure(
                f"stale baseline entry {entry} ({state.baseline.source}:{entry.line}): "
                f"{self.scenario.id} now gives {case.verdict.value}"
            )

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.agent}: {self.scenario.id}"


def _failure_text(case: CaseResult) -> str:
    """The FAIL as the terminal report shows it (the same text in both places)."""
    from .report_terminal import format_failure

    return format_failure(case)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the scenario items (before -k and -m deselect)."""
    state = _state(config)
    if state is None:
        return
    if config.getoption("--proxyharness-only"):
        if items:
            config.hook.pytest_deselected(items=list(items))
        items.clear()
    try:
        scenarios = catalog()
    except ValueError as exc:
        raise pytest.UsageError(f"the scenario catalog is broken: {exc}") from None
    for agent in state.agents:
        collector = AgentCollector.from_parent(
            session, name=agent, nodeid=f"proxyharness::{agent}", agent=agent, scenarios=scenarios
        )
        items.extend(collector.collect())


# -- the report directory -------------------------------------------------------------


def _case_path(report: Path, case: CaseResult) -> Path:
    digest = hashlib.sha1(case.scenario_id.encode(), usedforsecurity=False).hexdigest()[:8]
    name = f"{_SAFE.sub('_', case.scenario_id)[:80]}-{digest}.json"
    return report / "cases" / _SAFE.sub("_", case.agent) / name


def write_cases(report: Path, cases: Iterable[CaseResult]) -> None:
    """Write each case as ``report/cases/AGENT/SCENARIO-DIGEST.json`` (fresh directory)."""
    shutil.rmtree(report / "cases", ignore_errors=True)
    made: set[Path] = set()
    for case in cases:
        path = _case_path(report, case)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        text = json.dumps(_jsonable(case), indent=1, default=str)
        path.write_text(text, encoding="utf-8")


def _jsonable(case: CaseResult) -> dict[str, Any]:
    """``case.to_dict()`` without its deep copy (the case's values are JSON-able already)."""
    data = {field.name: getattr(case, field.name) for field in dataclasses.fields(case)}
    data["verdict"] = case.verdict.value
    return data


def read_report(report: Path) -> list[CaseResult]:
    """Every case JSON under ``report/cases``, in a stable order."""
    return [
        CaseResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((report / "cases").glob("*/*.json"))
    ]


def assemble(
    cases: Iterable[CaseResult],
    agents: list[Agent],
    started: str,
    clock: float,
    backend: str = "fakes",
) -> RunResult:
    """The run of ``cases``: agents in their order, scenarios in the catalog's."""
    names = [agent.name for agent in agents]
    agent_order = {name: index for index, name in enumerate(names)}
    try:
        scenario_order = {s.id: index for index, s in enumerate(catalog())}
    except Exception:  # pragma: no cover - the catalog failed to load during the run
        scenario_order = {}
    ordered = sorted(
        cases,
        key=lambda c: (
            agent_order.get(c.agent, len(agent_order)),
            scenario_order.get(c.scenario_id, len(scenario_order)),
            c.scenario_id,
        ),
    )
    stages = sorted({str(c.observed["network"]) for c in ordered if c.observed.get("network")})
    return RunResult(
        agents=tuple(names),
        cases=tuple(ordered),
        backend=backend,
        started=started,
        duration=round(time.perf_counter() - clock, 3),
        versions=versions(agents),
        network="; ".join(stages),  # each xdist worker has a namespace of its own
    )


def write_index(report: Path, run: RunResult) -> None:
    """Write ``report/index.json``: the whole run."""
    data = dataclasses.replace(run, cases=()).to_dict()
    data["cases"] = [_jsonable(case) for case in run.cases]
    (report / "index.json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
