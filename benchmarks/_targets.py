"""Targets for benchmarks: an echo, a byte sink and a byte source in a separate process.

Run as ``python benchmarks/_targets.py``: prints ``ECHO_PORT SINK_PORT SOURCE_PORT`` and
serves on 127.0.0.1 until stdin closes. The sink answers the number of bytes it
received (8 bytes, big-endian) once the client half-closes. The source reads a count
(8 bytes, big-endian), sends that many bytes, and waits for the client to close.
:func:`targets` runs this file in a child process and yields the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from typing import NamedTuple

from _processes import first_line

_BLOCK = bytes(1 << 20)


class Ports(NamedTuple):
    echo: int
    sink: int
    source: int


@contextlib.contextmanager
def targets(timeout: float = 10.0) -> Iterator[Ports]:
    """Start the echo, sink and source in another process; yield their ports."""
    process = subprocess.Popen(
        [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None
    try:
        yield Ports(*map(int, first_line(process, timeout).split()))
    finally:
        process.stdin.close()
        process.wait(timeout)


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


async def source(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        left = int.from_bytes(await reader.readexactly(8), "big")
        block = memoryview(_BLOCK)
        while left > 0:
            writer.write(block[: min(left, len(block))])
            left -= len(block)
            await writer.drain()
        await reader.read()  # the client closes once it has everything
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main() -> None:
    servers = [
        await asyncio.start_server(handler, "127.0.0.1", 0, backlog=2048)
        for handler in (echo, sink, source)
    ]
    print(*(s.sockets[0].getsockname()[1] for s in servers), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
