"""The cost of entering and leaving an OsProxyConfig, and how many modules it scans.

    python benchmarks/bench_os_config.py [-n CALLS]

First imports what a conformance run imports (the harness, the clients it drives, when
installed) so that ``sys.modules`` is realistic. The first activation scans every
module; later ones only modules new to ``sys.modules`` or whose number of names
changed (see ``proxyharness.fixtures.config.patching.HolderIndex``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import statistics
import sys
import time
from typing import Any

from proxyharness.fixtures.config.os_config import OsProxyConfig
from proxyharness.fixtures.config.patching import HOLDERS

#: Imported when installed: what a conformance run has in ``sys.modules``.
CONTEXT = (
    "proxyharness.harness.runner",
    "proxyharness.cli",
    "aiohttp",
    "websockets",
    "websocket",
    "pytest",
    "hypothesis",
)
PROFILES: dict[str, dict[str, Any]] = {
    "macos": {"os": "macos", "http": {"host": "127.0.0.1", "port": 3128}},
    "windows": {"os": "windows", "ProxyEnable": 1, "ProxyServer": "127.0.0.1:3128"},
}


def per_call(config: OsProxyConfig, calls: int) -> tuple[float, float, float]:
    """Median and best enter+exit time (ms), and modules scanned per call."""
    durations = []
    scanned = HOLDERS.scanned
    for _ in range(calls):
        started = time.perf_counter()
        with config:
            pass
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations), min(durations), (HOLDERS.scanned - scanned) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="activations per profile")
    args = parser.parse_args()
    for name in CONTEXT:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    modules = len(sys.modules)
    first = HOLDERS.scanned
    with OsProxyConfig.from_dict(PROFILES["windows"]):
        pass
    print(
        f"{modules} modules in sys.modules; the first activation scanned {HOLDERS.scanned - first}"
    )
    print(f"enter + exit, {args.n} activations per profile")
    print(f"{'profile':<9}{'median ms':>11}{'best ms':>9}{'modules scanned/call':>22}")
    for profile, data in PROFILES.items():
        median, best, scanned = per_call(OsProxyConfig.from_dict(data), args.n)
        print(f"{profile:<9}{median:>11.3f}{best:>9.3f}{scanned:>22.1f}")


if __name__ == "__main__":
    main()
