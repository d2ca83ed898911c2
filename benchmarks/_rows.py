"""The rows of ``bench_tunnels.py``: each proxy started, with how to open a tunnel through
it and how to read its CPU time and memory.

Out-of-process proxies are measured through ``/proc`` (their whole process group);
the fixtures run in the benchmark process, on the fixtures' loop thread, so their CPU
is the process's minus the client's (the main thread's).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from _clients import open_direct, open_http, open_socks5
from _processes import Group, served_process, started

from proxyharness.fixtures import HttpProxy, SocksProxy
from proxyharness.fixtures.external import (
    Dante,
    ExternalProxy,
    Microsocks,
    ProgramMissing,
    ProxyStartError,
    Squid,
    Tinyproxy,
    listens,
)
from proxyharness.fixtures.servers.relay import HALF_CLOSE_LIMIT

HERE = Path(__file__).parent
NAMES = (
    "direct",
    "fixture-socks5",
    "fixture-http",
    "serve-socks5",
    "serve-http",
    "minimal-socks5",
    "minimal-halfclose-socks5",
    "microsocks",
    "tinyproxy",
    "squid",
    "danted",
    "mitmproxy-http",
    "mitmproxy-socks5",
)
#: Where the idle-memory figure of an in-process row comes from.
MEMORY_STAND_IN = {"fixture-socks5": "serve-socks5", "fixture-http": "serve-http"}


class Skip(Exception):
    """This row cannot run here (its program is missing); the message says why."""


@dataclass
class Row:
    """One way to reach the targets."""

    name: str
    #: Open a tunnel to 127.0.0.1:port.
    open: Callable[[int], socket.socket]
    #: CPU seconds the proxy has used so far; None for the direct row.
    cpu: Callable[[], float] | None = None
    #: Resident bytes of the proxy's processes; None when it shares this process.
    rss: Callable[[], int] | None = None


def in_process_cpu() -> float:
    """CPU seconds of every thread of this process but the calling (client) one."""
    return time.process_time() - time.thread_time()


def _opener(kind: str, address: tuple[str, int]) -> Callable[[int], socket.socket]:
    return partial(open_socks5 if kind == "socks5" else open_http, address)


def _measured(name: str, kind: str, address: tuple[str, int], group: Group) -> Row:
    return Row(name, _opener(kind, address), group.cpu_seconds, group.rss_bytes)


class Rows:
    """Start the rows asked for; everything started stops when the block ends."""

    def __init__(self, stack: contextlib.ExitStack, base: Path | None = None) -> None:
        self.stack = stack
        #: Another checkout whose ``serve`` rows run too (names ending in ``@base``).
        self.base = base
        self._mitm_missing: str | None = None

    def start(self, name: str) -> Row:
        """Start the row ``name``; raise :class:`Skip` if it cannot run here."""
        if name == "direct":
            return Row(name, open_direct)
        kind = name.rsplit("-", 1)[-1]
        if name.startswith("fixture-"):
            proxy = SocksProxy(5) if kind == "socks5" else HttpProxy()
            address = self.stack.enter_context(proxy).address
            return Row(name, _opener(kind, address), in_process_cpu)
        if name.startswith("serve-") and name.endswith("@base"):
            assert self.base is not None
            kind = name.removesuffix("@base").rsplit("-", 1)[-1]
            served = served_process(kind, src=self.base / "src")
            address, pid = self.stack.enter_context(served)
            return _measured(name, kind, address, Group(pid))
        if name.startswith("serve-"):
            address, pid = self.stack.enter_context(served_process(kind))
            return _measured(name, kind, address, Group(pid))
        if name.startswith("minimal-"):
            argv = [sys.executable, str(HERE / "_minimal_socks5.py")]
            argv += ["--half-close", str(HALF_CLOSE_LIMIT)] if "halfclose" in name else []
            child = self.stack.enter_context(started(argv, grace=5))
            return _measured(name, kind, ("127.0.0.1", int(child.line)), Group(child.pid))
        if name.startswith("mitmproxy-"):
            return self._mitmproxy(name, "socks5" if kind == "socks5" else "regular")
        launcher = {"microsocks": Microsocks, "tinyproxy": Tinyproxy, "squid": Squid}
        return self._external(name, launcher.get(name, Dante)())

    def _external(self, name: str, proxy: ExternalProxy) -> Row:
        try:
            self.stack.enter_context(proxy)
        except ProgramMissing as exc:
            raise Skip(str(exc)) from None
        except ProxyStartError as exc:
            raise Skip(f"{exc.program} did not start: {exc.reason}") from None
        # The program runs under a watchdog: find it among the launcher's processes.
        pid = next(p for p in proxy.pids() if listens(p, proxy.port))
        return _measured(name, proxy.kind, (proxy.host, proxy.port), Group(os.getpgid(pid)))

    def _mitmproxy(self, name: str, mode: str) -> Row:
        """mitmproxy in a process of its own, one per row (so memory is not shared)."""
        if self._mitm_missing is not None:
            raise Skip(self._mitm_missing)
        argv = [sys.executable, str(HERE / "_mitm_process.py"), mode]
        child = self.stack.enter_context(started(argv, grace=10))
        if child.line.startswith("missing:"):
            self._mitm_missing = child.line.removeprefix("missing:").strip()
            raise Skip(self._mitm_missing)
        kind = "socks5" if mode == "socks5" else "http"
        return _measured(name, kind, ("127.0.0.1", int(child.line)), Group(child.pid))


@contextlib.contextmanager
def rows(names: list[str], notes: list[str], base: Path | None = None) -> Iterator[list[Row]]:
    """Start the rows ``names`` in order, noting the ones skipped; stop them at the end."""
    with contextlib.ExitStack() as stack:
        starter = Rows(stack, base)
        found = []
        for name in names:
            try:
                found.append(starter.start(name))
            except Skip as exc:
                notes.append(f"skipped {name}: {exc}")
        yield found
