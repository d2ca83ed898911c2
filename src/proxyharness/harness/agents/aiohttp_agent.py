"""aiohttp's WebSocket client (``ClientSession.ws_connect``) as an agent.

Driven as its documentation says: ``ClientSession(trust_env=True)`` reads the proxy
configuration (``trust_env=False`` is aiohttp's only way to say "no proxy"); an
explicit proxy is ``ws_connect(proxy=URL)`` with the credentials in the URL, which
aiohttp turns into ``Proxy-Authorization`` itself (the deprecated ``proxy_auth`` /
``BasicAuth`` are not used, so no DeprecationWarning is raised); ``ssl=`` is the
server's trust, and aiohttp uses it for an ``https://`` proxy too (no separate proxy
trust: no ``proxy-ssl``). Nothing is hidden: aiohttp has no SOCKS, looks up only the
``ws``/``wss`` keys for WebSocket URLs, drops ``https://`` proxies from the
environment with a logged warning, and sends ``ws://`` through an HTTP proxy as a
plain forward request, not a CONNECT tunnel; the scenarios show it.

aiohttp builds its default TLS context when it is imported; a process started with
the scenario's environment would have built it from ``SSL_CERT_FILE``, so with no
trust given and that variable set the agent passes the same context built now.

aiohttp says which hop a connection, DNS or TLS error came from only through the
host and port in the exception's connection key: :meth:`AiohttpAgent.error_kind`
compares them with the target of the agent's last exchange.
"""

from __future__ import annotations

import errno
import importlib
import os
import ssl
import traceback
import urllib.parse
from typing import Any

from .base import HOP_LOST, HOP_TLS, Call, check_options, installed_version, os_error_kind

__all__ = ["AiohttpAgent", "ConnectionClosedEarly", "aiohttp_error_kind"]

_LOST = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})


class ConnectionClosedEarly(Exception):
    """The WebSocket connection ended before the echo came (aiohttp returns a message)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what

    def __str__(self) -> str:
        return f"connection closed before the echo: {self.what}"


def _target(uri: str) -> tuple[str, int] | None:
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        return None
    return (parts.hostname or "", port)


def aiohttp_error_kind(exc: BaseException, target: tuple[str, int] | None) -> str | None:
    """Map an exception of aiohttp to an error kind; ``target`` is the server's host, port."""
    import aiohttp

    def hop(key_port: int | None, proxy_kind: str, server_kind: str, unknown: str) -> str:
        if target is None:
            return unknown
        return server_kind if key_port == target[1] else proxy_kind

    if isinstance(exc, ConnectionClosedEarly):
        return "closed"
    if isinstance(exc, aiohttp.InvalidUrlClientError | aiohttp.NonHttpUrlClientError):
        return "invalid-uri"
    if isinstance(exc, aiohttp.InvalidURL):  # ClientSession raises it for the proxy URL
        return "invalid-proxy"
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return "proxy-rejected"
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return "handshake-rejected"
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return "proxy-refused"
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ClientConnectorCertificateError):
        return hop(exc.port, "proxy-tls", "server-tls", HOP_TLS)
    if isinstance(exc, aiohttp.ClientConnectorError):  # DNS or connect, proxy or server
        return hop(exc.port, "proxy-refused", "server-failed", "server-failed")
    if isinstance(exc, TimeoutError):  # ServerTimeoutError, ConnectionTimeoutError
        return "timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientConnectionResetError):
        return HOP_LOST
    if isinstance(exc, aiohttp.ClientOSError):
        return HOP_LOST if exc.errno in _LOST else "server-failed"
    if type(exc) is aiohttp.ClientResponseError:  # an answer the HTTP parser rejected
        return _unparsable_kind(exc, target)
    if isinstance(exc, ValueError) and _raised_in(exc, "proxies_from_env"):
        return "invalid-proxy"  # yarl rejected a *_proxy variable
    return os_error_kind(exc)


def _unparsable_kind(exc: Any, target: tuple[str, int] | None) -> str:
    """The proxy's answer to CONNECT (its request is for the proxy's URL), or unknown.

    An answer to the WebSocket request itself came from the server, or from an HTTP
    proxy aiohttp sent the request to (``ws://`` is not tunneled): the wire decides.
    """
    url = getattr(getattr(exc, "request_info", None), "url", None)
    port = getattr(url, "port", None)
    if target is not None and port is not None and port != target[1]:
        return "proxy-answer"
    return HOP_LOST


def _raised_in(exc: BaseException, function: str) -> bool:
    """Whether ``exc`` went through aiohttp's ``function`` (its traceback says so)."""
    return any(
        frame.name == function and frame.filename.endswith(os.path.join("aiohttp", "helpers.py"))
        for frame in traceback.extract_tb(exc.__traceback__)
    )


def _default_context() -> ssl.SSLContext:
    """The context aiohttp makes at import for ``ssl=True`` (``connector._make_ssl_context``)."""
    context = ssl.create_default_context()
    context.set_alpn_protocols(("http/1.1",))
    return context


class AiohttpAgent:
    """``aiohttp.ClientSession(trust_env=...).ws_connect(url, ...)``."""

    name = "aiohttp"
    capabilities = frozenset(
        {"explicit-proxy", "no-proxy", "server-hostname", "open-timeout", "additional-headers"}
    )

    def __init__(self) -> None:
        #: The server's (host, port) of the last exchange, for error_kind.
        self._target: tuple[str, int] | None = None

    @property
    def version(self) -> str:
        return installed_version("aiohttp")

    def available(self) -> str | None:
        try:
            importlib.import_module("aiohttp")
        except ImportError:
            return "aiohttp is not installed: pip install aiohttp"
        return None

    def kwargs(self, call: Call) -> dict[str, Any]:
        """``ws_connect``'s keyword arguments for ``call``."""
        check_options(call, self.capabilities)
        kwargs: dict[str, Any] = {}
        if isinstance(call.proxy, str):
            kwargs["proxy"] = call.proxy
        if call.server_ssl is not None:
            kwargs["ssl"] = call.server_ssl
        elif "SSL_CERT_FILE" in os.environ or "SSL_CERT_DIR" in os.environ:
            kwargs["ssl"] = _default_context()
        if "server_hostname" in call.options:
            kwargs["server_hostname"] = call.options["server_hostname"]
        headers = call.options.get("additional_headers")
        if isinstance(headers, dict):
            kwargs["headers"] = dict(headers)
        return kwargs

    async def exchange(self, call: Call) -> str | bytes:
        import aiohttp

        self._target = _target(call.uri)
        kwargs = self.kwargs(call)
        timeout = aiohttp.ClientTimeout(total=call.open_timeout)
        # trust_env=True: the proxy comes from the configuration unless proxy= is given.
        async with (
            aiohttp.ClientSession(trust_env=call.proxy is not None, timeout=timeout) as session,
            session.ws_connect(call.uri, **kwargs) as ws,
        ):
            await ws.send_str(call.message)
            message = await ws.receive(timeout=call.open_timeout)
            if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                data: str | bytes = message.data
                return data
            if message.type is aiohttp.WSMsgType.ERROR and isinstance(message.data, BaseException):
                raise message.data
            raise ConnectionClosedEarly(f"{message.type.name} {message.data!r}")

    def error_kind(self, exc: BaseException) -> str | None:
        return aiohttp_error_kind(exc, self._target)
