"""Tests for proxyharness.harness.cli (the commands run in a subprocess)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from proxyharness.harness import cli
from proxyharness.harness.agents.broken import caught_by_rule
from proxyharness.scenarios import RULES_BY_ID, all_scenarios

HERE = Path(__file__).parent
TIMEOUT = 180


def proxyharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``proxyharness`` command; the broken agents are importable."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "proxyharness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def count(rule: str) -> int:
    return sum(1 for s in all_scenarios() if s.rule == rule)


def test_run_writes_the_report(tmp_path: Path) -> None:
    """run -k: pytest's output, the table, the gate; index.json, cases, junit.xml."""
    report = tmp_path / "report"
    result = proxyharness(
        "run", "--agent", "reference", "--agent", "websockets-asyncio", "-k", "SEL-06",
        "--report", str(report), "-n", "2", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    title = re.escape(RULES_BY_ID["SEL-06"].title)
    row = rf"^SEL-06 +{count('SEL-06')} PASS +{count('SEL-06')} PASS +{title}$"
    assert re.search(row, result.stdout, re.M)
    assert "gate: passed" in result.stdout
    index = json.loads((report / "index.json").read_text("utf-8"))
    assert index["agents"] == ["reference", "websockets-asyncio"]
    assert len(index["cases"]) == 2 * count("SEL-06")
    assert len(list((report / "cases").glob("*/*.json"))) == 2 * count("SEL-06")
    assert 'classname="proxyharness.websockets-asyncio"' in (report / "junit.xml").read_text(
        "utf-8"
    )


def test_run_json_and_baseline(tmp_path: Path) -> None:
    """--format json prints the run alone on stdout; unknown FAILs fail the gate."""
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("SEL-04.http-proxy*  @ignores-proxy  connects directly\n", "utf-8")
    result = proxyharness(
        "run", "--agent", "broken_agents:IgnoresProxy", "--baseline", str(baseline),
        "--format", "json", "-k", "SEL-04.http-proxy or (https-before-http and lower)",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    run = json.loads(result.stdout)
    verdicts = {c["scenario_id"]: (c["verdict"], c["baseline_reason"]) for c in run["cases"]}
    assert verdicts["SEL-04.http-proxy[ws,lower]"] == ("FAIL", "connects directly")
    assert verdicts["SEL-04.https-before-http[ws,lower]"] == ("FAIL", None)
    assert (
        "FAIL SEL-04.https-before-http[ws,lower] (ignores-proxy): not in the baseline"
        in result.stderr
    )


def test_run_prints_each_failure_once(tmp_path: Path) -> None:
    """A FAIL is printed once, with its diff; known ones as a count per rule (-v: each)."""
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("SEL-04.http-proxy*  @ignores-proxy  connects directly\n", "utf-8")
    arguments = [
        "run", "--agent", "broken_agents:IgnoresProxy", "--baseline", str(baseline),
        "-k", "SEL-04.http-proxy or (https-before-http and lower)",
    ]  # fmt: skip
    result = proxyharness(*arguments, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert out.count("SEL-04.https-before-http[ws,lower]") == 1, out
    assert out.count("route: expected 'proxy', observed 'direct'") == 1, out
    assert "SEL-04.http-proxy[" not in out
    assert re.search(r"^known: SEL-04  2 \(ignores-proxy\)$", result.stdout, re.M), out
    assert "1 FAIL not in the baseline (above)" in result.stdout
    verbose = proxyharness(*arguments, "-v", cwd=tmp_path)
    assert "known  SEL-04.http-proxy[ws,upper] (ignores-proxy): connects directly" in (
        verbose.stdout
    )


def test_run_prints_a_stale_entry_once(tmp_path: Path) -> None:
    """A stale baseline entry is printed once, by the gate, not by pytest's summary too."""
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("SEL-06.*  @reference  no longer fails\n", "utf-8")
    result = proxyharness(
        "run", "--agent", "reference", "--baseline", str(baseline), "-k", "SEL-06",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert out.count("stale baseline entry SEL-06.* @reference") == 1, out


def test_run_usage_errors(tmp_path: Path) -> None:
    """A bad baseline or an unknown agent stops before running anything."""
    bad = tmp_path / "bad.txt"
    bad.write_text("SEL-04\n", "utf-8")
    result = proxyharness("run", "--baseline", str(bad), cwd=tmp_path)
    assert result.returncode == 4
    assert "SEL-04: a reason is required" in result.stderr
    result = proxyharness("run", "--agent", "nope", "-k", "SEL-06", cwd=tmp_path)
    assert result.returncode == 4


def test_rules(capsys: pytest.CaptureFixture[str]) -> None:
    """rules lists every rule with its scenario count and the broken clients it catches."""
    assert cli.rules_command(argparse.Namespace(format="terminal")) == 0
    out = capsys.readouterr().out
    caught = len(caught_by_rule()["SEL-06"])
    assert caught >= 1
    assert re.search(
        rf"^SEL-06 +{count('SEL-06')} +{caught}  no proxy found means a direct", out, re.M
    )
    assert re.search(r"^SEL-10 +\d+ +-  ", out, re.M)  # info: not gated, nothing to catch
    assert f"{len(all_scenarios())} scenarios; caught:" in out


def test_rules_without_scenarios(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rule without a scenario makes rules exit 1."""
    kept = [s for s in all_scenarios() if s.rule != "SEL-13"]
    monkeypatch.setattr("proxyharness.harness.pytest_plugin.catalog", lambda: kept)
    assert cli.rules_command(argparse.Namespace(format="json")) == 1
    captured = capsys.readouterr()
    rows = {row["id"]: row["scenarios"] for row in json.loads(captured.out)}
    assert rows["SEL-13"] == 0
    assert "rule SEL-13 has no scenario" in captured.err


def test_rules_shows_one_rule_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    """rules RULE-ID prints the title, how it is judged, the statement and the count."""
    assert cli.rules_command(argparse.Namespace(rule="url-04", format="terminal")) == 0
    out = capsys.readouterr().out
    rule = RULES_BY_ID["URL-04"]
    assert out.startswith(f"URL-04: {rule.title}\n")
    assert f"{count('URL-04')} scenarios" in out
    assert " ".join(out.split()).count(rule.statement) == 1
    assert "Leaves open: " + rule.leaves_open.split()[0] in out


def test_rules_one_rule_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON form of one rule carries every field and the scenario count."""
    assert cli.rules_command(argparse.Namespace(rule="SEL-10", format="json")) == 0
    row = json.loads(capsys.readouterr().out)
    rule = RULES_BY_ID["SEL-10"]
    assert row == {**dataclasses.asdict(rule), "scenarios": count("SEL-10"), "caught": []}
    assert row["info"] is True


def test_rules_one_rule_names_the_broken_clients_it_catches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """rules RULE-ID lists the broken clients the rule's scenarios fail."""
    assert cli.rules_command(argparse.Namespace(rule="SOCKS-02", format="terminal")) == 0
    out = " ".join(capsys.readouterr().out.split())
    names = [name.removeprefix("broken-") for name in caught_by_rule()["SOCKS-02"]]
    assert names
    assert "Catches the broken clients: " + ", ".join(names) in out


@pytest.mark.parametrize(("typed", "named"), [("SOKS-05", "SOCKS-05"), ("SEL-1", "SEL-01")])
def test_rules_unknown_id_names_close_ones(
    typed: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown rule ID is one line on stderr naming close IDs, exit 2."""
    assert cli.rules_command(argparse.Namespace(rule=typed, format="terminal")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert f"unknown rule {typed!r}" in captured.err
    assert named in captured.err


def test_rules_unknown_id_from_the_command_line(tmp_path: Path) -> None:
    """The command itself: exit 2, one line, no traceback."""
    result = proxyharness("rules", "NOPE-99", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown rule 'NOPE-99'" in result.stderr


def test_registered_on_the_top_level_command() -> None:
    """The lead's CLI picks up run and rules."""
    from proxyharness.cli import build_parser

    args = build_parser().parse_args(["run", "--agent", "x", "-k", "SEL", "--", "-x"])
    assert (args.handler, args.agent, args.keyword, args.pytest_args) == (
        cli.run_command,
        ["x"],
        "SEL",
        ["--", "-x"],
    )


def test_a_scenario_without_verdict_fails_the_run(tmp_path: Path) -> None:
    """A scenario that crashed inside the harness fails a run whose other cases all pass."""
    result = proxyharness(
        "run", "-k", "SEL-06.nothing-configured", "--", "-p", "crash_plugin", cwd=tmp_path
    )  # fmt: skip
    assert result.returncode == 3, result.stdout + result.stderr
    assert "no verdict for SEL-06.nothing-configured[ws] (reference)" in result.stderr


def test_run_fails_when_an_agent_gives_only_na(tmp_path: Path) -> None:
    """An agent that cannot run fails the gate with its reason; --allow-unavailable passes."""
    agent = "command:/nonexistent/prog"
    result = proxyharness("run", "--agent", agent, "-k", "SEL-06", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"agent {agent} gave no verdict ({count('SEL-06')} scenario(s), all N/A)" in (
        result.stdout
    )
    assert "No such file or directory" in result.stdout
    assert "gate: FAILED" in result.stdout
    result = proxyharness(
        "run", "--agent", agent, "-k", "SEL-06", "--allow-unavailable", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_checks_the_baseline_names(tmp_path: Path) -> None:
    """Unknown rules, scenarios and agents in a baseline stop the run; absent agents: a note."""
    baseline = tmp_path / "baseline.txt"
    baseline.write_text(
        "SEL-77 reason\nSEL-01.nothing* reason\nSEL-06 @nobody reason\nSEL-06 @aiohttp reason\n",
        "utf-8",
    )
    result = proxyharness("run", "--baseline", str(baseline), "-k", "SEL-06", cwd=tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"{baseline}:1: SEL-77: no rule SEL-77" in result.stderr
    assert f"{baseline}:2: SEL-01.nothing*: matches no scenario of the catalog" in result.stderr
    assert f"{baseline}:3: SEL-06 @nobody: no agent named nobody" in result.stderr
    assert f"note: {baseline}:4: SEL-06 @aiohttp: ignored" in result.stderr
    assert result.stdout == ""


def test_write_baseline(tmp_path: Path) -> None:
    """--write-baseline drafts one line per FAIL; the gate refuses it until edited."""
    draft = tmp_path / "draft.txt"
    args = ["run", "--agent", "broken_agents:IgnoresProxy", "-k", "SEL-04.http-proxy"]
    result = proxyharness(*args, "--write-baseline", str(draft), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in draft.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert lines
    assert all(re.match(r"SEL-04\.http-proxy\S* @ignores-proxy DRAFT: \S", li) for li in lines)
    assert f"wrote {len(lines)} draft baseline entr" in result.stdout
    result = proxyharness(*args, "--baseline", str(draft), cwd=tmp_path)
    assert result.returncode == 4
    assert "the reason is still a draft" in result.stderr
    draft.write_text(draft.read_text("utf-8").replace("DRAFT:", "goes direct:"), "utf-8")
    result = proxyharness(*args, "--baseline", str(draft), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    result = proxyharness(*args, "--write-baseline", str(draft), cwd=tmp_path)
    assert result.returncode == 4
    assert "exists" in result.stderr
