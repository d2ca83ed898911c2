"""Tests for proxyharness.harness.pytest_plugin, registered by the proxyharness plugin.

Subprocesses keep the inner sessions' servers and background loop apart from the
outer one's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from proxyharness.harness.cli import plugin_arguments
from proxyharness.scenarios import all_scenarios

pytest_plugins = ("pytester",)

BROKEN = Path(__file__).with_name("broken_agents.py")
TIMEOUT = 120


@pytest.fixture
def run(pytester: pytest.Pytester) -> object:
    """Run pytest with the plugin in a subprocess; the broken agents are importable."""
    pytester.makepyfile(broken_agents=BROKEN.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\n")

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            *plugin_arguments(), "-p", "no:cacheprovider", *args, timeout=TIMEOUT
        )

    return run


def ids(rule: str) -> list[str]:
    return [s.id for s in all_scenarios() if s.rule == rule]


def test_inert_without_agent(run: object, pytester: pytest.Pytester) -> None:
    """Without --proxyharness-agent, a session has only its own tests."""
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    result = run()  # type: ignore[operator]
    result.assert_outcomes(passed=1)


def test_collect(run: object, pytester: pytest.Pytester) -> None:
    """One item per scenario and agent, named proxyharness::AGENT::SCENARIO-ID."""
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    result = run(  # type: ignore[operator]
        "--proxyharness-agent", "reference", "--proxyharness-only", "--collect-only", "-q",
        "-k", "SEL-06",
    )  # fmt: skip
    lines = [line for line in result.outlines if line.startswith("proxyharness::")]
    assert lines == [f"proxyharness::reference::{scenario}" for scenario in ids("SEL-06")]
    assert "test_own" not in result.stdout.str()


def test_verdicts_report_and_xdist(run: object, pytester: pytest.Pytester) -> None:
    """PASS, INFO (with its observation), N/A as skip; JSON report and JUnit under -n 2."""
    report = pytester.path / "report"
    junit = pytester.path / "junit.xml"
    result = run(  # type: ignore[operator]
        "--proxyharness-agent", "websockets-asyncio", "-k", "SEL-06 or DIAG-01 or HTTP-08",
        "--proxyharness-report", str(report), "--junitxml", str(junit), "-n", "2", "-rs",
    )  # fmt: skip
    counted = len(ids("SEL-06")) + len(ids("HTTP-08"))
    result.assert_outcomes(passed=counted, skipped=len(ids("DIAG-01")))
    result.stdout.fnmatch_lines(["*N/A: websockets-asyncio cannot express: explain*"])
    index = json.loads((report / "index.json").read_text("utf-8"))
    assert index["agents"] == ["websockets-asyncio"]
    assert len(index["cases"]) == counted + len(ids("DIAG-01"))
    assert {c["verdict"] for c in index["cases"]} == {"PASS", "INFO", "N/A"}
    assert 'name="observation"' in junit.read_text("utf-8")


def test_failures_and_baseline(run: object, pytester: pytest.Pytester) -> None:
    """A FAIL shows its diff; listed FAILs xfail; a listed PASS is a stale entry."""
    agent = "broken_agents:IgnoresProxy"
    selection = ("-k", "SEL-04.https-before-http or SEL-06.nothing-configured")
    result = run("--proxyharness-agent", agent, *selection)  # type: ignore[operator]
    failing = [i for i in ids("SEL-04") if i.startswith("SEL-04.https-before-http")]
    passing = [i for i in ids("SEL-06") if i.startswith("SEL-06.nothing-configured")]
    result.assert_outcomes(failed=len(failing), passed=len(passing))
    result.stdout.fnmatch_lines(
        [
            "*SEL-04.https-before-http[[]ws,lower] (SEL-04) for ignores-proxy:*",
            "      route: expected 'proxy', observed 'direct'",
        ]
    )
    diffs = [line for line in result.outlines if "route: expected 'proxy'" in line]
    assert len(diffs) == len(failing)  # each FAIL once in pytest's own output
    baseline = pytester.path / "baseline.txt"
    baseline.write_text(
        "SEL-04  @ignores-proxy  connects directly\n"
        f"{passing[0]}  @ignores-proxy  wrongly listed\n",
        encoding="utf-8",
    )
    result = run(
        "--proxyharness-agent", agent, "--proxyharness-baseline", str(baseline), *selection
    )  # type: ignore[operator]
    result.assert_outcomes(xfailed=len(failing), failed=1, passed=len(passing) - 1)
    result.stdout.fnmatch_lines(
        ["*stale baseline entry SEL-06.nothing-configured[[]ws] *now gives PASS*"]
    )


def test_stale_rule_entry_fails_the_session(run: object, pytester: pytest.Pytester) -> None:
    """A rule entry that matches only passing cases fails the session at the end."""
    baseline = pytester.path / "baseline.txt"
    baseline.write_text("SEL-06  no longer fails\n", encoding="utf-8")
    result = run(  # type: ignore[operator]
        "--proxyharness-agent", "reference", "--proxyharness-baseline", str(baseline),
        "-k", "SEL-06",
    )  # fmt: skip
    result.assert_outcomes(passed=len(ids("SEL-06")))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*proxyharness baseline*", "stale baseline entry SEL-06 *"])


def test_usage_errors(run: object, pytester: pytest.Pytester) -> None:
    """An unknown agent or a malformed baseline is a usage error."""
    result = run("--proxyharness-agent", "nope")  # type: ignore[operator]
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert re.search(r"no agent named 'nope'", result.stderr.str())
    baseline = pytester.path / "baseline.txt"
    baseline.write_text("SEL-06\n", encoding="utf-8")
    result = run("--proxyharness-agent", "reference", "--proxyharness-baseline", str(baseline))  # type: ignore[operator]
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "baseline.txt:1: SEL-06: a reason is required" in result.stderr.str()


def test_every_report_format_is_redacted(run: object, pytester: pytest.Pytester) -> None:
    """A password with non-ASCII characters and a ':' leaks in every form: JSON case files,
    index.json, JUnit XML, HTML and wire logs show none of them (URL-05)."""
    from base64 import b64encode
    from urllib.parse import quote

    from proxyharness.harness.publish import load_run
    from proxyharness.harness.report_html import write_html
    from proxyharness.scenarios.families.proxy_url import NON_ASCII_SECRET as secret

    report = pytester.path / "report"
    junit = pytester.path / "junit.xml"
    result = run(  # type: ignore[operator]
        "--proxyharness-agent", "broken_agents:LeaksEveryForm", "-k", "non-ascii-403",
        "--proxyharness-report", str(report), "--junitxml", str(junit),
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*URL-05: the client's error shows a proxy password*"])
    html = write_html(load_run(report), report / "index.html")
    forms = {
        secret,
        quote(secret, safe=""),
        json.dumps(secret)[1:-1],
        secret.encode("unicode_escape").decode(),
        repr(secret.encode())[2:-1],
        b64encode(f"user:{secret}".encode()).decode(),
    }
    files = [junit, html, report / "index.json", *report.glob("cases/*/*.json")]
    index = json.loads((report / "index.json").read_text("utf-8"))
    wire = json.dumps(index["cases"][0]["wire"], ensure_ascii=False)
    assert any("Proxy-Authorization" in json.dumps(c["wire"]) for c in index["cases"])
    texts = [path.read_text("utf-8") for path in files] + [wire, result.stdout.str()]
    for text in texts:
        leaked = [form for form in forms if form in text]
        assert not leaked, leaked
