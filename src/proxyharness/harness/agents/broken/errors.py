"""Broken failure handling: retries, no timeout, unclear errors, leaked sockets.

The tunnel bugs wrap the reference client's HTTP and SOCKS tunnels; the timeout bug
drops the opening timeout from the call; the leak makes ``ByteStream.abort`` a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from ....reference_client import tunnel as reference_tunnel
from ....reference_client.errors import InvalidProxyAnswer, ProxyConnectionFailed
from ....reference_client.stream import ByteStream
from ..base import Call
from ._base import BrokenAgent, patched, with_options

__all__ = ["CLIENTS"]

_TUNNELS = ("_http_tunnel", "_socks_tunnel")


class TunnelBug(BrokenAgent):
    """Base: both tunnels (HTTP and SOCKS) are opened by :meth:`open`."""

    async def open(self, tunnel: Any, *args: Any) -> ByteStream:
        """Open the tunnel (the buggy way)."""
        stream: ByteStream = await tunnel(*args)
        return stream

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        return self._patch_tunnels()

    @contextlib.contextmanager
    def _patch_tunnels(self) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for name in _TUNNELS:
                tunnel = getattr(reference_tunnel, name)

                async def wrapped(*args: Any, tunnel: Any = tunnel) -> ByteStream:
                    return await self.open(tunnel, *args)

                stack.enter_context(patched(reference_tunnel, name, wrapped))
            yield


class RetriesRefused(TunnelBug):
    """A refused proxy is retried until the opening timeout: a timeout, not a refusal."""

    name = "broken-retries-refused"
    breaks = ("ERR-01",)

    async def open(self, tunnel: Any, *args: Any) -> ByteStream:
        while True:
            try:
                return await super().open(tunnel, *args)
            except ProxyConnectionFailed:
                await asyncio.sleep(0.1)


class RetriesRefusedBriefly(TunnelBug):
    """A refused proxy is retried three times, 0.4 s apart, before the error."""

    name = "broken-retries-refused-briefly"
    breaks = ("ERR-01",)

    async def open(self, tunnel: Any, *args: Any) -> ByteStream:
        for _ in range(3):
            try:
                return await super().open(tunnel, *args)
            except ProxyConnectionFailed:
                await asyncio.sleep(0.4)
        return await super().open(tunnel, *args)


class NoTimeout(BrokenAgent):
    """The opening has no timeout: a silent proxy hangs the client."""

    name = "broken-no-timeout"
    breaks = ("ERR-02",)

    def adjust(self, call: Call) -> Call:
        return with_options(call, open_timeout=None)


class BareEof(TunnelBug):
    """A proxy closing during its handshake surfaces as a bare IncompleteReadError."""

    name = "broken-bare-eof"
    breaks = ("ERR-03",)

    async def open(self, tunnel: Any, *args: Any) -> ByteStream:
        try:
            return await super().open(tunnel, *args)
        except InvalidProxyAnswer as exc:
            if "closed" not in exc.reason:
                raise
            raise asyncio.IncompleteReadError(b"", None) from None


class LeaksSocket(BrokenAgent):
    """After a failure the socket is left open (abort does nothing)."""

    name = "broken-leaks-socket"
    breaks = ("ERR-04",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        return patched(ByteStream, "abort", lambda stream: None)


CLIENTS: tuple[type[BrokenAgent], ...] = (
    RetriesRefused,
    RetriesRefusedBriefly,
    NoTimeout,
    BareEof,
    LeaksSocket,
)
