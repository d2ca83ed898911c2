"""The standard library's urllib.request through the fake proxy, tested as its users would.

urllib reads ``https_proxy`` and ``no_proxy`` from the environment and sends the
proxy URL's credentials with its CONNECT. It has no SOCKS and no ``https://`` proxy
(it speaks plain HTTP to every proxy), so those cases are not here. It asks the
origin to close after each answer, and closes its socket when the response is closed:
after the ``with`` block the proxy's record of the tunnel is complete.
"""

from __future__ import annotations

import urllib.request

import pytest


def test_https_through_connect_with_basic(
    http_proxy, https_server, server_ca, virtual_dns, proxy_env
):
    """https_proxy with credentials: a CONNECT with Basic, the GET inside the tunnel."""
    virtual_dns.add("api.example.com")
    https_server.route("/status", body=b"up")
    proxy = http_proxy(auth=("alice", "s3cret"))
    proxy_env.set("https_proxy", proxy.proxy_url())
    url = https_server.url_for("/status", host="api.example.com")
    with urllib.request.urlopen(url, context=server_ca.client_context(), timeout=10) as response:
        assert (response.status, response.read()) == (200, b"up")

    (tunnel,) = proxy.wait_for_records()
    assert tunnel.request_line.startswith(f"CONNECT api.example.com:{https_server.port} ")
    assert (tunnel.auth_method, tunnel.username, tunnel.password) == ("basic", "alice", "s3cret")
    assert tunnel.inner_tls.sni == "api.example.com"
    (request,) = https_server.wait_for_records()
    assert (request.method, request.target, request.status) == ("GET", "/status", 200)
    assert request.header("Proxy-Authorization") is None


def test_no_proxy_goes_direct(http_proxy, https_server, server_ca, virtual_dns, proxy_env):
    """A domain suffix in no_proxy covers the host: it is reached directly."""
    virtual_dns.add("build.intranet.example")
    proxy = http_proxy()
    proxy_env.set("https_proxy", proxy.url)
    proxy_env.set("no_proxy", "intranet.example")
    url = https_server.url_for("/", host="build.intranet.example")
    with urllib.request.urlopen(url, context=server_ca.client_context(), timeout=10) as response:
        assert response.status == 200

    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "build.intranet.example"
    assert proxy.records == ()
    assert proxy.in_progress == ()


def test_a_refused_tunnel_is_an_error(http_proxy, https_server, server_ca, virtual_dns, proxy_env):
    """Wrong credentials: the proxy answers 407, urllib raises, the origin sees nothing."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    proxy_env.set("https_proxy", f"http://alice:wrong@{proxy.netloc}")
    url = https_server.url_for("/", host="api.example.com")
    with pytest.raises(OSError, match="407"):  # urllib.error.URLError
        urllib.request.urlopen(url, context=server_ca.client_context(), timeout=10)

    (refusal,) = proxy.wait_for_records()
    assert refusal.reply.startswith("HTTP/1.1 407")
    assert refusal.password == "wrong"
    assert https_server.records == ()


def test_challenge_then_basic_through_a_forwarding_proxy(http_proxy, http_server, virtual_dns):
    """ProxyBasicAuthHandler: no credentials first, a 407 challenge, then Basic on the retry."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(forward=True, auth=("alice", "s3cret"))
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, proxy.url, "alice", "s3cret")
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy.url}),
        urllib.request.ProxyBasicAuthHandler(passwords),
    )
    url = http_server.url_for("/", host="api.example.com")
    with opener.open(url, timeout=10) as response:
        assert response.status == 200

    steps = [request for record in proxy.wait_for_records(2) for request in record.requests]
    assert [(r.auth_step, r.status) for r in steps] == [("challenged", 407), ("accepted", 200)]
    assert steps[1].username == "alice"
    (request,) = http_server.wait_for_records()  # only the accepted attempt arrived
    assert request.header("Proxy-Authorization") is None
