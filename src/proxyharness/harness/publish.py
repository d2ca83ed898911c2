"""``proxyharness publish``: the conformance matrix a person reads to pick a client.

It turns a run (``REPORT_DIR/index.json``) and the baseline files into
``OUT/conformance.md`` (what was run and in which network stage, then rules x agents,
then per client each deviation once and every FAIL with the baseline's one-line
explanation, linked to the case's wire log) and ``OUT/conformance.html`` (the full report of
:mod:`.report_html`). Publishing refuses, writing nothing, when a FAIL has no
explanation or when the run skipped scenarios (unless ``partial``). The same input
gives the same bytes: nothing depends on the time of publishing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..scenarios import RULES, RULES_BY_ID, all_scenarios
from .baseline import Baseline, BaselineError
from .report_html import FAMILIES, case_anchor, write_html
from .report_redact import redact_run
from .results import CaseResult, RunResult, Verdict

__all__ = ["PublishError", "explain", "publish", "publish_command", "render_markdown"]

MARKDOWN = "conformance.md"
HTML = "conformance.html"
_BACKENDS = {"fakes": "the embedded fake proxies", "mitmproxy": "mitmproxy"}
_SPECIAL = re.compile(r"[\\`*\[\]<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


class PublishError(Exception):
    """The run cannot be published as it is."""


# -- baselines ----------------------------------------------------------------------------


def _python(run: RunResult) -> tuple[int, ...]:
    """The Python version the run used (the running one if it was not recorded)."""
    numbers = re.findall(r"\d+", run.versions.get("python", ""))[:3]
    return tuple(map(int, numbers)) if numbers else tuple(sys.version_info[:3])


def _for_run(baseline: Baseline, run: RunResult) -> Baseline:
    """The entries for the run's Python, the version condition moved into the reason."""
    version, entries = _python(run), []
    for entry in (e for e in baseline.entries if e.applies(version)):
        reason = entry.reason
        if entry.python:
            condition = ",".join(op + ".".join(map(str, v)) for op, v in entry.python)
            reason += f" (Python {condition} only)"
        entries.append(dataclasses.replace(entry, python=(), reason=reason))
    return dataclasses.replace(baseline, entries=tuple(entries))


def explain(run: RunResult, baselines: Sequence[Baseline] = ()) -> RunResult:
    """Return ``run`` with every FAIL's ``baseline_reason`` set; PublishError if one is not.

    The first entry covering a case, file by file, explains it; a reason the run
    recorded itself (``run --baseline``) is kept when no file covers the case.
    """
    settled = [_for_run(baseline, run) for baseline in baselines]
    cases, missing = [], []
    for case in run.cases:
        if case.verdict is Verdict.FAIL:
            entries = (b.entry_for(case.agent, case.scenario_id, case.rule) for b in settled)
            entry = next((e for e in entries if e is not None), None)
            reason = entry.reason if entry else case.baseline_reason
            if not reason:
                missing.append(f"{case.agent}: {case.scenario_id}")
            case = dataclasses.replace(case, baseline_reason=reason)
        cases.append(case)
    if missing:
        raise PublishError(
            f"{len(missing)} FAIL(s) without a baseline explanation (add them to a baseline "
            "file, or fix the client): " + ", ".join(missing)
        )
    return dataclasses.replace(run, cases=tuple(cases))


def stale_entries(run: RunResult, baselines: Sequence[Baseline]) -> list[str]:
    """Entries of ``baselines`` that match only passing cases of ``run``."""
    found = []
    for baseline in baselines:
        found += _for_run(baseline, run).stale(run.cases, complete=False)
    return found


def _check_complete(run: RunResult) -> None:
    """PublishError unless every agent ran every scenario of the catalog."""
    expected = {scenario.id for scenario in all_scenarios()}
    for agent in run.agents:
        ran = {c.scenario_id for c in run.cases if c.agent == agent}
        if missing := expected - ran:
            raise PublishError(
                f"the run is partial: agent {agent} ran {len(expected & ran)} of "
                f"{len(expected)} scenarios (e.g. {min(missing)}); publish a full run, "
                "or pass --partial"
            )


# -- markdown -----------------------------------------------------------------------------


def _md(text: str) -> str:
    """Escape ``text`` for a Markdown paragraph or table cell."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(), text)


def cell(cases: Sequence[CaseResult]) -> str:
    """Summarise verdicts: ``PASS 12``, ``FAIL 2/14``, ``INFO``, ``N/A``, then extras."""
    counts = {v: sum(1 for c in cases if c.verdict is v) for v in Verdict}
    fail, passed, info, na = (
        counts[v] for v in (Verdict.FAIL, Verdict.PASS, Verdict.INFO, Verdict.NA)
    )
    if fail:
        parts = [f"**FAIL {fail}/{fail + passed}**"]
    elif passed:
        parts = [f"PASS {passed}"]
    elif info:
        parts, info = ["INFO"], 0
    elif na:
        parts, na = ["N/A"], 0
    else:
        return "—"
    parts += [f"INFO {info}"] * bool(info) + [f"N/A {na}"] * bool(na)
    return " · ".join(parts)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _family(rule: str) -> str:
    return RULES_BY_ID[rule].family if rule in RULES_BY_ID else "Other"


def _rules(cases: Sequence[CaseResult]) -> list[str]:
    """Every rule of the catalog in catalog order, then unknown rules of the run."""
    return [r.id for r in RULES] + sorted({c.rule for c in cases} - set(RULES_BY_ID))


def _matrix(cases: Sequence[CaseResult], agents: Sequence[str]) -> list[str]:
    lines = [_row(["Rule", "What it asks", *map(_md, agents)])]
    lines.append(_row(["---"] * (len(agents) + 2)))
    rules = _rules(cases)
    for family in dict.fromkeys(map(_family, rules)):
        heading = f"{family}: {FAMILIES[family]}" if family in FAMILIES else "Other rules"
        lines.append(_row([f"**{_md(heading)}**", "", *[""] * len(agents)]))
        for rule in (r for r in rules if _family(r) == family):
            known = RULES_BY_ID.get(rule)
            title = (known.title + " (info)" * known.info) if known else ""
            mine = [c for c in cases if c.rule == rule]
            cells = [cell([c for c in mine if c.agent == agent]) for agent in agents]
            lines.append(_row([_md(rule), _md(title), *cells]))
    totals = [cell([c for c in cases if c.agent == agent]) for agent in agents]
    lines.append(_row(["**All rules**", "", *totals]))
    return lines


def _link(case: CaseResult) -> str:
    """A Markdown link to the case in the HTML report, where its wire log is."""
    return f"[`{case.scenario_id}`]({HTML}#{case_anchor(case.agent, case.scenario_id)})"


def _findings(fails: Sequence[CaseResult], rules: Sequence[str]) -> list[str]:
    """One line per deviation (an explanation, with the rules it breaks), linked to a case."""
    found: dict[str, list[CaseResult]] = {}
    for rule in rules:
        for case in (c for c in fails if c.rule == rule):
            found.setdefault(case.baseline_reason or "", []).append(case)
    lines = ["What we found (each deviation once, linked to the wire log of its first case):", ""]
    for reason, group in found.items():
        broken = ", ".join(_md(rule) for rule in dict.fromkeys(c.rule for c in group))
        more = f" (+{len(group) - 1} more)" if len(group) > 1 else ""
        lines.append(f"- **{broken}** {_md(reason)}: {_link(group[0])}{more}")
    return [*lines, "", "Every failing case:", ""]


def _failures(cases: Sequence[CaseResult], agents: Sequence[str]) -> list[str]:
    lines = []
    for agent in agents:
        fails = [c for c in cases if c.agent == agent and c.verdict is Verdict.FAIL]
        lines += ["", f"### {_md(agent)}", ""]
        if not fails:
            mine = [c for c in cases if c.agent == agent]
            if mine and all(c.verdict is Verdict.NA for c in mine):
                lines.append(f"No failures: every case is N/A ({_md(mine[0].reason)}).")
            else:
                lines.append("No failures.")
            continue
        lines += _findings(fails, _rules(cases))
        for rule in (r for r in _rules(cases) if any(c.rule == r for c in fails)):
            title = RULES_BY_ID[rule].title if rule in RULES_BY_ID else ""
            lines.append(f"- **{_md(rule)}** ({_md(title)})" if title else f"- **{_md(rule)}**")
            for case in (c for c in fails if c.rule == rule):
                lines.append(f"  - {_link(case)}: {_md(case.baseline_reason or '')}")
    return lines


def render_markdown(
    run: RunResult, *, baselines: Sequence[str] = (), out: str = "docs", partial: bool = False
) -> str:
    """Return ``conformance.md`` for a run whose FAILs are explained (:func:`explain`).

    ``baselines`` and ``out`` are the paths to show in the command that regenerates it.
    """
    cases, redactor = redact_run(run)
    agents = list(dict.fromkeys([*run.agents, *(c.agent for c in cases)]))
    versions = {key: redactor.scrub(value) for key, value in run.versions.items()}
    scenarios = len({c.scenario_id for c in cases})
    backend = _BACKENDS.get(run.backend, run.backend)
    agent_list = ", ".join(
        f"`{a}` {_md(versions[a])}" if versions.get(a) else f"`{a}`" for a in agents
    )
    base = "".join(f" --baseline {b}" for b in baselines)
    lines = [
        "# Conformance matrix",
        "",
        "<!-- Generated by `proxyharness publish`: do not edit, regenerate. -->",
        "",
        "Which rules of the proxy rule catalog (`proxyharness rules`) each proxy-aware "
        "WebSocket client follows, judged only from what proxyharness's proxies and "
        "servers saw on the wire. Every FAIL is explained below the table; every case, "
        f"with expected vs observed, is in [{HTML}]({HTML}), with its wire log for FAIL "
        "and INFO cases (`proxyharness run --report DIR` keeps them all).",
        "",
        f"- **Run:** {_md(run.started or 'date not recorded')}, on {_md(backend)} "
        f"(backend `{_md(run.backend)}`){' — a partial run' if partial else ''}",
        f"- **Network stage** (out-of-process agents): {_md(run.network or 'not recorded')}",
        f"- **Cases:** {len(cases)} ({scenarios} scenarios of {len(RULES)} rules, "
        f"{len(agents)} agents)",
        f"- **Versions:** proxyharness {_md(versions.get('proxyharness', '?'))}, "
        f"Python {_md(versions.get('python', '?'))}",
        f"- **Agents:** {agent_list}",
        "",
        "Regenerate with `tox -e publish`, or by hand (the run's own gate may fail: "
        "publishing is the check here):",
        "",
        "```console",
        "$ proxyharness run" + "".join(f" --agent {a}" for a in agents) + " --report REPORT",
        f"$ proxyharness publish REPORT{base} --out {out}",
        "```",
        "",
        "## Rules and agents",
        "",
        "`PASS n`: all n checked cases pass. `FAIL f/n`: f of the n checked cases fail. "
        "`INFO`: the rule is not gated, the behaviour is recorded. `N/A`: the client cannot "
        "express the scenario. `· INFO k`, `· N/A k`: k more cases with that verdict. "
        "`—`: not run.",
        "",
        *_matrix(cases, agents),
        "",
        "## What we found, client by client",
        "",
        "Each deviation from the rules in one line, then each FAIL with the one-line "
        "explanation of the baseline entry that covers it"
        + (f" ({', '.join(f'`{b}`' for b in baselines)})." if baselines else "."),
        *_failures(cases, agents),
    ]
    return "\n".join(redactor.scrub(line) for line in lines) + "\n"


# -- files and command --------------------------------------------------------------------


def load_run(report: Path) -> RunResult:
    """Read ``report/index.json``."""
    index = report / "index.json"
    try:
        return RunResult.from_dict(json.loads(index.read_text("utf-8")))
    except FileNotFoundError:
        raise PublishError(f"{index}: no such file (run proxyharness run --report)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{index}: not a run: {exc}") from None


#: Said, in the published page, of a case whose wire log was left out.
WIRE_LEFT_OUT = (
    "wire log left out of the published page (PASS and N/A cases); "
    "`proxyharness run --report DIR` keeps every case's"
)


def slim(run: RunResult) -> RunResult:
    """Drop the wire logs of PASS and N/A cases: the published page stays small.

    FAIL and INFO cases keep theirs, which is what a reader opens; the page says so.
    """
    cases = tuple(
        dataclasses.replace(case, wire=(), reason=case.reason or WIRE_LEFT_OUT)
        if case.verdict in (Verdict.PASS, Verdict.NA) and case.wire
        else case
        for case in run.cases
    )
    return dataclasses.replace(run, cases=cases)


def publish(
    report: Path, baselines: Sequence[Path] = (), out: Path = Path("docs"), *, partial: bool = False
) -> tuple[Path, Path]:
    """Write ``out/conformance.md`` and ``out/conformance.html``; return their paths."""
    run = load_run(report)
    try:
        loaded = [Baseline.load(path) for path in baselines]
    except (OSError, BaselineError) as exc:
        raise PublishError(f"--baseline: {exc}") from None
    if not partial:
        _check_complete(run)
    run = explain(run, loaded)
    shown = [Path(b).as_posix() for b in baselines]
    text = render_markdown(run, baselines=shown, out=out.as_posix(), partial=partial)
    html = write_html(slim(run), out / HTML)
    markdown = out / MARKDOWN
    markdown.write_text(text, encoding="utf-8")
    for message in stale_entries(run, loaded):
        print(f"warning: {message}", file=sys.stderr)
    return markdown, html


def publish_command(args: argparse.Namespace) -> int:
    """``proxyharness publish``: 0 when written, 1 when the run cannot be published."""
    try:
        paths = publish(args.report, args.baseline or (), args.out, partial=args.partial)
    except PublishError as exc:
        print(f"proxyharness publish: {exc}", file=sys.stderr)
        return 1
    print("wrote " + " and ".join(str(p) for p in paths))
    return 0
