"""The blocking client of the benchmarks: open a tunnel by hand, direct or through a
SOCKS5 or HTTP CONNECT proxy, to a target on 127.0.0.1."""

from __future__ import annotations

import socket

#: Every socket operation of the client gives up after this many seconds.
TIMEOUT = 10.0


def read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed early")
        data += chunk
    return data


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        data += chunk
    return data


def open_direct(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), TIMEOUT)


def open_http(proxy: tuple[str, int], port: int) -> socket.socket:
    """HTTP CONNECT to 127.0.0.1:``port``; any 200 answer (HTTP/1.0 or 1.1) opens it."""
    sock = socket.create_connection(proxy, TIMEOUT)
    try:
        sock.sendall(
            f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        )
        head = read_until(sock, b"\r\n\r\n")
        if head.split(b" ", 2)[1:2] != [b"200"] or not head.endswith(b"\r\n\r\n"):
            raise ConnectionError(head.decode(errors="replace").splitlines()[0])
    except BaseException:
        sock.close()
        raise
    return sock


def open_socks5(proxy: tuple[str, int], port: int) -> socket.socket:
    """SOCKS5, no authentication, CONNECT to 127.0.0.1:``port``."""
    sock = socket.create_connection(proxy, TIMEOUT)
    try:
        sock.sendall(b"\x05\x01\x00")
        if read_exact(sock, 2) != b"\x05\x00":
            raise ConnectionError("method refused")
        sock.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + port.to_bytes(2, "big"))
        reply = read_exact(sock, 5)
        if reply[1] != 0:
            raise ConnectionError(f"reply {reply[1]:#04x}")
        read_exact(sock, {1: 5, 4: 17}.get(reply[3], reply[4] + 2))  # rest of BND.ADDR, PORT
    except BaseException:
        sock.close()
        raise
    return sock
