"""Tests for scenarios.families.selection_variables: names and values of the variables."""

from __future__ import annotations

from proxyharness.scenarios.families import selection_variables

SCENARIOS = selection_variables.scenarios()


def test_holds_the_variable_rules() -> None:
    """SEL-07 to SEL-10."""
    assert {s.rule for s in SCENARIOS} == {"SEL-07", "SEL-08", "SEL-09", "SEL-10"}


def test_all_proxy_never_carries_a_connection() -> None:
    """No SEL-09 scenario expects the all_proxy proxy to be used."""
    sel09 = [s for s in SCENARIOS if s.rule == "SEL-09"]
    assert sel09
    assert all("ALL" in s.proxies and s.expect.proxy != "ALL" for s in sel09)
