"""A small buffered byte stream over an asyncio transport, upgradable to TLS in place.

:class:`ByteStream` is the protocol of the connection for its whole life: TCP, then
TLS with an ``https://`` proxy, then TLS with the server inside the tunnel. Each
upgrade keeps the same object, so nothing is left holding (and, when collected,
closing) the transport of an earlier layer.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any, Self

from .tls import upgrade

__all__ = ["ByteStream"]

#: Reading pauses while this many received bytes wait to be consumed.
HIGH_WATER = 256 * 1024


class ByteStream(asyncio.Protocol):
    """Bytes in, bytes out: ``read``, ``readuntil``, ``write``, ``drain``, ``close``."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._eof = False
        self._error: BaseException | None = None
        self._data_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        self._read_paused = False
        self._lost = self._loop.create_future()

    # Opening

    @classmethod
    async def open(cls, host: str, port: int) -> Self:
        """Connect over TCP to ``host:port``."""
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(cls, host, port)
        return protocol

    @classmethod
    async def wrap(cls, sock: socket.socket) -> Self:
        """Take over a connected socket (closed if this fails).

        asyncio turns Nagle's algorithm off only for sockets created with protocol
        IPPROTO_TCP; python-socks' sockets are created with 0, so it is done here, or a
        write following an unacknowledged one (the request after the TLS Finished)
        waits for the peer's delayed ACK, about 40 ms on Linux.
        """
        loop = asyncio.get_running_loop()
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _, protocol = await loop.create_connection(cls, sock=sock)
        except BaseException:
            sock.close()
            raise
        return protocol

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str) -> None:
        """Run a TLS handshake over the current layer (TLS-in-TLS included)."""
        if self._buffer:
            raise ConnectionError(f"{len(self._buffer)} unexpected bytes before TLS")
        await self.drain()
        self._transport = await upgrade(self.transport, self, context, server_hostname)

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > HIGH_WATER and not self._read_paused and self._transport:
            self._read_paused = True
            self._transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake_reader()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        if exc is not None and self._error is None:
            self._error = exc
        self._wake_reader()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        if not self._lost.done():
            self._lost.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    # Reading

    async def read(self, max_bytes: int = 64 * 1024) -> bytes:
        """Return up to ``max_bytes``; ``b""`` at the end of the stream."""
        while not self._buffer:
            if self._eof:
                if self._error is not None:
                    raise self._error
                return b""
            await self._wait_for_data()
        data = bytes(self._buffer[:max_bytes])
        del self._buffer[:max_bytes]
        self._maybe_resume_reading()
        return data

    async def readuntil(self, separator: bytes, limit: int) -> bytes:
        """Return the bytes up to and including ``separator``, never more.

        Raise :exc:`asyncio.IncompleteReadError` at the end of the stream and
        :exc:`asyncio.LimitOverrunError` beyond ``limit`` bytes.
        """
        while True:
            index = self._buffer.find(separator)
            if index >= 0:
                end = index + len(separator)
                data = bytes(self._buffer[:end])
                del self._buffer[:end]
                self._maybe_resume_reading()
                return data
            if len(self._buffer) > limit:
                raise asyncio.LimitOverrunError("separator not found within the limit", limit)
            if self._eof:
                if self._error is not None and not self._buffer:
                    raise self._error
                raise asyncio.IncompleteReadError(bytes(self._buffer), None)
            await self._wait_for_data()

    async def _wait_for_data(self) -> None:
        self._data_waiter = self._loop.create_future()
        try:
            await self._data_waiter
        finally:
            self._data_waiter = None

    def _wake_reader(self) -> None:
        if self._data_waiter is not None and not self._data_waiter.done():
            self._data_waiter.set_result(None)

    def _maybe_resume_reading(self) -> None:
        if self._read_paused and len(self._buffer) <= HIGH_WATER // 4 and self._transport:
            self._read_paused = False
            self._transport.resume_reading()

    # Writing and closing

    @property
    def transport(self) -> asyncio.Transport:
        """The transport of the outermost layer."""
        if self._transport is None:
            raise ConnectionError("not connected")
        return self._transport

    def write(self, data: bytes) -> None:
        """Queue ``data``; raise ConnectionError once the connection is lost."""
        if self._lost.done() or self.transport.is_closing():
            raise self._error_or_reset()
        self.transport.write(data)

    async def drain(self) -> None:
        """Wait until the transport accepts more data."""
        if self._lost.done():
            raise self._error_or_reset()
        if self._write_paused:
            self._drain_waiter = self._loop.create_future()
            try:
                await self._drain_waiter
            finally:
                self._drain_waiter = None
            if self._lost.done():
                raise self._error_or_reset()

    def _error_or_reset(self) -> BaseException:
        if isinstance(self._error, OSError):
            return self._error
        return ConnectionResetError("the connection is lost")

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Transport information (``ssl_object``, ``peername``...)."""
        return self.transport.get_extra_info(name, default)

    @property
    def at_eof(self) -> bool:
        """True once the peer closed and every received byte was read."""
        return self._eof and not self._buffer

    def abort(self) -> None:
        """Close at once; the socket closes on the next loop iteration."""
        if self._transport is not None:
            self._transport.abort()

    async def close(self, timeout: float) -> None:
        """Close gracefully (TLS close_notify included), abort after ``timeout`` s."""
        if self._transport is None:
            return
        self._transport.close()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._lost)
        except TimeoutError:
            self.abort()
            await asyncio.sleep(0)
