"""The server pool: fake servers, started once per process and reused across scenarios."""

from __future__ import annotations

import contextlib
from typing import Any

from ...fixtures import (
    CertificateAuthority,
    FakeServer,
    Fault,
    HttpProxy,
    SocksProxy,
    VirtualDNS,
    WsServer,
)
from ...scenarios.model import ProxySpec, Target
from .errors import StagingError, Unavailable
from .resources import Resources

__all__ = ["ServerKey", "ServerPool", "parse_faults", "proxy_key", "server_key"]


ServerKey = tuple[Any, ...]


class ServerPool:
    """Running servers, reused across scenarios; one list per kind of server."""

    def __init__(self, resources: Resources, dns: VirtualDNS) -> None:
        self.resources = resources
        self.dns = dns
        self._servers: dict[ServerKey, list[FakeServer[Any]]] = {}

    def take(self, key: ServerKey, index: int) -> FakeServer[Any]:
        """The ``index``-th server of kind ``key``, started if needed, records reset."""
        servers = self._servers.setdefault(key, [])
        while len(servers) <= index:
            servers.append(self._create(key).start())
        server = servers[index]
        server.reset()
        return server

    def ca_of(self, key: ServerKey) -> CertificateAuthority | None:
        """The CA that signs what the server of kind ``key`` presents (None: no TLS)."""
        resources = self.resources
        if key[0] == "ws":
            _, secure, _, trusted, certificate = key
            if not secure:
                return None
            if certificate == "other-hop-ca":
                return resources.proxy_ca
            return resources.server_ca if trusted else resources.untrusted_ca
        _, kind, _, _, _, trusted, certificate, _ = key
        if kind != "https":
            return None
        if certificate == "other-hop-ca":
            return resources.server_ca
        return resources.proxy_ca if trusted else resources.untrusted_ca

    def _create(self, key: ServerKey, port: int = 0) -> FakeServer[Any]:
        ca = self.ca_of(key)
        if key[0] == "ws":
            _, _, host, _, certificate = key
            if ca is None:
                return WsServer(host=host, port=port)
            if certificate == "other-hop-ca":
                certificate = "valid"
            return WsServer(ca=ca, host=host, port=port, certificate=certificate)
        _, kind, auth, methods, fault, _, certificate, host = key
        faults = parse_faults(fault)
        if kind in ("socks4", "socks5"):
            return SocksProxy(
                4 if kind == "socks4" else 5,
                auth=auth,
                methods=methods,
                dns=self.dns,
                host=host,
                port=port,
                faults=faults,
            )
        if ca is None:
            return HttpProxy(auth=auth, dns=self.dns, host=host, port=port, faults=faults)
        return HttpProxy(
            ca=ca,
            certificate="valid" if certificate == "other-hop-ca" else certificate,
            auth=auth,
            dns=self.dns,
            host=host,
            port=port,
            faults=faults,
        )

    def start_on(self, key: ServerKey, port: int) -> FakeServer[Any]:
        """A server of kind ``key`` on a fixed ``port``, outside the pool (stop it yourself)."""
        try:
            return self._create(key, port).start()
        except OSError as exc:
            raise Unavailable(f"cannot listen on port {port}: {exc.strerror or exc}") from None

    def discard(self, server: FakeServer[Any]) -> None:
        """Stop ``server`` and forget it: the next scenario gets a fresh one."""
        for servers in self._servers.values():
            if server in servers:
                servers.remove(server)
        with contextlib.suppress(Exception):
            server.stop(timeout=2.0)

    def close(self) -> None:
        """Stop every server."""
        servers = [s for group in self._servers.values() for s in group]
        self._servers.clear()
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop(timeout=2.0)


def proxy_key(spec: ProxySpec) -> ServerKey:
    """The pool's key for a fake proxy playing ``spec``."""
    host = "::1" if spec.url_host is not None and ":" in spec.url_host else "127.0.0.1"
    trusted = spec.trusted or spec.kind != "https"
    certificate = spec.certificate if spec.kind == "https" else "valid"
    return ("proxy", spec.kind, spec.auth, spec.methods, spec.fault, trusted, certificate, host)


def server_key(target: Target, host: str) -> ServerKey:
    """The pool's key for the echo server of ``target``, bound to ``host``."""
    secure = target.scheme == "wss"
    certificate = target.certificate if secure else "valid"
    return ("ws", secure, host, not target.untrusted_certificate, certificate)


def parse_faults(text: str) -> list[Fault]:
    """A scenario's comma-separated faults (``"reply:403"``), each by :meth:`Fault.parse`."""
    try:
        return [Fault.parse(part) for part in text.split(",")] if text else []
    except ValueError as exc:
        raise StagingError(f"bad fault {text!r}: {exc}") from None
