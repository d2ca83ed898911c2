"""Tunnels through every proxy at hand, side by side, with one blocking client.

    python benchmarks/bench_tunnels.py [--quick] [--rows direct,fixture-socks5,...]
                                       [--sections tunnels,bulk,idle]

The same client for every row: open a tunnel (SOCKS5 or HTTP CONNECT, by hand), send
64 bytes, read the echo, close; ``--count`` sequential tunnels per sample, rows
interleaved sample by sample so that drift of the machine hits every row alike. The
targets (echo, source) run in a process of their own.

Rows: direct; the fixtures in this process (``SocksProxy(5)``, ``HttpProxy()``, on
the fixtures' loop thread); ``proxyharness serve``; a minimal asyncio SOCKS5 proxy
(the floor); microsocks, tinyproxy, squid, danted and mitmproxy where installed.

Sections: **tunnels** (µs per tunnel, median and range over samples; x direct, the
median of the per-sample ratios; proxy CPU µs per tunnel over all samples), **bulk**
(``--bulk-mib`` downloaded through one tunnel: MiB/s, x direct, proxy CPU s/GiB),
**idle** (``--idle`` tunnels held open: the growth of the proxy's resident memory per
tunnel; the fixtures are measured through ``serve``, as in this process their memory
mixes with the client's). Wall times move with the machine; CPU and ratios are what
to compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _clients import read_exact
from _rows import MEMORY_STAND_IN, NAMES, Row, rows
from _targets import Ports, targets

from proxyharness.fixtures.servers import loop as fixtures_loop

SECTIONS = ("tunnels", "bulk", "idle")
MESSAGE = b"m" * 64
MIB = 1 << 20
#: (count, samples, bulk MiB, bulk samples, idle tunnels): full run, then --quick.
FULL = (200, 6, 200, 3, 1000)
QUICK = (20, 2, 8, 1, 50)


@dataclass
class Measured:
    """One row's samples in one section."""

    values: list[float] = field(default_factory=list)
    cpu: float = 0.0
    work: float = 0.0  # tunnels or GiB, whatever cpu is divided by


def sample_tunnels(row: Row, port: int, count: int, into: Measured) -> None:
    cpu = row.cpu() if row.cpu else 0.0
    start = time.perf_counter()
    for _ in range(count):
        with row.open(port) as sock:
            sock.sendall(MESSAGE)
            if read_exact(sock, len(MESSAGE)) != MESSAGE:
                raise ConnectionError("the echo came back different")
    into.values.append((time.perf_counter() - start) / count * 1e6)
    if row.cpu:
        into.cpu += row.cpu() - cpu
    into.work += count


def sample_bulk(row: Row, port: int, mib: int, into: Measured) -> None:
    buffer = memoryview(bytearray(MIB))
    with row.open(port) as sock:
        cpu = row.cpu() if row.cpu else 0.0
        start = time.perf_counter()
        sock.sendall((mib * MIB).to_bytes(8, "big"))
        left = mib * MIB
        while left:
            got = sock.recv_into(buffer, min(left, MIB))
            if not got:
                raise ConnectionError(f"closed with {left} bytes to go")
            left -= got
        into.values.append(mib / (time.perf_counter() - start))
        if row.cpu:
            into.cpu += row.cpu() - cpu
        into.work += mib / 1024


def idle_growth(row: Row, port: int, count: int) -> float:
    """Bytes of resident memory the proxy gains per idle tunnel."""
    assert row.rss is not None
    with row.open(port) as sock:
        sock.sendall(MESSAGE)
        read_exact(sock, len(MESSAGE))
    before = row.rss()
    tunnels = []
    try:
        for _ in range(count):
            tunnels.append(row.open(port))
        return (row.rss() - before) / count
    finally:
        for sock in tunnels:
            sock.close()


def interleaved(
    found: list[Row],
    samples: int,
    run: Callable[[Row, Measured], None],
    notes: list[str],
) -> dict[str, Measured]:
    """Run every row once per sample, in turn; a row that fails is noted and dropped."""
    results = {row.name: Measured() for row in found}
    for _ in range(samples):
        for row in found:
            if row.name in results:
                try:
                    run(row, results[row.name])
                except OSError as exc:
                    notes.append(f"dropped {row.name}: {exc}")
                    del results[row.name]
    return results


def ratios(results: dict[str, Measured], name: str) -> str:
    """Median over samples of this row's value ÷ direct's in the same sample."""
    if "direct" not in results:
        return "-"
    pairs = zip(results[name].values, results["direct"].values, strict=False)
    return f"{statistics.median(value / direct for value, direct in pairs):.2f}"


def table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    widths = [max(len(cells[i]) for cells in (header, *lines)) for i in range(len(header))]
    for cells in (header, *lines):
        padded = [cells[0].ljust(widths[0])]
        padded += [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        print("  " + "  ".join(padded))


def spread(values: list[float], digits: int = 0) -> str:
    return f"{min(values):.{digits}f}..{max(values):.{digits}f}"


def report(results: dict[str, Measured], section: str) -> None:
    """Print one line per row: median, range, x direct, proxy CPU per unit of work."""
    scale, header = {
        "tunnels": (1e6, ("row", "µs/tunnel", "range", "x direct", "proxy CPU µs/tunnel")),
        "bulk": (1.0, ("row", "MiB/s", "range", "x direct", "proxy CPU s/GiB")),
    }[section]
    lines = []
    for name, got in results.items():
        per_unit = got.cpu / got.work * scale
        cpu = "-" if name == "direct" else f"{per_unit:.{0 if scale > 1 else 2}f}"
        median = f"{statistics.median(got.values):.0f}"
        lines.append((name, median, spread(got.values), ratios(results, name), cpu))
    table(header, lines)


def report_idle(
    picked: list[Row], found: list[Row], port: int, count: int, notes: list[str]
) -> None:
    """Measure each proxy process once (a second round would reuse freed memory)."""
    by_name = {row.name: row for row in found}
    growth: dict[str, float] = {}
    lines = []
    for row in picked:
        measured = by_name.get(MEMORY_STAND_IN.get(row.name, row.name))
        if measured is None or measured.rss is None:
            continue
        if measured.name not in growth:
            try:
                growth[measured.name] = idle_growth(measured, port, count)
            except OSError as exc:
                notes.append(f"idle: dropped {row.name}: {exc}")
                continue
        via = f" (= {measured.name})" if measured is not row else ""
        lines.append((row.name + via, f"{growth[measured.name] / 1024:.1f}"))
    table(("row", "KiB per idle tunnel"), lines)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument("--rows", default=",".join(NAMES), help="comma-separated, of: %(default)s")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="of: %(default)s")
    parser.add_argument(
        "--base",
        type=Path,
        help="another checkout (e.g. `git worktree add /tmp/base main`): adds its "
        "`serve` rows (serve-socks5@base, serve-http@base) next to this one's",
    )
    for flag, what, full, quick in zip(
        ("--count", "--samples", "--bulk-mib", "--bulk-samples", "--idle"),
        ("tunnels per sample", "samples", "MiB per bulk sample", "bulk samples", "idle tunnels"),
        FULL,
        QUICK,
        strict=True,
    ):
        parser.add_argument(flag, type=int, help=f"{what} (default {full}, --quick {quick})")
    args = parser.parse_args()
    if args.base is not None and not (args.base / "src" / "proxyharness").is_dir():
        parser.error(f"--base: {args.base} is not a proxyharness checkout (no src/proxyharness)")
    for option, value in (("rows", NAMES), ("sections", SECTIONS)):
        asked = [part for part in getattr(args, option).split(",") if part]
        unknown = [part for part in asked if part not in value]
        if unknown or not asked:
            parser.error(f"--{option}: unknown {', '.join(unknown) or '(none)'}; pick from {value}")
        setattr(args, option, asked)
    defaults = QUICK if args.quick else FULL
    dests = ("count", "samples", "bulk_mib", "bulk_samples", "idle")
    for dest, default in zip(dests, defaults, strict=True):
        if getattr(args, dest) is None:
            setattr(args, dest, default)
        elif getattr(args, dest) < 1:
            parser.error(f"--{dest.replace('_', '-')} must be at least 1")
    return args


def main() -> None:
    args = parse()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # children inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8 * args.idle + 1024)), hard))
    names = list(args.rows)
    if args.base is not None:
        names = [m for n in names for m in ((n, f"{n}@base") if n.startswith("serve-") else (n,))]
        args.rows = names
    if "idle" in args.sections:  # the fixtures' memory is read from their serve process
        names += [MEMORY_STAND_IN[n] for n in args.rows if n in MEMORY_STAND_IN]
        names = list(dict.fromkeys(names))
    notes: list[str] = []
    with targets() as ports, rows(names, notes, base=args.base) as found:
        for note in notes:
            print(note)
        run_sections(args, ports, [r for r in found if r.name in args.rows], found, notes)
    fixtures_loop.shutdown()


def run_sections(
    args: argparse.Namespace, ports: Ports, picked: list[Row], found: list[Row], notes: list[str]
) -> None:
    seen = len(notes)
    if "tunnels" in args.sections:
        print(
            f"\ntunnels: open, one 64-byte echo, close; {args.count} sequential per sample, "
            f"{args.samples} samples, rows interleaved"
        )

        def warm_up(row: Row, into: Measured) -> None:
            sample_tunnels(row, ports.echo, min(args.count, 10), into)

        picked = [row for row in picked if row.name in interleaved(picked, 1, warm_up, notes)]

        def tunnels(row: Row, into: Measured) -> None:
            sample_tunnels(row, ports.echo, args.count, into)

        report(interleaved(picked, args.samples, tunnels, notes), "tunnels")
        tick = 1e6 / os.sysconf("SC_CLK_TCK") / (args.count * args.samples)
        print(f"  (out-of-process CPU is read in clock ticks: +-{2 * tick:.0f} µs/tunnel)")
    if "bulk" in args.sections:
        print(f"\nbulk: {args.bulk_mib} MiB downloaded per sample, {args.bulk_samples} samples")

        def bulk(row: Row, into: Measured) -> None:
            sample_bulk(row, ports.source, args.bulk_mib, into)

        report(interleaved(picked, args.bulk_samples, bulk, notes), "bulk")
        tick = 1 / os.sysconf("SC_CLK_TCK") / (args.bulk_mib * args.bulk_samples / 1024)
        print(f"  (out-of-process CPU is read in clock ticks: +-{2 * tick:.2f} s/GiB)")
    if "idle" in args.sections:
        print(f"\nidle: {args.idle} tunnels held open; growth of the proxy's resident memory")
        report_idle(picked, found, ports.echo, args.idle, notes)
    for note in notes[seen:]:
        print(note)


if __name__ == "__main__":
    main()
