"""aiohttp's HTTP client through the fake proxies to the fake HTTP(S) origins.

aiohttp takes one trust store for both hops (``ssl=``), so TLS-in-TLS uses
``ca_bundle_file``. Closing the session closes its pooled connections: after the
``async with`` block the proxy's records are complete, and the test awaits them.
"""

from __future__ import annotations

import ssl

import aiohttp
import pytest


@pytest.mark.asyncio
async def test_https_through_connect_with_basic(http_proxy, https_server, server_ca, virtual_dns):
    """proxy= with credentials in the URL: a CONNECT with Basic, the GET inside the tunnel."""
    virtual_dns.add("api.example.com")
    https_server.route("/orders", body=b"[]")
    proxy = http_proxy(auth=("alice", "s3cret"))
    url = https_server.url_for("/orders", host="api.example.com")
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, proxy=proxy.proxy_url(), ssl=server_ca.client_context()) as response,
    ):
        assert (response.status, await response.read()) == (200, b"[]")

    (tunnel,) = await proxy.wait_for_records_async()
    assert tunnel.request_line == f"CONNECT api.example.com:{https_server.port} HTTP/1.1"
    assert (tunnel.auth_method, tunnel.username, tunnel.password) == ("basic", "alice", "s3cret")
    assert tunnel.inner_tls.sni == "api.example.com"
    (request,) = await https_server.wait_for_records_async()
    assert (request.method, request.target) == ("GET", "/orders")
    assert request.header("Proxy-Authorization") is None


@pytest.mark.asyncio
async def test_no_proxy_goes_direct(http_proxy, https_server, server_ca, virtual_dns, proxy_env):
    """trust_env=True reads https_proxy and no_proxy: the listed host is reached directly."""
    virtual_dns.add("intranet.example.com")
    proxy = http_proxy()
    proxy_env.set("https_proxy", proxy.url)
    proxy_env.set("no_proxy", "intranet.example.com")
    url = https_server.url_for("/", host="intranet.example.com")
    async with (
        aiohttp.ClientSession(trust_env=True) as session,
        session.get(url, ssl=server_ca.client_context()) as response,
    ):
        assert response.status == 200

    (request,) = await https_server.wait_for_records_async()
    assert request.tls.sni == "intranet.example.com"
    assert proxy.records == ()
    assert proxy.in_progress == ()


@pytest.mark.asyncio
async def test_tls_in_tls(http_proxy, https_server, virtual_dns, ca_bundle_file):
    """An https:// proxy; one context trusting both CAs serves both TLS layers."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)
    trust = ssl.create_default_context(cafile=ca_bundle_file)
    url = https_server.url_for("/", host="api.example.com")
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, proxy=proxy.proxy_url(host="localhost"), ssl=trust) as response,
    ):
        assert response.status == 200

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.proxy_tls.sni, tunnel.inner_tls.sni) == ("localhost", "api.example.com")
    (request,) = await https_server.wait_for_records_async()
    assert request.tls.sni == "api.example.com"


@pytest.mark.asyncio
async def test_plain_http_through_a_forwarding_proxy(http_proxy, http_server, virtual_dns):
    """An http:// URL goes to the proxy in absolute form; the proxy forwards it."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(forward=True, auth=("alice", "s3cret"))
    url = http_server.url_for("/search?q=x", host="api.example.com")
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, proxy=proxy.proxy_url()) as response,
    ):
        assert response.status == 200

    (connection,) = await proxy.wait_for_records_async()
    (forwarded,) = connection.requests
    assert (forwarded.target, forwarded.auth_step) == (url, "accepted")
    (request,) = await http_server.wait_for_records_async()
    assert (request.target, request.header("Proxy-Authorization")) == ("/search?q=x", None)
