"""Targets for benchmarks: an echo and a byte sink in a separate process.

Run as ``python benchmarks/_targets.py``: prints ``ECHO_PORT SINK_PORT`` and serves
on 127.0.0.1 until stdin closes. The sink answers the number of bytes it received
(8 bytes, big-endian) once the client half-closes.
"""

from __future__ import annotations

import asyncio
import sys


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    total = 0
    try:
        while data := await reader.read(1 << 20):
            total += len(data)
        writer.write(total.to_bytes(8, "big"))
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main() -> None:
    echo_server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=2048)
    sink_server = await asyncio.start_server(sink, "127.0.0.1", 0)
    ports = [s.sockets[0].getsockname()[1] for s in (echo_server, sink_server)]
    print(*ports, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
