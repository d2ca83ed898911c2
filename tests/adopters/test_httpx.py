"""httpx (sync and async clients) through the fake proxies to the fake HTTP(S) origins.

httpx takes an ``ssl.SSLContext`` for ``verify=``; an ``https://`` proxy gets its own
with ``httpx.Proxy(url, ssl_context=...)``. Leaving the client's ``with`` block closes
its pooled connections, so the proxy's records are there to wait for afterwards; the
async tests await them (``@pytest.mark.anyio``, the plugin httpx's own anyio brings).
"""

from __future__ import annotations

import httpx
import pytest


def test_https_through_connect_with_basic(http_proxy, https_server, server_ca, virtual_dns):
    """proxy= with credentials in the URL: a CONNECT with Basic, the GET inside the tunnel."""
    virtual_dns.add("api.example.com")
    https_server.route(
        "/orders", body=b'{"orders": []}', headers={"Content-Type": "application/json"}
    )
    proxy = http_proxy(auth=("alice", "s3cret"))
    with httpx.Client(proxy=proxy.proxy_url(), verify=server_ca.client_context()) as client:
        response = client.get(https_server.url_for("/orders", host="api.example.com"))
        assert response.json() == {"orders": []}

    (tunnel,) = proxy.wait_for_records()
    assert tunnel.request_line == f"CONNECT api.example.com:{https_server.port} HTTP/1.1"
    assert (tunnel.auth_method, tunnel.username, tunnel.password) == ("basic", "alice", "s3cret")
    assert tunnel.inner_tls.sni == "api.example.com"
    (request,) = https_server.wait_for_records()
    assert (request.method, request.target, request.status) == ("GET", "/orders", 200)
    assert request.header("Proxy-Authorization") is None


def test_socks5h_lets_the_proxy_resolve(socks_proxy, https_server, server_ca, virtual_dns):
    """proxy="socks5h://..." (httpx[socks]) sends the host name to the proxy."""
    virtual_dns.add("api.example.com")
    proxy = socks_proxy(5, auth=("bob", "hunter2"))
    url = https_server.url_for("/", host="api.example.com")
    with httpx.Client(proxy=proxy.proxy_url("socks5h"), verify=server_ca.client_context()) as c:
        assert c.get(url).status_code == 200

    (tunnel,) = proxy.wait_for_records()
    assert (tunnel.address_type, tunnel.target_host) == ("domain", "api.example.com")
    assert (tunnel.username, tunnel.password) == ("bob", "hunter2")
    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "api.example.com"


def test_no_proxy_goes_direct(http_proxy, https_server, server_ca, virtual_dns, proxy_env):
    """HTTPS_PROXY and NO_PROXY from the environment: the listed host is reached directly."""
    virtual_dns.add("intranet.example.com")
    proxy = http_proxy()
    proxy_env.set("HTTPS_PROXY", proxy.url)
    proxy_env.set("NO_PROXY", "intranet.example.com")
    url = https_server.url_for("/", host="intranet.example.com")
    with httpx.Client(verify=server_ca.client_context()) as client:
        assert client.get(url).status_code == 200

    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "intranet.example.com"
    assert proxy.records == ()
    assert proxy.in_progress == ()


@pytest.mark.anyio
async def test_async_https_through_connect(
    http_proxy, https_server, server_ca, virtual_dns, proxy_env
):
    """AsyncClient reads https_proxy; the test awaits the records instead of blocking."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    proxy_env.set("https_proxy", proxy.proxy_url())
    url = https_server.url_for("/", host="api.example.com")
    async with httpx.AsyncClient(verify=server_ca.client_context()) as client:
        assert (await client.get(url)).status_code == 200
        (open_tunnel,) = await proxy.wait_for_open_async()  # the pooled tunnel, still open
        assert open_tunnel["target_host"] == "api.example.com"

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.username, tunnel.inner_tls.sni) == ("alice", "api.example.com")
    (request,) = await https_server.wait_for_records_async()
    assert request.status == 200


@pytest.mark.anyio
async def test_async_tls_in_tls(http_proxy, https_server, proxy_ca, server_ca, virtual_dns):
    """An https:// proxy with a trust of its own: TLS to the proxy, TLS to the origin inside."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)
    via = httpx.Proxy(proxy.proxy_url(host="localhost"), ssl_context=proxy_ca.client_context())
    url = https_server.url_for("/", host="api.example.com")
    async with httpx.AsyncClient(proxy=via, verify=server_ca.client_context()) as client:
        assert (await client.get(url)).status_code == 200

    (tunnel,) = await proxy.wait_for_records_async()
    assert (tunnel.proxy_tls.sni, tunnel.inner_tls.sni) == ("localhost", "api.example.com")
    (request,) = await https_server.wait_for_records_async()
    assert request.tls.sni == "api.example.com"


def test_plain_http_through_a_forwarding_proxy(http_proxy, http_server, virtual_dns):
    """An http:// URL goes to the proxy in absolute form; the proxy forwards it."""
    virtual_dns.add("api.example.com")
    http_server.route("/health", body=b"ok")
    proxy = http_proxy(forward=True, auth=("alice", "s3cret"))
    url = http_server.url_for("/health", host="api.example.com")
    with httpx.Client(proxy=proxy.proxy_url()) as client:
        assert client.get(url).text == "ok"

    (connection,) = proxy.wait_for_records()
    (forwarded,) = connection.requests
    assert (forwarded.method, forwarded.target, forwarded.status) == ("GET", url, 200)
    assert (forwarded.auth_method, forwarded.username) == ("basic", "alice")
    (request,) = http_server.wait_for_records()
    assert (request.target, request.header("Proxy-Authorization")) == ("/health", None)
