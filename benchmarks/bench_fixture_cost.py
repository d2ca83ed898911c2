"""Per-test cost of each public pytest fixture, side by side, in one pytest session.

    python benchmarks/bench_fixture_cost.py [--repetitions N] [--only NAME,NAME]

One tiny test per fixture and repetition uses the fixture as a test does (a factory
is called once). The repetitions are interleaved: round 1 runs every fixture's test,
then round 2, and so on, so a slow moment of the machine hits every row alike. A
test's cost is its set-up + call + tear-down as pytest times them, minus the median
of the same for a test with no fixture; the first round (session CAs, imports) is a
warm-up and is left out. Each row gives the median and the spread (first and third
quartiles) in milliseconds of wall time, and the median CPU time of the process over
the whole test protocol (both threads: the test's and the servers' loop), which a
loaded machine inflates far less.
Target (issue 11): a median of at most 1 ms per fixture.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

TARGET_MS = 1.0
EMPTY = "(no fixture)"

#: Row name: (fixtures the test takes, what its body does with them).
CASES: dict[str, tuple[str, str]] = {
    EMPTY: ("", "pass"),
    "proxy_ca_file": ("proxy_ca_file", "assert proxy_ca_file"),
    "ca_bundle_file": ("ca_bundle_file", "assert ca_bundle_file"),
    "virtual_dns": ("virtual_dns", 'virtual_dns.add("www.example.com")'),
    "proxy_env": ("proxy_env", 'proxy_env.set("https_proxy", "http://127.0.0.1:9")'),
    "os_proxy_config": (
        "os_proxy_config",
        'os_proxy_config("macos", https=("proxy.example", 3128))',
    ),
    "ws_server": ("ws_server", "assert ws_server.url"),
    "wss_server": ("wss_server", "assert wss_server.url"),
    "socks_proxy(5)": ("socks_proxy", "assert socks_proxy(5).url"),
    "http_proxy()": ("http_proxy", "assert http_proxy().url"),
    "http_proxy(tls=True)": ("http_proxy", "assert http_proxy(tls=True).url"),
    "http_proxy(forward=True)": ("http_proxy", "assert http_proxy(forward=True).url"),
    "http_server": ("http_server", "assert http_server.url"),
    "https_server": ("https_server", "assert https_server.url"),
}


def test_module(cases: dict[str, tuple[str, str]], repetitions: int) -> str:
    """The generated test module: one function per case, parametrized over the rounds."""
    lines = ["import pytest", ""]
    for index, (fixtures, body) in enumerate(cases.values()):
        lines += [
            f"@pytest.mark.parametrize('round_', range({repetitions}))",
            f"def test_case_{index}(round_, {fixtures}):"
            if fixtures
            else f"def test_case_{index}(round_):",
            f"    {body}",
            "",
        ]
    return "\n".join(lines)


class Timings:
    """A pytest plugin: interleaves the rounds and adds up each test's three phases."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = {}
        self.failed: list[str] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: item.callspec.params["round_"])  # type: ignore[attr-defined]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        start = time.process_time()
        try:
            return (yield)
        finally:
            self.cpu[item.nodeid] = time.process_time() - start

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] += report.duration
        if report.failed:
            self.failed.append(report.nodeid)


Samples = dict[str, list[tuple[float, float]]]


def run(cases: dict[str, tuple[str, str]], repetitions: int) -> Samples:
    """Run the session; each case's (wall, CPU) seconds per test, warm-up round left out."""
    timings = Timings()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_fixture_cost.py").write_text(test_module(cases, repetitions + 1))
        output = io.StringIO()
        args = [str(root), "-c", str(root / "pytest.ini"), "-q", "-p", "no:cacheprovider"]
        with contextlib.redirect_stdout(output):
            status = pytest.main([*args, "-p", "no:xdist", "-p", "no:asyncio"], plugins=[timings])
    if status != 0 or timings.failed:
        sys.exit(f"the fixture tests failed:\n{output.getvalue()}")
    samples: Samples = {name: [] for name in cases}
    names = list(cases)
    for nodeid, seconds in timings.seconds.items():
        function, round_ = nodeid.split("::")[1].rstrip("]").split("[")
        if int(round_) > 0:
            samples[names[int(function.rsplit("_", 1)[1])]].append((seconds, timings.cpu[nodeid]))
    return samples


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(values, n=4)
    return q1, median, q3


def report(samples: Samples, repetitions: int) -> None:
    """Print one row per fixture: its cost over the empty test's, in ms."""
    floor = statistics.median(wall for wall, _ in samples[EMPTY])
    cpu_floor = statistics.median(cpu for _, cpu in samples[EMPTY])
    print(f"per-test cost of each fixture, {repetitions} interleaved rounds (ms)")
    print(f"  an empty test costs {floor * 1000:.3f} ms ({cpu_floor * 1000:.3f} ms CPU),")
    print("  taken off every row below")
    print(
        f"  {'fixture':24} {'median':>8} {'q1':>8} {'q3':>8} {'cpu':>8}   target <= {TARGET_MS:g}"
    )
    for name, values in samples.items():
        if name == EMPTY:
            continue
        walls = quartiles([wall for wall, _ in values])
        q1, median, q3 = (1000 * (value - floor) for value in walls)
        cpu = 1000 * (statistics.median(cpu for _, cpu in values) - cpu_floor)
        verdict = "ok" if median <= TARGET_MS else "OVER"
        print(f"  {name:24} {median:8.3f} {q1:8.3f} {q3:8.3f} {cpu:8.3f}   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=200, help="rounds measured")
    parser.add_argument("--only", default="", help="comma-separated rows (default: all)")
    args = parser.parse_args()
    if args.repetitions < 2:
        parser.error("--repetitions must be at least 2")
    chosen = [name for name in args.only.split(",") if name]
    unknown = [name for name in chosen if name not in CASES]
    if unknown:
        parser.error(f"unknown {', '.join(unknown)}; rows are: {', '.join(CASES)}")
    cases = {n: c for n, c in CASES.items() if n == EMPTY or not chosen or n in chosen}
    report(run(cases, args.repetitions), args.repetitions)


if __name__ == "__main__":
    main()
