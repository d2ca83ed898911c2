"""Tests for proxyharness.harness.report_terminal."""

from __future__ import annotations

from proxyharness.harness.report_terminal import format_failures, format_run, format_table
from proxyharness.harness.results import CaseResult, RunResult, Verdict
from proxyharness.scenarios import RULES_BY_ID

RUN = RunResult(
    agents=("reference", "websockets-asyncio"),
    cases=(
        CaseResult("SEL-06.a", "SEL-06", "direct", "reference", Verdict.PASS),
        CaseResult("HTTP-08.b", "HTTP-08", "ua", "reference", Verdict.INFO),
        CaseResult("SEL-06.a", "SEL-06", "direct", "websockets-asyncio", Verdict.PASS),
        CaseResult(
            "HTTP-08.b", "HTTP-08", "ua", "websockets-asyncio", Verdict.FAIL, diff=("route: x",)
        ),
        CaseResult(
            "URL-05.c", "URL-05", "pw", "websockets-asyncio", Verdict.FAIL, baseline_reason="known"
        ),
        CaseResult("SEL-13.d", "SEL-13", "sock", "websockets-asyncio", Verdict.NA, reason="no"),
    ),
    duration=1.25,
    versions={"python": "3.11.7"},
)


def test_table() -> None:
    """Rules in catalog order, one column per agent, the title last, a total row."""
    sel06, sel13, url05, http08 = (
        RULES_BY_ID[rule].title for rule in ("SEL-06", "SEL-13", "URL-05", "HTTP-08")
    )
    assert format_table(RUN).splitlines() == [
        "rule      reference        websockets-asyncio               title",
        "-------   --------------   ------------------------------",
        f"SEL-06    1 PASS           1 PASS                           {sel06}",
        f"SEL-13    -                1 N/A                            {sel13}",
        f"URL-05    -                1 FAIL(1 known)                  {url05}",
        f"HTTP-08   1 INFO           1 FAIL                           {http08}",
        "-------   --------------   ------------------------------",
        "total     1 PASS  1 INFO   1 PASS  2 FAIL(1 known)  1 N/A",
    ]


def test_table_with_a_rule_the_catalog_lacks() -> None:
    """A rule unknown to this version (an old report) comes last, without a title."""
    old = CaseResult("OLD-01.x", "OLD-01", "gone", "reference", Verdict.PASS)
    run = RunResult(agents=("reference",), cases=(*RUN.cases[:1], old))
    rows = format_table(run).splitlines()
    assert rows[2].startswith("SEL-06")
    assert rows[2].endswith(RULES_BY_ID["SEL-06"].title)
    assert rows[3].split() == ["OLD-01", "1", "PASS"]


def test_failures() -> None:
    """Unknown failures with their diff; known ones on one line."""
    assert format_failures(RUN).splitlines() == [
        "FAIL   websockets-asyncio  HTTP-08.b  (ua)",
        "         route: x",
        "known  websockets-asyncio  URL-05.c: known",
    ]


def test_run_header() -> None:
    """The whole report starts with counts, duration and versions."""
    assert format_run(RUN).startswith("proxyharness run: 6 cases in 1.2 s (python 3.11.7)")
