"""Tests for the built-in agents of proxyharness.harness.agents: reference and websockets."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator

import pytest
import python_socks
from websockets import exceptions as wse
from websockets.datastructures import Headers
from websockets.http11 import Response

from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.harness.agents import (
    HOP_LOST,
    HOP_REFUSED,
    HOP_TLS,
    Call,
    NotSupported,
    run_in_thread,
    websockets_agents,
)
from proxyharness.harness.agents.reference import ReferenceAgent
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.agents.websockets_agents import (
    WebsocketsAsyncioAgent,
    WebsocketsSyncAgent,
    websockets_error_kind,
)
from proxyharness.harness.staging import hidden_modules
from proxyharness.reference_client.errors import ProxyRejected


def chained(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (wse.InvalidProxy("ftp://h", "scheme ftp isn't supported"), "invalid-proxy"),
        (wse.InvalidProxyStatus(Response(407, "No", Headers())), "proxy-rejected"),
        (wse.InvalidProxyMessage("did not receive a valid HTTP response"), "proxy-answer"),
        (
            chained(wse.ProxyError("failed"), python_socks.ProxyError("x", error_code=5)),
            "proxy-rejected",
        ),
        (
            chained(
                wse.ProxyError("failed"),
                python_socks.ProxyError("Username and password authentication failure"),
            ),
            "proxy-rejected",
        ),
        (
            chained(wse.ProxyError("failed"), python_socks.ProxyError("Malformed connect reply")),
            "proxy-answer",
        ),
        (
            ImportError("connecting through a SOCKS proxy requires python-socks"),
            "socks-unavailable",
        ),
        (wse.InvalidURI("x", "bad"), "invalid-uri"),
        (wse.InvalidStatus(Response(403, "No", Headers())), "handshake-rejected"),
        (wse.InvalidMessage("no response"), "server-failed"),
        (ssl.SSLCertVerificationError("certificate verify failed"), HOP_TLS),
        (ssl.SSLEOFError("eof"), HOP_TLS),
        (TimeoutError("timed out during opening handshake"), "timeout"),
        (python_socks.ProxyTimeoutError("Proxy connection timed out"), "timeout"),
        (python_socks.ProxyConnectionError(111, "Could not connect to proxy"), "proxy-refused"),
        (ConnectionRefusedError(111, "refused"), HOP_REFUSED),
        (ConnectionResetError(104, "reset"), HOP_LOST),
        (BrokenPipeError(32, "broken pipe"), HOP_LOST),
        (OSError("network unreachable"), "server-failed"),
        (ValueError("proxy_ssl argument is incompatible"), None),
    ],
)
def test_websockets_error_kind(exc: BaseException, kind: str | None) -> None:
    """websockets' exceptions map to kinds; the hop of TLS and refusals is left open."""
    assert websockets_error_kind(exc) == kind


def test_reference_error_kind() -> None:
    """The reference client's exceptions carry their kind."""
    agent = ReferenceAgent()
    assert agent.error_kind(ProxyRejected("http://p:1", "http", "no", status=407)) == (
        "proxy-rejected"
    )
    assert agent.error_kind(ValueError()) is None


def test_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """available() says what to install."""
    agent = WebsocketsAsyncioAgent()
    monkeypatch.setattr(agent, "module_name", "websockets_not_here.client")
    assert agent.available() == "websockets is not installed: pip install 'websockets>=17'"


def test_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    """available() refuses websockets without proxy support."""
    # read on the first call
    monkeypatch.setattr(websockets_agents, "installed_version", lambda _: "14.2")
    assert "too old" in (WebsocketsSyncAgent().available() or "")


@pytest.fixture
def server() -> Iterator[WsServer]:
    with WsServer() as server:
        yield server


@pytest.mark.parametrize("name", ["reference", "websockets-asyncio", "websockets-sync"])
def test_exchange(server: WsServer, name: str) -> None:
    """Each built-in agent gets its echo directly."""
    call = Call(uri=server.ws_url(), proxy=None, message="ping", options={"open_timeout": 5})
    assert asyncio.run(get_agent(name).exchange(call)) == "ping"


@pytest.mark.parametrize("name", ["reference", "websockets-asyncio", "websockets-sync"])
def test_unknown_option(name: str) -> None:
    """An option the client cannot express is NotSupported (N/A), not a failure."""
    call = Call(uri="ws://127.0.0.1:9/", proxy=None, options={"sock": object()})
    with pytest.raises(NotSupported, match="option 'sock'"):
        asyncio.run(get_agent(name).exchange(call))


def test_websockets_without_python_socks() -> None:
    """Hidden python-socks: a private copy of the client module that lacks it."""
    agent = WebsocketsAsyncioAgent()
    with hidden_modules("python_socks"):
        module = agent.client_module()
        coroutine = module.connect_socks_proxy(None, None)
        with pytest.raises(ImportError, match="requires python-socks"):
            asyncio.run(coroutine)
    import websockets.asyncio.client

    assert module is not websockets.asyncio.client
    assert agent.client_module() is websockets.asyncio.client


def test_run_in_thread() -> None:
    """A blocking call runs in its own thread; its result or exception comes back."""

    def fail() -> None:
        raise OSError("boom")

    assert asyncio.run(run_in_thread(lambda: 42, name="proxyharness-agent-test")) == 42
    with pytest.raises(OSError, match="boom"):
        asyncio.run(run_in_thread(fail, name="proxyharness-agent-test"))


def test_reference_explains() -> None:
    """The reference agent says why it picks a route."""
    text = ReferenceAgent().explain(Call(uri="ws://www.example.com/", proxy=None))
    assert "connect directly" in text
