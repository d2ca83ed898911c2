"""requests through the fake proxies to the fake HTTP(S) origins, tested as its users would.

Three things about requests that these tests follow:

- ``verify=`` takes a CA file as a ``str`` (through a proxy a ``Path`` is ignored); for an
  ``https://`` proxy the same file must trust the proxy too: ``ca_bundle_file``.
- Give ``verify=`` with each request: with ``REQUESTS_CA_BUNDLE`` set in the
  environment, requests prefers it to ``Session.verify``.
- A session keeps its connection to the proxy open (keep-alive), and the socket may
  stay open after the session closes, until the response is garbage collected (urllib3
  2.8 does so). So the tunnel is checked while it is open, with ``proxy.wait_for_open()``;
  the origin's records come one per request, as soon as it is answered.
"""

from __future__ import annotations

import pytest
import requests


def test_https_through_connect_with_basic(
    http_proxy, https_server, server_ca_file, virtual_dns, proxy_env
):
    """https_proxy with credentials: a CONNECT with Basic, the GET inside the tunnel."""
    virtual_dns.add("api.example.com")
    https_server.route("/orders", body=b'{"orders": []}')
    proxy = http_proxy(auth=("alice", "s3cret"))
    proxy_env.set("https_proxy", proxy.proxy_url())  # http://alice:s3cret@127.0.0.1:PORT
    url = https_server.url_for("/orders", host="api.example.com")
    with requests.Session() as session:
        response = session.get(url, verify=str(server_ca_file), timeout=10)
        assert (response.status_code, response.content) == (200, b'{"orders": []}')

        (tunnel,) = proxy.wait_for_open()
        assert tunnel["request_line"].startswith(f"CONNECT api.example.com:{https_server.port} ")
        assert (tunnel["username"], tunnel["password"]) == ("alice", "s3cret")
    (request,) = https_server.wait_for_records()
    assert (request.method, request.target, request.status) == ("GET", "/orders", 200)
    assert request.tls.sni == "api.example.com"
    assert request.header("Proxy-Authorization") is None  # the credentials stayed at the proxy


def test_one_tunnel_carries_both_requests(http_proxy, https_server, server_ca_file, virtual_dns):
    """Two requests in one session: one tunnel, open between them; two requests on it."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy()
    url = https_server.url_for("/", host="api.example.com")
    with requests.Session() as session:
        session.proxies = {"https": proxy.url}
        assert session.get(url, verify=str(server_ca_file), timeout=10).ok
        assert session.get(url, verify=str(server_ca_file), timeout=10).ok

        (tunnel,) = proxy.wait_for_open()
        assert tunnel["target_host"] == "api.example.com"
    first, second = https_server.wait_for_records(2)
    assert (first.connection, second.connection) == (1, 1)
    assert (first.request_number, second.request_number) == (1, 2)


def test_socks5h_lets_the_proxy_resolve(socks_proxy, https_server, server_ca_file, virtual_dns):
    """proxies={"https": "socks5h://..."} (requests[socks]) sends the name to the proxy."""
    virtual_dns.add("api.example.com")
    proxy = socks_proxy(5, auth=("bob", "hunter2"))
    with requests.Session() as session:
        session.proxies = {"https": proxy.proxy_url("socks5h")}
        url = https_server.url_for("/", host="api.example.com")
        assert session.get(url, verify=str(server_ca_file), timeout=10).status_code == 200

        (tunnel,) = proxy.wait_for_open()
        assert (tunnel["address_type"], tunnel["target_host"]) == ("domain", "api.example.com")
        assert (tunnel["username"], tunnel["password"]) == ("bob", "hunter2")
    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "api.example.com"


def test_no_proxy_goes_direct(http_proxy, https_server, server_ca_file, virtual_dns, proxy_env):
    """A host in no_proxy is reached directly: the proxy sees no connection at all."""
    virtual_dns.add("intranet.example.com")
    proxy = http_proxy()
    proxy_env.set("https_proxy", proxy.url)
    proxy_env.set("no_proxy", "localhost,intranet.example.com")
    url = https_server.url_for("/", host="intranet.example.com")
    response = requests.get(url, verify=str(server_ca_file), timeout=10)

    assert response.status_code == 200
    (request,) = https_server.wait_for_records()
    assert request.header("Host") == f"intranet.example.com:{https_server.port}"
    assert proxy.records == ()
    assert proxy.in_progress == ()


def test_tls_in_tls(http_proxy, https_server, ca_bundle_file, virtual_dns, proxy_env):
    """An https:// proxy: TLS to the proxy, TLS to the origin inside; one bundle trusts both."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(tls=True)  # its certificate comes from proxy_ca
    proxy_env.set("https_proxy", proxy.proxy_url(host="localhost"))
    with requests.Session() as session:
        url = https_server.url_for("/", host="api.example.com")
        assert session.get(url, verify=str(ca_bundle_file), timeout=10).status_code == 200

        (tunnel,) = proxy.wait_for_open()
        assert tunnel["proxy_tls"].sni == "localhost"
        assert tunnel["target_host"] == "api.example.com"
    (request,) = https_server.wait_for_records()
    assert request.tls.sni == "api.example.com"


def test_plain_http_through_a_forwarding_proxy(http_proxy, http_server, virtual_dns, proxy_env):
    """http_proxy with credentials: the POST goes to the proxy in absolute form, Basic
    preemptively, and the proxy forwards it without Proxy-Authorization."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(forward=True, auth=("alice", "s3cret"))
    proxy_env.set("http_proxy", proxy.proxy_url())
    url = http_server.url_for("/orders?page=2", host="api.example.com")
    with requests.Session() as session:
        response = session.post(url, json={"item": 7}, timeout=10)
        assert response.status_code == 200

        (connection,) = proxy.wait_for_open()
        (forwarded,) = connection["requests"]
        assert (forwarded.method, forwarded.target) == ("POST", url)
        assert (forwarded.auth_step, forwarded.username) == ("accepted", "alice")
        assert "Proxy-Authorization" not in dict(forwarded.forwarded_headers)
    (request,) = http_server.wait_for_records()
    assert (request.method, request.target, request.body) == (
        "POST",
        "/orders?page=2",
        b'{"item": 7}',
    )
    assert request.header("Host") == f"api.example.com:{http_server.port}"
    assert request.header("Proxy-Authorization") is None


def test_missing_credentials_end_at_the_proxy(
    http_proxy, https_server, server_ca_file, virtual_dns
):
    """No credentials for a proxy that wants them: 407, requests raises, the origin sees nothing."""
    virtual_dns.add("api.example.com")
    proxy = http_proxy(auth=("alice", "s3cret"))
    url = https_server.url_for("/", host="api.example.com")
    with pytest.raises(requests.exceptions.ProxyError, match="407"):
        requests.get(url, proxies={"https": proxy.url}, verify=str(server_ca_file), timeout=10)

    (refusal,) = proxy.wait_for_records()
    (connect,) = refusal.requests
    assert (connect.method, connect.auth_step, connect.status) == ("CONNECT", "challenged", 407)
    assert https_server.records == ()
