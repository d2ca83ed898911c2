"""One malformed-traffic client, run as its own process by ``bench_serve.py``.

``python benchmarks/_storm.py ATTACK KIND PORT SECONDS`` opens connections to
``127.0.0.1:PORT`` (only there) as fast as it can for SECONDS, and prints how many it
opened. ATTACK is one of :data:`ATTACKS`; KIND is the ``serve`` kind it talks to.
Every loop is bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import random
import socket
import sys
import time
from collections.abc import Callable

HOST = "127.0.0.1"
#: At most this many connections per attack process, however fast the machine.
MAX_CONNECTIONS = 2_000_000
#: Sockets the trickle attack keeps open at once.
TRICKLE_SOCKETS = 64
TRICKLE_PAUSE = 0.25
_WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="

#: A well-formed handshake per kind (cut short, trickled or swollen by the attacks).
HANDSHAKES = {
    "socks5": b"\x05\x01\x00\x05\x01\x00\x03\x0cexample.test\x00\x50",
    "http": b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n",
    "ws": (
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {_WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode(),
}


def _connect(port: int) -> socket.socket | None:
    try:
        sock = socket.create_connection((HOST, port), timeout=1)
    except OSError:
        return None
    sock.settimeout(0.2)
    return sock


def _glance(sock: socket.socket) -> None:
    """Read a little of the answer, if any comes soon."""
    with contextlib.suppress(OSError):
        sock.recv(4096)


def random_bytes(kind: str, port: int, deadline: float, rng: random.Random) -> int:
    """Random bytes of random length, instead of a handshake."""
    count = 0
    while count < MAX_CONNECTIONS and time.monotonic() < deadline:
        sock = _connect(port)
        count += 1
        if sock is None:
            continue
        with sock, contextlib.suppress(OSError):
            sock.sendall(rng.randbytes(rng.randint(1, 4096)))
            _glance(sock)
    return count


def truncated(kind: str, port: int, deadline: float, rng: random.Random) -> int:
    """A valid handshake cut at a random byte, then a close (or a half-close)."""
    handshake = HANDSHAKES[kind]
    count = 0
    while count < MAX_CONNECTIONS and time.monotonic() < deadline:
        sock = _connect(port)
        count += 1
        if sock is None:
            continue
        with sock, contextlib.suppress(OSError):
            sock.sendall(handshake[: rng.randrange(1, len(handshake))])
            if rng.random() < 0.5:
                sock.shutdown(socket.SHUT_WR)
                _glance(sock)
    return count


def trickle(kind: str, port: int, deadline: float, rng: random.Random) -> int:
    """Slowloris: many connections, each sending its handshake a byte at a time."""
    handshake = HANDSHAKES[kind] + b"X-Pad: " + b"p" * 4096
    open_ones: list[tuple[socket.socket, int]] = []
    count = 0
    rounds = int((deadline - time.monotonic()) / TRICKLE_PAUSE) + 1
    try:
        for _ in range(max(rounds, 1)):
            if time.monotonic() >= deadline:
                break
            while len(open_ones) < TRICKLE_SOCKETS and count < MAX_CONNECTIONS:
                sock = _connect(port)
                count += 1
                if sock is None:
                    break
                open_ones.append((sock, 0))
            kept = []
            for sock, sent in open_ones:
                try:
                    sock.sendall(handshake[sent : sent + 1])
                    kept.append((sock, sent + 1))
                except OSError:
                    sock.close()
            open_ones = kept
            time.sleep(TRICKLE_PAUSE)
    finally:
        for sock, _ in open_ones:
            sock.close()
    return count


def huge(kind: str, port: int, deadline: float, rng: random.Random) -> int:
    """Oversized input: a WebSocket frame of 2 GiB announced (ws), a 1 MiB header
    (http), or 1 MiB after the greeting (socks5); up to 4 MiB sent per connection."""
    count = 0
    block = rng.randbytes(64 * 1024)
    while count < MAX_CONNECTIONS and time.monotonic() < deadline:
        sock = _connect(port)
        count += 1
        if sock is None:
            continue
        with sock, contextlib.suppress(OSError):
            sock.sendall(_oversized_start(kind, sock))
            for _ in range(64):  # 4 MiB at most
                if time.monotonic() >= deadline:
                    break
                sock.sendall(block)
    return count


def _oversized_start(kind: str, sock: socket.socket) -> bytes:
    if kind == "ws":
        sock.sendall(HANDSHAKES["ws"])
        _glance(sock)  # the 101
        length = 2**31
        return bytes([0x82, 0x80 | 127]) + length.to_bytes(8, "big") + b"\0\0\0\0"
    if kind == "http":
        return b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nX-Huge: "
    return b"\x05\x01\x00"


ATTACKS: dict[str, Callable[[str, int, float, random.Random], int]] = {
    "random": random_bytes,
    "truncated": truncated,
    "trickle": trickle,
    "huge": huge,
}


def main(argv: list[str]) -> int:
    attack, kind, port, seconds = argv[0], argv[1], int(argv[2]), float(argv[3])
    rng = random.Random(f"{attack}-{kind}")
    count = ATTACKS[attack](kind, port, time.monotonic() + seconds, rng)
    print(count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
