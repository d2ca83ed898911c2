"""websockets' sync and asyncio clients through the fake proxies, tested as their users would.

Worked examples for "In your own tests" (README): only the pytest fixtures of
proxyharness, and assertions on what the proxy and the server saw, not only on the echo.
"""

from __future__ import annotations

import pytest
import websockets.sync.client as sync_client
from websockets.asyncio.client import connect


def test_wss_through_connect_with_basic(http_proxy, wss_server, server_ca, virtual_dns, proxy_env):
    """https_proxy with credentials: one CONNECT with Basic, TLS to the server inside it."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    proxy_env.set("https_proxy", proxy.proxy_url())  # http://alice:s3cret@127.0.0.1:PORT
    url = wss_server.ws_url("api.example.com")
    with sync_client.connect(url, ssl=server_ca.client_context()) as ws:
        ws.send("hello")
        assert ws.recv() == "hello"

    (tunnel,) = proxy.wait_for_records()
    assert tunnel.request_line == f"CONNECT api.example.com:{wss_server.port} HTTP/1.1"
    assert (tunnel.auth_method, tunnel.username, tunnel.password) == ("basic", "alice", "s3cret")
    assert tunnel.inner_tls.sni == "api.example.com"
    (session,) = wss_server.wait_for_records()
    assert session.tls.sni == "api.example.com"
    assert session.messages == ("hello",)
    assert session.header("Proxy-Authorization") is None  # the credentials stayed at the proxy


def test_socks5h_lets_the_proxy_resolve(socks_proxy, ws_server, virtual_dns):
    """socks5h:// sends the host name to the proxy instead of resolving it."""
    virtual_dns.add("chat.example.com")
    proxy = socks_proxy(5, auth=("bob", "hunter2"))
    url = ws_server.ws_url("chat.example.com")
    with sync_client.connect(url, proxy=proxy.proxy_url("socks5h")) as ws:
        ws.send("hello")
        assert ws.recv() == "hello"

    (tunnel,) = proxy.wait_for_records()
    assert (tunnel.protocol, tunnel.address_type) == ("socks5", "domain")
    assert (tunnel.target_host, tunnel.target_port) == ("chat.example.com", ws_server.port)
    assert (tunnel.username, tunnel.password) == ("bob", "hunter2")
    (session,) = ws_server.wait_for_records()
    assert session.header("Host") == f"chat.example.com:{ws_server.port}"
    assert session.messages == ("hello",)


def test_no_proxy_goes_direct(http_proxy, wss_server, server_ca, virtual_dns, proxy_env):
    """A host listed in no_proxy is reached directly: the proxy sees no connection at all."""
    virtual_dns.add("intranet.example.com")
    proxy = http_proxy()
    proxy_env.set("https_proxy", proxy.url)
    proxy_env.set("no_proxy", "intranet.example.com")
    url = wss_server.ws_url("intranet.example.com")
    with sync_client.connect(url, ssl=server_ca.client_context()) as ws:
        ws.send("hello")
        assert ws.recv() == "hello"

    (session,) = wss_server.wait_for_records()
    assert session.tls.sni == "intranet.example.com"
    assert session.messages == ("hello",)
    assert proxy.records == ()
    assert proxy.in_progress == ()


def test_tls_in_tls(http_proxy, wss_server, proxy_ca, server_ca, virtual_dns, proxy_env):
    """An https:// proxy: TLS to the proxy, then TLS to the server inside the tunnel."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)  # its certificate comes from proxy_ca
    proxy_env.set("https_proxy", proxy.proxy_url(host="localhost"))
    with sync_client.connect(
        wss_server.ws_url("api.example.com"),
        ssl=server_ca.client_context(),
        proxy_ssl=proxy_ca.client_context(),
        close_timeout=1,
    ) as ws:
        ws.send("hello")
        assert ws.recv() == "hello"

    (tunnel,) = proxy.wait_for_records()
    assert tunnel.proxy_tls.sni == "localhost"
    assert tunnel.inner_tls.sni == "api.example.com"
    (session,) = wss_server.wait_for_records()
    assert session.tls.sni == "api.example.com"


@pytest.mark.asyncio
async def test_async_wss_through_connect_with_basic(http_proxy, wss_server, server_ca, virtual_dns):
    """The asyncio client, an explicit proxy=, and the records awaited, never blocked on."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    async with connect(
        wss_server.ws_url("api.example.com"),
        proxy=proxy.proxy_url(),
        ssl=server_ca.client_context(),
    ) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        (open_tunnel,) = await proxy.wait_for_open_async()  # seen while still open
        assert open_tunnel["username"] == "alice"

    (tunnel,) = await proxy.wait_for_records_async()
    assert tunnel.request_line == f"CONNECT api.example.com:{wss_server.port} HTTP/1.1"
    (session,) = await wss_server.wait_for_records_async()
    assert session.messages == ("hello",)


@pytest.mark.asyncio
async def test_async_socks5h(socks_proxy, ws_server, virtual_dns, proxy_env):
    """The asyncio client reads ws_proxy=socks5h://... and sends the name."""
    virtual_dns.add("chat.example.com")
    proxy = socks_proxy(5)
    proxy_env.set("ws_proxy", proxy.proxy_url("socks5h"))
    async with connect(ws_server.ws_url("chat.example.com")) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.address_type, tunnel.target_host) == ("domain", "chat.example.com")
    (session,) = await ws_server.wait_for_records_async()
    assert session.messages == ("hello",)


@pytest.mark.asyncio
async def test_async_no_proxy(socks_proxy, ws_server, virtual_dns, proxy_env):
    """NO_PROXY (upper case) with a leading dot covers subdomains."""
    virtual_dns.add("build.intranet.example")
    proxy = socks_proxy(5)
    proxy_env.set("all_proxy", proxy.proxy_url("socks5h"))
    proxy_env.set("NO_PROXY", ".intranet.example")
    async with connect(ws_server.ws_url("build.intranet.example")) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"

    (session,) = await ws_server.wait_for_records_async()
    assert session.header("Host") == f"build.intranet.example:{ws_server.port}"
    assert proxy.records == ()
    assert proxy.in_progress == ()


@pytest.mark.asyncio
async def test_async_tls_in_tls(http_proxy, wss_server, proxy_ca, server_ca, virtual_dns):
    """The asyncio client through an https:// proxy."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)
    async with connect(
        wss_server.ws_url("api.example.com"),
        proxy=proxy.proxy_url(host="localhost"),
        proxy_ssl=proxy_ca.client_context(),
        ssl=server_ca.client_context(),
    ) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.proxy_tls.sni, tunnel.inner_tls.sni) == ("localhost", "api.example.com")
