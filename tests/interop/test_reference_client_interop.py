"""The reference client through proxies we did not write: mitmproxy and Debian's proxies.

Targets are loopback only: ``localhost`` when the proxy resolves the name (http,
https, socks5h), ``127.0.0.1`` when the client does (socks5). Each test checks the
echo, what the proxy says it saw, and that no proxy credentials reached the server.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.external import Dante, Microsocks, Squid, Tinyproxy
from proxyharness.fixtures.external.mitm import Mitmproxy
from proxyharness.fixtures.records import Outcome, ProxyRecord
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.reference_client import ProxyRejected, ServerTLSError, connect

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

Launch = Callable[[Any], Any]
USER = "alice"
#: Reserved characters prove percent-decoding; mitmproxy cannot take ':' in a password.
MITM_PASSWORD = "p@ss/w%rd"
#: tinyproxy's config takes letters, digits and -._ only.
TINYPROXY_PASSWORD = "secret-1.x"
PASSWORD = "p@ss:w/rd"
SECURE = pytest.mark.parametrize("secure", [False, True], ids=["ws", "wss"])


def basic(user: str, password: str) -> str:
    """The Proxy-Authorization value for ``user:password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def target_host(scheme: str) -> str:
    """The server's host as the client names it: an address when the client resolves."""
    return "127.0.0.1" if scheme == "socks5" else "localhost"


class Origin:
    """The ws or wss echo server of a test, and the client's trust for each hop."""

    def __init__(
        self, server: WsServer, server_ca: CertificateAuthority, proxy_ca: CertificateAuthority
    ) -> None:
        self.server = server
        self.ssl = server_ca.client_context()
        self.proxy_ssl = proxy_ca.client_context()

    async def echo(self, proxy: str, host: str) -> None:
        """Open, echo a text and a binary message, close; check what the server saw."""
        uri = self.server.ws_url(host, "/interop")
        async with connect(
            uri, proxy=proxy, ssl=self.ssl, proxy_ssl=self.proxy_ssl, open_timeout=10
        ) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send(b"\x00bytes")
            assert await ws.recv() == b"\x00bytes"
        (record,) = await self.server.wait_for_records_async(1)
        assert record.path == "/interop"
        assert record.header("Proxy-Authorization") is None
        assert record.messages == ("hello", b"\x00bytes")
        if record.tls is not None:  # TLS ran end to end with the server
            assert record.tls.sni == (None if host == "127.0.0.1" else host)

    async def refused(self, proxy: str, host: str = "localhost") -> ProxyRejected:
        """Open and expect the proxy to refuse; return the error."""
        uri = self.server.ws_url(host)
        with pytest.raises(ProxyRejected) as info:
            await connect(uri, proxy=proxy, ssl=self.ssl, proxy_ssl=self.proxy_ssl, open_timeout=10)
        assert self.server.records == ()
        return info.value


@pytest.fixture(params=[False, True], ids=["ws", "wss"])
def origin(
    request: pytest.FixtureRequest,
    ws_server: WsServer,
    wss_server: WsServer,
    server_ca: CertificateAuthority,
    proxy_ca: CertificateAuthority,
) -> Origin:
    """The test's echo server, ws then wss."""
    return Origin(wss_server if request.param else ws_server, server_ca, proxy_ca)


def check_tunnel(record: ProxyRecord, origin: Origin, host: str) -> None:
    """The proxy tunneled to the server, as the client named it."""
    assert (record.target_host, record.target_port) == (host, origin.server.port)
    assert record.dialed == ("127.0.0.1", origin.server.port)
    assert record.outcome == Outcome.TUNNELED


# mitmproxy


@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "credentials"])
@pytest.mark.parametrize(
    ("proxy_scheme", "by_name"),
    [("http", None), ("https", None), ("https", "localhost"), ("socks5", None), ("socks5h", None)],
    ids=["http", "https", "https-by-name", "socks5", "socks5h"],
)
async def test_mitmproxy(
    proxy_scheme: str,
    by_name: str | None,
    auth: bool,
    origin: Origin,
    launch: Launch,
    proxy_ca: CertificateAuthority,
) -> None:
    """mitmproxy's http, https (TLS-in-TLS for wss) and socks5 listeners."""
    credentials = (USER, MITM_PASSWORD) if auth else None
    proxy = launch(Mitmproxy(proxy_ca, auth=credentials))
    host = target_host(proxy_scheme)
    await origin.echo(proxy.proxy_url(proxy_scheme, host=by_name), host)

    (record,) = await proxy.wait_for_records_async(1)
    check_tunnel(record, origin, host)
    if proxy_scheme.startswith("socks5"):
        assert record.protocol == "socks5"
        assert record.address_type == ("ipv4" if proxy_scheme == "socks5" else "domain")
        method = "username/password" if auth else "none"
    else:
        assert record.request_line == f"CONNECT localhost:{origin.server.port} HTTP/1.1"
        expected = basic(USER, MITM_PASSWORD) if auth else None
        assert record.header("Proxy-Authorization") == expected
        method = "basic" if auth else "none"
    assert (record.auth_method, record.username, record.password) == (
        (method, USER, MITM_PASSWORD) if auth else (method, None, None)
    )
    if proxy_scheme == "https":
        assert record.proxy_tls is not None
        assert record.proxy_tls.sni == by_name
        assert record.listener == proxy.https_url
    else:
        assert record.proxy_tls is None


@pytest.mark.parametrize(("scheme", "status"), [("http", 407), ("https", 407), ("socks5h", None)])
async def test_mitmproxy_wrong_credentials(
    scheme: str, status: int | None, origin: Origin, launch: Launch, proxy_ca: CertificateAuthority
) -> None:
    """Wrong credentials: 407 from the http(s) listener, a refused SOCKS5 authentication."""
    proxy = launch(Mitmproxy(proxy_ca, auth=(USER, MITM_PASSWORD)))
    url = proxy.proxy_url(scheme, credentials=False).replace("://", f"://{USER}:wrong@")
    error = await origin.refused(url)
    assert (error.kind, error.status) == ("proxy-rejected", status)
    assert "wrong" not in str(error)
    (record,) = await proxy.wait_for_records_async(1)
    assert (record.username, record.password, record.outcome) == (USER, "wrong", Outcome.REJECTED)


@pytest.mark.parametrize("scheme", ["http", "https", "socks5h"])
async def test_mitmproxy_leaves_server_tls_alone(
    scheme: str, launch: Launch, proxy_ca: CertificateAuthority, wss_server: WsServer
) -> None:
    """mitmproxy passes the tunnel through: an untrusted server certificate still fails."""
    proxy = launch(Mitmproxy(proxy_ca))
    with pytest.raises(ServerTLSError):
        await connect(
            wss_server.ws_url("localhost"),
            proxy=proxy.proxy_url(scheme),
            ssl=proxy_ca.client_context(),  # the proxy's CA does not vouch for the server
            proxy_ssl=proxy_ca.client_context(),
            open_timeout=10,
        )


# tinyproxy


async def test_tinyproxy(origin: Origin, launch: Launch) -> None:
    """tinyproxy with Basic credentials: the tunnel opens only once they arrive."""
    proxy = launch(Tinyproxy(auth=(USER, TINYPROXY_PASSWORD)))
    await origin.echo(proxy.proxy_url(), "localhost")
    (record,) = await proxy.wait_for_records_async(1)
    assert record.request_line == f"CONNECT localhost:{origin.server.port} HTTP/1.1"
    assert (record.target_host, record.target_port) == ("localhost", origin.server.port)
    assert record.outcome == Outcome.TUNNELED


async def test_tinyproxy_anonymous(origin: Origin, launch: Launch) -> None:
    """tinyproxy without authentication."""
    proxy = launch(Tinyproxy())
    await origin.echo(proxy.proxy_url(), "localhost")
    (record,) = await proxy.wait_for_records_async(1)
    assert record.outcome == Outcome.TUNNELED


@pytest.mark.parametrize(
    ("password", "status"), [(None, 407), ("wrong", 401)], ids=["missing", "wrong"]
)
async def test_tinyproxy_refusals(
    password: str | None, status: int, launch: Launch, ws_server: WsServer
) -> None:
    """tinyproxy's quirk: missing credentials get 407, wrong ones 401 (not 407)."""
    proxy = launch(Tinyproxy(auth=(USER, TINYPROXY_PASSWORD)))
    url = proxy.proxy_url(credentials=False)
    if password is not None:
        url = url.replace("://", f"://{USER}:{password}@")
    with pytest.raises(ProxyRejected) as info:
        await connect(ws_server.ws_url("localhost"), proxy=url, open_timeout=10)
    assert (info.value.kind, info.value.status) == ("proxy-rejected", status)
    (record,) = await proxy.wait_for_records_async(1)
    assert record.outcome == Outcome.REJECTED


# squid: shared by the module's tests, as it takes a second or two to stop


@pytest.fixture(scope="module")
def squid_anonymous(launch_shared: Launch) -> Squid:
    """A squid without authentication."""
    squid: Squid = launch_shared(Squid())
    return squid


@pytest.fixture(scope="module")
def squid_auth(launch_shared: Launch) -> Squid:
    """A squid demanding Basic credentials."""
    squid: Squid = launch_shared(Squid(auth=(USER, PASSWORD)))
    return squid


@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "credentials"])
async def test_squid(auth: bool, origin: Origin, request: pytest.FixtureRequest) -> None:
    """squid; its access log shows the target and the Proxy-Authorization it received."""
    proxy: Squid = request.getfixturevalue("squid_auth" if auth else "squid_anonymous")
    await origin.echo(proxy.proxy_url(), "localhost")
    (record,) = proxy.wait_for_records(match=lambda r: r.target_port == origin.server.port)
    check_tunnel(record, origin, "localhost")
    assert record.reply == "200 TCP_TUNNEL"
    assert record.request_line == f"CONNECT localhost:{origin.server.port} HTTP/1.1"
    if auth:
        assert record.header("Proxy-Authorization") == basic(USER, PASSWORD)
        assert (record.username, record.password) == (USER, PASSWORD)
    else:
        assert record.headers == ()


async def test_squid_wrong_credentials(squid_auth: Squid, ws_server: WsServer) -> None:
    """squid answers 407 to wrong credentials, and logs them."""
    proxy = squid_auth
    url = proxy.proxy_url(credentials=False).replace("://", f"://{USER}:wrong@")
    with pytest.raises(ProxyRejected) as info:
        await connect(ws_server.ws_url("localhost"), proxy=url, open_timeout=10)
    assert info.value.status == 407
    (record,) = proxy.wait_for_records(match=lambda r: r.target_port == ws_server.port)
    assert (record.reply, record.username, record.password) == ("407 TCP_DENIED", USER, "wrong")


# microsocks


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_microsocks(scheme: str, origin: Origin, launch: Launch) -> None:
    """microsocks with username/password authentication (it logs nothing)."""
    proxy = launch(Microsocks(auth=(USER, PASSWORD)))
    await origin.echo(proxy.proxy_url(scheme), target_host(scheme))


@pytest.mark.parametrize("password", [None, "wrong"], ids=["missing", "wrong"])
async def test_microsocks_refusals(
    password: str | None, launch: Launch, ws_server: WsServer
) -> None:
    """microsocks refuses missing credentials (no acceptable method) and wrong ones."""
    proxy = launch(Microsocks(auth=(USER, PASSWORD)))
    url = proxy.proxy_url("socks5h", credentials=False)
    if password is not None:
        url = url.replace("://", f"://{USER}:{password}@")
    with pytest.raises(ProxyRejected) as info:
        await connect(ws_server.ws_url("localhost"), proxy=url, open_timeout=10)
    assert (info.value.kind, info.value.protocol) == ("proxy-rejected", "socks5")


# dante


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_dante(scheme: str, origin: Origin, launch: Launch) -> None:
    """danted without authentication; its log shows the address it dialed."""
    proxy = launch(Dante())
    await origin.echo(proxy.proxy_url(scheme), target_host(scheme))
    (record,) = await proxy.wait_for_records_async(1)
    assert record.dialed == ("127.0.0.1", origin.server.port)
    assert record.outcome == Outcome.TUNNELED
