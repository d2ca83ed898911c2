"""The floor: the least an asyncio SOCKS5 CONNECT proxy does (Protocols, no streams,
no checks, no records). Trusts the client to send a greeting, then an IPv4 request.

``--half-close SECONDS`` adds the one duty of the fixtures that costs the most: an end
of stream is passed on to the other side (``write_eof``), both sides are closed once
both directions ended, and a timer cuts the other direction SECONDS after one ended
(the caller passes the fixtures' ``HALF_CLOSE_LIMIT``). The difference between the two
rows is what half-closing costs.

Run as ``python benchmarks/_minimal_socks5.py [--half-close SECONDS]``: prints its port
and serves on 127.0.0.1 until stdin closes. Or start :class:`FloorClient` on any loop.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Callable
from functools import partial
from typing import cast


class FloorUpstream(asyncio.Protocol):
    """Upstream side: copies to the client."""

    def __init__(self, client: asyncio.Transport) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class FloorClient(asyncio.Protocol):
    """Client side: answer the greeting, dial the request's IPv4 target, then copy."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.upstream: asyncio.Transport | None = None
        self.greeted = False

    def data_received(self, data: bytes) -> None:
        if self.upstream is not None:
            self.upstream.write(data)
        elif not self.greeted:
            self.greeted = True
            self.transport.write(b"\x05\x00")
        else:
            self.transport.pause_reading()
            target = (socket.inet_ntoa(data[4:8]), int.from_bytes(data[8:10], "big"))
            asyncio.get_running_loop().create_task(self.dial(target))

    async def dial(self, target: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        self.upstream, _ = await loop.create_connection(
            lambda: FloorUpstream(self.transport), *target
        )
        self.transport.write(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None:
            self.upstream.close()


class _Ends:
    """Both directions of one tunnel: closes both transports once both ended."""

    def __init__(
        self, client: asyncio.Transport, upstream: asyncio.Transport, limit: float
    ) -> None:
        self.client, self.upstream = client, upstream
        self.limit = limit
        self.timer: asyncio.TimerHandle | None = None

    def ended(self, towards: asyncio.Transport) -> None:
        """One direction ended: pass it on to ``towards``, or close if both have."""
        if self.timer is None and not towards.is_closing():
            towards.write_eof()
            self.timer = asyncio.get_running_loop().call_later(self.limit, self.close)
        else:
            self.close()

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.client.close()
        self.upstream.close()


class HalfCloseUpstream(FloorUpstream):
    """Upstream side: copies to the client, and passes its end of stream on."""

    ends: _Ends

    def eof_received(self) -> bool:
        self.ends.ended(self.client)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.ends.close()


class HalfCloseClient(FloorClient):
    """The floor, passing each end of stream on instead of closing at the first."""

    ends: _Ends | None = None

    def __init__(self, limit: float) -> None:
        self.limit = limit

    async def dial(self, target: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        upstream, protocol = await loop.create_connection(
            lambda: HalfCloseUpstream(self.transport), *target
        )
        self.ends = protocol.ends = _Ends(self.transport, upstream, self.limit)
        self.upstream = upstream
        self.transport.write(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        self.transport.resume_reading()

    def eof_received(self) -> bool:
        if self.ends is None:  # before the tunnel: the client gave up
            return False
        self.ends.ended(self.ends.upstream)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.ends is not None:  # set with the upstream: before it, there is none
            self.ends.close()


async def main() -> None:
    loop = asyncio.get_running_loop()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half-close", type=float, metavar="SECONDS")
    limit = parser.parse_args().half_close
    floor: Callable[[], asyncio.Protocol] = FloorClient
    if limit is not None:
        floor = partial(HalfCloseClient, limit)
    server = await loop.create_server(floor, "127.0.0.1", 0, backlog=2048)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
