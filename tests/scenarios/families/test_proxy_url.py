"""Tests for scenarios.families.proxy_url: the proxy's address."""

from __future__ import annotations

from proxyharness.scenarios.families import proxy_url

SCENARIOS = proxy_url.scenarios()


def test_holds_the_url_rules() -> None:
    """URL-01 to URL-05."""
    assert {s.rule for s in SCENARIOS} == {f"URL-{n:02d}" for n in range(1, 6)}


def test_password_scenarios_write_a_password() -> None:
    """Every URL-05 scenario writes credentials with a password into a proxy URL."""
    url05 = [s for s in SCENARIOS if s.rule == "URL-05"]
    assert url05
    for scenario in url05:
        written = [p.url_credentials for p in scenario.proxies.values() if p.url_credentials]
        assert any(":" in c and c.split(":", 1)[1] for c in written), scenario.id
