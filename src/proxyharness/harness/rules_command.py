"""``proxyharness rules [RULE-ID]``: the rule catalog, its scenario counts and what it catches.

Imports the catalog only when run, so registering the command costs nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["rules_command"]


def rules_command(args: argparse.Namespace) -> int:
    """Print the rules with their scenario counts, or one rule in full."""
    import dataclasses

    from ..scenarios import RULES, RULES_BY_ID, close_rule_ids
    from .agents.broken import caught_by_rule
    from .pytest_plugin import catalog

    caught = caught_by_rule()
    counts: dict[str, int] = dict.fromkeys((rule.id for rule in RULES), 0)
    for scenario in catalog():
        counts[scenario.rule] = counts.get(scenario.rule, 0) + 1
    chosen = RULES
    if getattr(args, "rule", None):
        wanted = args.rule.strip().upper()
        if wanted not in RULES_BY_ID:
            close = close_rule_ids(args.rule)
            names = " or ".join([", ".join(close[:-1]), close[-1]] if close[:-1] else close)
            hint = f"; did you mean {names}?" if close else "; proxyharness rules lists them"
            print(f"proxyharness rules: unknown rule {args.rule!r}{hint}", file=sys.stderr)
            return 2
        chosen = (RULES_BY_ID[wanted],)
    if args.format == "json":
        rows = [
            dataclasses.asdict(rule)
            | {"scenarios": counts[rule.id], "caught": caught.get(rule.id, [])}
            for rule in chosen
        ]
        print(json.dumps(rows[0] if getattr(args, "rule", None) else rows, indent=1))
    elif getattr(args, "rule", None):
        print(_rule_text(chosen[0], counts[chosen[0].id], caught.get(chosen[0].id, [])))
    else:
        width = max(len(rule.id) for rule in RULES)
        print(f"{'rule'.ljust(width)}  scen  caught  title")
        for rule in RULES:
            flag = " (info)" if rule.info else ""
            bugs = "     -" if rule.info else f"{len(caught.get(rule.id, [])):6d}"
            print(f"{rule.id.ljust(width)}  {counts[rule.id]:4d}  {bugs}  {rule.title}{flag}")
        print(
            f"{len(RULES)} rules, {sum(counts.values())} scenarios; caught: how many "
            "deliberately broken clients each rule's scenarios fail (--agent broken:NAME)"
        )
    missing = [rule.id for rule in chosen if not counts[rule.id]]
    for rule_id in missing:
        print(f"rule {rule_id} has no scenario", file=sys.stderr)
    return 1 if missing else 0


def _rule_text(rule: Any, scenarios: int, caught: list[str]) -> str:
    """One rule in full: title, how it is judged, statement, what it leaves open."""
    import textwrap

    if rule.info:
        judged = "info: observed and recorded, never gated"
    elif rule.partly_info:
        judged = "gated; the part it leaves open is info"
    else:
        judged = "gated: a client that breaks it FAILs"
    lines = [f"{rule.id}: {rule.title}", f"{judged}; {scenarios} scenarios", ""]
    lines += textwrap.wrap(rule.statement, 88)
    if rule.leaves_open:
        lines += ["", *textwrap.wrap(f"Leaves open: {rule.leaves_open}", 88)]
    if caught:
        names = ", ".join(name.removeprefix("broken-") for name in caught)
        text = f"Catches the broken clients: {names}"
        lines += ["", *textwrap.wrap(text, 88, break_on_hyphens=False)]
    return "\n".join(lines)
