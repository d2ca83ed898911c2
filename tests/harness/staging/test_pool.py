"""Tests for proxyharness.harness.staging.pool (the scenario's faults)."""

from __future__ import annotations

import pytest

from proxyharness.fixtures import Fault
from proxyharness.harness.staging import StagingError
from proxyharness.harness.staging.pool import parse_faults


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("", []),
        ("silence", [Fault.silence()]),
        ("reply:403", [Fault.reply(403)]),
        ("garbage", [Fault.garbage()]),
        ("close_after:0,reply:502", [Fault.close_after(0), Fault.reply(502)]),
        ("delay:0.5", [Fault.delay(0.5)]),
    ],
)
def test_parse_faults(text: str, faults: list[Fault]) -> None:
    """A scenario's faults are the fixtures' own spelling, comma-separated."""
    assert parse_faults(text) == faults


@pytest.mark.parametrize("text", ["explode", "reply:abc", "close_after:-1", "reply(403)"])
def test_parse_faults_errors(text: str) -> None:
    """A bad fault string is a scenario mistake that names the text."""
    with pytest.raises(StagingError, match="bad fault"):
        parse_faults(text)


def test_every_catalog_fault_parses() -> None:
    """Every fault the catalog writes is spelled the fixtures' way."""
    from proxyharness.scenarios import all_scenarios

    written = {p.fault for s in all_scenarios() for p in s.proxies.values() if p.fault}
    assert written
    for text in written:
        assert [f.name for f in parse_faults(text)] == text.split(",")
