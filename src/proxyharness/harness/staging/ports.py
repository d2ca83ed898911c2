"""Ports a scenario asks for: a fixed one for its proxy (``bind-port-N``), a closed one."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from ...fixtures import free_port
from ...scenarios.model import Scenario

__all__ = ["BIND_PORT", "ClosedPort", "bind_port_of", "can_bind", "runner_capabilities"]


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
    port = bind_port_of(scenario)
    if port is not None and can_bind(port):
        return frozenset({f"{BIND_PORT}{port}"})
    return frozenset()


@dataclass(frozen=True)
class ClosedPort:
    """A loopback port where nothing listens (ERR-01)."""

    host: str
    port: int

    @classmethod
    def find(cls, host: str = "127.0.0.1") -> ClosedPort:
        """A port of ``host`` that nothing listens on a moment later."""
        return cls(host, free_port(host))
