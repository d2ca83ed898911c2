"""Leak checks (ERR-04): sockets, threads, tasks and connections a call left behind."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import warnings
from dataclasses import dataclass

from .staging import Staged
from .worker import RawCall

__all__ = ["Snapshot", "unclosed"]

_OWN_THREADS = ("proxyharness-worker", "proxyharness-agent", "proxyharness-loop")


def _fds() -> frozenset[str]:
    """This process's open file descriptors (empty where /proc does not exist)."""
    try:
        return frozenset(os.listdir("/proc/self/fd"))
    except OSError:
        return frozenset()


def _new_sockets(before: frozenset[str]) -> list[str]:
    """Sockets open now on descriptors that were not open ``before``."""
    found = []
    for fd in _fds() - before:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                found.append(fd)
    return found


def _foreign_threads() -> dict[int, threading.Thread]:
    return {
        t.ident: t
        for t in threading.enumerate()
        if t.ident is not None and not t.name.startswith(_OWN_THREADS)
    }


@dataclass(frozen=True)
class Snapshot:
    fds: frozenset[str]
    threads: frozenset[int]
    all_threads: frozenset[int]

    @classmethod
    def take(cls) -> Snapshot:
        every = frozenset(t.ident for t in threading.enumerate() if t.ident is not None)
        return cls(_fds(), frozenset(_foreign_threads()), every)

    def leaks(self, raw: RawCall, staged: Staged) -> list[str]:
        """What the call left behind, in words."""
        found = list(raw.leaked_tasks)
        for thread in threading.enumerate():
            # The thread a blocking client ran in ends right after handing its result.
            if (
                thread.name.startswith("proxyharness-agent")
                and thread.ident not in self.all_threads
            ):
                thread.join(1.0)
        for ident, thread in _foreign_threads().items():
            if ident not in self.threads and thread.is_alive():
                thread.join(0.2)
                if thread.is_alive():
                    found.append(f"thread left running: {thread.name}")
        found.extend(f"connection to {url} left open" for url in staged.lingering)
        if _new_sockets(self.fds):
            gc.collect()  # a socket only garbage keeps open: its ResourceWarning tells
            still = _new_sockets(self.fds)
            if still:
                found.append(f"{len(still)} socket(s) left open")
        return found


def unclosed(caught: list[warnings.WarningMessage]) -> list[str]:
    """Resources the client left to the garbage collector (their ResourceWarnings)."""
    count = sum(1 for w in caught if issubclass(w.category, ResourceWarning))
    return [f"{count} resource(s) left to the garbage collector, unclosed"] if count else []
