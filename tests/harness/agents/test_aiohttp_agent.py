"""Tests for proxyharness.harness.agents.aiohttp_agent."""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.config.environment import ProxyEnvironment
from proxyharness.fixtures.servers.http_proxy import HttpProxy
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.harness.agents import HOP_LOST, HOP_TLS, Call, NotSupported
from proxyharness.harness.agents.aiohttp_agent import (
    AiohttpAgent,
    ConnectionClosedEarly,
    aiohttp_error_kind,
)
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios

TARGET = ("www.example.com", 8765)


def key(port: int, host: str = "127.0.0.1") -> ConnectionKey:
    return ConnectionKey(host, port, False, True, None, None, None)


def proxies_from_env_error() -> ValueError:
    """The ValueError yarl raises inside aiohttp's proxies_from_env for a host-less URL."""
    with ProxyEnvironment({"https_proxy": "http://:3128"}):
        try:
            aiohttp.helpers.proxies_from_env()
        except ValueError as exc:
            return exc
    raise AssertionError("proxies_from_env accepted a URL without host")


def info(url: str) -> aiohttp.RequestInfo:
    return aiohttp.RequestInfo(URL(url), "GET", CIMultiDictProxy(CIMultiDict()), URL(url))


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ConnectionClosedEarly("CLOSE 1000"), "closed"),
        (aiohttp.InvalidUrlClientError("ws://"), "invalid-uri"),
        (aiohttp.InvalidURL("http://[x"), "invalid-proxy"),
        (aiohttp.ClientHttpProxyError(info("http://p"), (), status=407), "proxy-rejected"),
        (aiohttp.WSServerHandshakeError(info("ws://s"), (), status=403), "handshake-rejected"),
        (aiohttp.ClientProxyConnectionError(key(3128), OSError(111, "refused")), "proxy-refused"),
        (
            aiohttp.ClientConnectorCertificateError(
                key(8765), ssl.SSLCertVerificationError("verify failed")
            ),
            "server-tls",
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                key(3128), ssl.SSLCertVerificationError("verify failed")
            ),
            "proxy-tls",
        ),
        (aiohttp.ClientConnectorError(key(8765), OSError(111, "refused")), "server-failed"),
        (aiohttp.ClientConnectorDNSError(key(3128), OSError(-2, "no name")), "proxy-refused"),
        (aiohttp.ServerTimeoutError("timeout"), "timeout"),
        (TimeoutError(), "timeout"),
        (aiohttp.ServerDisconnectedError(), HOP_LOST),
        (aiohttp.ClientOSError(104, "reset"), HOP_LOST),
        (
            aiohttp.ClientResponseError(info("http://127.0.0.1:3128"), (), status=400),
            "proxy-answer",
        ),
        (aiohttp.ClientResponseError(info("ws://www.example.com:8765/"), (), status=400), HOP_LOST),
        (proxies_from_env_error(), "invalid-proxy"),
        (ValueError("something else"), None),
    ],
)
def test_error_kind(exc: BaseException, kind: str | None) -> None:
    """aiohttp's exceptions map to kinds; the hop comes from the connection key's port."""
    assert aiohttp_error_kind(exc, TARGET) == kind


def test_error_kind_without_target() -> None:
    """Before any exchange, a TLS failure's hop is left to the wire."""
    error = aiohttp.ClientConnectorCertificateError(key(1), ssl.SSLCertVerificationError("x"))
    assert aiohttp_error_kind(error, None) == HOP_TLS


def test_kwargs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The explicit proxy URL goes verbatim (credentials in it: no deprecated proxy_auth)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    agent = AiohttpAgent()
    call = Call(
        uri="ws://h/",
        proxy="http://u:p%40ss@127.0.0.1:1",
        options={"open_timeout": 1, "server_hostname": "s", "additional_headers": {"X": "1"}},
    )
    assert agent.kwargs(call) == {
        "proxy": "http://u:p%40ss@127.0.0.1:1",
        "server_hostname": "s",
        "headers": {"X": "1"},
    }
    with pytest.raises(NotSupported, match="proxy_server_hostname"):
        agent.kwargs(Call(uri="ws://h/", proxy=None, options={"proxy_server_hostname": "x"}))


def test_default_trust_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """With SSL_CERT_FILE set and no trust given, a fresh default context is passed."""
    monkeypatch.setenv("SSL_CERT_FILE", os.devnull)
    kwargs = AiohttpAgent().kwargs(Call(uri="wss://h/", proxy=None))
    assert isinstance(kwargs["ssl"], ssl.SSLContext)
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert "ssl" not in AiohttpAgent().kwargs(Call(uri="wss://h/", proxy=None))


@pytest.fixture
def server() -> Iterator[WsServer]:
    with WsServer() as server:
        yield server


def test_exchange(server: WsServer) -> None:
    """A direct exchange gets the echo."""
    agent = get_agent("aiohttp")
    assert agent.available() is None
    call = Call(uri=server.ws_url(), proxy=None, message="ping", options={"open_timeout": 5})
    assert asyncio.run(agent.exchange(call)) == "ping"


def test_explicit_proxy_credentials() -> None:
    """wss:// through an explicit proxy: CONNECT with the URL's credentials, no warning."""
    ca = CertificateAuthority("aiohttp agent test")
    with (
        WsServer(ca=ca) as server,
        HttpProxy(auth=("user", "p@ss")) as proxy,
    ):
        call = Call(
            uri=server.ws_url("127.0.0.1"),
            proxy=f"http://user:p%40ss@127.0.0.1:{proxy.port}",
            message="ping",
            options={"open_timeout": 5},
            server_ssl=ca.client_context(),
        )
        assert asyncio.run(AiohttpAgent().exchange(call)) == "ping"
        (record,) = proxy.wait_for_records(1)
    assert record.request_line is not None
    assert record.request_line.startswith("CONNECT 127.0.0.1:")
    assert (record.username, record.password) == ("user", "p@ss")


def test_smoke_scenario() -> None:
    """The direct-connection scenario of the catalog passes."""
    scenario = next(s for s in all_scenarios() if s.id == "SEL-06.nothing-configured[ws]")
    with Runner(settle_timeout=0.5) as runner:
        case = runner.run_case(scenario, AiohttpAgent())
    assert case.verdict is Verdict.PASS, case.diff
