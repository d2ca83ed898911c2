"""websocket-client (``websocket.create_connection``) as an agent, run in its own thread.

Driven the way its documentation says (websocket-client 1.9, ``_url.py`` and
``_http.py``): with ``proxy=True`` no proxy argument is passed and the library reads
the environment itself (``http_proxy`` for ``ws://``, ``https_proxy`` for ``wss://``,
either case, and ``no_proxy``; only the host, port and credentials of the value are
used: it is always spoken to as an HTTP proxy). An explicit proxy URL is parsed into
``http_proxy_host``, ``http_proxy_port``, ``http_proxy_auth`` (percent-decoded) and
``proxy_type`` (the URL's scheme, verbatim: the library accepts ``http``, ``socks4``,
``socks4a``, ``socks5`` and ``socks5h``). There is no ``proxy=None``: the library
reads ``http_no_proxy`` only along with an explicit ``http_proxy_host``, so nothing
turns the environment's proxy off (no ``no-proxy`` capability: SEL-12 is N/A).
``sslopt={"context": ...}`` carries the server's trust: the library has no TLS to a
proxy at all.
"""

from __future__ import annotations

import importlib
import importlib.util
import ssl
import sys
import urllib.parse
from types import ModuleType
from typing import Any

from .base import (
    HOP_LOST,
    HOP_REFUSED,
    Call,
    NotSupported,
    check_options,
    installed_version,
    python_socks_hidden,
    run_in_thread,
    socks_failure_kind,
)

__all__ = ["WebsocketClientAgent", "proxy_arguments", "websocket_client_error_kind"]

_URI_ERRORS = ("url is invalid", "hostname is invalid", "scheme ")
_UNSUPPORTED_PROXY = "proxy protocols are supported"


def proxy_arguments(url: str) -> dict[str, Any]:
    """``create_connection``'s proxy arguments for an explicit proxy URL, as a user writes them."""
    parts = urllib.parse.urlsplit(url)
    arguments: dict[str, Any] = {
        "http_proxy_host": parts.hostname,
        "http_proxy_port": parts.port,
        "proxy_type": parts.scheme,
    }
    if parts.username is not None:
        password = urllib.parse.unquote(parts.password or "")
        arguments["http_proxy_auth"] = (urllib.parse.unquote(parts.username), password)
    return arguments


def websocket_client_error_kind(exc: BaseException) -> str | None:
    """Map an exception of websocket-client to an error kind.

    websocket-client speaks TLS to the server only, so every TLS error is the
    server's; a refused or reset connection may be the proxy's or the server's.
    """
    import websocket

    if isinstance(exc, websocket.WebSocketBadStatusException):
        return "handshake-rejected"
    if isinstance(exc, websocket.WebSocketProxyException):  # _tunnel() wraps its causes
        return _tunnel_kind(exc)
    if isinstance(exc, websocket.WebSocketTimeoutException):
        return "timeout"
    if isinstance(exc, websocket.WebSocketConnectionClosedException):
        return HOP_LOST
    if isinstance(exc, websocket.WebSocketException) and "Python Socks" in str(exc):
        return "socks-unavailable"
    if type(exc).__name__ == "ProxyError" and _UNSUPPORTED_PROXY in str(exc):
        return "invalid-proxy"  # proxy_info(): a proxy_type it does not know
    package = type(exc).__module__.split(".")[0]
    if package == "python_socks":
        if isinstance(exc, TimeoutError):
            return "timeout"
        if isinstance(exc, OSError):
            return "proxy-refused"  # ProxyConnectionError: "Could not connect to proxy"
        return socks_failure_kind(exc)
    if isinstance(exc, ssl.SSLError):
        return "server-tls"
    if isinstance(exc, ValueError) and str(exc).startswith(_URI_ERRORS):
        return "invalid-uri"  # parse_url()
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return HOP_REFUSED
    if isinstance(exc, ConnectionError):
        return HOP_LOST
    return None


def _tunnel_kind(exc: BaseException) -> str:
    """A WebSocketProxyException: a status, a bad port, or the failure behind it."""
    import websocket

    text = str(exc)
    if text.startswith("failed CONNECT via proxy status"):
        return "proxy-rejected"
    if "port 0" in text:
        return "invalid-proxy"
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, websocket.WebSocketTimeoutException | TimeoutError):
        return "timeout"
    return "proxy-answer"  # closed, reset, or not an HTTP answer, during CONNECT


class WebsocketClientAgent:
    """``websocket.create_connection(url, ...)`` (websocket-client >= 1.7)."""

    name = "websocket-client"
    capabilities = frozenset(
        {
            "explicit-proxy",
            "server-hostname",
            "open-timeout",
            "additional-headers",
            "without-python-socks",
        }
    )

    def __init__(self) -> None:
        self._fresh: ModuleType | None = None

    @property
    def version(self) -> str:
        return installed_version("websocket-client")

    def available(self) -> str | None:
        try:
            importlib.import_module("websocket")
        except ImportError:
            return "websocket-client is not installed: pip install websocket-client"
        return None

    def core_module(self) -> ModuleType:
        """``websocket._core``; a private copy without python-socks when it is hidden.

        ``websocket._http`` decides at import time whether python-socks exists, so
        hiding it (SOCKS-01) takes copies of ``_http`` and of ``_core`` (which imports
        ``connect`` from it) executed while it is hidden. Exceptions stay shared.
        """
        if not python_socks_hidden():
            return importlib.import_module("websocket._core")
        if self._fresh is None:
            http = _fresh_module("websocket._http")
            saved = sys.modules["websocket._http"]
            sys.modules["websocket._http"] = http
            try:
                self._fresh = _fresh_module("websocket._core")
            finally:
                sys.modules["websocket._http"] = saved
        return self._fresh

    def kwargs(self, call: Call) -> dict[str, Any]:
        """``create_connection``'s keyword arguments for ``call``."""
        check_options(call, self.capabilities)
        kwargs: dict[str, Any] = {"timeout": call.open_timeout}
        if call.proxy is None:
            raise NotSupported("websocket-client cannot turn off the environment's proxy")
        if isinstance(call.proxy, str):
            kwargs.update(proxy_arguments(call.proxy), http_proxy_timeout=call.open_timeout)
        sslopt: dict[str, Any] = {}
        if call.server_ssl is not None:
            sslopt["context"] = call.server_ssl
        if "server_hostname" in call.options:
            sslopt["server_hostname"] = call.options["server_hostname"]
        if sslopt:
            kwargs["sslopt"] = sslopt
        headers = call.options.get("additional_headers")
        if isinstance(headers, dict):
            kwargs["header"] = dict(headers)
        return kwargs

    async def exchange(self, call: Call) -> str | bytes:
        create_connection = self.core_module().create_connection
        kwargs = self.kwargs(call)

        def run() -> str | bytes:
            ws = create_connection(call.uri, **kwargs)
            try:
                ws.send(call.message)
                reply: str | bytes = ws.recv()
                return reply
            finally:
                ws.close()

        return await run_in_thread(run, name=f"proxyharness-agent-{self.name}")

    def error_kind(self, exc: BaseException) -> str | None:
        return websocket_client_error_kind(exc)


def _fresh_module(name: str) -> ModuleType:
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
