"""Tests for proxyharness.pytest_plugin: one entry point, free to load.

Every check runs in a fresh interpreter, since this session has imported everything.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

pytest_plugins = ("pytester",)

TIMEOUT = 120
#: What loading the plugin must never import (the conformance machinery, the catalog,
#: the reference client, the event loop, TLS).
FORBIDDEN = (
    "proxyharness.harness",
    "proxyharness.scenarios",
    "proxyharness.reference_client",
    "proxyharness.fixtures.servers",
    "asyncio",
    "ssl",
)
#: The only proxyharness modules loading the plugin may import.
LIGHT = {
    "proxyharness",
    "proxyharness.pytest_plugin",
    "proxyharness.fixtures",
    "proxyharness.fixtures.plugin",
    "proxyharness.fixtures.plugin_config",
}


def forbidden(modules: list[str]) -> list[str]:
    """The modules of ``modules`` that are, or are inside, a FORBIDDEN one."""
    return [m for m in modules if any(m == f or m.startswith(f"{f}.") for f in FORBIDDEN)]


def test_import_pulls_in_only_the_standard_library_and_pytest() -> None:
    """Importing the plugin loads pytest, the light modules and the standard library only."""
    code = textwrap.dedent(
        """
        import json, sys
        import pytest
        before = set(sys.modules)
        import proxyharness.pytest_plugin
        print(json.dumps({"new": sorted(set(sys.modules) - before), "all": sorted(sys.modules)}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    modules = json.loads(result.stdout)
    assert forbidden(modules["all"]) == []
    ours = {m for m in modules["new"] if m.partition(".")[0] == "proxyharness"}
    assert ours <= LIGHT
    others = {m.partition(".")[0] for m in modules["new"]} - {"proxyharness"}
    assert others <= sys.stdlib_module_names


def test_one_entry_point() -> None:
    """The distribution declares a single pytest11 entry point, named proxyharness."""
    entry_points = importlib.metadata.distribution("proxyharness").entry_points
    plugins = [(ep.name, ep.value) for ep in entry_points if ep.group == "pytest11"]
    assert plugins == [("proxyharness", "proxyharness.pytest_plugin")]


PROBE = """
import sys

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    with open("unconfigured.txt", "w") as file:
        file.write(repr(sorted(sys.modules)))
"""

ONE_TEST = f"""
import sys

FORBIDDEN = {FORBIDDEN!r}


def test_nothing_heavy_is_loaded(request):
    loaded = [m for m in sys.modules if m.startswith(FORBIDDEN)]
    assert loaded == []
    assert request.config.pluginmanager.has_plugin("proxyharness")
    assert request.config.getoption("--proxyharness-agent") == []


def test_the_fixtures_are_there(proxy_env):
    assert proxy_env.active
"""


RunAlone = Callable[..., pytest.RunResult]


@pytest.fixture
def run_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> RunAlone:
    """Run pytest in a subprocess with no plugin but ours (loaded by its entry point name)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p", "proxyharness", "-p", "no:cacheprovider", *args, timeout=TIMEOUT
        )

    return run


def test_a_session_without_conformance_options_stays_light(
    pytester: pytest.Pytester, run_alone: RunAlone
) -> None:
    """A one-test session loads neither the harness nor asyncio, not even at its end."""
    pytester.makepyfile(test_one=ONE_TEST, probe=PROBE)
    result = run_alone("-p", "probe")
    result.assert_outcomes(passed=2)
    unconfigured = (pytester.path / "unconfigured.txt").read_text(encoding="utf-8")
    assert "'asyncio'" not in unconfigured
    assert "'proxyharness.harness.pytest_plugin'" not in unconfigured


def test_an_agent_registers_the_conformance_machinery(
    pytester: pytest.Pytester, run_alone: RunAlone
) -> None:
    """--proxyharness-agent imports and registers the harness plugin, which adds scenarios."""
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    result = run_alone("--proxyharness-agent", "reference", "--collect-only", "-q", "-k", "SEL-06")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["proxyharness::reference::SEL-06.*"])


def test_disabled_by_its_entry_point_name(pytester: pytest.Pytester) -> None:
    """``-p no:proxyharness`` removes the fixtures and the options alike."""
    pytester.makepyfile(test_one="def test_one(proxy_env):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:proxyharness", "-p", "no:cacheprovider", timeout=TIMEOUT
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'proxy_env' not found*"])
    result = pytester.runpytest_subprocess(
        "-p", "no:proxyharness", "--proxyharness-agent", "reference", timeout=TIMEOUT
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_the_old_harness_name_still_keeps_the_scenarios_out(
    pytester: pytest.Pytester, run_alone: RunAlone
) -> None:
    """``-p no:proxyharness.harness.pytest_plugin`` leaves the options without effect."""
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    result = run_alone(
        "-p", "no:proxyharness.harness.pytest_plugin", "--proxyharness-agent", "reference"
    )
    result.assert_outcomes(passed=1)
