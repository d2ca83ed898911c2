"""Tests for proxyharness.reference_client.client: end to end through every fake proxy."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.fixtures.records import Outcome
from proxyharness.fixtures.servers.faults import Fault
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.reference_client import (
    ConnectionClosed,
    Direct,
    HandshakeRejected,
    OpenTimeout,
    ServerConnectionFailed,
    ViaProxy,
    connect,
    explain,
)

SERVER_NAME = "www.example.com"
PROXY_NAME = "proxy.example"
SCHEMES = ("socks4", "socks4a", "socks5", "socks5h", "http", "https")
MakeProxy = Callable[..., Any]

#: What each scheme must put on the wire for www.example.com (SOCKS-02, HTTP-01).
WIRE = {
    "socks4": ("socks4", "ipv4", "127.0.0.1"),
    "socks4a": ("socks4a", "domain", SERVER_NAME),
    "socks5": ("socks5", "ipv4", "127.0.0.1"),
    "socks5h": ("socks5", "domain", SERVER_NAME),
    "http": ("http", "domain", SERVER_NAME),
    "https": ("http", "domain", SERVER_NAME),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("secure", [False, True], ids=["ws", "wss"])
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "credentials"])
@pytest.mark.parametrize("scheme", SCHEMES)
async def test_echo_through_every_proxy(
    scheme: str,
    auth: bool,
    secure: bool,
    make_proxy: MakeProxy,
    url_of: Callable[..., str],
    ws_server: WsServer,
    wss_server: WsServer,
    server_ssl: ssl.SSLContext,
    proxy_ssl: ssl.SSLContext,
    resolved: VirtualDNS,
) -> None:
    """Every scheme, with and without credentials, ws and wss: what the proxy saw."""
    server = wss_server if secure else ws_server
    proxy = make_proxy(scheme, auth=auth)
    async with connect(
        server.ws_url(SERVER_NAME, "/chat"),
        proxy=url_of(proxy, scheme),
        ssl=server_ssl,
        proxy_ssl=proxy_ssl,
    ) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00bytes")
        assert await ws.recv() == b"\x00bytes"
    assert isinstance(ws.resolution.route, ViaProxy)
    assert ws.resolution.route.proxy.scheme == scheme

    (record,) = await proxy.wait_for_records_async(1)
    protocol, address_type, target = WIRE[scheme]
    assert (record.protocol, record.address_type, record.target_host) == (
        protocol,
        address_type,
        target,
    )
    assert record.target_port == server.port
    assert record.outcome is Outcome.TUNNELED
    user, password = proxy.auth or (None, None)
    assert record.username == user
    if scheme.startswith("socks4"):
        assert record.password is None  # SOCKS4 carries a USERID only (SOCKS-03)
    else:
        assert record.password == password
    if scheme.startswith("socks5"):
        assert record.auth_method == ("username/password" if auth else "none")
    if scheme in ("http", "https"):
        assert record.request_line == f"CONNECT {SERVER_NAME}:{server.port} HTTP/1.1"
        assert record.header("Host") == f"{SERVER_NAME}:{server.port}"
        assert (record.header("Proxy-Authorization") is not None) is auth
        assert record.header("User-Agent").startswith("proxyharness-reference-client/")
    if scheme == "https":
        assert record.proxy_tls is not None
        assert record.proxy_tls.sni == PROXY_NAME
    else:
        assert record.proxy_tls is None
    if secure:
        assert record.inner_tls is not None
        assert record.inner_tls.sni == SERVER_NAME
    else:
        assert record.inner_tls is None

    (seen,) = await server.wait_for_records_async(1)
    assert seen.path == "/chat"
    assert seen.header("Host") == f"{SERVER_NAME}:{server.port}"
    assert seen.header("Proxy-Authorization") is None  # HTTP-02: to the proxy only
    assert seen.messages == ("hello", b"\x00bytes")
    assert seen.outcome is Outcome.COMPLETED
    if secure:
        assert seen.tls is not None
        assert seen.tls.sni == SERVER_NAME


@pytest.mark.asyncio
@pytest.mark.parametrize("secure", [False, True], ids=["ws", "wss"])
async def test_direct(
    secure: bool,
    ws_server: WsServer,
    wss_server: WsServer,
    server_ssl: ssl.SSLContext,
    resolved: VirtualDNS,
) -> None:
    """proxy=None connects directly; await-style use and an explicit close work."""
    server = wss_server if secure else ws_server
    ws = await connect(server.ws_url(SERVER_NAME), proxy=None, ssl=server_ssl)
    try:
        assert isinstance(ws.resolution.route, Direct)
        assert ws.open
        await ws.send("direct")
        assert await ws.recv() == "direct"
    finally:
        await ws.close()
    assert not ws.open
    (seen,) = await server.wait_for_records_async(1)
    assert seen.outcome is Outcome.COMPLETED
    assert seen.detail == "closed with code 1000"


@pytest.mark.asyncio
async def test_closed_connection(ws_server: WsServer) -> None:
    """After close, send and recv raise ConnectionClosed with the server's code."""
    async with connect(ws_server.ws_url(), proxy=None) as ws:
        await ws.close(code=1001, reason="bye")
        await ws.close()  # idempotent
        with pytest.raises(ConnectionClosed) as raised:
            await ws.recv()
        with pytest.raises(ConnectionClosed):
            await ws.send("late")
    assert raised.value.code == 1001
    assert raised.value.kind == "closed"
    messages = [message async for message in ws]
    assert messages == []


@pytest.mark.asyncio
async def test_configuration_route_is_the_explained_route(
    make_proxy: MakeProxy,
    ws_server: WsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """proxy=True follows getproxies(); the trace explains the route actually taken."""
    proxy = make_proxy("socks5h")
    for name in ("ws_proxy", "WS_PROXY", "no_proxy", "NO_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", proxy.proxy_url("socks5h"))
    uri = ws_server.ws_url(SERVER_NAME)
    async with connect(uri) as ws:
        await ws.send("env")
        assert await ws.recv() == "env"
    route = ws.resolution.route
    assert isinstance(route, ViaProxy)
    assert route.source == "env/os key https"
    assert "SEL-08" in explain(ws.resolution)
    (record,) = await proxy.wait_for_records_async(1)
    assert record.target_host == SERVER_NAME  # the explained proxy is the one used

    monkeypatch.setenv("no_proxy", SERVER_NAME)
    with pytest.raises(ServerConnectionFailed):  # bypassed: direct, and the name is virtual
        await connect(uri, open_timeout=2)
    assert len(proxy.records) == 1


@pytest.mark.asyncio
async def test_proxy_none_ignores_configuration(
    ws_server: WsServer, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """proxy=None connects directly even with a (dead) proxy configured (SEL-12)."""
    monkeypatch.setenv("ws_proxy", f"http://127.0.0.1:{closed_port}")
    async with connect(ws_server.ws_url(), proxy=None) as ws:
        await ws.send("x")
        assert await ws.recv() == "x"


@pytest.mark.asyncio
@pytest.mark.parametrize("secure", [False, True])
async def test_caller_socket_uses_no_proxy(
    ws_server: WsServer,
    wss_server: WsServer,
    server_ca: CertificateAuthority,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    secure: bool,
) -> None:
    """A socket the caller supplies is used as it is: no proxy, TLS on top for wss (SEL-13)."""
    server = wss_server if secure else ws_server
    monkeypatch.setenv("wss_proxy" if secure else "ws_proxy", f"http://127.0.0.1:{closed_port}")
    sock = socket.create_connection(server.address, timeout=5)
    local_port = sock.getsockname()[1]
    context = server_ca.client_context() if secure else None
    async with connect(server.ws_url("localhost"), sock=sock, ssl=context) as ws:
        assert "caller-supplied socket" in ws.layers
        assert any(step.rule == "SEL-13" for step in ws.resolution.trace)
        await ws.send("mine")
        assert await ws.recv() == "mine"
    (record,) = await server.wait_for_records_async(1)
    assert record.peer[1] == local_port  # the server saw our very socket


@pytest.mark.asyncio
async def test_additional_headers_reach_the_server_only(
    make_proxy: MakeProxy, ws_server: WsServer, resolved: VirtualDNS
) -> None:
    """Extra handshake headers go to the server, never into CONNECT (HTTP-08)."""
    proxy = make_proxy("http", auth=True)
    async with connect(
        ws_server.ws_url(SERVER_NAME),
        proxy=proxy.proxy_url(),
        additional_headers={"X-Probe": "1", "User-Agent": "custom"},
    ) as ws:
        await ws.send("h")
        await ws.recv()
    (record,) = await proxy.wait_for_records_async(1)
    assert record.header("X-Probe") is None
    assert record.header("User-Agent").startswith("proxyharness-reference-client/")
    (seen,) = await ws_server.wait_for_records_async(1)
    assert seen.header("X-Probe") == "1"
    assert [v for k, v in seen.headers if k.lower() == "user-agent"] == ["custom"]


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [403, 500])
async def test_handshake_rejected(status: int, ws_server: WsServer, leak_check: Any) -> None:
    """A non-101 answer is HandshakeRejected with its status; nothing leaks."""
    ws_server.inject(Fault.reply(status))
    check = leak_check()
    with pytest.raises(HandshakeRejected) as raised:
        await connect(ws_server.ws_url(), proxy=None)
    assert raised.value.status == status
    check.verify((ws_server, 1))


@pytest.mark.asyncio
async def test_handshake_garbage(ws_server: WsServer, leak_check: Any) -> None:
    """A malformed handshake answer is HandshakeRejected without a status."""
    ws_server.inject(Fault.garbage())
    check = leak_check()
    with pytest.raises(HandshakeRejected) as raised:
        await connect(ws_server.ws_url(), proxy=None)
    assert raised.value.status is None
    check.verify((ws_server, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "socks5h"])
async def test_silent_server_times_out_in_handshake(
    scheme: str, make_proxy: MakeProxy, ws_server: WsServer, leak_check: Any
) -> None:
    """A server that never answers the handshake: OpenTimeout naming that stage."""
    proxy = make_proxy(scheme)
    ws_server.inject(Fault.silence())
    check = leak_check()
    started = time.monotonic()
    with pytest.raises(OpenTimeout) as raised:
        await connect(ws_server.ws_url(), proxy=proxy.proxy_url(scheme), open_timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert raised.value.stage == "WebSocket handshake"
    check.verify((proxy, 1), (ws_server, 1))


@pytest.mark.asyncio
async def test_server_closes_during_handshake(ws_server: WsServer, leak_check: Any) -> None:
    """A server that closes before answering: ServerConnectionFailed."""
    ws_server.inject(Fault.close_after(10))
    check = leak_check()
    with pytest.raises(ServerConnectionFailed):
        await connect(ws_server.ws_url(), proxy=None)
    check.verify((ws_server, 1))


@pytest.mark.asyncio
async def test_connection_lost_without_close_frame() -> None:
    """A server that drops TCP after the handshake: recv raises ConnectionClosed(None)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server = WSConnection(ConnectionType.SERVER)
        server.receive_data(await reader.readuntil(b"\r\n\r\n"))
        for event in server.events():
            if isinstance(event, Request):
                writer.write(server.send(AcceptConnection()))
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with connect(f"ws://127.0.0.1:{port}/", proxy=None) as ws:
            with pytest.raises(ConnectionClosed) as raised:
                await ws.recv()
            assert raised.value.code is None
            assert not ws.open
    finally:
        listener.close()
        await listener.wait_closed()


@pytest.mark.asyncio
async def test_large_messages_tls_in_tls(
    make_proxy: MakeProxy,
    wss_server: WsServer,
    server_ssl: ssl.SSLContext,
    proxy_ssl: ssl.SSLContext,
    resolved: VirtualDNS,
) -> None:
    """Megabyte messages cross TLS-in-TLS intact: flow control works in both layers."""
    proxy = make_proxy("https")
    payload = bytes(range(256)) * 4096
    async with connect(
        wss_server.ws_url(SERVER_NAME),
        proxy=proxy.proxy_url(host=PROXY_NAME),
        ssl=server_ssl,
        proxy_ssl=proxy_ssl,
    ) as ws:
        assert ws.layers[1:] == (
            f"tls:proxy sni={PROXY_NAME}",
            f"http-connect {SERVER_NAME}:{wss_server.port}",
            f"tls:server sni={SERVER_NAME}",
        )
        await ws.send(payload)
        assert await ws.recv() == payload
        await ws.send("é" * 300_000)
        assert await ws.recv() == "é" * 300_000
