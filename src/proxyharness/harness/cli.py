"""``proxyharness run``, ``rules`` and ``publish``, registered on the top-level CLI.

``run`` goes through pytest (:func:`pytest.main` with the proxyharness plugin), so ``-k``
and ``-n`` mean exactly what they mean to pytest; it then reads the cases back,
prints the rules x agents table (or the run as JSON), writes the report directory,
and applies the baseline gate. pytest runs in an empty directory with an empty
configuration, so the current project's settings (``addopts``, ``filterwarnings``)
play no part. Exit status: the gate's (0 only when every FAIL is in the baseline
and no entry is stale), or pytest's own when it could not run (2 interrupted, 3
internal error, 4 usage error, 5 nothing selected); 3 also when a scenario ran but
gave no verdict (an error inside the harness), which no baseline can excuse.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .rules_command import rules_command

__all__ = ["add_commands", "plugin_arguments", "rules_command", "run_command"]

#: The pytest plugin (entry point ``proxyharness``) that defines the ``--proxyharness-*``
#: options and registers the conformance machinery when an agent is named.
PLUGIN = "proxyharness.pytest_plugin"


def add_commands(subparsers: Any) -> None:
    """Register ``run``, ``rules`` and ``publish``."""
    run: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the rule catalog against clients and report",
        description="Run every scenario of the catalog against each agent (through "
        "pytest), print a rules x agents table, and gate on the baseline.",
    )
    run.add_argument(
        "--agent",
        action="append",
        metavar="NAME",
        help="agent to test (repeatable; default: reference). Built in: reference, "
        "websockets-asyncio, websockets-sync, aiohttp, websocket-client, curl, "
        "node-ws, node-undici, deno, bun (see 'proxyharness clients'); "
        "'command:CMD ARGS' for a client in any language; MODULE:ATTR or an entry point; "
        "broken:NAME for a deliberately broken client (broken:list lists them)",
    )
    run.add_argument(
        "--report",
        metavar="DIR",
        type=Path,
        help="write index.json, cases/, junit.xml and index.html",
    )
    run.add_argument("--baseline", metavar="FILE", type=Path, help="known failures (see docs)")
    run.add_argument(
        "--write-baseline",
        metavar="FILE",
        type=Path,
        help="write a draft baseline with one line per FAIL to FILE (a new file); the gate "
        "refuses it until every DRAFT: reason is replaced by the cause",
    )
    run.add_argument(
        "--allow-unavailable",
        action="store_true",
        help="pass the gate even when an agent gave nothing but N/A (not installed, or "
        "unable to express the selected scenarios); for exploratory runs",
    )
    run.add_argument("-k", metavar="EXPR", dest="keyword", help="select scenarios as pytest -k")
    run.add_argument("-n", metavar="N", dest="workers", help="parallel processes (pytest-xdist)")
    run.add_argument("--format", choices=("terminal", "json"), default="terminal")
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every known failure with its baseline reason (default: a count per rule)",
    )
    run.add_argument(
        "--backend",
        default="fakes",
        metavar="NAME",
        help="where proxies come from: fakes (default, embedded) or mitmproxy (in-process; "
        "scenarios it cannot play are N/A)",
    )
    run.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after --: more pytest arguments"
    )
    run.set_defaults(handler=run_command)
    rules: argparse.ArgumentParser = subparsers.add_parser(
        "rules",
        help="list the rules, or show one rule's full statement",
        description="List every rule of the catalog with its scenario count, or print one "
        "rule's statement, what it leaves open and whether it is gated; exit 1 if a rule "
        "has no scenario, 2 for an unknown rule ID.",
    )
    rules.add_argument("rule", nargs="?", metavar="RULE-ID", help="show this rule (SEL-01)")
    rules.add_argument("--format", choices=("terminal", "json"), default="terminal")
    rules.set_defaults(handler=rules_command)
    _add_publish(subparsers)


def _add_publish(subparsers: Any) -> None:
    """Register ``publish``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "publish",
        help="write docs/conformance.md and .html from a run and its baselines",
        description="Turn a run's report directory into the published conformance matrix "
        "(conformance.md) and full report (conformance.html). Fails, writing nothing, if "
        "a FAIL has no baseline explanation or the run is partial.",
    )
    parser.add_argument("report", metavar="REPORT_DIR", type=Path, help="from run --report")
    parser.add_argument(
        "--baseline",
        action="append",
        metavar="FILE",
        type=Path,
        help="baseline file explaining FAILs (repeatable; the first matching entry wins)",
    )
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("docs"))
    parser.add_argument(
        "--partial", action="store_true", help="allow a run that skipped scenarios (-k)"
    )
    parser.set_defaults(handler=_publish)


def _publish(args: argparse.Namespace) -> int:
    """Run ``publish`` (its module loads the catalog and the report code)."""
    from .publish import publish_command

    return publish_command(args)


# -- run ----------------------------------------------------------------------------------


def plugin_arguments() -> list[str]:
    """``["-p", PLUGIN]``, unless pytest loads the plugin by itself (entry point).

    Naming it again would register it twice under two names, which pytest refuses.
    """
    import importlib.metadata

    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    entry_points = importlib.metadata.entry_points(group="pytest11")
    if autoload and any(ep.value.split(":")[0] == PLUGIN for ep in entry_points):
        return []
    return ["-p", PLUGIN]


def pytest_arguments(args: argparse.Namespace, report: Path, workdir: Path) -> list[str]:
    """The pytest command line for ``args`` (an empty ``workdir`` as the only path)."""
    ini = workdir / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    # rootdir = where the command runs, so node IDs print as "proxyharness::AGENT::ID";
    # the configuration file decides confcutdir, so no conftest.py of the project loads.
    arguments = ["-c", str(ini), "--rootdir", os.getcwd(), "-q", "--assert=plain"]
    arguments += ["-p", "no:cacheprovider", "-p", "no:asyncio"]
    arguments += plugin_arguments()
    for agent in args.agent or ["reference"]:
        arguments += ["--proxyharness-agent", agent]
    arguments += ["--proxyharness-report", str(report), "--proxyharness-only"]
    arguments += ["--proxyharness-backend", args.backend]
    if args.baseline:
        arguments += ["--proxyharness-baseline", str(args.baseline)]
    if args.keyword:
        arguments += ["-k", args.keyword]
    if args.workers:
        arguments += ["-n", str(args.workers)]
    if args.report:
        arguments += ["--junitxml", str(report / "junit.xml")]
    extra = [a for a in args.pytest_args if a != "--"]
    return [*arguments, *extra, str(workdir)]


def run_command(args: argparse.Namespace) -> int:
    """Run the catalog through pytest; print, write the report, gate."""
    import pytest

    from .baseline import Baseline, BaselineError, gate
    from .results import RunResult

    if args.workers and importlib.util.find_spec("xdist") is None:
        print("-n needs pytest-xdist: pip install pytest-xdist", file=sys.stderr)
        return 4
    baseline = None
    if args.baseline:
        try:
            baseline = Baseline.load(args.baseline)
        except (OSError, BaselineError) as exc:
            print(f"--baseline: {exc}", file=sys.stderr)
            return 4
        if not _baseline_fits(baseline, args.agent or ["reference"]):
            return 4
    if args.report is not None:
        args.report.mkdir(parents=True, exist_ok=True)  # an OSError here: one line, exit 2
    if args.write_baseline and args.write_baseline.exists():
        print(f"--write-baseline: {args.write_baseline} exists; name a new file", file=sys.stderr)
        return 4
    with contextlib.ExitStack() as stack:
        from ..fixtures import owned_directory  # named after us: swept if we are killed

        workdir = owned_directory("run")
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        report = args.report or workdir / "report"
        (workdir / "empty").mkdir()
        arguments = pytest_arguments(args, report, workdir / "empty")
        started = time.perf_counter()
        output = sys.stderr if args.format == "json" else sys.stdout
        seen = _RunPlugin()
        with contextlib.redirect_stdout(output):
            status = int(pytest.main(arguments, plugins=[seen]))
        if status in (2, 3, 4, 5) or not (report / "index.json").exists():
            return status or 3
        run = RunResult.from_dict(json.loads((report / "index.json").read_text("utf-8")))
        run = _finish(run, baseline, time.perf_counter() - started)
        missing = sorted(seen.items - {(case.agent, case.scenario_id) for case in run.cases})
        if missing:
            shown = ", ".join(f"{scenario} ({agent})" for agent, scenario in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            print(f"error: no verdict for {shown}{more}: the harness failed there", file=sys.stderr)
            return 3
        complete = not args.keyword and not args.pytest_args
        decision = gate(
            run.cases,
            baseline,
            complete=complete,
            agents=run.agents,
            allow_unavailable=args.allow_unavailable,
        )
        if args.write_baseline:
            _write_draft(run, args.write_baseline)
        if args.report:
            _write_report(run, report)
        _print(run, args.format, decision, verbose=args.verbose)
        if args.report is None:
            shutil.rmtree(report, ignore_errors=True)
        return decision.exit_code


def _baseline_fits(baseline: Any, names: list[str]) -> bool:
    """Check the baseline's names against the catalog and the agents; print what is off."""
    from ..scenarios import RULES, all_scenarios
    from .agents.registry import UnknownAgent, agent_names, load_agents

    try:
        run_agents = [agent.name for agent in load_agents(names)]
    except (UnknownAgent, TypeError) as exc:
        print(f"--agent: {exc}", file=sys.stderr)
        return False
    errors, notes = baseline.check(
        scenario_ids={scenario.id for scenario in all_scenarios()},
        rule_ids={rule.id for rule in RULES},
        known_agents=agent_names(),
        run_agents=run_agents,
    )
    for line in notes:
        print(f"note: {line}", file=sys.stderr)
    for line in errors:
        print(f"--baseline: {line}", file=sys.stderr)
    return not errors


def _write_draft(run: Any, path: Path) -> None:
    """Write the draft baseline of ``run``'s failures to ``path``."""
    from .baseline import draft

    text = draft(run.cases)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"--write-baseline: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return
    count = sum(1 for line in text.splitlines() if not line.startswith("#"))
    print(f"wrote {count} draft baseline entr{'y' if count == 1 else 'ies'} to {path}")


class _RunPlugin:
    """What ``run`` adds to pytest: it notes every scenario item reported on.

    It also keeps a scenario's FAIL out of pytest's FAILURES section, and stale
    baseline entries out of pytest's summary: ``run`` prints each once, in its own
    report and gate. A harness error inside an item still shows its traceback.
    """

    def __init__(self) -> None:
        self.items: set[tuple[str, str]] = set()

    def pytest_runtest_logreport(self, report: Any) -> None:
        parts = report.nodeid.split("::")
        if len(parts) == 3 and parts[0] == "proxyharness":
            self.items.add((parts[1], parts[2]))

    def pytest_configure(self, config: Any) -> None:
        from .pytest_plugin import GATE_PRINTS_STALE

        config.stash[GATE_PRINTS_STALE] = True

    def pytest_report_teststatus(self, report: Any) -> tuple[str, str, str] | None:
        judged = any(name == "proxyharness" for name, _ in report.user_properties)
        if report.when == "call" and report.failed and judged:
            return "FAIL", "F", "FAIL"
        return None


def _finish(run: Any, baseline: Any, duration: float) -> Any:
    import dataclasses

    cases = baseline.apply(run.cases) if baseline is not None else list(run.cases)
    return dataclasses.replace(run, cases=tuple(cases), duration=round(duration, 3))


def _write_report(run: Any, report: Path) -> None:
    """index.json (with baseline reasons) and the HTML page."""
    (report / "index.json").write_text(json.dumps(run.to_dict(), indent=1, default=str), "utf-8")
    from .report_html import write_html

    write_html(run, report / "index.html")


def _print(run: Any, form: str, decision: Any, *, verbose: bool) -> None:
    """The run as JSON (the gate on stderr), or the terminal report and the gate."""
    from .report_terminal import format_run

    if form == "json":
        print(json.dumps(run.to_dict(), indent=1, default=str))
        print(decision.summary(), file=sys.stderr)
    else:
        print()
        print(format_run(run, verbose=verbose))
        print()
        print(decision.summary(shown=True))
