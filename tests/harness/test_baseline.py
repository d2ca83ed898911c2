"""Tests for proxyharness.harness.baseline."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from proxyharness.harness.baseline import Baseline, BaselineError, Entry, draft, gate
from proxyharness.harness.results import CaseResult, Verdict

TEXT = """\
# known failures
HTTP-07.untrusted-server[wss]   @websockets-asyncio   CPython bug gh-113214
SOCKS-04                                              GSSAPI reply read as garbage
SEL-07.both*                    @a,b                  spelling quirk
"""


def case(scenario: str, verdict: Verdict, agent: str = "websockets-asyncio") -> CaseResult:
    """A minimal case for ``scenario`` (its rule is the ID's prefix)."""
    return CaseResult(scenario, scenario.split(".")[0], "", agent, verdict)


def test_parse() -> None:
    """Each line gives a pattern, optional agents and a reason; comments are skipped."""
    baseline = Baseline.parse(TEXT, "b.txt")
    assert baseline.entries == (
        Entry("HTTP-07.untrusted-server[wss]", "CPython bug gh-113214", ("websockets-asyncio",), 2),
        Entry("SOCKS-04", "GSSAPI reply read as garbage", (), 3),
        Entry("SEL-07.both*", "spelling quirk", ("a", "b"), 4),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SOCKS-04\n", "b.txt:1: SOCKS-04: a reason is required"),
        ("SOCKS-04 @x\n", "b.txt:1: SOCKS-04: a reason is required"),
        ("SOCKS-04 @ reason\n", "b.txt:1: '@' without agent names"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    """A malformed line is an error naming the file and line."""
    with pytest.raises(BaselineError, match=message):
        Baseline.parse(text, "b.txt")


@pytest.mark.parametrize(
    ("pattern", "agents", "scenario", "agent", "matches"),
    [
        ("SOCKS-04", (), "SOCKS-04.gssapi", "x", True),
        ("SOCKS-04", (), "SOCKS-05.reply", "x", False),
        ("SEL-07.both[ws]", (), "SEL-07.both[ws]", "x", True),
        ("SEL-07.both[ws]", (), "SEL-07.both[w]", "x", False),  # brackets are literal
        ("SEL-07.both*", (), "SEL-07.both[wss,upper]", "x", True),
        ("SEL-07.both*", ("a",), "SEL-07.both[ws]", "b", False),
        ("*[windows]", (), "OS-01.socks[ws,windows]", "x", False),
        ("*windows]", (), "OS-01.socks[ws,windows]", "x", True),
    ],
)
def test_matches(
    pattern: str, agents: tuple[str, ...], scenario: str, agent: str, matches: bool
) -> None:
    """Rule IDs match their scenarios; ``*`` is the only wildcard; agents restrict."""
    entry = Entry(pattern, "reason", agents)
    assert entry.matches(agent, scenario, scenario.split(".")[0]) is matches


def test_load(tmp_path: Path) -> None:
    """A file is read as UTF-8 and names itself in messages."""
    path = tmp_path / "websockets.txt"
    path.write_text("SOCKS-04  a reason — with UTF-8\n", encoding="utf-8")
    baseline = Baseline.load(path)
    assert baseline.entries[0].reason == "a reason — with UTF-8"
    assert baseline.source == str(path)


def test_gate_passes_when_every_failure_is_known() -> None:
    """Exit 0: the FAIL is listed, nothing listed passes."""
    cases = [
        case("HTTP-07.untrusted-server[wss]", Verdict.FAIL),
        case("SEL-01.x", Verdict.PASS),
        case("SOCKS-04.gssapi", Verdict.FAIL),
    ]
    decision = gate(cases, Baseline.parse(TEXT))
    assert decision.exit_code == 0
    assert [c.baseline_reason for c in decision.expected] == [
        "CPython bug gh-113214",
        "GSSAPI reply read as garbage",
    ]
    assert decision.summary().endswith("gate: passed")


def test_gate_fails_on_an_unknown_failure() -> None:
    """Exit 1: a FAIL no entry covers (another agent's entry does not count)."""
    cases = [case("HTTP-07.untrusted-server[wss]", Verdict.FAIL, agent="websockets-sync")]
    decision = gate(cases, Baseline.parse(TEXT))
    assert decision.exit_code == 1
    assert "FAIL HTTP-07.untrusted-server[wss] (websockets-sync): not in the baseline" in (
        decision.summary()
    )


def test_gate_summary_after_the_failures_were_shown() -> None:
    """shown: the unknown FAILs are counted, not listed again by ID."""
    cases = [
        case("HTTP-07.untrusted-server[wss]", Verdict.FAIL, agent="websockets-sync"),
        case("SOCKS-04.gssapi", Verdict.FAIL),
    ]
    summary = gate(cases, Baseline.parse(TEXT)).summary(shown=True)
    assert summary.splitlines() == ["1 FAIL not in the baseline (above)", "gate: FAILED"]


def test_gate_fails_on_a_stale_entry() -> None:
    """Exit 1 with a clear message when a listed scenario now passes."""
    cases = [case("HTTP-07.untrusted-server[wss]", Verdict.PASS)]
    decision = gate(cases, Baseline.parse(TEXT, "b.txt"))
    assert decision.exit_code == 1
    assert decision.stale == (
        "stale baseline entry HTTP-07.untrusted-server[wss] @websockets-asyncio (b.txt:2): "
        "it now passes: HTTP-07.untrusted-server[wss] (websockets-asyncio)",
    )


def test_rule_entry_is_not_stale_while_one_scenario_fails() -> None:
    """A rule entry covering a passing and a failing scenario stays valid."""
    cases = [case("SOCKS-04.a", Verdict.PASS), case("SOCKS-04.b", Verdict.FAIL)]
    assert gate(cases, Baseline.parse("SOCKS-04 reason\n")).exit_code == 0


@pytest.mark.parametrize(("complete", "exit_code"), [(True, 1), (False, 0)])
def test_entry_matching_nothing(complete: bool, exit_code: int) -> None:
    """An entry matching no case is stale only in a run of the whole catalog."""
    decision = gate(
        [case("SEL-01.x", Verdict.PASS)], Baseline.parse("NOPE-1.x r\n"), complete=complete
    )
    assert decision.exit_code == exit_code


def test_not_applicable_cases_do_not_make_an_entry_stale() -> None:
    """N/A is neither a failure nor a pass."""
    decision = gate([case("SOCKS-04.a", Verdict.NA)], Baseline.parse("SOCKS-04 r\n"))
    assert decision.exit_code == 0


def test_no_baseline() -> None:
    """Without a baseline any FAIL fails the gate."""
    assert gate([case("SEL-01.x", Verdict.INFO)]).exit_code == 0
    assert gate([case("SEL-01.x", Verdict.FAIL)]).exit_code == 1


@pytest.mark.parametrize(
    ("condition", "version", "applies"),
    [
        ("python<3.11.8", (3, 11, 7), True),
        ("python<3.11.8", (3, 11, 8), False),
        ("python>=3.12,<3.12.2", (3, 12, 1), True),
        ("python>=3.12,<3.12.2", (3, 13, 0), False),
        ("python==3.13", (3, 13, 2), True),
    ],
)
def test_python_condition(condition: str, version: tuple[int, ...], applies: bool) -> None:
    """An entry can be limited to the Python versions a bug exists in."""
    (entry,) = Baseline.parse(f"SOCKS-04 @a {condition} reason\n").entries
    assert entry.agents == ("a",)
    assert entry.reason == "reason"
    assert entry.applies(version) is applies


def test_entry_for_another_python_is_ignored() -> None:
    """Neither used for a FAIL nor stale when it passes."""
    baseline = Baseline.parse("SOCKS-04 python<3.0 old bug\n")
    assert gate([case("SOCKS-04.a", Verdict.PASS)], baseline, complete=True).exit_code == 0
    assert gate([case("SOCKS-04.a", Verdict.FAIL)], baseline).exit_code == 1


def test_bad_python_condition() -> None:
    """A malformed condition names its line."""
    with pytest.raises(BaselineError, match=r"b\.txt:1: bad Python version condition 'python~3'"):
        Baseline.parse("SOCKS-04 python~3 reason\n", "b.txt")


def test_entry_for_an_agent_not_in_the_run() -> None:
    """A complete run of one agent says nothing about another agent's entries."""
    baseline = Baseline.parse("SEL-99.x @other reason\n")
    assert gate([case("SEL-01.x", Verdict.PASS)], baseline, complete=True).exit_code == 0


def test_draft_reason_is_refused() -> None:
    """A reason still marked DRAFT: (from --write-baseline) is an error naming its line."""
    with pytest.raises(BaselineError, match=r"b\.txt:2: SEL-01\.x: the reason is still a draft"):
        Baseline.parse("# c\nSEL-01.x @a DRAFT: route: expected proxy\n", "b.txt")


def test_draft_lists_each_failure() -> None:
    """draft() writes one DRAFT line per FAIL, with the first difference, and parses once edited."""
    failing = CaseResult(
        "SEL-04.x[ws]", "SEL-04", "", "a", Verdict.FAIL, diff=("route: expected proxy, got direct",)
    )
    text = draft([failing, case("SEL-06.y", Verdict.PASS, "a")])
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines == ["SEL-04.x[ws] @a DRAFT: route: expected proxy, got direct"]
    edited = Baseline.parse(text.replace("DRAFT:", "because"))
    assert edited.entries[0].reason == "because route: expected proxy, got direct"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("SEL-77 r", "no rule SEL-77"),
        ("SEL-01.z* r", "matches no scenario of the catalog"),
        ("SEL-01.x @ghost r", "no agent named ghost (known: a, b)"),
    ],
)
def test_check_errors(line: str, message: str) -> None:
    """Entries that can never match are errors naming their line."""
    errors, notes = Baseline.parse(line, "b.txt").check(
        scenario_ids={"SEL-01.x"}, rule_ids={"SEL-01"}, known_agents=["a"], run_agents=["b"]
    )
    assert errors == [f"b.txt:1: {line.rsplit(' ', 1)[0]}: {message}"]
    assert notes == []


def test_check_notes_an_agent_absent_from_the_run() -> None:
    """A registered agent that is not in this run: ignored, with a note."""
    errors, notes = Baseline.parse("SEL-01.x @a r\nSEL-01 r\n", "b.txt").check(
        scenario_ids={"SEL-01.x"}, rule_ids={"SEL-01"}, known_agents=["a"], run_agents=["b"]
    )
    assert errors == []
    assert notes == ["b.txt:1: SEL-01.x @a: ignored, no agent of it is in this run"]


@pytest.mark.parametrize(
    ("verdicts", "allow", "exit_code"),
    [
        ((Verdict.NA, Verdict.NA), False, 1),
        ((Verdict.NA, Verdict.NA), True, 0),
        ((Verdict.NA, Verdict.INFO), False, 0),
        ((), False, 1),
    ],
)
def test_gate_on_an_agent_that_gave_only_na(
    verdicts: tuple[Verdict, ...], allow: bool, exit_code: int
) -> None:
    """An agent with no verdict but N/A fails the gate, unless allowed."""
    cases = [
        dataclasses.replace(case(f"SEL-01.{n}", v, "a"), reason="not installed")
        for n, v in enumerate(verdicts)
    ]
    decision = gate(cases, agents=["a"], allow_unavailable=allow)
    assert decision.exit_code == exit_code
    if exit_code:
        assert "agent a gave no verdict" in decision.summary()


def staged(scenario: str, verdict: Verdict, network: str) -> CaseResult:
    """A case of an out-of-process agent that ran in ``network``."""
    return dataclasses.replace(case(scenario, verdict), observed={"network": network})


def test_entry_for_one_network_stage() -> None:
    """network=private: used and checked in the private stage, ignored in the hosts handover."""
    baseline = Baseline.parse("SOCKS-02.a @websockets-asyncio network=private resolves\n")
    (entry,) = baseline.entries
    assert (entry.network, entry.reason) == ("private", "resolves")
    assert str(entry) == "SOCKS-02.a @websockets-asyncio network=private"
    private, hosts = "private network (root)", "hosts handover (PROXYHARNESS_NETWORK=hosts)"
    assert gate([staged("SOCKS-02.a", Verdict.FAIL, private)], baseline).exit_code == 0
    assert gate([staged("SOCKS-02.a", Verdict.PASS, private)], baseline).exit_code == 1
    assert gate([staged("SOCKS-02.a", Verdict.PASS, hosts)], baseline, complete=True).exit_code == 0


def test_bad_network_condition() -> None:
    """An unknown stage is a clear error naming the line."""
    with pytest.raises(BaselineError, match=r"<baseline>:1: network=lan: the stage is one of"):
        Baseline.parse("SOCKS-02 network=lan reason\n")
