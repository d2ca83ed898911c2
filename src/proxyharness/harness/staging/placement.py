"""Where a stager puts a scenario: on this process's loopback (the hosts handover).

:class:`LoopbackPlacement` is what :class:`~.stager.Stager` builds on; a stager for a
private network namespace overrides each of its methods (:mod:`.private_network`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...fixtures import VirtualDNS
from .pool import ServerPool
from .ports import ClosedPort, ResettingPort
from .resources import Resources

__all__ = ["LoopbackPlacement"]


class LoopbackPlacement:
    """Servers on loopback, made by this process; names resolved by the patched resolver."""

    resources: Resources
    dns: VirtualDNS

    def _new_pool(self) -> ServerPool:
        """The pool of the fake servers."""
        return ServerPool(self.resources, self.dns)

    def _bind_address(self, host: str, ipv6: bool) -> str:
        """Where the echo server of a target ``host`` listens."""
        return "::1" if ipv6 else "127.0.0.1"

    def _closed_port(self, resets: bool = False) -> ClosedPort:
        """A port nothing listens on, or (``resets``) one that resets every connection."""
        return ResettingPort.start() if resets else ClosedPort.find()

    def _resolver(self) -> contextlib.AbstractContextManager[Any]:
        """What resolves the scenario's names in this process while it runs."""
        return self.dns.patch()
