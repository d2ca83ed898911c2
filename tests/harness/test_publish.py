"""Tests for proxyharness.harness.publish."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from proxyharness.cli import main
from proxyharness.harness.baseline import Baseline
from proxyharness.harness.publish import (
    WIRE_LEFT_OUT,
    PublishError,
    cell,
    explain,
    publish,
    render_markdown,
    slim,
)
from proxyharness.harness.results import CaseResult, RunResult, Verdict
from proxyharness.scenarios import RULES, all_scenarios

SECRET = "Kx9-swordfish-secret"
REASON_SECRET = "Vb4-reason-secret"
BASIC = base64.b64encode(f"alice:{SECRET}".encode()).decode()
OLD, LEGACY = "old-client", "legacy-client"

#: Scenario ID -> (verdict of LEGACY, extra fields); every other case is a PASS.
LEGACY_CASES: dict[str, tuple[Verdict, dict[str, Any]]] = {
    "URL-05.invalid-scheme": (
        Verdict.FAIL,
        {
            "client_error": f"InvalidProxy: socks9://alice:{SECRET}@127.0.0.1:1 isn't valid",
            "wire": (
                {"listener": "http://127.0.0.1:41001", "username": "alice", "password": SECRET},
                {"headers": [["Proxy-Authorization", f"Basic {BASIC}"]]},
            ),
        },
    ),
    "HTTP-06.default-tls[wss]": (Verdict.FAIL, {}),
    "SEL-13.caller-socket[ws]": (Verdict.NA, {"reason": "no sock= argument"}),
}
BASELINE = f"""\
# legacy-client's known failures
URL-05.invalid-*   @{LEGACY}  quotes the proxy URL (http://alice:{REASON_SECRET}@proxy) verbatim
HTTP-06.default-tls[wss]  @{LEGACY}  python<3.11.8   wraps the proxy socket twice | sometimes
HTTP-06.default-tls[wss]  @{LEGACY}  python>=3.11.8  wraps __the__ proxy socket twice
"""


def full_run(legacy: dict[str, tuple[Verdict, dict[str, Any]]] = LEGACY_CASES) -> RunResult:
    """Every scenario for two agents; LEGACY deviates where ``legacy`` says."""
    cases = []
    for agent in (OLD, LEGACY):
        for scenario in all_scenarios():
            verdict, extra = Verdict.INFO if scenario.info else Verdict.PASS, {}
            if agent == LEGACY and scenario.id in legacy:
                verdict, extra = legacy[scenario.id]
            fields = {"scenario_id": scenario.id, "rule": scenario.rule, "agent": agent}
            fields |= {"description": scenario.description, "verdict": verdict}
            cases.append(CaseResult(**(fields | extra)))
    return RunResult(
        agents=(OLD, LEGACY),
        cases=tuple(cases),
        started="2025-02-01T10:00:00+00:00",
        duration=12.5,
        versions={"proxyharness": "0.1.0", "python": "3.12.1", OLD: "2.0", LEGACY: "1.0"},
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report directory holding the full run's index.json."""
    directory = tmp_path / "report"
    directory.mkdir()
    (directory / "index.json").write_text(json.dumps(full_run().to_dict()), "utf-8")
    return directory


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    """LEGACY's baseline file."""
    path = tmp_path / "legacy.txt"
    path.write_text(BASELINE, "utf-8")
    return path


def rows(markdown: str) -> dict[str, list[str]]:
    """The matrix's rows by first cell, each as its list of cells."""
    found = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            found[cells[0]] = cells[1:]
    return found


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], "—"),
        ([Verdict.PASS] * 12, "PASS 12"),
        ([Verdict.FAIL] * 2 + [Verdict.PASS] * 12, "**FAIL 2/14**"),
        ([Verdict.INFO] * 3, "INFO"),
        ([Verdict.NA] * 2, "N/A"),
        ([Verdict.PASS, Verdict.PASS, Verdict.INFO], "PASS 2 · INFO 1"),
        ([Verdict.FAIL, Verdict.NA, Verdict.INFO], "**FAIL 1/1** · INFO 1 · N/A 1"),
        ([Verdict.INFO, Verdict.NA], "INFO · N/A 1"),
    ],
)
def test_cell(verdicts: list[Verdict], expected: str) -> None:
    """A cell names FAIL out of the checked cases, else PASS, INFO, N/A; extras follow."""
    cases = [CaseResult(f"X-01.{n}", "X-01", "", "a", v) for n, v in enumerate(verdicts)]
    assert cell(cases) == expected


def test_table_has_every_rule_and_agent(report: Path, baseline: Path, tmp_path: Path) -> None:
    """Every rule of the catalog, grouped by family, with its title and a cell per agent."""
    markdown, _ = publish(report, [baseline], tmp_path / "docs")
    text = markdown.read_text("utf-8")
    table = rows(text)
    assert table["Rule"] == ["What it asks", OLD, LEGACY]
    for rule in RULES:
        assert rule.id in table, rule.id
        assert table[rule.id][0].replace("\\", "") == rule.title + " (info)" * rule.info
    count = sum(1 for s in all_scenarios() if s.rule == "URL-05")
    assert table["URL-05"][1:] == [f"PASS {count}", f"**FAIL 1/{count}**"]
    assert table["SEL-13"][1:] == ["INFO", "INFO · N/A 1"]
    assert table["**SEL: Choosing a route**"] == ["", "", ""]
    assert list(table).index("**SEL: Choosing a route**") < list(table).index("SEL-01")
    assert list(table).index("SEL-13") < list(table).index("**URL: The proxy's address**")
    assert table["**All rules**"][2].startswith("**FAIL 2/")
    assert "2025-02-01T10:00:00+00:00" in text
    assert "Python 3.12.1" in text
    assert f"`{LEGACY}` 1.0" in text
    assert "proxyharness publish REPORT --baseline " in text


def test_every_fail_is_explained(report: Path, baseline: Path, tmp_path: Path) -> None:
    """Each FAIL is listed under its agent with its entry's reason (and Python condition)."""
    markdown, html = publish(report, [baseline], tmp_path / "docs")
    text = markdown.read_text("utf-8")
    legacy = text.split(f"### {LEGACY}")[1]
    assert "quotes the proxy URL (http://alice:****@proxy) verbatim" in legacy
    assert "sometimes" not in legacy  # that entry is for another Python
    assert r"wraps \_\_the\_\_ proxy socket twice (Python \>=3.11.8 only)" in legacy
    link = "(conformance.html#case-legacy-client--url-05-invalid-scheme)"
    assert f"  - [`URL-05.invalid-scheme`]{link}: quotes the proxy URL" in legacy
    assert "- **HTTP-06** (TLS-in-TLS works with default and explicit TLS settings)" in legacy
    assert text.split(f"### {OLD}")[1].split("###")[0].strip() == "No failures."
    assert "known: " in html.read_text("utf-8")


def test_each_deviation_once_with_its_wire_log(tmp_path: Path, baseline: Path) -> None:
    """What we found: one line per rule and reason, linked to its first case, counting the rest."""
    invalid = [s.id for s in all_scenarios() if s.id.startswith("URL-05.invalid-")]
    fails = dict.fromkeys([*invalid, "HTTP-06.default-tls[wss]"], (Verdict.FAIL, {}))
    run = dataclasses.replace(full_run(fails), network="private network (root)")
    report = tmp_path / "report"
    report.mkdir()
    (report / "index.json").write_text(json.dumps(run.to_dict()), "utf-8")
    text = publish(report, [baseline], tmp_path / "docs")[0].read_text("utf-8")
    found = text.split(f"### {LEGACY}")[1].split("Every failing case:")[0]
    lines = [line for line in found.splitlines() if line.startswith("- ")]
    assert len(lines) == 2
    url, tls = lines
    assert url.startswith("- **URL-05** quotes the proxy URL")
    assert f"[`{invalid[0]}`](conformance.html#case-legacy-client--" in url
    assert len(invalid) > 1
    assert url.endswith(f" (+{len(invalid) - 1} more)")
    assert tls.startswith("- **HTTP-06** wraps")
    assert "**Network stage** (out-of-process agents): private network (root)" in text


def test_recorded_reason_explains_without_a_file() -> None:
    """A reason the run recorded (run --baseline) explains a FAIL no file covers."""
    run = full_run()
    cases = tuple(
        dataclasses.replace(c, baseline_reason="recorded") if c.verdict is Verdict.FAIL else c
        for c in run.cases
    )
    explained = explain(dataclasses.replace(run, cases=cases))
    assert {c.baseline_reason for c in explained.cases if c.verdict is Verdict.FAIL} == {"recorded"}


def test_fail_without_explanation_is_an_error(report: Path, tmp_path: Path) -> None:
    """An unexplained FAIL names the case, writes nothing, and exits 1."""
    partial = tmp_path / "partial.txt"
    partial.write_text(f"URL-05 @{LEGACY} leaks\n", "utf-8")
    out = tmp_path / "docs"
    with pytest.raises(PublishError, match=r"1 FAIL.*legacy-client: HTTP-06\.default-tls\[wss\]"):
        publish(report, [partial], out)
    assert not out.exists()
    status = main(["publish", str(report), "--baseline", str(partial), "--out", str(out)])
    assert status == 1
    assert not out.exists()


def test_partial_run_needs_the_flag(tmp_path: Path, baseline: Path) -> None:
    """A run that skipped scenarios is refused unless partial=True, which says so."""
    run = full_run()
    run = dataclasses.replace(run, cases=tuple(c for c in run.cases if c.rule != "ERR-04"))
    (tmp_path / "index.json").write_text(json.dumps(run.to_dict()), "utf-8")
    with pytest.raises(PublishError, match=f"partial: agent {OLD} ran"):
        publish(tmp_path, [baseline], tmp_path / "docs")
    markdown, _ = publish(tmp_path, [baseline], tmp_path / "docs", partial=True)
    text = markdown.read_text("utf-8")
    assert "a partial run" in text
    assert rows(text)["ERR-04"][1:] == ["—", "—"]


def test_passwords_never_appear(report: Path, baseline: Path, tmp_path: Path) -> None:
    """No password from the wire, an error or a baseline reason reaches either file."""
    markdown, html = publish(report, [baseline], tmp_path / "docs")
    for path in (markdown, html):
        text = path.read_text("utf-8")
        assert SECRET not in text
        assert REASON_SECRET not in text
        assert BASIC not in text


def test_same_input_same_bytes(report: Path, baseline: Path, tmp_path: Path) -> None:
    """Publishing twice gives identical files."""
    first = [p.read_bytes() for p in publish(report, [baseline], tmp_path / "docs")]
    second = [p.read_bytes() for p in publish(report, [baseline], tmp_path / "docs")]
    assert first == second
    run = explain(full_run(), [Baseline.load(baseline)])
    assert render_markdown(run) == render_markdown(run)


def test_command(
    report: Path, baseline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``proxyharness publish`` writes both files; a missing report is an error."""
    out = tmp_path / "docs"
    assert main(["publish", str(report), "--baseline", str(baseline), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["conformance.html", "conformance.md"]
    assert f"--baseline {baseline.as_posix()} --out {out.as_posix()}" in (
        out / "conformance.md"
    ).read_text("utf-8")
    assert main(["publish", str(tmp_path / "nowhere"), "--out", str(out)]) == 1
    assert "no such file" in capsys.readouterr().err


def test_published_page_keeps_wire_logs_of_fail_and_info_only() -> None:
    """slim() drops the wire of PASS and N/A cases, says so, and keeps FAIL and INFO ones."""
    wire = ({"listener": "http://127.0.0.1:1", "protocol": "http"},)
    cases = tuple(CaseResult("S", "SEL-01", "d", "a", verdict, wire=wire) for verdict in Verdict)
    slimmed = {case.verdict: case for case in slim(RunResult(("a",), cases)).cases}
    for verdict in (Verdict.FAIL, Verdict.INFO):
        assert slimmed[verdict].wire == wire
    for verdict in (Verdict.PASS, Verdict.NA):
        assert slimmed[verdict].wire == ()
        assert slimmed[verdict].reason == WIRE_LEFT_OUT


def test_agent_with_nothing_but_na_says_why() -> None:
    """An agent that could express no scenario is not shown as failure-free without its reason."""
    run = full_run()
    cases = tuple(
        dataclasses.replace(c, verdict=Verdict.NA, reason="curl has no WebSocket")
        if c.agent == OLD
        else c
        for c in run.cases
    )
    run = dataclasses.replace(run, cases=cases)
    explained = explain(run, [Baseline.parse(BASELINE)])
    text = render_markdown(explained)
    section = text.split(f"### {OLD}")[1].split("###")[0].strip()
    assert section == "No failures: every case is N/A (curl has no WebSocket)."
