"""Tests for scenarios.families.errors: failures."""

from __future__ import annotations

from proxyharness.reference_client.errors import KINDS
from proxyharness.scenarios.families import errors
from proxyharness.scenarios.model import ANY

SCENARIOS = errors.scenarios()


def test_holds_the_error_rules() -> None:
    """ERR-01 to ERR-04."""
    assert {s.rule for s in SCENARIOS} == {f"ERR-{n:02d}" for n in range(1, 5)}


def test_every_scenario_expects_a_client_error() -> None:
    """Each failure scenario names the error kind the client must raise.

    Except at a port that resets each connection: the client sees the reset while it
    connects or when it first reads, by timing, so the kind is left open.
    """
    for scenario in SCENARIOS:
        if any(spec.resets for spec in scenario.proxies.values()):
            assert scenario.expect.error is ANY, scenario.id
            assert not scenario.expect.echo, scenario.id
        else:
            assert scenario.expect.error in KINDS, scenario.id
