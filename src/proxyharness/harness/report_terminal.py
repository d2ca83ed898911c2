"""The terminal report: a table of rules x agents with verdict counts, then the failures.

::

    rule      reference   websockets-asyncio               title
    SEL-01    12 PASS     11 PASS  1 FAIL                  the bypass check (no_proxy, ...
    ...
    total     98 PASS     90 PASS  6 FAIL(4 known)  2 N/A

A cell lists its non-zero counts; ``FAIL(n known)`` says how many failures the
baseline lists. Each row ends with the rule's title (``proxyharness rules ID`` prints
the whole rule); the title comes last so that a narrow terminal wraps only it. Below
the table, every FAIL with its diff (known ones on one line).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..scenarios import RULES_BY_ID, rule_index
from .results import CaseResult, RunResult, Verdict

__all__ = ["format_failures", "format_run", "format_table"]

_ORDER = (Verdict.PASS, Verdict.FAIL, Verdict.INFO, Verdict.NA)


def _rule_order(rules: Iterable[str]) -> list[str]:
    def key(rule: str) -> tuple[int, str]:
        try:
            return (rule_index(rule), rule)
        except KeyError:
            return (10_000, rule)

    return sorted(set(rules), key=key)


def _cell(cases: list[CaseResult]) -> str:
    parts = []
    for verdict in _ORDER:
        matching = [c for c in cases if c.verdict is verdict]
        if not matching:
            continue
        text = f"{len(matching)} {verdict.value}"
        known = sum(1 for c in matching if c.baseline_reason)
        if verdict is Verdict.FAIL and known:
            text += f"({known} known)"
        parts.append(text)
    return "  ".join(parts) or "-"


def format_table(run: RunResult) -> str:
    """The rules x agents table, each row ending with the rule's title, and a total row."""
    rules = _rule_order(case.rule for case in run.cases)
    header = ["rule", *run.agents, "title"]
    rows = [header]
    for rule in rules:
        cells = [
            _cell([c for c in run.cases if c.rule == rule and c.agent == a]) for a in run.agents
        ]
        known = RULES_BY_ID.get(rule)
        rows.append([rule, *cells, known.title if known else ""])
    rows.append(["total", *(_cell([c for c in run.cases if c.agent == a]) for a in run.agents), ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "   ".join("-" * w for w in widths[:-1]))  # the title column unruled
    lines.insert(len(lines) - 1, lines[1])
    return "\n".join(line.rstrip() for line in lines)


def format_failures(run: RunResult) -> str:
    """Every FAIL: unknown ones with their diff, baseline-listed ones on one line."""
    lines = []
    for case in run.cases:
        if case.verdict is not Verdict.FAIL:
            continue
        if case.baseline_reason:
            lines.append(f"known  {case.agent}  {case.scenario_id}: {case.baseline_reason}")
            continue
        lines.append(f"FAIL   {case.agent}  {case.scenario_id}  ({case.description})")
        if case.reason:
            lines.append(f"         {case.reason}")
        lines.extend(f"         {line}" for line in case.diff)
    return "\n".join(lines)


def format_run(run: RunResult) -> str:
    """The table, the failures, and a one-line header with versions and duration."""
    versions = ", ".join(f"{k} {v}" for k, v in run.versions.items())
    parts = [f"proxyharness run: {len(run.cases)} cases in {run.duration:.1f} s ({versions})"]
    parts.append(format_table(run))
    failures = format_failures(run)
    if failures:
        parts.append(failures)
    return "\n\n".join(parts)
