"""Upgrade an asyncio stream to TLS, TLS-in-TLS included.

``loop.start_tls`` accepts a TLS transport since Python 3.11, so TLS with a server
can run inside TLS with an ``https://`` proxy (HTTP-06). Up to 3.11.7 and 3.12.1,
though, an error in the inner TLS layer (a bad server certificate, a shutdown
timeout) makes asyncio call ``_force_close(exc)`` on the outer TLS transport, which
fails with ``TypeError`` (CPython gh-113214) and hides the real error. The inner layer
is therefore given :class:`_OuterTLS`, a transport that forwards to the outer one and
turns ``_force_close`` into ``abort``; the inner layer still reports its own error.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

__all__ = ["upgrade"]


async def upgrade(
    transport: asyncio.Transport,
    protocol: asyncio.Protocol,
    context: ssl.SSLContext,
    server_hostname: str,
) -> asyncio.Transport:
    """Run a TLS handshake over ``transport`` for ``protocol``; return the TLS transport.

    On failure the caller aborts ``transport``.
    """
    loop = asyncio.get_running_loop()
    layer: asyncio.Transport = transport
    if transport.get_extra_info("ssl_object") is not None:
        layer = _OuterTLS(transport)
    tls = await loop.start_tls(layer, protocol, context, server_hostname=server_hostname)
    if tls is None:  # pragma: no cover - only for a server-side upgrade
        raise ConnectionResetError("the connection closed during the TLS handshake")
    return tls


class _OuterTLS(asyncio.Transport):
    """The outer TLS transport as the inner TLS layer sees it (see the module doc)."""

    _start_tls_compatible = True

    def __init__(self, outer: asyncio.Transport) -> None:
        super().__init__()
        self._outer: Any = outer

    def _force_close(self, exc: BaseException | None) -> None:
        self._outer.abort()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._outer.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self._outer.writelines(list_of_data)

    def write_eof(self) -> None:
        self._outer.write_eof()

    def can_write_eof(self) -> bool:
        return bool(self._outer.can_write_eof())

    def close(self) -> None:
        self._outer.close()

    def abort(self) -> None:
        self._outer.abort()

    def is_closing(self) -> bool:
        return bool(self._outer.is_closing())

    def is_reading(self) -> bool:
        return bool(self._outer.is_reading())

    def pause_reading(self) -> None:
        self._outer.pause_reading()

    def resume_reading(self) -> None:
        self._outer.resume_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._outer.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        protocol: asyncio.BaseProtocol = self._outer.get_protocol()
        return protocol

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._outer.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return int(self._outer.get_write_buffer_size())

    def get_write_buffer_limits(self) -> tuple[int, int]:
        low, high = self._outer.get_write_buffer_limits()
        return int(low), int(high)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._outer.set_write_buffer_limits(high, low)
