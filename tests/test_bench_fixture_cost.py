"""Smoke test of benchmarks/bench_fixture_cost.py: it runs and prints a row per fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_fixture_cost.py"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=120
    )


def test_prints_one_row_per_fixture_asked_for() -> None:
    """A tiny run prints the empty test's cost and one full row per fixture (no speed judged)."""
    done = bench("--repetitions", "2", "--only", "socks_proxy(5),wss_server")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert "empty test" in " ".join(rows[0])
    assert [row[0] for row in rows[3:]] == ["wss_server", "socks_proxy(5)"]
    assert all(len(row) == 6 for row in rows[3:]), done.stdout


def test_refuses_an_unknown_row() -> None:
    """A row it does not know is a one-line usage error naming the rows it has."""
    done = bench("--only", "nonesuch")
    assert done.returncode == 2
    assert "unknown nonesuch; rows are:" in done.stderr
    assert "Traceback" not in done.stderr
