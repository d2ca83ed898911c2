"""Open the byte stream to a WebSocket server along a route (direct, SOCKS, HTTP CONNECT).

:func:`open_stream` returns a :class:`~.stream.ByteStream` ready for the WebSocket
handshake:

* direct: TCP to the server;
* SOCKS: python-socks, imported only when a SOCKS proxy is used (SOCKS-01), with
  ``rdns`` passed for every scheme, since python-socks' own default would make
  ``socks5`` send the name like ``socks5h`` (SOCKS-02);
* HTTP(S): ``CONNECT`` written here, its answer parsed with h11 (HTTP-01 to HTTP-04);
  an ``https://`` proxy is reached over TLS with its own trust (HTTP-07);

then, for ``wss://``, TLS with the server inside the tunnel, TLS-in-TLS when the proxy
is ``https://`` (HTTP-05, HTTP-06, SOCKS-06). Every failure is mapped to the
exception tree of :mod:`.errors` after aborting whatever was opened (ERR-04).
``Progress.stage`` names the step under way, so a timeout can say where it struck.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import os
import socket
import ssl as ssl_module
import sys
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

import h11

from .. import __version__
from .errors import (
    InvalidProxyAnswer,
    InvalidProxyURL,
    OpenTimeout,
    ProxyConnectionFailed,
    ProxyRejected,
    ProxyTLSError,
    ServerConnectionFailed,
    ServerTLSError,
    SocksUnavailable,
)
from .proxy_url import ProxyURL
from .route import Direct, Route
from .stream import ByteStream
from .uri import WebSocketURI

__all__ = ["USER_AGENT", "Progress", "connect_request", "default_ssl_context", "open_stream"]

#: Sent in the CONNECT request and the WebSocket handshake (HTTP-08).
USER_AGENT = (
    f"proxyharness-reference-client/{__version__} "
    f"Python/{sys.version_info[0]}.{sys.version_info[1]}"
)
#: Largest CONNECT answer head accepted.
MAX_ANSWER_HEAD = 16 * 1024
#: python-socks' deadline; the caller's open_timeout bounds the opening instead.
_SOCKS_TIMEOUT = 24 * 3600.0
#: python-socks messages that mean "the proxy refused", not "it spoke nonsense".
_SOCKS_REFUSALS = (
    "no acceptable authentication methods",
    "unexpected socks authentication method",
    "username and password authentication failure",
)

_default_contexts: dict[tuple[str | None, str | None], ssl_module.SSLContext] = {}


def default_ssl_context() -> ssl_module.SSLContext:
    """The system-trust client context, created once per ``SSL_CERT_FILE``/``SSL_CERT_DIR``.

    Keyed on those variables because they decide what "the system trust" is.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _default_contexts.get(key)
    if context is None:
        context = _default_contexts[key] = ssl_module.create_default_context()
    return context


@dataclass
class Progress:
    """The opening step under way, and the layers opened so far."""

    stage: str = "route selection"
    layers: list[str] = field(default_factory=list)


async def open_stream(
    uri: WebSocketURI,
    route: Route,
    *,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
    progress: Progress | None = None,
    sock: socket.socket | None = None,
) -> ByteStream:
    """Open a stream to ``uri``'s server along ``route``; TLS with it for ``wss://``.

    ``sock``, a socket the caller already connected to the server, replaces the
    connection of a direct route (SEL-13: the route is then always direct).

    ``ssl`` and ``server_hostname`` configure TLS with the server, ``proxy_ssl`` and
    ``proxy_server_hostname`` TLS with an ``https://`` proxy; neither trust is used for
    the other hop. Raises a :class:`~.errors.ClientError`; nothing stays open then.
    """
    progress = Progress() if progress is None else progress
    if sock is not None:
        if not isinstance(route, Direct):
            sock.close()
            raise ValueError("a caller-supplied socket only goes with a direct route")
        stream = await ByteStream.wrap(sock)
        progress.layers.append("caller-supplied socket")
    elif isinstance(route, Direct):
        stream = await _connect_server(uri, progress)
    elif route.proxy.kind == "socks":
        stream = await _socks_tunnel(route.proxy, uri, progress)
    else:
        stream = await _http_tunnel(route.proxy, uri, proxy_ssl, proxy_server_hostname, progress)
    if uri.secure:
        context = default_ssl_context() if ssl is None else ssl
        name = uri.host if server_hostname is None else server_hostname
        await _start_tls(stream, context, name, progress, proxy=None, server=uri.address)
        progress.layers.append(f"tls:server sni={name}")
    return stream


async def _connect_server(uri: WebSocketURI, progress: Progress) -> ByteStream:
    progress.stage = "connection to the server"
    try:
        stream = await ByteStream.open(uri.host, uri.port)
    except OSError as exc:
        raise ServerConnectionFailed(uri.address, _os_reason(exc)) from exc
    progress.layers.append(f"tcp {uri.address}")
    return stream


# HTTP CONNECT


async def _http_tunnel(
    proxy: ProxyURL,
    uri: WebSocketURI,
    proxy_ssl: ssl_module.SSLContext | None,
    proxy_server_hostname: str | None,
    progress: Progress,
) -> ByteStream:
    progress.stage = "connection to the proxy"
    try:
        stream = await ByteStream.open(proxy.host, proxy.port)
    except OSError as exc:
        raise ProxyConnectionFailed(proxy, _os_reason(exc)) from exc
    progress.layers.append(f"tcp {proxy.address}")
    try:
        if proxy.tls:
            context = default_ssl_context() if proxy_ssl is None else proxy_ssl
            name = proxy.host if proxy_server_hostname is None else proxy_server_hostname
            await _start_tls(stream, context, name, progress, proxy=proxy, server=None)
            progress.layers.append(f"tls:proxy sni={name}")
        progress.stage = "CONNECT handshake with the proxy"
        conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_ANSWER_HEAD)
        try:
            stream.write(connect_request(conn, proxy, uri))
        except OSError as exc:
            raise InvalidProxyAnswer(proxy, f"connection lost: {_os_reason(exc)}") from exc
        await _read_connect_answer(conn, proxy, stream)
    except BaseException:
        stream.abort()
        raise
    progress.layers.append(f"http-connect {uri.address}")
    return stream


def connect_request(conn: h11.Connection, proxy: ProxyURL, uri: WebSocketURI) -> bytes:
    """Send the CONNECT request for ``uri`` on ``conn``; return its bytes.

    ``CONNECT host:port HTTP/1.1`` with ``Host``, ``User-Agent`` and, with credentials,
    ``Proxy-Authorization: Basic`` over UTF-8 (HTTP-01, HTTP-02, HTTP-08).
    """
    target = uri.address
    headers = [("Host", target), ("User-Agent", USER_AGENT)]
    if proxy.user_info is not None:
        token = base64.b64encode(":".join(proxy.user_info).encode("utf-8")).decode("ascii")
        headers.append(("Proxy-Authorization", f"Basic {token}"))
    request = conn.send(h11.Request(method="CONNECT", target=target, headers=headers))
    return (request or b"") + (conn.send(h11.EndOfMessage()) or b"")


async def _read_connect_answer(conn: h11.Connection, proxy: ProxyURL, stream: ByteStream) -> None:
    """Read the answer's head (never past it); return on 2xx, raise otherwise (HTTP-03).

    A 1xx is interim: the final answer follows. A 101 (no Upgrade was asked for) is a
    refusal carrying its status, as is any other non-2xx status.
    """
    while True:
        try:
            head = await stream.readuntil(b"\r\n\r\n", MAX_ANSWER_HEAD)
        except asyncio.IncompleteReadError as exc:
            got = f"after {len(exc.partial)} bytes" if exc.partial else "without answering"
            raise InvalidProxyAnswer(proxy, f"the proxy closed the connection {got}") from None
        except asyncio.LimitOverrunError:
            raise InvalidProxyAnswer(proxy, "the answer's head is too large") from None
        except OSError as exc:
            raise InvalidProxyAnswer(proxy, f"connection lost: {_os_reason(exc)}") from exc
        conn.receive_data(head)
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            if head.split(b" ", 2)[1:2] == [b"101"]:
                # h11 refuses a switch nobody asked for; it is still a status, not noise.
                reason = "101 Switching Protocols, but no Upgrade was asked for"
                raise ProxyRejected(proxy, "http", reason, status=101) from None
            raise InvalidProxyAnswer(proxy, f"malformed answer: {exc}") from None
        if isinstance(event, h11.InformationalResponse):
            continue
        if not isinstance(event, h11.Response):  # pragma: no cover - a head is a response
            raise InvalidProxyAnswer(proxy, f"unexpected answer: {event!r}")
        if 200 <= event.status_code < 300:
            return
        reason = event.reason.decode("latin-1") or "no reason given"
        raise ProxyRejected(proxy, "http", reason, status=event.status_code)


# SOCKS


async def _socks_tunnel(proxy: ProxyURL, uri: WebSocketURI, progress: Progress) -> ByteStream:
    try:
        from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError, ProxyType
        from python_socks.async_.asyncio import Proxy
    except ImportError:
        raise SocksUnavailable(proxy) from None
    _check_socks_target(proxy, uri)
    version = 4 if proxy.socks_version == 4 else 5
    user, password = proxy.user_info or (None, None)
    client = Proxy(
        ProxyType.SOCKS4 if version == 4 else ProxyType.SOCKS5,
        proxy.host,
        proxy.port,
        username=user,
        password=password if version == 5 else None,
        # Always explicit: python-socks' default for SOCKS5 is to send the name.
        rdns=proxy.remote_dns,
        loop=asyncio.get_running_loop(),
    )
    progress.stage = f"SOCKS{version} handshake with the proxy"
    try:
        sock = await client.connect(uri.host, uri.port, timeout=_SOCKS_TIMEOUT)
    except ProxyConnectionError as exc:
        raise ProxyConnectionFailed(proxy, _os_reason(exc)) from exc
    except ProxyTimeoutError:  # pragma: no cover - the caller's open_timeout fires first
        raise OpenTimeout(progress.stage, _SOCKS_TIMEOUT) from None
    except ProxyError as exc:
        _raise_socks_error(proxy, version, exc)
    except socket.gaierror as exc:
        how = "SOCKS4 needs an IPv4 address" if version == 4 else "the client resolves names"
        reason = f"cannot resolve {uri.host} ({proxy.scheme}: {how}): {_os_reason(exc)}"
        raise ServerConnectionFailed(uri.address, reason) from exc
    except OSError as exc:
        raise InvalidProxyAnswer(proxy, f"connection lost: {_os_reason(exc)}") from exc
    progress.layers.append(f"tcp {proxy.address}")
    progress.layers.append(f"{proxy.scheme} {uri.address}")
    return await ByteStream.wrap(sock)


def _check_socks_target(proxy: ProxyURL, uri: WebSocketURI) -> None:
    """Refuse, before connecting, what python-socks would send wrongly or crash on."""
    if proxy.socks_version == 4 and _is_ipv6(uri.host):
        raise ServerConnectionFailed(
            uri.address, f"{proxy.scheme} cannot carry an IPv6 address; use socks5 or socks5h"
        )
    if proxy.user_info is None:
        return
    parts = proxy.user_info if proxy.socks_version == 5 else proxy.user_info[:1]
    if not all(part.isascii() and len(part) < 256 for part in parts):
        raise InvalidProxyURL(
            proxy.redacted(),
            "SOCKS credentials must be ASCII and at most 255 characters (python-socks)",
        )


def _raise_socks_error(proxy: ProxyURL, version: int, exc: Any) -> NoReturn:
    """Map a python-socks ProxyError: a refusal, or a malformed or truncated answer."""
    protocol: Literal["socks4", "socks5"] = "socks4" if version == 4 else "socks5"
    code = getattr(exc, "error_code", None)
    reason = str(exc) or type(exc).__name__
    if code is not None:
        raise ProxyRejected(proxy, protocol, reason, reply_code=int(code)) from exc
    if reason.lower().startswith(_SOCKS_REFUSALS):
        raise ProxyRejected(proxy, protocol, reason) from exc
    if "closed" in reason.lower():
        reason = "the proxy closed the connection during the handshake"
    raise InvalidProxyAnswer(proxy, reason) from exc


# TLS


async def _start_tls(
    stream: ByteStream,
    context: ssl_module.SSLContext,
    server_hostname: str,
    progress: Progress,
    *,
    proxy: ProxyURL | None,
    server: str | None,
) -> None:
    """Upgrade ``stream`` to TLS; map failures to the proxy's or the server's error."""
    progress.stage = "TLS handshake with the proxy" if proxy else "TLS handshake with the server"
    try:
        await stream.start_tls(context, server_hostname)
    except BaseException as exc:
        stream.abort()
        if not isinstance(exc, OSError):
            raise
        reason = _tls_reason(exc)
        if proxy is not None:
            raise ProxyTLSError(proxy, reason) from exc
        assert server is not None
        if isinstance(exc, ssl_module.SSLError):
            raise ServerTLSError(server, reason) from exc
        raise ServerConnectionFailed(server, reason) from exc


def _tls_reason(exc: OSError) -> str:
    if isinstance(exc, ssl_module.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl_module.SSLError):
        return exc.reason or str(exc)
    return f"connection lost during the TLS handshake: {_os_reason(exc)}"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False
