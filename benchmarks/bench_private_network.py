"""What the private network stage adds to a case of an out-of-process agent, side by side.

    python benchmarks/bench_private_network.py [--scenarios 120] [--child true]

For each scenario (every k-th of the catalog, up to ``--scenarios``), in interleaved
pairs (each pair in alternating order): stage it in the hosts handover (a
:class:`~proxyharness.harness.staging.Stager`) and in the private network (a
:class:`~proxyharness.harness.staging.private_network.PrivateStager`), and in each
run a trivial child (``--child``, ``true`` by default) the way agents do
(:func:`~proxyharness.harness.agents.process.inside`: ``nsenter`` in the private
stage), then let the servers settle. Printed: the one-time cost of making the
namespace, the median and spread of the per-case wall time of each stage, and of the
milliseconds added (the pairs' differences). The issue's target is <= 50 ms added per
case.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from proxyharness.harness.agents.process import inside
from proxyharness.harness.staging import Stager, StagingError, Unavailable
from proxyharness.harness.staging.private_network import private_stager
from proxyharness.scenarios import all_scenarios
from proxyharness.scenarios.model import Scenario


def one_case(stager: Stager, scenario: Scenario, child: str) -> float | None:
    """Seconds to stage ``scenario``, run the child, settle and tear down; None if N/A."""
    start = time.perf_counter()
    try:
        with stager.stage(scenario) as staged:
            subprocess.run(inside([child]), check=True, timeout=30)
            staged.settle()
    except (Unavailable, StagingError):
        return None
    return time.perf_counter() - start


def _row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    quartiles = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
    return (
        f"{label:<28} median {statistics.median(ms):7.1f} ms"
        f"   quartiles {quartiles[0]:6.1f} .. {quartiles[2]:6.1f} ms   ({len(ms)} cases)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=120)
    parser.add_argument("--child", default="true")
    args = parser.parse_args()
    catalog = all_scenarios()
    step = max(1, len(catalog) // args.scenarios)
    chosen = catalog[::step][: args.scenarios]
    started = time.perf_counter()
    private, description = private_stager()
    made = time.perf_counter() - started
    if private is None:
        raise SystemExit(f"no private network here: {description}")
    hosts_times: list[float] = []
    private_times: list[float] = []
    added: list[float] = []
    with Stager() as hosts, private:
        for scenario in chosen[:3]:  # warm-up: certificates, pooled servers
            one_case(hosts, scenario, args.child)
            one_case(private, scenario, args.child)
        for index, scenario in enumerate(chosen):
            order = [(hosts, hosts_times), (private, private_times)]
            if index % 2:
                order.reverse()
            pair = {id(times): one_case(stager, scenario, args.child) for stager, times in order}
            plain, inner = pair[id(hosts_times)], pair[id(private_times)]
            if plain is None or inner is None:
                continue
            hosts_times.append(plain)
            private_times.append(inner)
            added.append(inner - plain)
    print(f"{description}: namespace made once in {made * 1000:.0f} ms")
    print(_row("hosts handover, per case", hosts_times))
    print(_row("private network, per case", private_times))
    print(_row("added by the private network", added))
    print(f"target: <= 50 ms added per case; mean added {statistics.mean(added) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
