"""The terminal report: a table of rules x agents, each FAIL once, known ones by rule.

::

    rule      reference   websockets-asyncio               title
    SEL-01    12 PASS     11 PASS  1 FAIL                  the bypass check (no_proxy, ...
    ...
    total     98 PASS     90 PASS  6 FAIL(4 known)  2 N/A

A cell lists its non-zero counts; ``FAIL(n known)`` says how many failures the
baseline lists. Each row ends with the rule's title (``proxyharness rules ID`` prints
the whole rule); the title comes last so that a narrow terminal wraps only it. Below
the table, every FAIL the baseline does not list, once, with its diff
(:func:`format_failure`, which the pytest plugin shows too); then the known ones, one
line per rule with a count (``verbose``: one line per case with the baseline's reason).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable

from ..scenarios import RULES_BY_ID, rule_index
from .results import CaseResult, RunResult, Verdict

__all__ = ["format_failure", "format_failures", "format_known", "format_run", "format_table"]

_ORDER = (Verdict.PASS, Verdict.FAIL, Verdict.INFO, Verdict.NA)
_INDENT = "      "


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


def format_failure(case: CaseResult) -> str:
    """One FAIL: its ID, rule, agent and description, then reason, diff and client error."""
    lines = [f"FAIL  {case.scenario_id} ({case.rule}) for {case.agent}: {case.description}"]
    if case.reason:
        lines.append(f"{_INDENT}reason: {case.reason}")
    lines.extend(f"{_INDENT}{line}" for line in case.diff)
    if case.client_error:
        lines.append(f"{_INDENT}client error: {case.client_error}")
    return "\n".join(lines)


def format_failures(run: RunResult) -> str:
    """Every FAIL the baseline does not list, each with its diff."""
    return "\n".join(
        format_failure(case)
        for case in run.cases
        if case.verdict is Verdict.FAIL and not case.baseline_reason
    )


def format_known(run: RunResult, *, verbose: bool = False) -> str:
    """The FAILs the baseline lists: one line per rule with a count, or per case."""
    known = [c for c in run.cases if c.verdict is Verdict.FAIL and c.baseline_reason]
    if not known:
        return ""
    if verbose:
        return "\n".join(f"known  {c.scenario_id} ({c.agent}): {c.baseline_reason}" for c in known)
    by_rule: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for case in known:
        by_rule[case.rule][case.agent] += 1
    rules = _rule_order(by_rule)
    width = max(len(rule) for rule in rules)
    digits = len(str(max(sum(agents.values()) for agents in by_rule.values())))
    lines = []
    for rule in rules:
        agents = by_rule[rule]
        names = ", ".join(name if len(agents) == 1 else f"{name} {n}" for name, n in agents.items())
        lines.append(f"known: {rule.ljust(width)}  {sum(agents.values()):{digits}d} ({names})")
    lines.append(f"{len(known)} known failure(s) in the baseline; -v lists each with its reason")
    return "\n".join(lines)


def format_run(run: RunResult, *, verbose: bool = False) -> str:
    """A one-line header (versions, duration), the table, the failures, the known ones."""
    versions = ", ".join(f"{k} {v}" for k, v in run.versions.items())
    parts = [f"proxyharness run: {len(run.cases)} cases in {run.duration:.1f} s ({versions})"]
    parts.append(format_table(run))
    listed = (format_failures(run), format_known(run, verbose=verbose))
    parts.extend(part for part in listed if part)
    return "\n\n".join(parts)
