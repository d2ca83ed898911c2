"""Tests for proxyharness.harness.agents.process."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from proxyharness.fixtures.config.os_config import OsProxyConfig
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.harness.agents import Call, NotSupported
from proxyharness.harness.agents.process import (
    ChildTimeout,
    emulated_os,
    require_own_process_view,
    run_child,
    virtual_hosts,
    virtual_names,
)

ENV = {
    "https_proxy": "http://proxy.example:3128",
    "ALL_PROXY": "socks5h://all.example",
    "no_proxy": "skipped.example",
    "http_proxy": "127.0.0.1:8080",
}


def test_virtual_names() -> None:
    """Target, explicit proxy and *_proxy hosts that the virtual DNS knows, with ports."""
    dns = VirtualDNS({"www.example.com": "127.0.0.1", "proxy.example": "::1"})
    dns.add("all.example")
    dns.add("bücher.example")
    dns.add("skipped.example")
    call = Call(uri="wss://www.example.com/", proxy="http://bücher.example:1")
    with dns.patch():
        names = virtual_names(call, ENV)
        hosts = virtual_hosts(call, ENV)
    assert names == [
        ("www.example.com", 443, "127.0.0.1"),
        ("bücher.example", 1, "127.0.0.1"),
        ("xn--bcher-kva.example", 1, "127.0.0.1"),
        ("proxy.example", 3128, "::1"),
        ("all.example", 80, "127.0.0.1"),
        ("all.example", 443, "127.0.0.1"),
        ("all.example", 1080, "127.0.0.1"),
    ]
    assert hosts["proxy.example"] == "::1"
    assert "skipped.example" not in hosts


def test_virtual_names_outside_staging() -> None:
    """Without the virtual DNS there is nothing to hand over."""
    assert virtual_hosts(Call(uri="ws://www.example.com/", proxy=True), ENV) == {}


@pytest.mark.parametrize("os_name", ["macos", "windows"])
def test_emulated_os(os_name: str) -> None:
    """An emulated OS profile makes out-of-process clients N/A."""
    assert emulated_os() is None
    require_own_process_view("client")
    with OsProxyConfig(os_name):
        assert emulated_os() == os_name
        with pytest.raises(NotSupported, match=f"the {os_name} proxy configuration"):
            require_own_process_view("client")


def test_run_child() -> None:
    """The child gets its input and the environment; its output comes back."""
    code = "import os, sys; sys.stdout.write(sys.stdin.read() + os.environ['X'])"
    result = asyncio.run(run_child([sys.executable, "-c", code], b"in-", 10, env={"X": "env"}))
    assert (result.returncode, result.stdout) == (0, b"in-env")


def test_run_child_timeout() -> None:
    """A child that outlives its time is killed."""
    started = time.monotonic()
    with pytest.raises(ChildTimeout, match=r"did not finish within 0\.3 s"):
        asyncio.run(run_child([sys.executable, "-c", "import time; time.sleep(30)"], b"", 0.3))
    assert time.monotonic() - started < 5


def test_run_child_cancelled() -> None:
    """A child whose caller gives up is killed too."""

    async def give_up() -> None:
        task = asyncio.ensure_future(
            run_child([sys.executable, "-c", "import time; time.sleep(30)"], b"", 30)
        )
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(give_up())
    assert time.monotonic() - started < 5
