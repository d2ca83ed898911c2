"""Smoke test of benchmarks/bench_tunnels.py: it runs and prints its tables (no speed judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_tunnels.py"
ROWS = ("direct", "fixture-socks5")


def test_bench_tunnels_quick_prints_one_line_per_row() -> None:
    """A tiny run prints each section's header and a full line for each row asked for."""
    argv = [sys.executable, str(BENCH), "--quick", "--rows", ",".join(ROWS)]
    argv += ["--count", "3", "--samples", "1", "--bulk-mib", "1", "--idle", "5"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for header in ("µs/tunnel", "MiB/s", "KiB per idle tunnel"):
        assert any(header in line for line in lines), done.stdout
    for section, columns in (("tunnels", 5), ("bulk", 5)):
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
        rows = [line.split() for line in lines[start + 2 : start + 2 + len(ROWS)]]
        assert [row[0] for row in rows] == list(ROWS), done.stdout
        assert all(len(row) == columns for row in rows), done.stdout
    idle = next(i for i, line in enumerate(lines) if line.startswith("idle:"))
    assert lines[idle + 2].split()[:3] == ["fixture-socks5", "(=", "serve-socks5)"], done.stdout


def usage_error(*args: str) -> str:
    """Run the benchmark with ``args``; check it refused them in one line; return stderr."""
    argv = [sys.executable, str(BENCH), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    return done.stderr


def test_bench_tunnels_refuses_an_unknown_row() -> None:
    """A row name it does not know gives a one-line usage error."""
    assert "unknown nonesuch" in usage_error("--rows", "direct,nonesuch")


def test_bench_tunnels_base_adds_the_other_checkouts_serve_rows() -> None:
    """--base runs another checkout's serve rows next to this one's, in the same run."""
    checkout = Path(__file__).parents[1]
    argv = [sys.executable, str(BENCH), "--sections", "tunnels", "--rows", "serve-socks5"]
    argv += ["--count", "3", "--samples", "1", "--base", str(checkout)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("tunnels:"))
    names = [line.split()[0] for line in lines[start + 2 : start + 4]]
    assert names == ["serve-socks5", "serve-socks5@base"], done.stdout


def test_bench_tunnels_refuses_a_base_that_is_no_checkout(tmp_path: Path) -> None:
    """--base naming a folder without the package gives a one-line usage error."""
    assert "is not a proxyharness checkout" in usage_error("--base", str(tmp_path))
