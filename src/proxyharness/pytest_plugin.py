"""The proxyharness pytest plugin, loaded through the ``pytest11`` entry point ``proxyharness``.

It gives every session the fixtures of :mod:`proxyharness.fixtures.plugin` and the
conformance options. Loading it imports nothing but the standard library and pytest:
the fixtures import their servers when a test uses them, and the conformance machinery
(:mod:`proxyharness.harness.pytest_plugin`: the scenario items, verdicts and report) is
imported and registered only when ``--proxyharness-agent`` is given.
``-p no:proxyharness`` switches all of it off.
"""

from __future__ import annotations

import pytest

__all__ = ["CONFORMANCE_PLUGIN"]

#: The module the conformance machinery lives in, and its plugin name.
CONFORMANCE_PLUGIN = "proxyharness.harness.pytest_plugin"

pytest_plugins = ["proxyharness.fixtures.plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the conformance options (here, so that defining them costs no import)."""
    group = parser.getgroup("proxyharness", "proxyharness conformance scenarios")
    group.addoption(
        "--proxyharness-agent",
        action="append",
        default=[],
        metavar="NAME",
        help="run the scenario catalog against this agent (repeatable)",
    )
    group.addoption(
        "--proxyharness-report",
        metavar="DIR",
        default=None,
        help="write one JSON file per case in DIR/cases and DIR/index.json",
    )
    group.addoption(
        "--proxyharness-baseline",
        metavar="FILE",
        default=None,
        help="known failures: listed FAILs are xfail, listed PASSes are errors",
    )
    group.addoption(
        "--proxyharness-backend",
        metavar="NAME",
        default="fakes",
        help="where proxies come from: fakes (default) or mitmproxy",
    )
    group.addoption(
        "--proxyharness-only",
        action="store_true",
        default=False,
        help="deselect every test that is not a scenario",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the conformance machinery when an agent is named.

    ``pytest_configure`` is a historic hook, so the registered module's own
    ``pytest_configure`` runs at once. ``-p no:proxyharness.harness.pytest_plugin``
    keeps it out (the options then do nothing).
    """
    if not config.getoption("--proxyharness-agent"):
        return
    manager = config.pluginmanager
    if manager.is_blocked(CONFORMANCE_PLUGIN) or manager.has_plugin(CONFORMANCE_PLUGIN):
        return
    from .harness import pytest_plugin as conformance

    if not manager.is_registered(conformance):
        manager.register(conformance, CONFORMANCE_PLUGIN)
