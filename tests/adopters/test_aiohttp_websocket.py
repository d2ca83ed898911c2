"""aiohttp's WebSocket client (``ws_connect``) through the fake proxies, as its users test it.

aiohttp takes one trust store for both hops (``ssl=``), so the TLS cases use
``ca_bundle_file``; it has no SOCKS of its own, its users add aiohttp-socks.
"""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from aiohttp_socks import ProxyConnector


@pytest.mark.asyncio
async def test_wss_through_connect_with_basic(http_proxy, wss_server, server_ca, virtual_dns):
    """proxy= with credentials in the URL: one CONNECT with Basic, TLS inside it."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            wss_server.ws_url("api.example.com"),
            proxy=proxy.proxy_url(),  # http://alice:s3cret@127.0.0.1:PORT
            ssl=server_ca.client_context(),
        ) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert tunnel.request_line == f"CONNECT api.example.com:{wss_server.port} HTTP/1.1"
    assert (tunnel.auth_method, tunnel.username, tunnel.password) == ("basic", "alice", "s3cret")
    assert tunnel.inner_tls.sni == "api.example.com"
    (seen,) = await wss_server.wait_for_records_async()
    assert seen.messages == ("hello",)
    assert seen.header("Proxy-Authorization") is None


@pytest.mark.asyncio
async def test_wss_proxy_from_the_environment(
    http_proxy, wss_server, server_ca, virtual_dns, proxy_env
):
    """trust_env=True: aiohttp reads wss_proxy for a wss:// URL."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy()
    proxy_env.set("wss_proxy", proxy.url)
    async with (
        aiohttp.ClientSession(trust_env=True) as session,
        session.ws_connect(
            wss_server.ws_url("api.example.com"), ssl=server_ca.client_context()
        ) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.target_host, tunnel.target_port) == ("api.example.com", wss_server.port)
    (seen,) = await wss_server.wait_for_records_async()
    assert seen.tls.sni == "api.example.com"


@pytest.mark.asyncio
async def test_no_proxy_goes_direct(http_proxy, wss_server, server_ca, virtual_dns, proxy_env):
    """A host in no_proxy is reached directly: the proxy sees no connection at all."""
    virtual_dns.add("intranet.example.com")
    proxy = http_proxy()
    proxy_env.set("wss_proxy", proxy.url)
    proxy_env.set("no_proxy", "intranet.example.com")
    async with (
        aiohttp.ClientSession(trust_env=True) as session,
        session.ws_connect(
            wss_server.ws_url("intranet.example.com"), ssl=server_ca.client_context()
        ) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (seen,) = await wss_server.wait_for_records_async()
    assert seen.tls.sni == "intranet.example.com"
    assert proxy.records == ()
    assert proxy.in_progress == ()


@pytest.mark.asyncio
async def test_tls_in_tls(http_proxy, wss_server, virtual_dns, ca_bundle_file):
    """An https:// proxy; one context trusting both CAs serves both TLS layers."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)
    trust = ssl.create_default_context(cafile=ca_bundle_file)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            wss_server.ws_url("api.example.com"),
            proxy=proxy.proxy_url(host="localhost"),
            ssl=trust,
        ) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.proxy_tls.sni, tunnel.inner_tls.sni) == ("localhost", "api.example.com")
    (seen,) = await wss_server.wait_for_records_async()
    assert seen.messages == ("hello",)


@pytest.mark.asyncio
async def test_socks5h_with_aiohttp_socks(socks_proxy, ws_server, virtual_dns):
    """aiohttp-socks with rdns=True sends the host name to the SOCKS5 proxy."""
    virtual_dns.add("chat.example.com")
    proxy = socks_proxy(5, auth=("bob", "hunter2"))
    connector = ProxyConnector.from_url(proxy.proxy_url("socks5"), rdns=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.ws_connect(ws_server.ws_url("chat.example.com")) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.address_type, tunnel.target_host) == ("domain", "chat.example.com")
    assert (tunnel.username, tunnel.password) == ("bob", "hunter2")
    (seen,) = await ws_server.wait_for_records_async()
    assert seen.header("Host") == f"chat.example.com:{ws_server.port}"


@pytest.mark.asyncio
async def test_ws_through_a_forwarding_proxy(http_proxy, ws_server, virtual_dns):
    """aiohttp sends a ws:// handshake to an HTTP proxy as a forwarded request, no CONNECT."""
    virtual_dns.add("chat.example.com")
    proxy = http_proxy(forward=True)
    url = ws_server.ws_url("chat.example.com")
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, proxy=proxy.url) as ws,
    ):
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"

    (connection,) = await proxy.wait_for_records_async()
    (forwarded,) = connection.requests
    assert (forwarded.method, forwarded.target) == ("GET", url)  # aiohttp keeps ws:// here
    assert forwarded.header("Upgrade") == "websocket"
    (seen,) = await ws_server.wait_for_records_async()
    assert seen.messages == ("hello",)
