"""Fake servers vs direct connections and vs mitmproxy, side by side, as ratios.

    python benchmarks/bench_fixtures.py [--quick]

(a) time until a started fake proxy accepts a connection, vs mitmproxy in-process
    (and vs the floor: a bare listening socket, no server at all);
(b) 200 sequential tunnels + one echo each, through the HTTP and SOCKS5 fakes vs direct
    (and vs the floor: the smallest asyncio SOCKS5 proxy, in this process);
(c) 200 MB relayed through each fake vs direct (and mitmproxy when installed);
(d) RSS added by 1000 concurrent idle tunnels through the HTTP fake.
Per-test fixture cost is benchmarks/bench_fixture_cost.py.
"fake" rows run the proxy in this process, on the fixtures' background thread, as a
test does; "serve" rows run it as ``proxyharness serve`` in its own process.
Targets (the fixtures issue): (a) <= 1 ms median and >= 100x faster than mitmproxy;
(b) <= 1.5x direct; (c) >= 0.9x direct; (d) <= 64 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _clients import open_direct, open_http, open_socks5, read_exact
from _minimal_socks5 import FloorClient
from _processes import served
from _targets import targets

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.servers import loop as _loop
from proxyharness.fixtures.servers.http_proxy import HttpProxy
from proxyharness.fixtures.servers.socks import SocksProxy


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_accept(rounds: int) -> dict[str, float]:
    """(a) start a proxy and complete one TCP connection to it."""
    results: dict[str, float] = {}
    for name, make in (("http fake", lambda: HttpProxy()), ("socks5 fake", lambda: SocksProxy(5))):
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            with make() as proxy:
                socket.create_connection(proxy.address).close()
                samples.append(time.perf_counter() - start)
        results[name] = median_ms(samples)
    results["floor: bare socket"] = bench_bare_accept(rounds)
    mitm = bench_mitmproxy_accept(max(3, rounds // 20))
    if mitm is not None:
        results["mitmproxy"] = mitm
    return results


def bench_bare_accept(rounds: int) -> float:
    """The floor of (a): a bare listening socket, no server, the same client call."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        with socket.create_server(("127.0.0.1", 0)) as listener:
            socket.create_connection(listener.getsockname()).close()
            samples.append(time.perf_counter() - start)
    return median_ms(samples)


def bench_mitmproxy_accept(rounds: int) -> float | None:
    try:
        from mitmproxy import options
        from mitmproxy.addons import core, next_layer, proxyserver, tlsconfig
        from mitmproxy.master import Master
    except ImportError:
        return None
    ca = CertificateAuthority("bench mitmproxy CA")
    samples = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as confdir:
            ca.write_cert_and_key(Path(confdir) / "mitmproxy-ca.pem")

            async def run_once() -> float:
                start = time.perf_counter()
                opts = options.Options(mode=["regular@0"], listen_host="127.0.0.1", confdir=confdir)
                master = Master(opts)
                master.addons.add(
                    core.Core(),
                    proxyserver.Proxyserver(),
                    next_layer.NextLayer(),
                    tlsconfig.TlsConfig(),
                )
                task = asyncio.ensure_future(master.run())
                server = master.addons.get("proxyserver")
                while not server.listen_addrs():  # poll every iteration: no 1 ms steps
                    await asyncio.sleep(0)
                host, port = server.listen_addrs()[0][:2]
                socket.create_connection((host, port)).close()  # the fakes' client call
                elapsed = time.perf_counter() - start
                master.shutdown()
                await asyncio.wait_for(task, 10)
                return elapsed

            samples.append(asyncio.run(run_once()))
    return median_ms(samples)


def bench_sequential(echo_port: int, count: int) -> dict[str, float]:
    """(b) ``count`` sequential tunnels with one 64-byte echo each; total seconds."""
    message = b"m" * 64

    def run(opener: Callable[[], socket.socket]) -> float:
        start = time.perf_counter()
        for _ in range(count):
            with opener() as sock:
                sock.sendall(message)
                got = b""
                while len(got) < len(message):
                    got += sock.recv(4096)
        return time.perf_counter() - start

    with HttpProxy() as http, SocksProxy(5) as socks5:
        results = {
            "direct": run(lambda: open_direct(echo_port)),
            "http fake": run(lambda: open_http(http.address, echo_port)),
            "socks5 fake": run(lambda: open_socks5(socks5.address, echo_port)),
        }
    with served("http") as http_address, served("socks5") as socks5_address:
        results["http serve"] = run(lambda: open_http(http_address, echo_port))
        results["socks5 serve"] = run(lambda: open_socks5(socks5_address, echo_port))
    with minimal_socks5() as floor_address:
        results["floor: minimal"] = run(lambda: open_socks5(floor_address, echo_port))
    return results


@contextlib.contextmanager
def minimal_socks5() -> Iterator[tuple[str, int]]:
    """(b)'s floor: the smallest asyncio SOCKS5 proxy, on the fakes' background loop."""

    async def start() -> asyncio.Server:
        return await asyncio.get_running_loop().create_server(FloorClient, "127.0.0.1", 0)

    async def stop(server: asyncio.Server) -> None:
        server.close()
        await asyncio.sleep(0.1)  # let the last tunnel's transports close

    server = _loop.run(start())
    try:
        yield "127.0.0.1", server.sockets[0].getsockname()[1]
    finally:
        _loop.run(stop(server))


def bench_relay(sink_port: int, megabytes: int) -> dict[str, float]:
    """(c) send ``megabytes`` MB to the sink; MB/s."""
    block = b"\x00" * (1 << 20)

    def run(opener: Callable[[], socket.socket]) -> float:
        with opener() as sock:
            start = time.perf_counter()
            for _ in range(megabytes):
                sock.sendall(block)
            sock.shutdown(socket.SHUT_WR)
            received = int.from_bytes(read_exact(sock, 8), "big")
            elapsed = time.perf_counter() - start
        assert received == megabytes << 20, received
        return megabytes / elapsed

    with HttpProxy() as http, SocksProxy(5) as socks5:
        results = {
            "direct": run(lambda: open_direct(sink_port)),
            "http fake": run(lambda: open_http(http.address, sink_port)),
            "socks5 fake": run(lambda: open_socks5(socks5.address, sink_port)),
        }
    with served("http") as http_address, served("socks5") as socks5_address:
        results["http serve"] = run(lambda: open_http(http_address, sink_port))
        results["socks5 serve"] = run(lambda: open_socks5(socks5_address, sink_port))
    return results


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_idle(echo_port: int, count: int) -> dict[str, float]:
    """(d) RSS added by ``count`` idle tunnels (client sockets included)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * count + 256)), hard))
    with HttpProxy() as http:
        with open_http(http.address, echo_port):
            pass
        http.wait_for_records(1)
        before = rss_mb()
        socks = [open_http(http.address, echo_port) for _ in range(count)]
        after = rss_mb()
        for sock in socks:
            sock.close()
    return {"rss before (MB)": before, "rss added (MB)": after - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    args = parser.parse_args()
    rounds, tunnels, megabytes, idle = (20, 50, 20, 100) if args.quick else (200, 200, 200, 1000)

    print(f"(a) start + first accepted connection, median of {rounds} (ms)")
    accept = bench_accept(rounds)
    for name, value in accept.items():
        print(f"    {name:18} {value:9.3f}")
    if "mitmproxy" in accept:
        fastest = min(accept["http fake"], accept["socks5 fake"])
        print(f"    mitmproxy / fake: {accept['mitmproxy'] / fastest:.0f}x")
        floor = accept["floor: bare socket"]
        print(
            f"    mitmproxy / floor: {accept['mitmproxy'] / floor:.0f}x (the best any fake can get)"
        )

    with targets() as ports:
        echo_port, sink_port = ports.echo, ports.sink
        print(f"(b) {tunnels} sequential tunnels + one echo each (s)")
        seq = bench_sequential(echo_port, tunnels)
        for name, value in seq.items():
            print(f"    {name:14} {value:9.3f}   {value / seq['direct']:.2f}x direct")
        print(f"(c) {megabytes} MB relayed (MB/s)")
        relay = bench_relay(sink_port, megabytes)
        for name, value in relay.items():
            print(f"    {name:14} {value:9.0f}   {value / relay['direct']:.2f}x direct")
        print(f"(d) {idle} concurrent idle tunnels through the http fake")
        for name, value in bench_idle(echo_port, idle).items():
            print(f"    {name:16} {value:7.1f}")
    _loop.shutdown()


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
