"""The reference WebSocket client: asyncio, wsproto, and every proxy rule.

::

    async with connect("wss://www.example.com/", proxy="socks5h://127.0.0.1:1080") as ws:
        await ws.send("hello")
        print(await ws.recv())

or ``ws = await connect(...)`` then ``await ws.close()``. The route comes from
:func:`~.route.resolve_route`, so what :func:`~.route.explain` says and what the
client does cannot differ; it is kept as ``ws.resolution``. The whole opening (route,
tunnel, TLS, WebSocket handshake) is bounded by ``open_timeout``; a failure closes
everything that was opened and leaves no task behind (ERR-04).

The client runs no background task: ``recv()`` reads from the socket itself, answers
pings and the closing handshake on the way.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
import ssl as ssl_module
from collections.abc import AsyncIterator, Generator, Iterable, Mapping
from types import TracebackType
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import ProtocolError

from .errors import (
    ConnectionClosed,
    HandshakeRejected,
    OpenTimeout,
    ServerConnectionFailed,
)
from .route import Resolution, resolve_route
from .stream import ByteStream
from .tunnel import USER_AGENT, Progress, open_stream
from .uri import WebSocketURI

__all__ = ["ClientConnection", "connect"]

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]
READ_SIZE = 64 * 1024
#: Seconds ``close()`` waits for the server's closing handshake, then for its TCP close.
CLOSE_TIMEOUT = 10.0


class connect:
    """Open a WebSocket connection to ``uri``; await it or use ``async with``.

    ``proxy``: True reads the configuration (environment, OS), None connects
    directly, a string is an explicit proxy URL. ``ssl`` and ``server_hostname``
    configure TLS with a ``wss://`` server; ``proxy_ssl`` and ``proxy_server_hostname``
    TLS with an ``https://`` proxy: the two trusts are separate (HTTP-07), and each
    defaults to the system trust and the host's name. ``open_timeout`` (seconds, None
    for none) bounds the whole opening. ``additional_headers`` go to the server's
    handshake only, never to the proxy. ``sock``, a socket already connected to the
    server, is used as it is, with no proxy whatever the configuration (SEL-13).
    """

    def __init__(
        self,
        uri: str,
        *,
        proxy: str | bool | None = True,
        ssl: ssl_module.SSLContext | None = None,
        proxy_ssl: ssl_module.SSLContext | None = None,
        server_hostname: str | None = None,
        proxy_server_hostname: str | None = None,
        open_timeout: float | None = 10.0,
        additional_headers: HeadersLike | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        self.uri = uri
        self.sock = sock
        self.proxy = proxy
        self.ssl = ssl
        self.proxy_ssl = proxy_ssl
        self.server_hostname = server_hostname
        self.proxy_server_hostname = proxy_server_hostname
        self.open_timeout = open_timeout
        if isinstance(additional_headers, Mapping):
            additional_headers = additional_headers.items()
        self.additional_headers = [
            (str(name).encode("ascii"), str(value).encode("latin-1"))
            for name, value in additional_headers or ()
        ]
        self._connection: ClientConnection | None = None

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        return self._open().__await__()

    async def __aenter__(self) -> ClientConnection:
        self._connection = await self._open()
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _open(self) -> ClientConnection:
        resolution = resolve_route(self.uri, self.proxy, caller_socket=self.sock is not None)
        progress = Progress()
        try:
            async with asyncio.timeout(self.open_timeout) as timer:
                stream = await open_stream(
                    resolution.uri,
                    resolution.route,
                    ssl=self.ssl,
                    server_hostname=self.server_hostname,
                    proxy_ssl=self.proxy_ssl,
                    proxy_server_hostname=self.proxy_server_hostname,
                    progress=progress,
                    sock=self.sock,
                )
                progress.stage = "WebSocket handshake"
                try:
                    ws = await _handshake(stream, resolution.uri, self.additional_headers)
                except BaseException:
                    stream.abort()
                    raise
        except TimeoutError:
            if not timer.expired():
                raise
            await _settle()
            assert self.open_timeout is not None
            raise OpenTimeout(progress.stage, self.open_timeout) from None
        except Exception:
            await _settle()
            raise
        return ClientConnection(stream, ws, resolution, tuple(progress.layers))


async def _settle() -> None:
    """Let the loop run the connection_lost callbacks of aborted transports."""
    for _ in range(2):
        await asyncio.sleep(0)


async def _handshake(
    stream: ByteStream, uri: WebSocketURI, additional_headers: list[tuple[bytes, bytes]]
) -> WSConnection:
    """Run the opening handshake; raise a ServerError if it fails."""
    ws = WSConnection(ConnectionType.CLIENT)
    default_port = 443 if uri.secure else 80
    host = uri.address if uri.port != default_port else uri.address.rsplit(":", 1)[0]
    headers = list(additional_headers)
    if not any(name.lower() == b"user-agent" for name, _ in headers):
        headers.insert(0, (b"User-Agent", USER_AGENT.encode("ascii")))
    request = Request(host=host, target=uri.resource_name, extra_headers=headers)
    try:
        stream.write(ws.send(request))
    except OSError as exc:
        reason = f"connection lost before the WebSocket handshake: {exc}"
        raise ServerConnectionFailed(uri.address, reason) from exc
    while True:
        try:
            data = await stream.read(READ_SIZE)
        except OSError as exc:
            reason = f"connection lost during the WebSocket handshake: {exc}"
            raise ServerConnectionFailed(uri.address, reason) from exc
        if not data:
            reason = "the connection closed during the WebSocket handshake"
            raise ServerConnectionFailed(uri.address, reason)
        try:
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    return ws
                if isinstance(event, RejectConnection):
                    raise HandshakeRejected(uri.address, event.status_code)
        except ProtocolError as exc:
            raise HandshakeRejected(uri.address, None, f"invalid handshake answer: {exc}") from None


class ClientConnection:
    """An open WebSocket connection made by :func:`connect`."""

    def __init__(
        self,
        stream: ByteStream,
        ws: WSConnection,
        resolution: Resolution,
        layers: tuple[str, ...] = (),
    ) -> None:
        self._stream = stream
        self._ws = ws
        #: The route and the rule trace that chose it.
        self.resolution = resolution
        #: The layers the connection went through, e.g. ``("tcp ...", "socks5h ...")``.
        self.layers = layers
        self._messages: collections.deque[str | bytes] = collections.deque()
        self._text: list[str] = []
        self._bytes: list[bytes] = []
        self._read_lock = asyncio.Lock()
        self._eof = False
        #: The server's close code and reason, once its close frame arrived.
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def uri(self) -> WebSocketURI:
        """The server's URI."""
        return self.resolution.uri

    @property
    def open(self) -> bool:
        """True until a close frame is sent or received, or the connection is lost."""
        return self._ws.state is ConnectionState.OPEN and not self._eof

    async def send(self, message: str | bytes) -> None:
        """Send a text (str) or binary (bytes) message."""
        if not self.open:
            raise self._closed()
        event: Message[Any]
        event = TextMessage(message) if isinstance(message, str) else BytesMessage(message)
        try:
            self._stream.write(self._ws.send(event))
            await self._stream.drain()
        except OSError:
            self._lost()
            raise self._closed() from None

    async def recv(self) -> str | bytes:
        """Return the next message; raise ConnectionClosed once the connection ended."""
        async with self._read_lock:
            while not self._messages:
                if self._ws.state is ConnectionState.CLOSED or self._eof:
                    raise self._closed()
                await self._read()
            return self._messages.popleft()

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Yield messages until the connection closes."""
        try:
            while True:
                yield await self.recv()
        except ConnectionClosed:
            return

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Run the closing handshake, then close the socket (idempotent, never raises)."""
        try:
            if self._ws.state is ConnectionState.OPEN and not self._eof:
                self._stream.write(self._ws.send(CloseConnection(code=code, reason=reason)))
                await self._stream.drain()
            async with asyncio.timeout(CLOSE_TIMEOUT), self._read_lock:
                while self._ws.state is not ConnectionState.CLOSED and not self._eof:
                    await self._read()
                # The server closes TCP first (RFC 6455 7.1.1): wait for its EOF.
                while not self._eof:
                    await self._read()
        except (OSError, TimeoutError):
            pass
        finally:
            await self._stream.close(CLOSE_TIMEOUT)

    async def _read(self) -> None:
        """Read once from the socket and process what arrived."""
        try:
            data = await self._stream.read(READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        if self._ws.state is ConnectionState.CLOSED:
            return  # bytes after the closing handshake are ignored
        self._ws.receive_data(data)
        out = bytearray()
        for event in self._ws.events():
            if isinstance(event, TextMessage):
                self._text.append(event.data)
                if event.message_finished:
                    self._messages.append("".join(self._text))
                    self._text.clear()
            elif isinstance(event, BytesMessage):
                self._bytes.append(bytes(event.data))
                if event.message_finished:
                    self._messages.append(b"".join(self._bytes))
                    self._bytes.clear()
            elif isinstance(event, Ping):
                out += self._ws.send(event.response())
            elif isinstance(event, CloseConnection):
                out += self._on_close(event)
        if out:
            with contextlib.suppress(OSError):
                self._stream.write(bytes(out))

    def _on_close(self, event: CloseConnection) -> bytes:
        """Record the server's close frame (or a protocol error) and answer it."""
        state = self._ws.state
        if state is ConnectionState.REMOTE_CLOSING:
            self.close_code, self.close_reason = event.code, event.reason or ""
            return self._ws.send(event.response())
        if state is ConnectionState.CLOSED:
            self.close_code, self.close_reason = event.code, event.reason or ""
            return b""
        # wsproto reports a frame it could not parse as a close event in state OPEN.
        self.close_code, self.close_reason = event.code, event.reason or ""
        data = self._ws.send(CloseConnection(code=event.code, reason=event.reason))
        self._eof = True
        return data

    def _lost(self) -> None:
        self._eof = True

    def _closed(self) -> ConnectionClosed:
        return ConnectionClosed(self.close_code, self.close_reason)

    def __repr__(self) -> str:
        state = "open" if self.open else "closed"
        return f"<ClientConnection {self.uri} {state}>"
