"""Tests for proxyharness.harness.agents.websocket_client_agent."""

from __future__ import annotations

import asyncio
import importlib
import ssl
from collections.abc import Iterator

import pytest
import python_socks
import websocket

from proxyharness.fixtures.servers.http_proxy import HttpProxy
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.harness.agents import HOP_LOST, HOP_REFUSED, Call, NotSupported
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.agents.websocket_client_agent import (
    WebsocketClientAgent,
    proxy_arguments,
    websocket_client_error_kind,
)
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.harness.staging import hidden_modules
from proxyharness.scenarios import all_scenarios


def wrapped(cause: BaseException, text: str | None = None) -> BaseException:
    """What _tunnel() raises: WebSocketProxyException(str(e)) inside ``except``."""
    try:
        try:
            raise cause
        except Exception as exc:
            raise websocket.WebSocketProxyException(text or str(exc)) from None
    except websocket.WebSocketProxyException as proxy_error:
        proxy_error.__context__ = cause
        return proxy_error


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (websocket.WebSocketBadStatusException("no", 403), "handshake-rejected"),
        (
            websocket.WebSocketProxyException("failed CONNECT via proxy status: 407"),
            "proxy-rejected",
        ),
        (
            websocket.WebSocketProxyException("Cannot use port 0 when proxy_host specified"),
            "invalid-proxy",
        ),
        (wrapped(websocket.WebSocketTimeoutException("timed out")), "timeout"),
        (wrapped(websocket.WebSocketConnectionClosedException("lost")), "proxy-answer"),
        (wrapped(websocket.WebSocketException("Invalid status line: 'x'")), "proxy-answer"),
        (websocket.WebSocketTimeoutException("timed out"), "timeout"),
        (websocket.WebSocketConnectionClosedException("lost"), HOP_LOST),
        (
            websocket.WebSocketException("Python Socks is needed for SOCKS proxying"),
            "socks-unavailable",
        ),
        (
            python_socks.ProxyError("Only http, socks4, socks5 proxy protocols are supported"),
            "invalid-proxy",
        ),
        (python_socks.ProxyError("reply", error_code=5), "proxy-rejected"),
        (python_socks.ProxyError("Malformed connect reply"), "proxy-answer"),
        (python_socks.ProxyConnectionError(111, "Could not connect to proxy"), "proxy-refused"),
        (python_socks.ProxyTimeoutError("Proxy connection timed out"), "timeout"),
        (ssl.SSLCertVerificationError("certificate verify failed"), "server-tls"),
        (ValueError("scheme ftp is invalid"), "invalid-uri"),
        (ValueError("other"), None),
        (TimeoutError("timed out"), "timeout"),
        (ConnectionRefusedError(111, "refused"), HOP_REFUSED),
        (ConnectionResetError(104, "reset"), HOP_LOST),
        (websocket.WebSocketAddressException("no name"), None),
    ],
)
def test_error_kind(exc: BaseException, kind: str | None) -> None:
    """websocket-client's exceptions map to kinds; its TLS is always the server's."""
    assert websocket_client_error_kind(exc) == kind


@pytest.mark.parametrize(
    ("url", "arguments"),
    [
        (
            "http://127.0.0.1:3128",
            {"http_proxy_host": "127.0.0.1", "http_proxy_port": 3128, "proxy_type": "http"},
        ),
        (
            "socks5h://u:p%40ss@[::1]:1080",
            {
                "http_proxy_host": "::1",
                "http_proxy_port": 1080,
                "proxy_type": "socks5h",
                "http_proxy_auth": ("u", "p@ss"),
            },
        ),
        (
            "socks://alice@proxy.example",
            {
                "http_proxy_host": "proxy.example",
                "http_proxy_port": None,
                "proxy_type": "socks",
                "http_proxy_auth": ("alice", ""),
            },
        ),
    ],
)
def test_proxy_arguments(url: str, arguments: dict[str, object]) -> None:
    """An explicit proxy URL becomes the arguments a user would write, scheme verbatim."""
    assert proxy_arguments(url) == arguments


def test_kwargs() -> None:
    """Timeouts, trust and headers; no way to say proxy=None."""
    agent = WebsocketClientAgent()
    context = ssl.create_default_context()
    call = Call(
        uri="wss://h/",
        proxy="http://127.0.0.1:1",
        options={"open_timeout": 2, "server_hostname": "s", "additional_headers": {"X": "1"}},
        server_ssl=context,
    )
    kwargs = agent.kwargs(call)
    assert kwargs["timeout"] == kwargs["http_proxy_timeout"] == 2
    assert kwargs["sslopt"] == {"context": context, "server_hostname": "s"}
    assert kwargs["header"] == {"X": "1"}
    assert "no-proxy" not in agent.capabilities
    with pytest.raises(NotSupported, match="cannot turn off"):
        agent.kwargs(Call(uri="ws://h/", proxy=None))


@pytest.fixture
def server() -> Iterator[WsServer]:
    with WsServer() as server:
        yield server


def test_exchange(server: WsServer) -> None:
    """A direct exchange (no proxy in the environment) gets the echo."""
    agent = get_agent("websocket-client")
    assert agent.available() is None
    call = Call(uri=server.ws_url(), proxy=True, message="ping", options={"open_timeout": 5})
    assert asyncio.run(agent.exchange(call)) == "ping"


def test_explicit_proxy(server: WsServer) -> None:
    """An explicit HTTP proxy URL: CONNECT, with the decoded credentials."""
    with HttpProxy(auth=("user", "p@ss")) as proxy:
        call = Call(
            uri=server.ws_url("127.0.0.1"),
            proxy=f"http://user:p%40ss@127.0.0.1:{proxy.port}",
            message="ping",
            options={"open_timeout": 5},
        )
        assert asyncio.run(WebsocketClientAgent().exchange(call)) == "ping"
        (record,) = proxy.wait_for_records(1)
    assert (record.username, record.password) == ("user", "p@ss")


def test_without_python_socks() -> None:
    """Hidden python-socks: a private copy of the library that lacks it, as installed so."""
    agent = WebsocketClientAgent()
    call = Call(uri="ws://127.0.0.1:9/", proxy="socks5h://127.0.0.1:9", options={"open_timeout": 1})
    with hidden_modules("python_socks"), pytest.raises(websocket.WebSocketException) as caught:
        asyncio.run(agent.exchange(call))
    assert agent.error_kind(caught.value) == "socks-unavailable"
    assert agent.core_module() is importlib.import_module("websocket._core")


def test_smoke_scenario() -> None:
    """The direct-connection scenario of the catalog passes."""
    scenario = next(s for s in all_scenarios() if s.id == "SEL-06.nothing-configured[ws]")
    with Runner(settle_timeout=0.5) as runner:
        case = runner.run_case(scenario, WebsocketClientAgent())
    assert case.verdict is Verdict.PASS, case.diff
