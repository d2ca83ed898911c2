"""Tests for scenarios.families.selection: the lookup order and explicit arguments."""

from __future__ import annotations

from proxyharness.scenarios.families import selection

SCENARIOS = selection.scenarios()


def test_holds_the_lookup_and_argument_rules() -> None:
    """SEL-01 to SEL-06 and SEL-11 to SEL-13; SEL-07 to SEL-10 live beside it."""
    rules = {f"SEL-{n:02d}" for n in (1, 2, 3, 4, 5, 6, 11, 12, 13)}
    assert {s.rule for s in SCENARIOS} == rules


def test_http_proxy_never_carries_wss() -> None:
    """Every SEL-05 scenario asks for wss:// and expects a direct connection."""
    sel05 = [s for s in SCENARIOS if s.rule == "SEL-05"]
    assert sel05
    assert {(s.target.scheme, s.expect.route) for s in sel05} == {("wss", "direct")}
