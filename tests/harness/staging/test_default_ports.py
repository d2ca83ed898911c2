"""Tests for proxyharness.harness.staging.default_ports."""

from __future__ import annotations

import asyncio
from typing import Any

from proxyharness.harness.staging.default_ports import (
    DEFAULT_PORTS,
    RedirectingDialer,
    default_port_address,
)


class _Recorder:
    """A dialer that only records what it is asked."""

    timeout = 5.0

    def __init__(self) -> None:
        self.dials: list[tuple[str, int]] = []

    async def dial(self, host: str, port: int) -> Any:
        self.dials.append((host, port))
        return None


def test_redirects_only_the_default_port() -> None:
    """host:443 is dialed on the echo server's port; other ports and attributes pass through."""
    inner = _Recorder()
    dialer = RedirectingDialer(inner, 443, 40001)
    asyncio.run(dialer.dial("www.example.com", 443))
    asyncio.run(dialer.dial("www.example.com", 8443))
    assert inner.dials == [("www.example.com", 40001), ("www.example.com", 8443)]
    assert dialer.timeout == 5.0


def test_default_port_address_is_loopback_of_its_own() -> None:
    """An address found is a 127.x address other than 127.0.0.1 (N/A when none is found)."""
    address = default_port_address(DEFAULT_PORTS["wss"])
    if address is not None:
        assert address.startswith("127.")
        assert address != "127.0.0.1"
