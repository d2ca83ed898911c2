"""Tests for scenarios.families.diagnostics: explaining the choice."""

from __future__ import annotations

from proxyharness.scenarios.families import diagnostics

SCENARIOS = diagnostics.scenarios()


def test_holds_the_diagnostics_rule() -> None:
    """DIAG-01 only."""
    assert {s.rule for s in SCENARIOS} == {"DIAG-01"}


def test_every_scenario_lists_what_the_explanation_mentions() -> None:
    """Each DIAG-01 scenario has words its explanation must contain, and only those."""
    assert set(diagnostics.EXPLANATION_MENTIONS) == {s.id for s in SCENARIOS}
    assert all(diagnostics.EXPLANATION_MENTIONS[s.id] for s in SCENARIOS)
