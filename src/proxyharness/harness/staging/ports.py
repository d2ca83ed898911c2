"""Ports a scenario asks for: a fixed one for its proxy (``bind-port-N``), a closed one,
or one that resets every connection and counts them (:class:`ResettingPort`)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from ...fixtures import free_port
from ...scenarios.model import Scenario
from .default_ports import DEFAULT_PORT_SERVER, can_bind_default_ports

__all__ = [
    "BIND_PORT",
    "ClosedPort",
    "ResettingPort",
    "bind_port_of",
    "can_bind",
    "runner_capabilities",
]


#: Runner capabilities: ``bind-port-N`` means the scenario's one proxy listens on port N.
BIND_PORT = "bind-port-"


def bind_port_of(scenario: Scenario) -> int | None:
    """The port a ``bind-port-N`` requirement asks the scenario's proxy to listen on."""
    for requirement in scenario.requires:
        if requirement.startswith(BIND_PORT) and requirement[len(BIND_PORT) :].isdigit():
            return int(requirement[len(BIND_PORT) :])
    return None


def can_bind(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether ``host:port`` can be listened on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def runner_capabilities(scenario: Scenario) -> frozenset[str]:
    """The runner's own capabilities this scenario needs and this machine grants."""
    granted: set[str] = set()
    port = bind_port_of(scenario)
    if port is not None and can_bind(port):
        granted.add(f"{BIND_PORT}{port}")
    if DEFAULT_PORT_SERVER in scenario.requires and can_bind_default_ports():
        granted.add(DEFAULT_PORT_SERVER)
    return frozenset(granted)


@dataclass(frozen=True)
class ClosedPort:
    """A loopback port where nothing listens (ERR-01)."""

    host: str
    port: int

    @classmethod
    def find(cls, host: str = "127.0.0.1") -> ClosedPort:
        """A port of ``host`` that nothing listens on a moment later."""
        return cls(host, free_port(host))


#: How often the resetting listener looks whether it should stop, in seconds.
_POLL = 0.05
#: How long it waits for the client's first bytes before resetting anyway, in seconds.
_WAIT = 1.0


@dataclass(frozen=True)
class ResettingPort(ClosedPort):
    """A loopback listener that resets every connection (SO_LINGER 0) and counts them.

    The closest a listener comes to refusing: a closed port cannot count attempts, this
    one can, so a client that retries a refused proxy shows on the wire (ERR-01). It
    resets a connection as soon as the client has spoken (or after :data:`_WAIT`): reset
    at once, a client would see it while connecting or at its first read, by timing,
    and some clients retry only the latter. ``accepted`` holds the
    :func:`time.perf_counter` of each accept.
    """

    accepted: list[float] = field(default_factory=list, compare=False)
    listener: socket.socket | None = field(default=None, compare=False, repr=False)
    stopping: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    @classmethod
    def start(cls, host: str = "127.0.0.1", listener: socket.socket | None = None) -> ResettingPort:
        """Listen on a free port of ``host``, in a daemon thread, until :meth:`close`.

        ``listener``: a socket already bound to a port of ``host`` (e.g. made inside a
        private network namespace) to listen on instead.
        """
        if listener is None:
            listener = socket.create_server((host, 0), backlog=16)
        else:
            listener.listen(16)
        listener.settimeout(_POLL)
        port = cls(host, listener.getsockname()[1], listener=listener)
        name = "proxyharness-loop-resetting-port"  # a fake server's thread, not the client's
        threading.Thread(target=port._serve, name=name, daemon=True).start()
        return port

    def _serve(self) -> None:
        assert self.listener is not None
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(time.perf_counter())
            with contextlib.suppress(OSError):
                connection.settimeout(_WAIT)
                connection.recv(1)
            with contextlib.suppress(OSError):
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    def close(self) -> None:
        """Stop listening."""
        self.stopping.set()
        if self.listener is not None:
            self.listener.close()
