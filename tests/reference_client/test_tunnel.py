"""Tests for proxyharness.reference_client.tunnel: CONNECT, SOCKS, TLS, and every failure."""

from __future__ import annotations

import base64
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import h11
import pytest

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.fixtures.records import Outcome
from proxyharness.fixtures.servers.faults import Fault
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.reference_client import (
    InvalidProxyAnswer,
    InvalidProxyURL,
    OpenTimeout,
    ProxyConnectionFailed,
    ProxyRejected,
    ProxyTLSError,
    ServerConnectionFailed,
    ServerTLSError,
    SocksUnavailable,
    connect,
    parse_proxy_url,
)
from proxyharness.reference_client.stream import ByteStream
from proxyharness.reference_client.tunnel import USER_AGENT, connect_request
from proxyharness.reference_client.uri import parse_ws_uri

SERVER_NAME = "www.example.com"
PROXY_NAME = "proxy.example"
MakeProxy = Callable[..., Any]


async def echo(uri: str, **kwargs: Any) -> str | bytes:
    """Open, send one message, return the echo, close."""
    async with connect(uri, **kwargs) as ws:
        await ws.send("ping")
        return await ws.recv()


# The CONNECT request


def test_connect_request_bytes() -> None:
    """CONNECT host:port HTTP/1.1, Host, User-Agent, Basic over UTF-8 (HTTP-01/02/08)."""
    proxy = parse_proxy_url("http://us%C3%A9r:p%40ss%3Aw@proxy.example:3128")
    uri = parse_ws_uri("wss://www.example.com/path?q")
    data = connect_request(h11.Connection(h11.CLIENT), proxy, uri)
    token = base64.b64encode("usér:p@ss:w".encode()).decode()
    assert data == (
        b"CONNECT www.example.com:443 HTTP/1.1\r\n"
        b"Host: www.example.com:443\r\n"
        b"User-Agent: " + USER_AGENT.encode() + b"\r\n"
        b"Proxy-Authorization: Basic " + token.encode() + b"\r\n\r\n"
    )


def test_connect_request_ipv6_without_credentials() -> None:
    """An IPv6 target is bracketed; no credentials, no Proxy-Authorization."""
    proxy = parse_proxy_url("http://proxy.example:3128")
    data = connect_request(h11.Connection(h11.CLIENT), proxy, parse_ws_uri("ws://[::1]/"))
    assert data.startswith(b"CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n")
    assert b"Proxy-Authorization" not in data


# What reaches the proxies


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "socks5", "socks5h"])
async def test_ipv6_target(scheme: str, make_proxy: MakeProxy) -> None:
    """An IPv6 server address is sent as IPv6: in brackets for CONNECT, ATYP 4 for SOCKS5."""
    proxy = make_proxy(scheme)
    with WsServer(host="::1") as server:
        assert await echo(server.ws_url(), proxy=proxy.proxy_url(scheme)) == "ping"
    (record,) = await proxy.wait_for_records_async(1)
    assert (record.address_type, record.target_host) == ("ipv6", "::1")
    if scheme == "http":
        assert record.request_line == f"CONNECT [::1]:{server.port} HTTP/1.1"


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["socks4", "socks4a"])
async def test_socks4_cannot_carry_ipv6(scheme: str, make_proxy: MakeProxy) -> None:
    """SOCKS4 has no IPv6 form: a clear error, and nothing is sent to the proxy."""
    proxy = make_proxy(scheme)
    with pytest.raises(ServerConnectionFailed, match="IPv6"):
        await echo("ws://[::1]:9/", proxy=proxy.proxy_url(scheme))
    assert proxy.records == ()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("scheme", "rdns"),
    [("socks4", False), ("socks4a", True), ("socks5", False), ("socks5h", True)],
)
async def test_rdns_is_always_explicit(
    scheme: str, rdns: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python-socks gets rdns for every scheme: its SOCKS5 default would send names."""
    from python_socks.async_ import asyncio as socks_asyncio

    seen: dict[str, Any] = {}
    real = socks_asyncio.Proxy

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(socks_asyncio, "Proxy", spy)
    with pytest.raises(ProxyConnectionFailed):
        await echo("ws://www.example.com/", proxy=f"{scheme}://u:p@127.0.0.1:9")
    assert seen["rdns"] is rdns
    assert (seen["username"], seen["password"]) == ("u", "p" if "5" in scheme else None)


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_http_answers_that_open_the_tunnel(
    scheme: str,
    make_proxy: MakeProxy,
    ws_server: WsServer,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
) -> None:
    """Any 2xx opens the tunnel, and an HTTP/1.0 status line is accepted (HTTP-03)."""
    proxy = make_proxy(scheme)
    for fault in (Fault.http_version("HTTP/1.0"), Fault.reply(204, "No Content")):
        proxy.inject(fault)
        uri = ws_server.ws_url(SERVER_NAME)
        assert await echo(uri, proxy=url_of(proxy, scheme), proxy_ssl=proxy_ssl) == "ping"
    replies = [record.reply for record in await proxy.wait_for_records_async(2)]
    assert replies == ["HTTP/1.0 200 Connection established", "HTTP/1.1 204 No Content"]


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_tls_names_can_be_overridden(
    scheme: str,
    make_proxy: MakeProxy,
    wss_server: WsServer,
    server_ssl: ssl.SSLContext,
    proxy_ssl: ssl.SSLContext,
    resolved: VirtualDNS,
) -> None:
    """proxy_server_hostname and server_hostname set the SNI of each hop (HTTP-04/05)."""
    proxy = make_proxy(scheme)
    uri = wss_server.ws_url(SERVER_NAME)
    await echo(
        uri,
        proxy=proxy.proxy_url(scheme),
        ssl=server_ssl,
        proxy_ssl=proxy_ssl,
        proxy_server_hostname="other-proxy.example",
        server_hostname="other-server.example",
    )
    (record,) = await proxy.wait_for_records_async(1)
    assert record.inner_tls is not None
    assert record.inner_tls.sni == "other-server.example"
    if scheme == "https":
        assert record.proxy_tls is not None
        assert record.proxy_tls.sni == "other-proxy.example"


# python-socks is optional (SOCKS-01)


def hide_python_socks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``import python_socks...`` fail, as if it were not installed."""
    names = [n for n in sys.modules if n == "python_socks" or n.startswith("python_socks.")]
    for name in {*names, "python_socks", "python_socks.async_", "python_socks.async_.asyncio"}:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.asyncio
async def test_without_python_socks(
    monkeypatch: pytest.MonkeyPatch,
    make_proxy: MakeProxy,
    ws_server: WsServer,
    resolved: VirtualDNS,
) -> None:
    """SOCKS says what to install and sends nothing; direct and HTTP still work."""
    hide_python_socks(monkeypatch)
    socks = make_proxy("socks5h")
    http = make_proxy("http")
    uri = ws_server.ws_url(SERVER_NAME)
    for scheme in ("socks4", "socks4a", "socks5", "socks5h"):
        with pytest.raises(SocksUnavailable, match=r"pip install python-socks\[asyncio\]"):
            await echo(uri, proxy=socks.proxy_url(scheme))
    assert await echo(uri, proxy=None) == "ping"
    assert await echo(uri, proxy=http.proxy_url()) == "ping"
    await http.wait_for_records_async(1)
    assert socks.records == ()


def test_importing_the_client_does_not_import_python_socks() -> None:
    """python-socks is imported only when a SOCKS proxy is used."""
    code = (
        "import sys, proxyharness.reference_client; "
        "assert 'python_socks' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.asyncio
async def test_socks_credentials_python_socks_cannot_send(make_proxy: MakeProxy) -> None:
    """Non-ASCII SOCKS credentials are a clear error before anything is sent."""
    proxy = make_proxy("socks5h")
    url = proxy.proxy_url("socks5h").replace("://", "://user:p%C3%A4ss@")
    with pytest.raises(InvalidProxyURL, match="ASCII") as raised:
        await echo("ws://www.example.com/", proxy=url)
    assert "päss" not in str(raised.value)
    assert proxy.records == ()


# Failures: each with its exception and nothing left behind (ERR-01 to ERR-04)


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "https", "socks4", "socks4a", "socks5", "socks5h"])
async def test_refused_proxy(scheme: str, closed_port: int, leak_check: Any) -> None:
    """A closed proxy port is a prompt ProxyConnectionFailed (ERR-01)."""
    check = leak_check()
    started = time.monotonic()
    with pytest.raises(ProxyConnectionFailed) as raised:
        await echo("ws://www.example.com/", proxy=f"{scheme}://u:secret@127.0.0.1:{closed_port}")
    assert time.monotonic() - started < 1
    assert "secret" not in str(raised.value)
    assert raised.value.kind == "proxy-refused"
    check.verify()


@pytest.mark.asyncio
async def test_refused_server(closed_port: int, leak_check: Any) -> None:
    """A closed server port, directly: ServerConnectionFailed."""
    check = leak_check()
    with pytest.raises(ServerConnectionFailed):
        await echo(f"ws://127.0.0.1:{closed_port}/", proxy=None)
    check.verify()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("scheme", "stage"),
    [
        ("http", "CONNECT handshake with the proxy"),
        ("https", "CONNECT handshake with the proxy"),
        ("socks4a", "SOCKS4 handshake with the proxy"),
        ("socks5h", "SOCKS5 handshake with the proxy"),
    ],
)
async def test_silent_proxy(
    scheme: str,
    stage: str,
    make_proxy: MakeProxy,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """A proxy that never answers: OpenTimeout within open_timeout, naming the stage."""
    proxy = make_proxy(scheme, faults=(Fault.silence(),))
    check = leak_check()
    started = time.monotonic()
    with pytest.raises(OpenTimeout) as raised:
        await echo(
            "ws://www.example.com/",
            proxy=url_of(proxy, scheme),
            proxy_ssl=proxy_ssl,
            open_timeout=0.5,
        )
    assert 0.5 <= time.monotonic() - started < 1.5
    assert raised.value.stage == stage
    check.verify((proxy, 1))


HTTP_FAILURES = [
    pytest.param(Fault.reply(403), ProxyRejected, 403, id="403"),
    pytest.param(Fault.reply(502, "Bad Gateway"), ProxyRejected, 502, id="502"),
    pytest.param(Fault.reply(101), ProxyRejected, 101, id="101-without-upgrade"),
    pytest.param(Fault.reply(301), ProxyRejected, 301, id="301"),
    pytest.param(Fault.reply(100), InvalidProxyAnswer, None, id="100-then-closed"),
    pytest.param(Fault.garbage(), InvalidProxyAnswer, None, id="garbage"),
    pytest.param(Fault.garbage(b"HTTP/1.1 200"), InvalidProxyAnswer, None, id="truncated"),
    pytest.param(Fault.close_after(0), InvalidProxyAnswer, None, id="closed-at-once"),
    pytest.param(Fault.close_after(10), InvalidProxyAnswer, None, id="closed-mid-request"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize(("fault", "error", "status"), HTTP_FAILURES)
async def test_http_proxy_failures(
    scheme: str,
    fault: Fault,
    error: type[Exception],
    status: int | None,
    make_proxy: MakeProxy,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """Refusals carry the status; malformed or closed answers are InvalidProxyAnswer."""
    proxy = make_proxy(scheme, faults=(fault,))
    check = leak_check()
    with pytest.raises(error) as raised:
        await echo("ws://www.example.com/", proxy=url_of(proxy, scheme), proxy_ssl=proxy_ssl)
    if status is not None:
        assert isinstance(raised.value, ProxyRejected)
        assert raised.value.status == status
    check.verify((proxy, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("credentials", ["none", "wrong"])
async def test_http_proxy_authentication_required(
    scheme: str,
    credentials: str,
    make_proxy: MakeProxy,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """Missing or wrong credentials: ProxyRejected with 407, no password in the message."""
    proxy = make_proxy(scheme, auth=True)
    url = url_of(proxy, scheme, credentials=False)
    if credentials == "wrong":
        url = url.replace("://", "://alice:n0t-it@")
    check = leak_check()
    with pytest.raises(ProxyRejected) as raised:
        await echo("ws://www.example.com/", proxy=url, proxy_ssl=proxy_ssl)
    assert raised.value.status == 407
    assert "n0t-it" not in str(raised.value)
    check.verify((proxy, 1))


SOCKS_FAILURES = [
    pytest.param("socks5h", Fault.reply(0x01), 0x01, id="socks5-general-failure"),
    pytest.param("socks5h", Fault.reply(0x02), 0x02, id="socks5-not-allowed"),
    pytest.param("socks5", Fault.reply(0x05), 0x05, id="socks5-refused"),
    pytest.param("socks4a", Fault.reply(0x5B), 0x5B, id="socks4-rejected"),
    pytest.param("socks4", Fault.reply(0x5D), 0x5D, id="socks4-userid-mismatch"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("scheme", "fault", "code"), SOCKS_FAILURES)
async def test_socks_failure_replies(
    scheme: str,
    fault: Fault,
    code: int,
    make_proxy: MakeProxy,
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """A SOCKS failure reply is ProxyRejected carrying the reply code (SOCKS-05)."""
    proxy = make_proxy(scheme, faults=(fault,))
    check = leak_check()
    with pytest.raises(ProxyRejected) as raised:
        await echo("ws://www.example.com/", proxy=proxy.proxy_url(scheme))
    assert raised.value.reply_code == code
    assert raised.value.protocol == ("socks4" if scheme.startswith("socks4") else "socks5")
    check.verify((proxy, 1))


@pytest.mark.asyncio
async def test_socks_unknown_name(make_proxy: MakeProxy, leak_check: Any) -> None:
    """socks5h: the proxy cannot resolve the name and says so with reply 0x04."""
    proxy = make_proxy("socks5h")
    check = leak_check()
    with pytest.raises(ProxyRejected) as raised:
        await echo("ws://unknown.example/", proxy=proxy.proxy_url("socks5h"))
    assert raised.value.reply_code == 0x04
    check.verify((proxy, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["socks4", "socks5"])
async def test_socks_local_resolution_fails(
    scheme: str, make_proxy: MakeProxy, resolved: VirtualDNS, leak_check: Any
) -> None:
    """socks4/socks5 resolve locally: an unknown name is the server's failure."""
    proxy = make_proxy(scheme)
    check = leak_check()
    with pytest.raises(ServerConnectionFailed, match="resolve"):
        await echo("ws://unknown.example/", proxy=proxy.proxy_url(scheme))
    check.verify((proxy, 1))
    assert proxy.records[0].target_host is None  # nothing was asked of the proxy


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["socks4a", "socks5h"])
async def test_socks_wrong_credentials(scheme: str, make_proxy: MakeProxy, leak_check: Any) -> None:
    """Wrong credentials: ProxyRejected, the password never shown (SOCKS-05, URL-05)."""
    proxy = make_proxy(scheme, auth=True)
    url = proxy.proxy_url(scheme, credentials=False).replace("://", "://mallory:n0t-it@")
    check = leak_check()
    with pytest.raises(ProxyRejected) as raised:
        await echo("ws://www.example.com/", proxy=url)
    assert "n0t-it" not in str(raised.value)
    assert "n0t-it" not in repr(raised.value.args)
    check.verify((proxy, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("methods", "credentials"),
    [((0x02,), False), ((0x01,), False), ((0x01,), True)],
    ids=["auth-required-none-offered", "gssapi-only", "gssapi-only-with-credentials"],
)
async def test_socks5_no_acceptable_method(
    methods: tuple[int, ...],
    credentials: bool,
    make_proxy: MakeProxy,
    leak_check: Any,
) -> None:
    """0xFF (nothing acceptable, e.g. a GSSAPI-only server) is a prompt ProxyRejected."""
    proxy = make_proxy("socks5h", methods=methods)
    url = proxy.proxy_url("socks5h")
    if credentials:
        url = url.replace("://", "://u:p@")
    check = leak_check()
    started = time.monotonic()
    with pytest.raises(ProxyRejected, match="acceptable") as raised:
        await echo("ws://www.example.com/", proxy=url, open_timeout=5)
    assert time.monotonic() - started < 1  # never a hang (SOCKS-04)
    assert raised.value.reply_code is None
    check.verify((proxy, 1))
    (record,) = proxy.records
    assert 0x01 not in record.offered_methods
    assert record.outcome is Outcome.REJECTED


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", ["socks4a", "socks5h"])
@pytest.mark.parametrize(
    "fault",
    [Fault.garbage(), Fault.close_after(0), Fault.close_after(3)],
    ids=["garbage", "closed-at-once", "closed-mid-handshake"],
)
async def test_socks_invalid_answers(
    scheme: str, fault: Fault, make_proxy: MakeProxy, leak_check: Any
) -> None:
    """Garbage or a close during the handshake: InvalidProxyAnswer (ERR-03)."""
    proxy = make_proxy(scheme, faults=(fault,))
    check = leak_check()
    with pytest.raises(InvalidProxyAnswer):
        await echo("ws://www.example.com/", proxy=proxy.proxy_url(scheme))
    check.verify((proxy, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize("secure", [False, True], ids=["ws", "wss"])
@pytest.mark.parametrize("scheme", ["http", "https", "socks4a", "socks5h"])
async def test_tunnel_closed_after_success(
    scheme: str,
    secure: bool,
    make_proxy: MakeProxy,
    ws_server: WsServer,
    wss_server: WsServer,
    server_ssl: ssl.SSLContext,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """The proxy says yes, then closes: TLS or the handshake with the server fails cleanly."""
    proxy = make_proxy(scheme, faults=(Fault.dial_fails(),))
    server = wss_server if secure else ws_server
    check = leak_check()
    with pytest.raises(ServerConnectionFailed):
        await echo(
            server.ws_url(SERVER_NAME),
            proxy=url_of(proxy, scheme),
            ssl=server_ssl,
            proxy_ssl=proxy_ssl,
        )
    check.verify((proxy, 1))


# TLS trust: one per hop (HTTP-07)


@pytest.mark.asyncio
async def test_bad_proxy_certificate(
    make_proxy: MakeProxy,
    ws_server: WsServer,
    server_ssl: ssl.SSLContext,
    proxy_ssl: ssl.SSLContext,
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """A proxy certificate the proxy trust does not accept is ProxyTLSError."""
    rogue = make_proxy("https", ca=CertificateAuthority("rogue proxy CA"))
    honest = make_proxy("https")
    uri = ws_server.ws_url(SERVER_NAME)
    check = leak_check()
    with pytest.raises(ProxyTLSError, match="certificate verify failed"):
        await echo(uri, proxy=rogue.proxy_url(host=PROXY_NAME), proxy_ssl=proxy_ssl)
    # The server's trust is not the proxy's: trusting the server CA does not help.
    with pytest.raises(ProxyTLSError):
        await echo(uri, proxy=honest.proxy_url(host=PROXY_NAME), proxy_ssl=server_ssl)
    check.verify((rogue, 1), (honest, 1))


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", [None, "socks5h", "http", "https"])
async def test_bad_server_certificate(
    scheme: str | None,
    make_proxy: MakeProxy,
    wss_server: WsServer,
    proxy_ssl: ssl.SSLContext,
    url_of: Callable[..., str],
    resolved: VirtualDNS,
    leak_check: Any,
) -> None:
    """A server certificate the server trust does not accept is ServerTLSError.

    With an https:// proxy this is TLS-in-TLS, where the proxy's trust (which would
    not accept the server either) must not be mixed in.
    """
    proxy = None if scheme is None else make_proxy(scheme)
    check = leak_check()
    with pytest.raises(ServerTLSError, match="certificate verify failed") as raised:
        await echo(
            wss_server.ws_url(SERVER_NAME),
            proxy=None if proxy is None else url_of(proxy, scheme),
            ssl=proxy_ssl,  # the wrong CA for the server
            proxy_ssl=proxy_ssl,
        )
    assert raised.value.kind == "server-tls"
    check.verify(*([] if proxy is None else [(proxy, 1)]), (wss_server, 1))


@pytest.mark.asyncio
async def test_wrapped_socket_has_nagle_off() -> None:
    """A socket made without IPPROTO_TCP (as python-socks makes them) gets TCP_NODELAY.

    asyncio sets it only for IPPROTO_TCP sockets; without it the request written after
    the TLS Finished waits for the peer's delayed ACK.
    """
    with socket.create_server(("127.0.0.1", 0)) as listener:
        plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        plain.connect(listener.getsockname())
        assert plain.proto == 0
        assert not plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        stream = await ByteStream.wrap(plain)
        try:
            assert plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            stream.abort()
        listener.accept()[0].close()
