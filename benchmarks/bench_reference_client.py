"""Connect + one echo + close: the reference client against websockets, same fake proxies.

Run ``python benchmarks/bench_reference_client.py [-n 100]``. For each route (direct,
socks5, socks5h, http, https) and each of ws and wss, both clients open N connections
one after the other through the same fake proxy, alternating so that both see the same
conditions; the table gives each client's median and the ratio ours / websockets
(below 1.0: the reference client is faster).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import ssl
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import connect as websockets_connect

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.fixtures.servers.http_proxy import HttpProxy
from proxyharness.fixtures.servers.proxy_base import FakeProxy
from proxyharness.fixtures.servers.socks import SocksProxy
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.reference_client import connect as reference_connect

SERVER_NAME = "www.example.com"
PROXY_NAME = "proxy.example"
ROUTES = ("direct", "socks5", "socks5h", "http", "https")
WARMUP = 5

Exchange = Callable[[], Awaitable[None]]


async def reference(uri: str, proxy: str | None, options: dict[str, Any]) -> None:
    async with reference_connect(uri, proxy=proxy, **options) as ws:
        await ws.send("hello")
        await ws.recv()


async def websockets(uri: str, proxy: str | None, options: dict[str, Any]) -> None:
    async with websockets_connect(uri, proxy=proxy, **options) as ws:
        await ws.send("hello")
        await ws.recv()


async def measure(exchanges: tuple[Exchange, Exchange], n: int) -> tuple[list[float], ...]:
    """Time n rounds of each exchange, alternating; return the durations in ms."""
    for _ in range(WARMUP):
        for exchange in exchanges:
            await exchange()
    timings: tuple[list[float], ...] = tuple([] for _ in exchanges)
    for _ in range(n):
        for exchange, durations in zip(exchanges, timings, strict=True):
            started = time.perf_counter()
            await exchange()
            durations.append((time.perf_counter() - started) * 1000)
    return timings


def start_proxy(route: str, dns: VirtualDNS, ca: CertificateAuthority) -> FakeProxy | None:
    if route == "direct":
        return None
    if route.startswith("socks"):
        return SocksProxy(5, dns=dns).start()
    return HttpProxy(dns=dns, ca=ca if route == "https" else None).start()


async def run(n: int) -> list[tuple[str, str, float, float]]:
    dns = VirtualDNS({SERVER_NAME: "127.0.0.1", PROXY_NAME: "127.0.0.1"})
    server_ca = CertificateAuthority("bench server CA")
    proxy_ca = CertificateAuthority("bench proxy CA")
    server_ssl: ssl.SSLContext = server_ca.client_context()
    proxy_ssl: ssl.SSLContext = proxy_ca.client_context()
    rows = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(dns.patch())
        servers = {
            "ws": stack.enter_context(WsServer()),
            "wss": stack.enter_context(WsServer(ca=server_ca)),
        }
        for route in ROUTES:
            proxy = start_proxy(route, dns, proxy_ca)
            if proxy is not None:
                stack.callback(proxy.stop)
            host = PROXY_NAME if route == "https" else None
            proxy_url = None if proxy is None else proxy.proxy_url(route, host=host)
            for scheme, server in servers.items():
                uri = server.ws_url(SERVER_NAME)
                options: dict[str, Any] = {}
                if scheme == "wss":
                    options["ssl"] = server_ssl
                if route == "https":
                    options["proxy_ssl"] = proxy_ssl
                ours = functools.partial(reference, uri, proxy_url, options)
                theirs = functools.partial(websockets, uri, proxy_url, options)
                ours_ms, theirs_ms = await measure((ours, theirs), n)
                rows.append(
                    (route, scheme, statistics.median(ours_ms), statistics.median(theirs_ms))
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="connections per client and row")
    args = parser.parse_args()
    rows = asyncio.run(run(args.n))
    print(f"connect + echo + close, median of {args.n} sequential connections (ms)")
    print(f"{'route':<9}{'uri':<5}{'reference':>11}{'websockets':>12}{'ratio':>8}")
    for route, scheme, ours, theirs in rows:
        print(f"{route:<9}{scheme:<5}{ours:>11.2f}{theirs:>12.2f}{ours / theirs:>7.2f}x")


if __name__ == "__main__":
    main()
