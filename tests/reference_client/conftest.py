"""Small local fixtures for the reference client's I/O tests: servers, CAs, leak checks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.external import free_port
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.fixtures.servers.base import FakeServer
from proxyharness.fixtures.servers.faults import Fault
from proxyharness.fixtures.servers.http_proxy import HttpProxy
from proxyharness.fixtures.servers.proxy_base import FakeProxy
from proxyharness.fixtures.servers.socks import SocksProxy

SERVER_NAME = "www.example.com"
PROXY_NAME = "proxy.example"
USER = "alice"
#: SOCKS sends credentials as bytes python-socks encodes as ASCII.
SOCKS_PASSWORD = "p@ss:w/rd"
#: Basic auth is UTF-8 (HTTP-02); reserved characters prove percent-decoding (URL-03).
HTTP_PASSWORD = "pässw@rd:1"
SCHEMES = ("socks4", "socks4a", "socks5", "socks5h", "http", "https")

MakeProxy = Callable[..., FakeProxy]


@pytest.fixture(scope="session")
def dns() -> VirtualDNS:
    """The server's and the proxy's virtual names, both on 127.0.0.1."""
    return VirtualDNS({SERVER_NAME: "127.0.0.1", PROXY_NAME: "127.0.0.1"})


@pytest.fixture
def resolved(dns: VirtualDNS) -> Iterator[VirtualDNS]:
    """Resolve the virtual names locally too (socks4, socks5, and the proxy's name)."""
    with dns.patch():
        yield dns


@pytest.fixture(scope="session")
def server_ssl(server_ca: CertificateAuthority) -> object:
    """A client context trusting the server CA only."""
    return server_ca.client_context()


@pytest.fixture(scope="session")
def proxy_ssl(proxy_ca: CertificateAuthority) -> object:
    """A client context trusting the proxy CA only."""
    return proxy_ca.client_context()


@pytest.fixture
def make_proxy(dns: VirtualDNS, proxy_ca: CertificateAuthority) -> Iterator[MakeProxy]:
    """Start a fake proxy for a scheme; ``auth=True`` demands the test credentials."""
    with contextlib.ExitStack() as stack:

        def make(
            scheme: str,
            *,
            auth: bool = False,
            faults: tuple[Fault, ...] = (),
            ca: CertificateAuthority | None = None,
            methods: tuple[int, ...] | None = None,
        ) -> FakeProxy:
            proxy: FakeProxy
            if scheme.startswith("socks"):
                credentials = (USER, SOCKS_PASSWORD) if auth else None
                version = 4 if scheme.startswith("socks4") else 5
                proxy = SocksProxy(
                    version, auth=credentials, dns=dns, faults=faults, methods=methods
                )
            else:
                credentials = (USER, HTTP_PASSWORD) if auth else None
                tls_ca = (ca or proxy_ca) if scheme == "https" else None
                proxy = HttpProxy(ca=tls_ca, auth=credentials, dns=dns, faults=faults)
            return stack.enter_context(proxy)

        yield make


@pytest.fixture
def url_of() -> Callable[..., str]:
    """``url_of(proxy, scheme)``: https:// proxies by name, so that SNI is sent."""

    def url(proxy: FakeProxy, scheme: str, *, credentials: bool = True) -> str:
        host = PROXY_NAME if scheme == "https" else None
        return proxy.proxy_url(scheme, credentials=credentials, host=host)

    return url


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (FACTS §9: never a non-loopback address)."""
    return free_port()


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


class LeakCheck:
    """Count fds at creation; after a failure, prove the client left nothing (ERR-04).

    The servers' records are awaited *blocking* (in a helper thread, since a blocking
    wait on the loop's own thread is refused), so the client's event loop does not
    run in between: whatever the client had not closed by the time it raised would
    still be open when the fds are counted.
    """

    def __init__(self) -> None:
        self.before = open_fds()

    def verify(self, *ended: tuple[FakeServer[Any], int]) -> None:
        """Wait for ``(server, records)`` pairs, then compare fds and tasks."""
        with concurrent.futures.ThreadPoolExecutor(1) as waiter:
            for server, count in ended:
                waiter.submit(server.wait_for_records, count).result()
        assert open_fds() == self.before, "a socket was left open"
        leftover = asyncio.all_tasks() - {asyncio.current_task()}
        assert not leftover, f"tasks left behind: {leftover}"


@pytest.fixture
def leak_check() -> type[LeakCheck]:
    """``leak_check()`` after the servers started, ``.verify(...)`` after the failure."""
    return LeakCheck
