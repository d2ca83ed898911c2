"""The private network stage: out-of-process clients run unchanged inside a namespace.

Where Linux lets this process make a network namespace (as root, or through a user
namespace), :class:`PrivateStager` stages scenarios for clients in other processes
inside one (:mod:`proxyharness.fixtures.netns`), made once per stager (per run and per
xdist worker, not per case):

- the fakes listen on sockets made inside, on documentation addresses
  (``192.0.2.10``, ``2001:db8::10``; a literal loopback target stays loopback), and
  their dials go out on sockets made inside; while a case runs, these two served
  addresses count as loopback for the fakes' policies (any other documentation
  address is refused by a fake proxy, so the catch-all holds only the client's own
  connections);
- the scenario's names are answered by the DNS responder on the namespace's resolver
  address (every query logged; an expected ``target_host`` of ``127.0.0.1``, the
  address a virtual name resolves to, becomes the served one), not handed over:
  ``hosts`` is empty, curl gets no ``--resolve``; this process itself resolves none
  of them while the case runs;
- every TCP connection to anything else is caught by the catch-all and recorded;
- the clients are started through ``nsenter`` (:func:`~..agents.process.inside`).

:func:`private_stager` makes one or says why it cannot (:data:`HOSTS`, today's hosts
handover, is used then); ``PROXYHARNESS_NETWORK=hosts`` turns the stage off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import ssl
from collections.abc import Iterator
from typing import Any

from ...fixtures import (
    NAMESPACE_RESOLVER,
    NAMESPACE_V4,
    NAMESPACE_V6,
    CatchAll,
    CaughtConnection,
    DnsQuery,
    DnsResponder,
    FakeServer,
    NetworkUnavailable,
    PrivateNetwork,
    VirtualDNS,
    activate_network,
    contained,
    ip_literal,
    require_dnspython,
)
from ...scenarios.model import Expect, Scenario
from .pool import ServerKey, ServerPool
from .ports import ClosedPort, ResettingPort
from .resources import Resources
from .stager import Staged, Stager

__all__ = [
    "HOSTS",
    "PRIVATE",
    "SWITCH",
    "NetworkRecords",
    "PrivateStager",
    "private_stager",
    "wants_private_network",
]

#: The two stages an out-of-process client runs in.
PRIVATE, HOSTS = "private network", "hosts handover"
#: ``PROXYHARNESS_NETWORK=hosts`` keeps every client in the hosts handover.
SWITCH = "PROXYHARNESS_NETWORK"


def wants_private_network(agent: object) -> bool:
    """Whether ``agent`` runs a client in another process that may run unchanged inside."""
    return getattr(agent, "network", None) == "private"


class NamespacePool(ServerPool):
    """The server pool of the namespace: fakes listen and dial on sockets made inside."""

    def __init__(self, resources: Resources, dns: VirtualDNS, network: PrivateNetwork) -> None:
        super().__init__(resources, dns)
        self.network = network

    def _create(self, key: ServerKey, port: int = 0) -> FakeServer[Any]:
        if key[0] == "proxy":  # proxies listen on the served address of their family
            key = (*key[:-1], NAMESPACE_V6 if ":" in key[-1] else NAMESPACE_V4)
        server = super()._create(key, port)
        if key[:2] == ("proxy", "https"):  # reached by address: its certificate names it
            server.tls = self._proxy_context(key)
        server.listen_socket = self.network.listener(server.bind_host, port)
        dialer = getattr(server, "dialer", None)
        if dialer is not None:
            dialer.socket_factory = self.network.connecting_socket
        return server

    def _proxy_context(self, key: ServerKey) -> ssl.SSLContext:
        """An ``https`` proxy's context whose default certificate names the served addresses."""
        *_, trusted, certificate, _ = key
        ca = self.resources.proxy_ca if trusted else self.resources.untrusted_ca
        if certificate == "other-hop-ca":
            ca, certificate = self.resources.server_ca, "valid"
        addresses = (NAMESPACE_V4, NAMESPACE_V6)
        return ca.server_context(certificate=certificate, addresses=addresses)


class NetworkRecords:
    """What the namespace saw during one case: caught connections, DNS queries."""

    url = "catch-all"

    def __init__(self, catch_all: CatchAll, responder: DnsResponder) -> None:
        self._catch_all = catch_all
        self._responder = responder

    @property
    def open_connections(self) -> int:
        """Caught connections not recorded yet."""
        return self._catch_all.open_connections

    @property
    def caught(self) -> tuple[CaughtConnection, ...]:
        """Connections to addresses not served."""
        return self._catch_all.caught

    @property
    def queries(self) -> tuple[DnsQuery, ...]:
        """DNS questions the clients asked."""
        return self._responder.queries


class PrivateStager(Stager):
    """A :class:`~.stager.Stager` whose scenarios are staged inside ``network``; owns it."""

    def __init__(self, network: PrivateNetwork, resources: Resources | None = None) -> None:
        self.network = network
        super().__init__(resources)
        try:
            require_dnspython()
            resolver = (NAMESPACE_RESOLVER, 53)
            udp = network.make_socket(socket.AF_INET, socket.SOCK_DGRAM, resolver)
            tcp = network.make_socket(socket.AF_INET, socket.SOCK_STREAM, resolver)
            self.responder = DnsResponder(udp, self.dns, tcp).start()
            anywhere = network.make_socket(
                socket.AF_INET6, socket.SOCK_STREAM, ("::", 0), dual=True
            )
            self.catch_all = CatchAll(anywhere).start()
            network.catch(self.catch_all.port)
        except BaseException:
            self.close()
            raise
        #: How the namespace was made: ``private network (root)`` or ``(user namespace)``.
        self.description = f"{PRIVATE} ({network.mode})"

    def _new_pool(self) -> ServerPool:
        return NamespacePool(self.resources, self.dns, self.network)

    def _bind_address(self, host: str, ipv6: bool) -> str:
        if ip_literal(host) is not None or host.lower() == "localhost":
            return super()._bind_address(host, ipv6)
        return NAMESPACE_V6 if ipv6 else NAMESPACE_V4

    def _closed_port(self, resets: bool = False) -> ClosedPort:
        if resets:
            return ResettingPort.start(NAMESPACE_V4, listener=self.network.listener(NAMESPACE_V4))
        return ClosedPort(NAMESPACE_V4, self.network.free_port(NAMESPACE_V4))

    def _resolver(self) -> contextlib.AbstractContextManager[Any]:
        return VirtualDNS().patch()  # this process resolves none of the scenario's names

    @contextlib.contextmanager
    def stage(self, scenario: Scenario, message: str = "hello") -> Iterator[Staged]:
        """Stage ``scenario`` inside the namespace; its clients run inside until the end."""
        self.responder.reset()
        self.catch_all.reset()
        with (
            contained(NAMESPACE_V4, NAMESPACE_V6),
            activate_network(self.network),
            super().stage(scenario, message) as staged,
        ):
            staged.network = NetworkRecords(self.catch_all, self.responder)
            staged.expect = _resolved_here(staged)
            yield staged

    def close(self) -> None:
        """Stop the servers, the responder and the catch-all; end the namespace."""
        try:
            super().close()
        finally:
            for part in ("responder", "catch_all"):
                with contextlib.suppress(Exception):
                    getattr(self, part).stop()
            self.network.close()


def _resolved_here(staged: Staged) -> Expect:
    """The expectation, with "the address the target's name resolves to" made this network's.

    Scenarios write it as ``127.0.0.1`` (SOCKS-02: a client that resolves sends the
    address); here virtual names resolve to the echo server's served address.
    """
    expect = staged.expect
    if ip_literal(staged.scenario.target.host) is None and expect.target_host == "127.0.0.1":
        return dataclasses.replace(expect, target_host=staged.server.host)
    return expect


def private_stager(resources: Resources | None = None) -> tuple[PrivateStager | None, str]:
    """A private stager and its description, or None and why the hosts handover is used."""
    if os.environ.get(SWITCH, "").lower() == "hosts":
        return None, f"{HOSTS} ({SWITCH}=hosts)"
    try:
        network = PrivateNetwork.create()
    except NetworkUnavailable as exc:
        return None, f"{HOSTS} ({exc})"
    try:
        stager = PrivateStager(network, resources)
    except (OSError, ImportError) as exc:
        return None, f"{HOSTS} ({exc})"
    return stager, stager.description
