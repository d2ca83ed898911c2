"""Scenarios per second for the whole catalog, side by side.

    python benchmarks/bench_harness.py [--phases RUNS]

Rows: the reference agent through the runner alone (no pytest), and through
``proxyharness run`` serial and with ``-n 2``; websockets-asyncio through
``proxyharness run -n 2`` (wall time of the same catalog). The issue's target is
>= 150 scenarios/s serial (>= 200 with -n 2) on this 2-core machine, start-up included.
The scenarios with an ``open_timeout`` option (a silent proxy, a 1xx held) wait it out
by design; a row "without timeouts" leaves them out. The runner rows are timed after
one untimed pass, so that neither pays the first imports, certificates and servers.

``--phases RUNS`` instead runs ``proxyharness run --agent reference`` (serial) RUNS times
and splits its wall time: start-up until the first case, the cases that wait out a
timeout, the other cases (their agent's exchange, and the harness's staging and
judging around it), pytest's own work between cases, and what follows the last case.
Medians over the runs, in seconds for the whole run and in ms per case.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _phases import waits_out_a_timeout

from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.runner import Runner, run
from proxyharness.scenarios import all_scenarios


def direct(agent_name: str, *, skip_timeouts: bool) -> tuple[int, float]:
    """Run the catalog through the runner in this process; return (cases, seconds)."""
    scenarios = [s for s in all_scenarios() if not (skip_timeouts and waits_out_a_timeout(s))]
    with Runner() as runner:
        start = time.perf_counter()
        result = run(scenarios, [get_agent(agent_name)], runner=runner)
        return len(result.cases), time.perf_counter() - start


def timed_run(args: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``proxyharness run ARGS`` (its gate is not judged here); return when it
    started and ended (``time.time``)."""
    started = time.time()
    subprocess.run(
        [sys.executable, "-m", "proxyharness", "run", *args],
        stdout=subprocess.DEVNULL,
        env=env,
        check=False,
        timeout=1800,
    )
    return started, time.time()


def command(args: Sequence[str]) -> float:
    """Wall time of ``proxyharness run ARGS --report DIR``."""
    with tempfile.TemporaryDirectory() as report:
        started, ended = timed_run([*args, "--report", report])
        return ended - started


@dataclass(frozen=True)
class Phase:
    """A part of one run's wall time."""

    label: str
    seconds: float
    cases: int = 0  # when not 0: also shown per case


def phases_of_one_run(folder: Path) -> list[Phase]:
    """One serial run of the reference agent, split into its phases."""
    out = folder / "phases.json"
    paths = [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PROXYHARNESS_PHASES": str(out), "PYTHONPATH": os.pathsep.join(paths)}
    started, ended = timed_run(["--agent", "reference", "--", "-p", "_phases"], env)
    times = json.loads(out.read_text(encoding="utf-8"))
    cases = times["cases"]
    waiting = [total for total, _, waits in cases if waits]
    others = [(total, exchange) for total, exchange, waits in cases if not waits]
    between = times["loop_end"] - times["loop_start"] - sum(total for total, _, _ in cases)
    return [
        Phase("wall", ended - started),
        Phase("start-up, until the first case", times["loop_start"] - started),
        Phase(f"{len(waiting)} cases waiting out a timeout", sum(waiting)),
        Phase(f"{len(others)} other cases", sum(total for total, _ in others), len(others)),
        Phase("  their agent's exchange", sum(exchange for _, exchange in others), len(others)),
        Phase(
            "  staging and judging around it",
            sum(total - exchange for total, exchange in others),
            len(others),
        ),
        Phase("pytest between cases", between, len(cases)),
        Phase("after the last case", ended - times["loop_end"]),
    ]


def phases(runs: int) -> None:
    """Print the median split of ``runs`` serial runs."""
    with tempfile.TemporaryDirectory() as folder:
        measured = [phases_of_one_run(Path(folder)) for _ in range(runs)]
    print(f"proxyharness run --agent reference: {runs} runs, medians")
    for same in zip(*measured, strict=True):
        values = [phase.seconds for phase in same]
        median, first = statistics.median(values), same[0]
        line = f"  {first.label:34} {median:6.2f} s  ({min(values):.2f}..{max(values):.2f})"
        if first.cases:
            line += f"  {median / first.cases * 1000:5.2f} ms per case"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phases", type=int, metavar="RUNS", help="split serial runs")
    args = parser.parse_args()
    if args.phases is not None:
        if args.phases < 1:
            parser.error("--phases: at least 1 run")
        phases(args.phases)
        return
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
