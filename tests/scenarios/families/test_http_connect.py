"""Tests for scenarios.families.http_connect: HTTP and HTTPS proxies."""

from __future__ import annotations

from proxyharness.scenarios.families import http_connect

SCENARIOS = http_connect.scenarios()


def test_holds_the_http_rules() -> None:
    """HTTP-01 to HTTP-08."""
    assert {s.rule for s in SCENARIOS} == {f"HTTP-{n:02d}" for n in range(1, 9)}


def test_every_scenario_stages_an_http_proxy() -> None:
    """Each scenario's proxies are HTTP or HTTPS proxies, at least one."""
    for scenario in SCENARIOS:
        kinds = {p.kind for p in scenario.proxies.values()}
        assert kinds, scenario.id
        assert kinds <= {"http", "https"}, scenario.id
