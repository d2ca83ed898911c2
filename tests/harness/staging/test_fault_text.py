"""Tests for proxyharness.harness.staging.fault_text."""

from __future__ import annotations

import pytest

from proxyharness.fixtures import Fault
from proxyharness.harness.staging import StagingError
from proxyharness.harness.staging.fault_text import parse_fault


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("silence", Fault.silence()),
        ("close_after:0", Fault.close_after(0)),
        ("close_after:10", Fault.close_after(10)),
        ("reply:403", Fault.reply(403)),
        ("garbage", Fault.garbage()),
        ("garbage:xyz", Fault.garbage(b"xyz")),
        ("http_version:HTTP/1.0", Fault.http_version("HTTP/1.0")),
        ("dial_fails", Fault.dial_fails()),
        ("delay:0.5", Fault.delay(0.5)),
    ],
)
def test_parse_fault(text: str, fault: Fault) -> None:
    """Fault strings of the scenario model."""
    assert parse_fault(text) == fault


@pytest.mark.parametrize("text", ["explode", "reply:abc", "close_after:-1"])
def test_parse_fault_errors(text: str) -> None:
    """A bad fault string is a scenario mistake."""
    with pytest.raises(StagingError):
        parse_fault(text)
