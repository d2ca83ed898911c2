"""The reference proxy-aware WebSocket client: it follows every rule of the catalog.

::

    from proxyharness.reference_client import connect, explain, resolve_route

    print(explain(resolve_route("wss://www.example.com/")))  # which route, and why
    async with connect("wss://www.example.com/") as ws:       # the same route, taken
        await ws.send("hello")
        echo = await ws.recv()

Every failure is a :class:`ClientError` with a stable ``kind``; no message shows a
proxy password. python-socks is needed only when a SOCKS proxy is used.
"""

from .client import ClientConnection, connect
from .errors import (
    ClientError,
    ConnectionClosed,
    HandshakeRejected,
    InvalidProxyAnswer,
    InvalidProxyURL,
    InvalidURI,
    OpenTimeout,
    ProxyConnectionFailed,
    ProxyError,
    ProxyRejected,
    ProxyTLSError,
    ServerConnectionFailed,
    ServerError,
    ServerTLSError,
    SocksUnavailable,
)
from .proxy_url import ProxyURL, parse_proxy_url
from .route import Direct, Resolution, ViaProxy, explain, resolve_route
from .uri import WebSocketURI

__all__ = [
    "ClientConnection",
    "ClientError",
    "ConnectionClosed",
    "Direct",
    "HandshakeRejected",
    "InvalidProxyAnswer",
    "InvalidProxyURL",
    "InvalidURI",
    "OpenTimeout",
    "ProxyConnectionFailed",
    "ProxyError",
    "ProxyRejected",
    "ProxyTLSError",
    "ProxyURL",
    "Resolution",
    "ServerConnectionFailed",
    "ServerError",
    "ServerTLSError",
    "SocksUnavailable",
    "ViaProxy",
    "WebSocketURI",
    "connect",
    "explain",
    "parse_proxy_url",
    "resolve_route",
]
