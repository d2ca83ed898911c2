"""urllib3 through the fake proxies to the fake HTTP(S) origins, tested as its users would.

urllib3 reads no environment: a ``ProxyManager`` (or ``SOCKSProxyManager``) names the
proxy, ``make_headers(proxy_basic_auth=...)`` its credentials, ``ssl_context=`` the
origin's trust and ``proxy_ssl_context=`` an ``https://`` proxy's. A pooled connection
stays open while a response still refers to its pool (``clear()`` leaves it so), so
the tests check the tunnel while it is open, with ``proxy.wait_for_open()``; the
origin's records come one per request, as soon as it is answered.
"""

from __future__ import annotations

import urllib3
from urllib3.contrib.socks import SOCKSProxyManager


def test_https_through_connect_with_basic(http_proxy, https_server, server_ca, virtual_dns):
    """ProxyManager with proxy_basic_auth: a CONNECT with Basic, the GET inside the tunnel."""
    virtual_dns.add("api.example.com")
    https_server.route("/orders", body=b"none yet")
    proxy = http_proxy(auth=("alice", "s3cret"))
    manager = urllib3.ProxyManager(
        proxy.url,
        proxy_headers=urllib3.make_headers(proxy_basic_auth="alice:s3cret"),
        ssl_context=server_ca.client_context(),
    )
    response = manager.request("GET", https_server.url_for("/orders", host="api.example.com"))
    assert (response.status, response.data) == (200, b"none yet")

    (tunnel,) = proxy.wait_for_open()
    assert tunnel["request_line"].startswith(f"CONNECT api.example.com:{https_server.port} ")
    assert (tunnel["username"], tunnel["password"]) == ("alice", "s3cret")
    (request,) = https_server.wait_for_records()
    assert (request.method, request.target) == ("GET", "/orders")
    assert request.tls.sni == "api.example.com"
    assert request.header("Proxy-Authorization") is None


def test_socks5h_lets_the_proxy_resolve(socks_proxy, https_server, server_ca, virtual_dns):
    """SOCKSProxyManager("socks5h://...") sends the host name to the proxy."""
    virtual_dns.add("api.example.com")
    proxy = socks_proxy(5, auth=("bob", "hunter2"))
    manager = SOCKSProxyManager(proxy.proxy_url("socks5h"), ssl_context=server_ca.client_context())
    response = manager.request("GET", https_server.url_for("/", host="api.example.com"))
    assert response.status == 200

    (tunnel,) = proxy.wait_for_open()
    assert (tunnel["address_type"], tunnel["target_host"]) == ("domain", "api.example.com")
    assert (tunnel["username"], tunnel["password"]) == ("bob", "hunter2")
    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "api.example.com"


def test_tls_in_tls(http_proxy, https_server, proxy_ca, server_ca, virtual_dns):
    """An https:// proxy: proxy_ssl_context for the proxy, ssl_context for the origin."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)
    manager = urllib3.ProxyManager(
        proxy.proxy_url(host="localhost"),
        proxy_ssl_context=proxy_ca.client_context(),
        ssl_context=server_ca.client_context(),
    )
    response = manager.request("GET", https_server.url_for("/", host="api.example.com"))
    assert response.status == 200

    (tunnel,) = proxy.wait_for_open()
    assert (tunnel["proxy_tls"].sni, tunnel["target_host"]) == ("localhost", "api.example.com")
    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "api.example.com"


def test_plain_http_through_a_forwarding_proxy(http_proxy, http_server, virtual_dns):
    """ProxyManager sends an http:// URL to the proxy in absolute form, to be forwarded."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(forward=True)
    manager = urllib3.ProxyManager(proxy.url)
    url = http_server.url_for("/items", host="api.example.com")
    response = manager.request("PUT", url, body=b"a=1", headers={"Content-Type": "text/plain"})
    assert response.status == 200

    (connection,) = proxy.wait_for_open()
    (forwarded,) = connection["requests"]
    assert (forwarded.method, forwarded.target, forwarded.body_length) == ("PUT", url, 3)
    (request,) = http_server.wait_for_records()
    assert (request.method, request.target, request.body) == ("PUT", "/items", b"a=1")
