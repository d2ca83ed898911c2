"""Tests for proxyharness.harness.report_terminal."""

from __future__ import annotations

from proxyharness.harness.report_terminal import (
    format_failure,
    format_failures,
    format_known,
    format_run,
    format_table,
)
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
    """Each unknown FAIL once, with its diff; the known ones are not repeated there."""
    assert format_failures(RUN).splitlines() == [
        "FAIL  HTTP-08.b (HTTP-08) for websockets-asyncio: ua",
        "      route: x",
    ]


def test_failure_block() -> None:
    """One FAIL: the ID, rule, agent and description, then reason, diff, client error."""
    case = CaseResult(
        "ERR-01.x", "ERR-01", "refused", "a", Verdict.FAIL, diff=("error: d",),
        reason="agent hung", client_error="OSError: no",
    )  # fmt: skip
    assert format_failure(case).splitlines() == [
        "FAIL  ERR-01.x (ERR-01) for a: refused",
        "      reason: agent hung",
        "      error: d",
        "      client error: OSError: no",
    ]


def known_run() -> RunResult:
    """Known failures: SOCKS-02 twelve times for one agent, SEL-04 for two agents."""
    cases = [
        CaseResult(f"SOCKS-02.c{n}", "SOCKS-02", "d", "aiohttp", Verdict.FAIL, baseline_reason="r")
        for n in range(12)
    ]
    cases += [
        CaseResult(f"SEL-04.c{n}", "SEL-04", "d", agent, Verdict.FAIL, baseline_reason=f"why {n}")
        for n, agent in enumerate(["aiohttp", "websockets-asyncio", "aiohttp"])
    ]
    return RunResult(agents=("aiohttp", "websockets-asyncio"), cases=tuple(cases))


def test_known_failures_one_line_per_rule() -> None:
    """Known FAILs: one line per rule (catalog order) with the count and the agents."""
    assert format_known(known_run()).splitlines() == [
        "known: SEL-04     3 (aiohttp 2, websockets-asyncio 1)",
        "known: SOCKS-02  12 (aiohttp)",
        "15 known failure(s) in the baseline; -v lists each with its reason",
    ]
    assert format_known(RUN).splitlines()[0] == "known: URL-05  1 (websockets-asyncio)"


def test_known_failures_verbose() -> None:
    """With verbose, one line per known FAIL with the baseline's reason."""
    lines = format_known(known_run(), verbose=True).splitlines()
    assert len(lines) == 15
    assert "known  SEL-04.c1 (websockets-asyncio): why 1" in lines
    assert "known  SOCKS-02.c0 (aiohttp): r" in lines


def test_run_prints_each_failure_once() -> None:
    """The whole report names an unknown FAIL once; known ones are summarised."""
    text = format_run(RUN)
    assert text.count("HTTP-08.b") == 1
    assert "URL-05.c" not in text
    assert "known: URL-05" in text
    assert "known  URL-05.c (websockets-asyncio): known" in format_run(RUN, verbose=True)


def test_run_header() -> None:
    """The whole report starts with counts, duration and versions."""
    assert format_run(RUN).startswith("proxyharness run: 6 cases in 1.2 s (python 3.11.7)")
