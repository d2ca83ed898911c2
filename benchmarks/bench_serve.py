"""``proxyharness serve`` under a storm: does it stay small, fast and quiet?

Per kind (socks5, http, ws), one ``proxyharness serve KIND --json`` process (default
record window) gets, for ``--seconds`` (default 60), four malformed-traffic processes
flat out (``_storm.py``: random bytes, truncated handshakes, a byte trickle, oversized
input) plus one valid client at 10 round trips a second. Printed per kind: connections
served (from serve's own summary), the valid client's round-trip latency p50/p99 during
the storm, RSS and open file descriptors of serve before and after (after: once its
connections drained), lines on its stderr and traceback lines among them.

Targets: RSS growth <= 20 MB, fds back to baseline, 0 traceback lines, p99 <= 50 ms.
Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socketserver
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import websockets.sync.client as ws_client
from _clients import TIMEOUT, open_http, open_socks5, read_exact
from _processes import first_line

HERE = Path(__file__).parent
KINDS = ("socks5", "http", "ws")
ATTACKS = ("random", "truncated", "trickle", "huge")
VALID_RATE = 10.0  # round trips per second
PAYLOAD = b"p" * 32
#: Seconds the server gets, after the storm, to close what is left (its handshake
#: deadline is 10 s) before "after" is measured.
SETTLE = 15.0
TARGET_RSS_GROWTH = 20 * 1024 * 1024
TARGET_P99 = 0.050


@dataclass
class Result:
    """What one kind's run measured."""

    kind: str
    served: int = -1
    attack_connections: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    rss_before: int = 0
    rss_after: int = 0
    fds_before: int = 0
    fds_after: int = 0
    stderr_lines: int = 0
    tracebacks: int = 0
    records_written: int = 0

    def quantile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q * 100) - 1]


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(TIMEOUT)
        with contextlib.suppress(OSError):
            while data := self.request.recv(65536):
                self.request.sendall(data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def rss_and_fds(pid: int) -> tuple[int, int]:
    """Resident memory (bytes) and open file descriptors of ``pid``."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def round_trip(kind: str, address: tuple[str, int], echo_port: int) -> None:
    """One valid exchange: open (through the proxy, or the WebSocket), echo, close."""
    if kind == "ws":
        with ws_client.connect(f"ws://{address[0]}:{address[1]}/", open_timeout=TIMEOUT) as ws:
            ws.send(PAYLOAD)
            if ws.recv(timeout=TIMEOUT) != PAYLOAD:
                raise ConnectionError("wrong echo")
        return
    opener = open_socks5 if kind == "socks5" else open_http
    with opener(address, echo_port) as sock:
        sock.sendall(PAYLOAD)
        if read_exact(sock, len(PAYLOAD)) != PAYLOAD:
            raise ConnectionError("wrong echo")


def valid_client(
    kind: str, address: tuple[str, int], echo_port: int, stop: threading.Event, result: Result
) -> None:
    """Round trips at VALID_RATE until ``stop``; a late one is not made up for."""
    period = 1 / VALID_RATE
    next_at = time.monotonic()
    while not stop.is_set():
        started = time.monotonic()
        try:
            round_trip(kind, address, echo_port)
            result.latencies.append(time.monotonic() - started)
        except Exception:  # any failure of the valid client is counted, not raised
            result.failures += 1
        next_at = max(next_at + period, time.monotonic())
        stop.wait(max(0.0, next_at - time.monotonic()))


def read_lines(stream: object, sink: list[str]) -> None:
    """Keep the lines of a child's pipe (for stderr) until it closes."""
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line)


def count_lines(stream: object, counter: list[int]) -> None:
    """Count and discard the lines of a child's pipe (the JSON records)."""
    for _ in stream:  # type: ignore[attr-defined]
        counter[0] += 1


@contextlib.contextmanager
def serving(kind: str) -> Iterator[tuple[subprocess.Popen[str], tuple[str, int]]]:
    """``proxyharness serve KIND --json`` on 127.0.0.1, SIGTERMed at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "proxyharness", "serve", kind, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        url = first_line(process, 30)
        host, port = url.split("//")[1].rsplit(":", 1)
        yield process, (host, int(port))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def run_kind(kind: str, seconds: float, echo_port: int) -> Result:
    """Storm one kind of server for ``seconds``; return what was measured."""
    result = Result(kind)
    with serving(kind) as (process, address):
        assert process.stdout is not None
        assert process.stderr is not None
        written = [0]
        stderr: list[str] = []
        readers = [
            threading.Thread(target=count_lines, args=(process.stdout, written), daemon=True),
            threading.Thread(target=read_lines, args=(process.stderr, stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        time.sleep(0.5)  # let it settle after start-up
        result.rss_before, result.fds_before = rss_and_fds(process.pid)
        stop = threading.Event()
        client = threading.Thread(
            target=valid_client, args=(kind, address, echo_port, stop, result), daemon=True
        )
        attackers = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "_storm.py"),
                    attack,
                    kind,
                    str(address[1]),
                    str(seconds),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for attack in ATTACKS
        ]
        client.start()
        for attacker in attackers:
            out, _ = attacker.communicate(timeout=seconds + 60)
            with contextlib.suppress(ValueError):
                result.attack_connections += int(out.strip() or 0)
        stop.set()
        client.join(TIMEOUT * 2)
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            result.rss_after, result.fds_after = rss_and_fds(process.pid)
            if result.fds_after <= result.fds_before:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        for reader in readers:
            reader.join(10)
        result.records_written = written[0]
    summary = next((line for line in stderr if "stopped:" in line), "")
    if match := re.search(r"(\d+) connections served", summary):
        result.served = int(match.group(1))
    result.stderr_lines = len(stderr) - (1 if summary else 0)
    result.tracebacks = sum(1 for line in stderr if line.startswith("Traceback"))
    return result


def report(results: list[Result], seconds: float) -> None:
    mb = 1024 * 1024
    print(f"storm: {seconds:g} s per kind, {len(ATTACKS)} attackers + 1 valid client")
    print(
        f"{'kind':8} {'served':>8} {'valid':>6} {'failed':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'RSS MB before→after':>20} {'fds before→after':>17} {'stderr':>7} {'tracebacks':>10}"
    )
    for r in results:
        rss = f"{r.rss_before / mb:.1f}→{r.rss_after / mb:.1f}"
        print(
            f"{r.kind:8} {r.served:>8} {len(r.latencies):>6} {r.failures:>6} "
            f"{r.quantile(0.5) * 1000:>7.1f} {r.quantile(0.99) * 1000:>7.1f} {rss:>20} "
            f"{f'{r.fds_before}→{r.fds_after}':>17} {r.stderr_lines:>7} {r.tracebacks:>10}"
        )
    print("targets: RSS growth <= 20 MB, fds back to baseline, 0 tracebacks, p99 <= 50 ms")
    for r in results:
        checks = {
            "rss": r.rss_after - r.rss_before <= TARGET_RSS_GROWTH,
            "fds": r.fds_after <= r.fds_before,
            "tracebacks": r.tracebacks == 0,
            "p99": r.quantile(0.99) <= TARGET_P99,
        }
        words = ", ".join(f"{name} {'ok' if ok else 'MISSED'}" for name, ok in checks.items())
        print(f"  {r.kind}: {words}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="storm length per kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or args.seconds <= 0:
        parser.error(f"kinds are {', '.join(KINDS)} and --seconds > 0 (unknown: {unknown})")
    with _EchoServer(("127.0.0.1", 0), _Echo) as echo:
        thread = threading.Thread(target=echo.serve_forever, daemon=True)
        thread.start()
        try:
            results = [run_kind(kind, args.seconds, echo.server_address[1]) for kind in kinds]
        finally:
            echo.shutdown()
    report(results, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
