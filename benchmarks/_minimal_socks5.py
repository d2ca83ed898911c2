"""The floor: the least an asyncio SOCKS5 CONNECT proxy does (Protocols, no streams,
no checks, no records). Trusts the client to send a greeting, then an IPv4 request.

Run as ``python benchmarks/_minimal_socks5.py``: prints its port and serves on
127.0.0.1 until stdin closes. Or start :class:`FloorClient` on any loop.
"""

from __future__ import annotations

import asyncio
import socket
import sys
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


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FloorClient, "127.0.0.1", 0, backlog=2048)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
