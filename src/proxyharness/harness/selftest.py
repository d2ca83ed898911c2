"""The catalog proves that it can fail: every broken client must FAIL the rules it breaks.

::

    python -m proxyharness.harness.selftest              # check (the tox env selftest)
    python -m proxyharness.harness.selftest --write      # also rewrite caught.json
    python -m proxyharness.harness.selftest --client no-bypass --client only-200
    python -m proxyharness.harness.selftest --list       # slug, rules, bug

Each broken client (:mod:`.agents.broken`) runs, in this process, through the
scenarios of the rules it declares in ``breaks``, one rule at a time, until one of
them FAILs (the rest of the rule is skipped: one FAIL is the proof). A client
marked ``expected_to_escape`` that no scenario catches is reported as escaping the
catalog, a defect of the catalog, without failing; one that gets caught fails the
selftest until the mark is removed. Gated rules that caught no client are printed.
A full run also fails when its result differs from the committed ``caught.json``.

Exit status: 0 when every client was caught where it must be, 1 otherwise, 2 for
bad arguments. ``--write`` rewrites the committed data only after a full run.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..scenarios import RULES, all_scenarios
from ..scenarios.model import Scenario
from .agents.broken import CAUGHT_FILE, CLIENTS, BrokenAgent, committed_data
from .results import CaseResult, Verdict
from .runner import Runner
from .staging import Stager

__all__ = ["Proof", "caught_data", "main", "prove"]

#: Where ``--write`` puts the data by default: next to the broken clients.
DEFAULT_DATA = Path(__file__).parent / "agents" / "broken" / CAUGHT_FILE


@dataclass(frozen=True)
class Proof:
    """What one rule's scenarios made of one broken client."""

    client: str
    rule: str
    #: The scenario that FAILed (None: none did).
    caught_by: str | None
    #: Cases run for this rule, and the first line of the FAIL's evidence.
    cases: int
    evidence: str = ""
    #: Harness errors met on the way (never counted as a catch).
    errors: tuple[str, ...] = ()


def prove(client: type[BrokenAgent], scenarios: Sequence[Scenario]) -> list[Proof]:
    """Run ``client`` through the scenarios of each rule it breaks, up to the first FAIL."""
    agent = client()
    proofs = []
    runner = Runner(stager=Stager())
    try:
        for rule in client.breaks:
            proofs.append(_prove_rule(runner, agent, rule, scenarios))
    finally:
        runner.close()
        # What the client left behind (a leak is its bug) must not trouble the next one.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gc.collect()
    return proofs


def _prove_rule(
    runner: Runner, agent: BrokenAgent, rule: str, scenarios: Sequence[Scenario]
) -> Proof:
    errors: list[str] = []
    cases = 0
    for scenario in (s for s in scenarios if s.rule == rule):
        case = runner.run_case_safe(scenario, agent)
        cases += 1
        if case.verdict is not Verdict.FAIL:
            continue
        if case.reason.startswith("harness error"):
            errors.append(f"{scenario.id}: {case.reason}")
            continue
        return Proof(agent.name, rule, scenario.id, cases, _evidence(case, rule), tuple(errors))
    return Proof(agent.name, rule, None, cases, errors=tuple(errors))


def _evidence(case: CaseResult, rule: str) -> str:
    """The FAIL's line naming ``rule`` if there is one, else its first line."""
    lines = [line for line in (*case.diff, case.reason) if line]
    own = [line for line in lines if line.startswith(f"{rule}:")]
    return next(iter(own or lines), "")[:160]


def caught_data(proofs: Iterable[Proof]) -> dict[str, object]:
    """The committed data: for every gated rule, the broken clients it caught."""
    done = list(proofs)
    caught: dict[str, list[str]] = {rule.id: [] for rule in RULES if not rule.info}
    for proof in done:
        if proof.caught_by is not None:
            caught.setdefault(proof.rule, []).append(proof.client)
    escapes: dict[str, list[str]] = {}
    for proof in done:
        if proof.caught_by is None:
            escapes.setdefault(proof.client, []).append(proof.rule)
    return {
        "about": "rule -> broken clients its scenarios caught; written by "
        "python -m proxyharness.harness.selftest --write",
        "caught_by_rule": {rule: sorted(names) for rule, names in caught.items()},
        "escaping": dict(sorted(escapes.items())),
    }


def _line(proof: Proof, client: type[BrokenAgent]) -> tuple[str, bool]:
    """The report line for ``proof`` and whether it is a failure of the selftest."""
    head = f"{proof.client:<40} {proof.rule:<8}"
    if proof.caught_by is not None and client.expected_to_escape is not None:
        return f"{head} caught by {proof.caught_by}: remove expected_to_escape", True
    if proof.caught_by is not None:
        return f"{head} caught by {proof.caught_by} ({proof.evidence})", False
    if client.expected_to_escape is not None:
        return (
            f"{head} escapes the catalog (a defect of the catalog): {client.expected_to_escape}",
            False,
        )
    return f"{head} NOT CAUGHT by {proof.cases} scenarios", True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selftest; see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m proxyharness.harness.selftest",
        description="Require a FAIL from every broken client on each rule it breaks.",
    )
    parser.add_argument(
        "--client", action="append", metavar="SLUG", help="only this broken client (repeatable)"
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=DEFAULT_DATA,
        type=Path,
        metavar="FILE",
        help=f"write the per-rule counts as JSON (default: the committed {CAUGHT_FILE})",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the broken clients, their rules and bugs"
    )
    args = parser.parse_args(argv)
    if args.list:
        for slug, client in CLIENTS.items():
            escapes = " (escapes the catalog)" if client.expected_to_escape else ""
            print(f"{slug:<36} {','.join(client.breaks):<17} {client.bug()}{escapes}")
        return 0
    unknown = sorted(set(args.client or ()) - set(CLIENTS))
    if unknown:
        parser.error(f"no broken client {unknown[0]!r}; known: {', '.join(CLIENTS)}")
    if args.client and args.write:
        parser.error("--write needs the full run (no --client)")
    chosen = [CLIENTS[slug] for slug in args.client or CLIENTS]
    scenarios = all_scenarios()
    started = time.perf_counter()
    proofs: list[Proof] = []
    failed = False
    for client in chosen:
        for proof in prove(client, scenarios):
            proofs.append(proof)
            line, bad = _line(proof, client)
            failed |= bad or bool(proof.errors)
            print(line, flush=True)
            for error in proof.errors:
                print(f"    harness error: {error}")
    data = caught_data(proofs)
    caught: dict[str, list[str]] = data["caught_by_rule"]  # type: ignore[assignment]
    print(f"\n{len(chosen)} broken clients, {len(proofs)} rule checks, ", end="")
    print(f"{time.perf_counter() - started:.1f} s")
    if not args.client:
        empty = [rule for rule, names in caught.items() if not names]
        if empty:
            print(f"gated rules that caught no broken client (defects of the catalog): {empty}")
        if not args.write and data != committed_data():
            print(f"the committed {CAUGHT_FILE} differs from this run: rewrite it with --write")
            failed = True
    if args.write:
        args.write.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    print("selftest: FAILED" if failed else "selftest: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
