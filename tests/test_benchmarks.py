"""Smoke tests of the benchmarks: they run and print their tables (no speed judged)."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_tunnels.py"
HARNESS = BENCH.parent / "bench_harness.py"
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


def usage_error(*args: str, script: Path = BENCH) -> str:
    """Run the benchmark with ``args``; check it refused them in one line; return stderr."""
    argv = [sys.executable, str(script), *args]
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


def _benchmark_clients() -> Any:
    """The benchmarks' own client module (``benchmarks/_clients.py``)."""
    spec = importlib.util.spec_from_file_location("_clients", BENCH.parent / "_clients.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _late_answer(half_close: bool) -> bytes:
    """Through the floor proxy: half-close a request; what the origin sent after its EOF."""
    origin = socket.create_server(("127.0.0.1", 0))
    origin.settimeout(10)

    def answer_after_eof() -> None:
        with contextlib.suppress(OSError), origin.accept()[0] as peer:
            peer.settimeout(10)
            while peer.recv(64):
                pass
            peer.sendall(b"late")

    floor = BENCH.parent / "_minimal_socks5.py"
    argv = [sys.executable, str(floor), *(["--half-close", "60"] if half_close else [])]
    with origin, subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proxy:
        assert proxy.stdin is not None
        assert proxy.stdout is not None
        answering = threading.Thread(target=answer_after_eof)
        answering.start()
        try:
            port = int(proxy.stdout.readline())
            opened = _benchmark_clients().open_socks5(("127.0.0.1", port), origin.getsockname()[1])
            with opened as client:
                client.sendall(b"request")
                client.shutdown(socket.SHUT_WR)
                return b"".join(iter(functools.partial(client.recv, 64), b""))
        finally:
            proxy.stdin.close()
            proxy.wait(timeout=10)
            answering.join(timeout=10)


def test_the_half_closing_floor_passes_an_end_of_stream_on() -> None:
    """minimal-halfclose-socks5 does what its row claims, and the plain floor does not."""
    assert _late_answer(half_close=True) == b"late"
    assert _late_answer(half_close=False) == b""


def test_bench_harness_phases_add_up_to_the_run() -> None:
    """--phases splits a serial run; its parts add up to the wall time it measured."""
    argv = [sys.executable, str(HARNESS), "--phases", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    seconds = {
        line[:36].strip(): float(line[36:].split()[0]) for line in done.stdout.splitlines()[1:]
    }
    inside = ("wall", "their agent's exchange", "staging and judging around it")
    parts = [name for name in seconds if name not in inside]
    assert len(parts) == 5, done.stdout
    assert abs(sum(seconds[name] for name in parts) - seconds["wall"]) < 0.05, done.stdout
    inner = seconds["their agent's exchange"] + seconds["staging and judging around it"]
    other = next(name for name in parts if name.endswith("other cases"))
    assert abs(inner - seconds[other]) < 0.01, done.stdout


def test_bench_harness_refuses_no_runs() -> None:
    """--phases 0 gives a one-line usage error."""
    assert "at least 1 run" in usage_error("--phases", "0", script=HARNESS)
