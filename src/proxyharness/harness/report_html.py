"""The conformance report as one standalone HTML file.

A header (backend, date, versions, totals per agent), a rules-by-agents matrix grouped by
family with each rule's title, the list of failures, then one ``<details>`` per rule
holding the rule's statement (what it requires, what it leaves open, info or gated) and
its cases. A case is a ``<details>`` whose ``id`` is :func:`case_anchor` (linkable),
showing the description and the differences (every field the diff names, marked in the
expected vs observed table too: :func:`differing_fields`); its facts, expected vs
observed and wire log are stored once, compressed, and shown when it opens
(:mod:`.report_html_data`). CSS and a few lines of script are inline
(:mod:`.report_html_page`), pinned by a Content-Security-Policy: works from
``file://``, fetches nothing.

Every string is escaped. Results arrive redacted (rule URL-05); the report masks
passwords again anyway (:mod:`.report_redact`).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from ..scenarios import RULES_BY_ID
from .report_html_data import Store, lazy_slot
from .report_html_page import ASSETS, PAGE
from .report_redact import Redactor, redact_run
from .results import CaseResult, RunResult, Verdict

#: Rule families in report order, with their headings.
FAMILIES = {
    "SEL": "Choosing a route",
    "URL": "The proxy's address",
    "OS": "Operating-system configuration",
    "SOCKS": "SOCKS proxies",
    "HTTP": "HTTP and HTTPS proxies",
    "ERR": "Failures",
    "DIAG": "Explaining the choice",
}
#: Most severe first: a matrix cell shows the first verdict it holds.
SEVERITY = (Verdict.FAIL, Verdict.NA, Verdict.INFO, Verdict.PASS)
_CLASS = {Verdict.PASS: "pass", Verdict.FAIL: "fail", Verdict.INFO: "info", Verdict.NA: "na"}
_NONE = '<span class="none">none</span>'
_EMPTY = '<span class="none">(empty)</span>'


def case_anchor(agent: str, scenario_id: str) -> str:
    """Return the ``id`` of a case's ``<details>`` (``-2``, ``-3``... added on clashes)."""
    return f"case-{_slug(agent)}--{_slug(scenario_id)}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _fmt(value: Any) -> str:
    """Format a JSON-like value as escaped HTML: tables for mappings and header lists."""
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return escape(str(value)) if value != "" else _EMPTY
    if not value:
        return _EMPTY
    if isinstance(value, dict):
        return _kv_table(value.items())
    if all(isinstance(v, list | tuple) and len(v) == 2 and isinstance(v[0], str) for v in value):
        return _kv_table(value, head=True)
    if all(v is None or isinstance(v, str | int | float) for v in value):
        return ", ".join(_fmt(v) for v in value)
    return "<ol>" + "".join(f"<li>{_fmt(v)}</li>" for v in value) + "</ol>"


def _kv_table(rows: Iterable[Any], head: bool = False) -> str:
    html = ['<table class="kv">']
    if head:
        html.append('<thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>')
    html += [f'<tr><th scope="row">{escape(str(k))}</th><td>{_fmt(v)}</td></tr>' for k, v in rows]
    return "".join(html) + "</table>"


def _count(cases: Iterable[CaseResult]) -> dict[Verdict, int]:
    counts = dict.fromkeys(Verdict, 0)
    for case in cases:
        counts[case.verdict] += 1
    return counts


def _counts_text(counts: dict[Verdict, int]) -> str:
    return " · ".join(f"{counts[v]} {v.value}" for v in SEVERITY if counts[v])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _family(rule: str) -> str:
    prefix = rule.split("-", 1)[0].upper()
    return prefix if prefix in FAMILIES else "Other"


def differing_fields(diff: Iterable[str]) -> set[str]:
    """The fields the diff lines name: each line starts with its field (``echo: ...``).

    The diff is the one place that says what differs: the table marks exactly these.
    """
    names = {line.split(":", 1)[0].strip() for line in diff}
    if any(name.startswith("CONNECT header ") for name in names):
        names.add("connect_headers")
    if "explanation" in names:
        names.add("explanation_mentions")
    return names


def _compare(case: CaseResult) -> str:
    """Expected vs observed, one row per field; fields that differ are marked in words."""
    fields = list(case.expected) + [k for k in case.observed if k not in case.expected]
    named = differing_fields(case.diff)
    rows = []
    for name in fields:
        expected, observed = case.expected.get(name, ...), case.observed.get(name, ...)
        differs = expected is not ... and name in named
        mark, tag = (
            (' class="differs"', ' <span class="tag">differs</span>') if differs else ("", "")
        )
        rows.append(
            f'<tr{mark}><th scope="row">{escape(name)}{tag}</th>'
            f"<td>{'(not checked)' if expected is ... else _fmt(expected)}</td>"
            f"<td>{'(not observed)' if observed is ... else _fmt(observed)}</td></tr>"
        )
    heads = "".join(f'<th scope="col">{h}</th>' for h in ("Field", "Expected", "Observed"))
    return (
        f'<table class="compare"><caption>Expected vs observed</caption><thead><tr>{heads}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else ""
    )


def _case(case: CaseResult, anchor: str, store: Store) -> str:
    """One case as a linkable ``<details>``; its details and wire log go to ``store``."""
    known = " (known: listed in the baseline)" if case.baseline_reason else ""
    facts: dict[str, str | None] = {"Rule": _rule_name(case.rule), "Agent": case.agent}
    facts |= {"Verdict": case.verdict.value + known, "Duration": f"{case.duration:.3f} s"}
    facts |= {"Baseline reason": case.baseline_reason, "Reason": case.reason}
    facts["Client error"] = case.client_error
    body = [f'<p class="desc">{escape(case.description)}</p>']
    if case.diff:
        items = "".join(f"<li><code>{escape(line)}</code></li>" for line in case.diff)
        body.append(f'<h4>Differences</h4><ul class="diff">{items}</ul>')
    body.append(lazy_slot(anchor))
    details = ['<dl class="facts">']
    details += [f"<dt>{k}</dt><dd>{escape(v)}</dd>" for k, v in facts.items() if v]
    details.append("</dl>" + _compare(case))
    records = _plural(len(case.wire), "record") if case.wire else "nothing recorded"
    details.append(f"<h4>Wire log: {records}</h4>")
    for n, record in enumerate(case.wire, 1):
        where = f": {record['listener']}" if record.get("listener") else ""
        details.append(f'<p class="caption">{escape(f"Record {n}{where}")}</p>')
        details.append(store.record(_kv_table(record.items())))
    details.append(f'<p><a href="#{anchor}">Link to this case</a></p>')
    store.cases[anchor] = "".join(details)
    verdict = case.verdict
    return (
        f'<details class="case c-{_CLASS[verdict]}" id="{anchor}"><summary>'
        f'<span class="verdict v-{_CLASS[verdict]}">{escape(verdict.value)}</span> '
        f'<code>{escape(case.scenario_id)}</code> <span class="agent">{escape(case.agent)}</span>'
        f'</summary><div class="body">{"".join(body)}</div></details>'
    )


def _cell(rule: str, agent: str, cases: list[CaseResult], anchors: dict[int, str]) -> str:
    """A matrix cell: the worst verdict and the counts, linked to the worst case."""
    data = f'data-rule="{escape(rule)}" data-agent="{escape(agent)}"'
    counts = _count(cases)
    worst = next((v for v in SEVERITY if counts[v]), None)
    if worst is None:
        return f'<td class="empty" {data}>no cases</td>'
    target = anchors[id(next(c for c in cases if c.verdict is worst))]
    return (
        f'<td class="v-{_CLASS[worst]}" {data}><a href="#{target}"><strong>{escape(worst.value)}'
        f'</strong> <span class="counts">{escape(_counts_text(counts))}</span></a></td>'
    )


def _header(run: RunResult, cases: list[CaseResult], agents: list[str], text: Redactor) -> str:
    """The run's facts and the totals per agent."""
    meta = [("Backend", run.backend), ("Started", run.started or "not recorded")]
    meta += [("Network", run.network)] if run.network else []
    meta += [("Duration", f"{run.duration:.1f} s"), *run.versions.items()]
    html = ['<dl class="meta">']
    html += [f"<dt>{escape(k)}</dt><dd>{escape(text.scrub(v))}</dd>" for k, v in meta]
    html.append('</dl><table class="totals"><caption>Totals per agent</caption><thead><tr>')
    html += [f'<th scope="col">{h}</th>' for h in ("Agent", "PASS", "FAIL", "INFO", "N/A", "Total")]
    html.append("</tr></thead><tbody>")
    for agent in agents:
        mine = [c for c in cases if c.agent == agent]
        counts, known = _count(mine), sum(1 for c in mine if c.baseline_reason)
        cells = [f"{counts[v]}" for v in (Verdict.PASS, Verdict.FAIL, Verdict.INFO, Verdict.NA)]
        cells[1] += f" ({known} known)" if known else ""
        html.append(f'<tr><th scope="row">{escape(agent)}</th>')
        html += [f"<td>{n}</td>" for n in [*cells, str(len(mine))]]
        html.append("</tr>")
    return "".join(html) + "</tbody></table>"


def _anchors(cases: list[CaseResult]) -> dict[int, str]:
    """Map ``id(case)`` to its anchor: :func:`case_anchor`, numbered when it clashes."""
    anchors: dict[int, str] = {}
    taken: set[str] = set()
    for case in cases:
        anchor = base = case_anchor(case.agent, case.scenario_id)
        for n in itertools.count(2):
            if anchor not in taken:
                break
            anchor = f"{base}-{n}"
        taken.add(anchor)
        anchors[id(case)] = anchor
    return anchors


def _rule_name(rule: str) -> str:
    """``SEL-01: its title``, or the bare ID for a rule this version does not know."""
    known = RULES_BY_ID.get(rule)
    return f"{rule}: {known.title}" if known else rule


def _title(rule: str) -> str:
    known = RULES_BY_ID.get(rule)
    return f' <span class="title">{escape(known.title)}</span>' if known else ""


def _prose(text: str) -> str:
    """Escaped text, with the catalog's `quoted` terms as ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _statement(rule: str) -> str:
    """The rule in full: statement, what it leaves open, how it is judged."""
    known = RULES_BY_ID.get(rule)
    if known is None:
        return '<p class="none">Not in this version\'s rule catalog.</p>'
    if known.info:
        judged = "Info: the behaviour is recorded, never gated."
    elif known.partly_info:
        judged = "Gated, except the part it leaves open, which is recorded as info."
    else:
        judged = "Gated: a client that breaks it fails."
    html = f'<div class="statement"><p>{_prose(known.statement)}</p>'
    if known.leaves_open:
        html += f"<p><strong>Leaves open:</strong> {_prose(known.leaves_open)}</p>"
    return html + f"<p>{judged}</p></div>"


def _rule(rule: str, cases: list[CaseResult], anchors: dict[int, str], store: Store) -> str:
    """A rule's section: a ``<details>`` holding its statement and its cases."""
    summary = f"{_plural(len(cases), 'case')}: {_counts_text(_count(cases))}"
    return (
        f'<details class="rule" id="rule-{_slug(rule)}"><summary><strong>{escape(rule)}'
        f"</strong>{_title(rule)} ({escape(summary)})</summary>{_statement(rule)}"
        + "".join(_case(c, anchors[id(c)], store) for c in cases)
        + "</details>"
    )


def render_html(run: RunResult) -> str:
    """Return the whole report as one standalone HTML document."""
    cases, text = redact_run(run)
    anchors = _anchors(cases)
    agents = list(dict.fromkeys([text.scrub(a) for a in run.agents] + [c.agent for c in cases]))
    order = [*FAMILIES, "Other"]
    rules = sorted({c.rule for c in cases}, key=lambda r: (order.index(_family(r)), r))
    failures = "".join(
        f'<li><a href="#{anchors[id(c)]}">{escape(c.agent)}: {escape(c.scenario_id)}</a>'
        + (f" (known: {escape(c.baseline_reason)})" if c.baseline_reason else "")
        + "</li>"
        for c in cases
        if c.verdict is Verdict.FAIL
    )
    matrix, sections, store = [], [], Store()
    for family in dict.fromkeys(_family(r) for r in rules):
        title = escape(f"{family}: {FAMILIES[family]}" if family in FAMILIES else "Other rules")
        span = len(agents) + 1
        matrix.append(f'<tbody><tr class="family"><th scope="rowgroup" colspan="{span}">')
        matrix.append(f"{title}</th></tr>")
        sections.append(f"<h3>{title}</h3>")
        for rule in (r for r in rules if _family(r) == family):
            mine = [c for c in cases if c.rule == rule]
            mine.sort(key=lambda c: (c.scenario_id, agents.index(c.agent)))
            link = f'<a href="#rule-{_slug(rule)}">{escape(rule)}</a>{_title(rule)}'
            cells = [_cell(rule, a, [c for c in mine if c.agent == a], anchors) for a in agents]
            matrix.append(f'<tr><th scope="row">{link}</th>{"".join(cells)}</tr>')
            sections.append(_rule(rule, mine, anchors, store))
        matrix.append("</tbody>")
    title = f"proxyharness conformance report: {run.backend}, {run.started or 'undated'}"
    return PAGE.substitute(
        ASSETS,
        title=escape(text.scrub(title)),
        header=_header(run, cases, agents, text),
        failures=f"<ol>{failures}</ol>" if failures else "<p>No failures.</p>",
        agent_heads="".join(f'<th scope="col">{escape(a)}</th>' for a in agents),
        matrix="".join(matrix),
        sections="".join(sections) or "<p>No cases.</p>",
        data=store.template(),
    )


def write_html(run: RunResult, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` (parent directories created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(run), encoding="utf-8")
    return target
