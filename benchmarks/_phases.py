"""A pytest plugin for ``bench_harness.py --phases``: where a serial run's time goes.

Loaded into ``proxyharness run`` with ``-- -p _phases`` (``benchmarks`` on the path). It
times the catalog loop, each case (``Runner.run_case``) and, within it, the agent's
exchange (``Runner._call``), and writes them as JSON to the file named by
``PROXYHARNESS_PHASES`` when the process exits.
"""

from __future__ import annotations

import atexit
import json
import os
import time
from typing import Any

import pytest

from proxyharness.harness.runner import Runner
from proxyharness.scenarios import Scenario

_times: dict[str, Any] = {"cases": []}


def waits_out_a_timeout(scenario: Scenario) -> bool:
    """Whether the scenario waits out its client's opening timeout by design (a silent
    proxy, a 1xx held)."""
    return "open_timeout" in scenario.given.options


def _timed() -> None:
    run_case, call = Runner.run_case, Runner._call

    def timed_case(self: Runner, scenario: Any, agent: Any) -> Any:
        start = time.perf_counter()
        try:
            return run_case(self, scenario, agent)
        finally:
            waits = waits_out_a_timeout(scenario)
            exchange = _times.pop("exchange", 0.0)
            _times["cases"].append((time.perf_counter() - start, exchange, waits))

    def timed_call(self: Runner, agent: Any, case_call: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(self, agent, case_call)
        finally:
            _times["exchange"] = time.perf_counter() - start

    Runner.run_case = timed_case  # type: ignore[method-assign]
    Runner._call = timed_call  # type: ignore[method-assign,assignment]


def pytest_configure(config: pytest.Config) -> None:
    _timed()
    atexit.register(_write)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    _times["loop_start"] = time.time()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    _times["loop_end"] = time.time()


def _write() -> None:
    with open(os.environ["PROXYHARNESS_PHASES"], "w", encoding="utf-8") as out:
        json.dump(_times, out)
