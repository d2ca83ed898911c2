"""Tests for scenarios.families.socks: SOCKS4, SOCKS4a, SOCKS5, SOCKS5h."""

from __future__ import annotations

from proxyharness.scenarios.families import socks

SCENARIOS = socks.scenarios()


def test_holds_the_socks_rules() -> None:
    """SOCKS-01 to SOCKS-06."""
    assert {s.rule for s in SCENARIOS} == {f"SOCKS-{n:02d}" for n in range(1, 7)}


def test_an_expected_proxy_is_a_socks_proxy() -> None:
    """Where a scenario expects a SOCKS protocol, its proxy is a SOCKS proxy."""
    for scenario in SCENARIOS:
        protocol = scenario.expect.protocol
        if isinstance(protocol, str) and protocol.startswith("socks"):
            assert scenario.proxies[str(scenario.expect.proxy)].kind.startswith("socks")
