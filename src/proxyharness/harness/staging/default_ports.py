"""Targets on the default ports (80 for ``ws://``, 443 for ``wss://``), without root.

SEL-01 and HTTP-01 say the port is always sent, even the default one, and only a
target on a default port shows whether it is. Two ways to stage one:

- **Through a proxy** (any user): the URI names no port, the client asks the proxy for
  ``host:443``, the proxy records that as sent, and only its dial is redirected to the
  echo server's real port (:class:`RedirectingDialer`; the DNS is virtual anyway). The
  client never reaches a privileged port.
- **Directly** (a bypassed target): the echo server itself must listen on the default
  port. Where this process may bind it (root, or ``ip_unprivileged_port_start`` low
  enough), :func:`default_port_address` finds a loopback address of its own (127.x.y.z,
  so that parallel workers never collide); elsewhere the scenario is N/A
  (:data:`DEFAULT_PORT_SERVER`).
"""

from __future__ import annotations

import functools
import random
import socket
from typing import Any

__all__ = [
    "DEFAULT_PORTS",
    "DEFAULT_PORT_SERVER",
    "RedirectingDialer",
    "can_bind_default_ports",
    "default_port_address",
]

#: The default port of each WebSocket scheme.
DEFAULT_PORTS = {"ws": 80, "wss": 443}
#: Runner capability: the echo server can listen on a default port of a loopback address.
DEFAULT_PORT_SERVER = "default-port-server"
#: Addresses tried before giving up on a free one.
_ATTEMPTS = 20


class RedirectingDialer:
    """A proxy's dialer whose dials to ``port`` go to ``to`` instead; the rest unchanged.

    The proxy records the target as the client sent it; the dialed address (what the
    observation compares with the echo server's port) is the real one.
    """

    def __init__(self, inner: Any, port: int, to: int) -> None:
        self.inner = inner
        self.port = port
        self.to = to

    async def dial(self, host: str, port: int) -> Any:
        """Dial ``host:port``, the default port redirected."""
        return await self.inner.dial(host, self.to if port == self.port else port)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _try_bind(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@functools.cache
def can_bind_default_ports() -> bool:
    """Tell whether this process may listen on ports 80 and 443 of a loopback address."""
    return all(default_port_address(port) is not None for port in DEFAULT_PORTS.values())


def default_port_address(port: int) -> str | None:
    """A loopback address (127.x.y.z, not 127.0.0.1) whose ``port`` is free now, or None."""
    chooser = random.Random()
    for _ in range(_ATTEMPTS):
        parts = (chooser.randint(1, 254), chooser.randint(0, 255), chooser.randint(1, 254))
        address = "127.{}.{}.{}".format(*parts)
        if _try_bind(address, port):
            return address
    return None
