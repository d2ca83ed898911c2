"""Scenarios per second for the whole catalog, side by side.

    python benchmarks/bench_harness.py

Rows: the reference agent through the runner alone (no pytest), and through
``proxyharness run`` serial and with ``-n 2``; websockets-asyncio through
``proxyharness run -n 2`` (wall time of the same catalog). The issue's target is
>= 150 scenarios/s serial (>= 200 with -n 2) on this 2-core machine, start-up included.
The scenarios with an ``open_timeout`` option (a silent proxy, a 1xx held) wait it out
by design; a row "without timeouts" leaves them out. The runner rows are timed after
one untimed pass, so that neither pays the first imports, certificates and servers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.runner import Runner, run
from proxyharness.scenarios import all_scenarios


def direct(agent_name: str, *, skip_timeouts: bool) -> tuple[int, float]:
    """Run the catalog through the runner in this process; return (cases, seconds)."""
    scenarios = [
        s for s in all_scenarios() if not (skip_timeouts and "open_timeout" in s.given.options)
    ]
    with Runner() as runner:
        start = time.perf_counter()
        result = run(scenarios, [get_agent(agent_name)], runner=runner)
        return len(result.cases), time.perf_counter() - start


def command(args: Sequence[str]) -> float:
    """Wall time of ``proxyharness run ARGS`` (the gate's exit status is not judged here)."""
    with tempfile.TemporaryDirectory() as report:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "proxyharness", "run", *args, "--report", report],
            stdout=subprocess.DEVNULL,
            check=False,
            timeout=1800,
        )
        return time.perf_counter() - start


def main() -> None:
    total = len(all_scenarios())
    print(f"catalog: {total} scenarios")
    rows: list[tuple[str, int, float]] = []
    direct("reference", skip_timeouts=True)  # warm-up, untimed
    for skip in (False, True):
        cases, seconds = direct("reference", skip_timeouts=skip)
        label = "runner, reference" + (", without timeouts" if skip else "")
        rows.append((label, cases, seconds))
    rows.append(("proxyharness run, reference", total, command(["--agent", "reference"])))
    rows.append(
        ("proxyharness run -n 2, reference", total, command(["--agent", "reference", "-n", "2"]))
    )
    rows.append(
        (
            "proxyharness run -n 2, websockets-asyncio",
            total,
            command(["--agent", "websockets-asyncio", "-n", "2"]),
        )
    )
    for label, cases, seconds in rows:
        print(f"  {label:44} {cases:4} cases {seconds:7.2f} s {cases / seconds:7.1f} /s")


if __name__ == "__main__":
    main()
