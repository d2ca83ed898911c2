"""Tests for proxyharness.harness.staging.stager."""

from __future__ import annotations

import os
import socket
import ssl
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from proxyharness.fixtures import HttpProxy, SocksProxy
from proxyharness.harness.staging import (
    ClosedPort,
    Stager,
    StagingError,
    Unavailable,
    runner_capabilities,
)
from proxyharness.scenarios.model import ANY, Expect, Given, OsProfile, ProxySpec, Scenario, Target


@pytest.fixture(scope="module")
def stager() -> Iterator[Stager]:
    with Stager() as stager:
        yield stager


SCENARIO = Scenario(
    id="SEL-04.test",
    rule="SEL-04",
    description="test",
    given=Given(env={"ws_proxy": "{A.url}", "NO_PROXY": "other.example:{server.port}"}),
    target=Target("ws", "www.example.com", "/path"),
    expect=Expect(route="proxy", proxy="A", target_host="{server.host}", credentials=("u", "p@ss")),
    proxies={
        "A": ProxySpec("http", auth=("u", "p@ss")),
        "B": ProxySpec("socks5", url_scheme="socks5h"),
    },
    names=("other.example",),
)


def test_stage(stager: Stager, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment, DNS, servers and templates are set up, then everything is undone."""
    monkeypatch.setenv("HTTPS_PROXY", "http://outside:1")
    with stager.stage(SCENARIO, "msg") as staged:
        proxy, socks = staged.proxies["A"], staged.proxies["B"]
        assert isinstance(proxy, HttpProxy)
        assert isinstance(socks, SocksProxy)
        assert staged.call.uri == f"ws://www.example.com:{staged.server.port}/path"
        assert staged.call.message == "msg"
        assert staged.call.proxy is True
        assert (staged.call.server_ssl, staged.call.proxy_ssl) == (None, None)
        assert dict(os.environ)["ws_proxy"] == f"http://u:p%40ss@127.0.0.1:{proxy.port}"
        assert os.environ["NO_PROXY"] == f"other.example:{staged.server.port}"
        assert "HTTPS_PROXY" not in os.environ
        assert staged.names["B"].url == f"socks5h://127.0.0.1:{socks.port}"
        assert socket.getaddrinfo("other.example", 80)[0][4][0] == "127.0.0.1"
        assert staged.expect.target_host == "www.example.com"
        assert staged.expect.error is None
        assert staged.expect.address_type is ANY
        assert {"p@ss", "p%40ss"} <= staged.passwords
    assert os.environ["HTTPS_PROXY"] == "http://outside:1"
    assert "ws_proxy" not in os.environ
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("other.example", 80)


def test_servers_are_reused(stager: Stager) -> None:
    """A second scenario gets the same servers, with their records reset."""
    with stager.stage(SCENARIO) as first:
        port = first.proxies["A"].port
        socket.create_connection(("127.0.0.1", port)).close()
        first.settle()
        assert first.proxies["A"].records  # type: ignore[union-attr]
    with stager.stage(SCENARIO) as second:
        assert second.proxies["A"].port == port
        assert second.proxies["A"].records == ()  # type: ignore[union-attr]


def test_lingering_connection_replaces_the_server(stager: Stager) -> None:
    """A connection left open is noted, and the server is not reused."""
    with stager.stage(SCENARIO) as staged:
        port = staged.proxies["A"].port
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            staged.settle(timeout=0.1)
            assert staged.lingering == [f"http://127.0.0.1:{port}"]
        finally:
            sock.close()
    with stager.stage(SCENARIO) as staged:
        assert staged.proxies["A"].port != port


def test_trust_and_closed_proxies(stager: Stager) -> None:
    """wss and https proxies get their CAs; a closed proxy is a port nothing listens on."""
    scenario = Scenario(
        id="HTTP-07.test",
        rule="HTTP-07",
        description="test",
        given=Given(proxy="{P.url}"),
        target=Target("wss"),
        proxies={
            "P": ProxySpec("https", url_host="proxy.example"),
            "C": ProxySpec("http", closed=True),
        },
        names=("proxy.example",),
    )
    with stager.stage(scenario) as staged:
        resources = stager.resources
        assert staged.call.server_ssl is resources.server_ssl
        assert staged.call.proxy_ssl is resources.proxy_ssl
        assert staged.call.server_ca == resources.server_ca_file
        assert staged.call.proxy == f"https://proxy.example:{staged.proxies['P'].port}"
        closed = staged.proxies["C"]
        assert isinstance(closed, ClosedPort)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", closed.port), timeout=2).close()


def test_default_trust(stager: Stager) -> None:
    """The client gets no trust; SSL_CERT_FILE holds both CAs until the end."""
    scenario = Scenario(
        id="HTTP-06.test",
        rule="HTTP-06",
        description="test",
        given=Given(default_trust=True),
        target=Target("wss"),
        proxies={"P": ProxySpec("https")},
    )
    before = os.environ.get("SSL_CERT_FILE")
    with stager.stage(scenario) as staged:
        assert (staged.call.server_ssl, staged.call.proxy_ssl) == (None, None)
        assert os.environ["SSL_CERT_FILE"] == str(stager.resources.bundle_file)
    assert os.environ.get("SSL_CERT_FILE") == before


def test_os_profile(stager: Stager) -> None:
    """The OS profile is active while staged, its templates expanded."""
    scenario = Scenario(
        id="OS-03.test",
        rule="OS-03",
        description="test",
        given=Given(os=OsProfile("macos", {"https": {"host": "{A.host}", "port": "{A.port}"}})),
        proxies={"A": ProxySpec("http")},
    )
    with stager.stage(scenario) as staged:
        assert urllib.request.getproxies() == {
            "https": f"http://127.0.0.1:{staged.proxies['A'].port}"
        }
    assert urllib.request.getproxies() == urllib.request.getproxies_environment()


def test_hide_python_socks(stager: Stager) -> None:
    """python-socks cannot be imported while staged, and is back afterwards."""
    scenario = Scenario(
        id="SOCKS-01.t", rule="SOCKS-01", description="t", given=Given(hide_python_socks=True)
    )
    import python_socks.async_.asyncio

    with stager.stage(scenario):
        with pytest.raises(ImportError):
            import python_socks
        with pytest.raises(ImportError):
            from python_socks.async_.asyncio import Proxy  # noqa: F401
    assert sys.modules["python_socks.async_.asyncio"] is python_socks.async_.asyncio


def test_ipv6_target(stager: Stager) -> None:
    """An IPv6 target is served on ::1, and names map to ::1."""
    scenario = Scenario(
        id="SEL-01.v6",
        rule="SEL-01",
        description="t",
        target=Target(host="::1"),
        names=("n.example",),
    )
    with stager.stage(scenario) as staged:
        assert staged.call.uri == f"ws://[::1]:{staged.server.port}/"
        assert staged.server.host == "::1"
        assert stager.dns.resolve("n.example") == ("::1",)


def test_bad_proxy_name(stager: Stager) -> None:
    """Proxy names are template names: "server" is taken."""
    scenario = Scenario(
        id="X-1.t", rule="X-1", description="t", proxies={"server": ProxySpec("http")}
    )
    with pytest.raises(StagingError, match="cannot be used in templates"), stager.stage(scenario):
        pass


def test_bind_port(stager: Stager) -> None:
    """bind-port-N is granted only when the port is free; a race makes the case N/A."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        scenario = Scenario(
            id="URL-04.t",
            rule="URL-04",
            description="t",
            proxies={"P": ProxySpec("http")},
            requires=frozenset({f"bind-port-{port}"}),
        )
        assert runner_capabilities(scenario) == frozenset()
        with (
            pytest.raises(Unavailable, match=f"cannot listen on port {port}"),
            stager.stage(scenario),
        ):
            pass
    with stager.stage(scenario) as staged:
        assert staged.proxies["P"].port == port
        assert runner_capabilities(scenario) == frozenset()  # in use by the scenario itself


def _handshake(port: int, context: ssl.SSLContext, name: str) -> None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=name),
    ):
        pass


def test_bad_certificates(stager: Stager) -> None:
    """Each hop presents the certificate its scenario names; other-hop-ca swaps the CAs."""
    scenario = Scenario(
        id="HTTP-07.test",
        rule="HTTP-07",
        description="test",
        given=Given(proxy="{P.url}"),
        target=Target("wss", certificate="other-hop-ca"),
        proxies={"P": ProxySpec("https", url_host="proxy.example", certificate="expired")},
        names=("proxy.example",),
    )
    with stager.stage(scenario) as staged:
        resources = stager.resources
        server_port, proxy_port = staged.server.port, staged.proxies["P"].port
        _handshake(server_port, resources.proxy_ca.client_context(), "www.example.com")
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(server_port, resources.server_ssl, "www.example.com")
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            _handshake(proxy_port, resources.proxy_ssl, "proxy.example")
    plain = Scenario(id="HTTP-07.test", rule="HTTP-07", description="test", target=Target("wss"))
    with stager.stage(plain) as staged:
        assert staged.server.port != server_port  # a server of its own per certificate
        _handshake(staged.server.port, stager.resources.server_ssl, "www.example.com")
