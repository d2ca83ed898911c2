"""The reference proxy-aware WebSocket client: it follows every rule of the catalog.

::

    from proxyharness.reference_client import connect, explain, resolve_route

    print(explain(resolve_route("wss://www.example.com/")))  # which route, and why
    async with connect("wss://www.example.com/") as ws:       # the same route, taken
        await ws.send("hello")
        echo = await ws.recv()

Every failure is a :class:`ClientError` with a stable ``kind``; no message shows a
proxy password. python-socks is needed only when a SOCKS proxy is used. Names are
imported lazily, so importing this package (or its CLI module) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "ClientConnection": "client",
    "ClientError": "errors",
    "ConnectionClosed": "errors",
    "Direct": "route",
    "HandshakeRejected": "errors",
    "InvalidProxyAnswer": "errors",
    "InvalidProxyURL": "errors",
    "InvalidURI": "errors",
    "OpenTimeout": "errors",
    "ProxyConnectionFailed": "errors",
    "ProxyError": "errors",
    "ProxyRejected": "errors",
    "ProxyTLSError": "errors",
    "ProxyURL": "proxy_url",
    "Resolution": "route",
    "ServerConnectionFailed": "errors",
    "ServerError": "errors",
    "ServerTLSError": "errors",
    "SocksUnavailable": "errors",
    "ViaProxy": "route",
    "WebSocketURI": "uri",
    "connect": "client",
    "explain": "route",
    "parse_proxy_url": "proxy_url",
    "resolve_route": "route",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
