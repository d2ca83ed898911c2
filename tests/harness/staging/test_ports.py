"""Tests for proxyharness.harness.staging.ports."""

from __future__ import annotations

import socket

import pytest

from proxyharness.harness.staging import ClosedPort


def test_closed_port() -> None:
    """Nothing listens on a closed port."""
    port = ClosedPort.find()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((port.host, port.port), timeout=2).close()
