"""Tests for proxyharness.fixtures.external.mitm: embedded mitmproxy, its listeners, records."""

from __future__ import annotations

import os
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.external import ProgramMissing, mitm
from proxyharness.fixtures.external.mitm import Mitmproxy
from proxyharness.fixtures.records import Outcome
from proxyharness.fixtures.servers.websocket import WsServer

pytestmark = pytest.mark.interop

Launch = Callable[[Any], Any]


def names_in(der: bytes) -> list[str]:
    """The DNS names and IP addresses a certificate is issued for."""
    san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    return [str(name.value) for name in san.value]


def tls_to_proxy(proxy: Mitmproxy, context: ssl.SSLContext, name: str | None) -> list[str]:
    """Open TLS to the regular listener with SNI ``name``; return the certificate's names."""
    with (
        socket.create_connection(proxy.listener("regular"), timeout=5) as sock,
        context.wrap_socket(sock, server_hostname=name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
        assert der is not None
        return names_in(der)


def open_tunnel(proxy: Mitmproxy, port: int) -> socket.socket:
    """A CONNECT tunnel to 127.0.0.1:``port`` through the http listener, left open."""
    sock = socket.create_connection(proxy.listener("regular"), timeout=5)
    sock.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
    return sock


@pytest.fixture
def no_mitmproxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``import mitmproxy`` fail for the duration of the test."""
    monkeypatch.setitem(sys.modules, "mitmproxy", None)
    mitm.load_mitmproxy.cache_clear()
    yield
    mitm.load_mitmproxy.cache_clear()


def test_listeners(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """Both listeners bind loopback; URLs name them; start is fast."""
    proxy = launch(Mitmproxy(proxy_ca, auth=("alice", "p@ss/w%rd")))
    _, http_port = proxy.listener("regular")
    _, socks_port = proxy.listener("socks5")
    assert proxy.http_url == f"http://127.0.0.1:{http_port}"
    assert proxy.https_url == f"https://127.0.0.1:{http_port}"
    assert proxy.socks5_url == f"socks5://127.0.0.1:{socks_port}"
    assert proxy.proxy_url("socks5h", host="localhost") == (
        f"socks5h://alice:p%40ss%2Fw%25rd@localhost:{socks_port}"
    )
    assert proxy.start_seconds is not None
    assert proxy.start_seconds < 2.0


def test_only_the_modes_asked(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """``modes`` picks the listeners."""
    proxy = launch(Mitmproxy(proxy_ca, modes=("socks5@0",)))
    assert proxy.socks5_url.startswith("socks5://127.0.0.1:")
    with pytest.raises(RuntimeError, match="no running regular listener"):
        proxy.listener("regular")


def test_https_listener_certificate(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """The https listener's certificate comes from our CA: for the SNI, else 127.0.0.1."""
    proxy = launch(Mitmproxy(proxy_ca))
    context = proxy_ca.client_context()
    assert tls_to_proxy(proxy, context, "proxy.example") == ["proxy.example"]
    context.check_hostname = False
    assert tls_to_proxy(proxy, context, None) == ["127.0.0.1"]


def test_stop_is_clean(launch: Launch, proxy_ca: CertificateAuthority, ws_server: WsServer) -> None:
    """Stop ends open tunnels, joins the thread; start again works."""
    proxy = launch(Mitmproxy(proxy_ca))
    thread = proxy._thread
    with open_tunnel(proxy, ws_server.port) as tunnel:
        proxy.stop()
        assert tunnel.recv(1) == b""
    (record,) = proxy.records
    assert (record.outcome, record.target_port) == (Outcome.SERVER_STOPPED, ws_server.port)
    assert thread is not None
    assert not thread.is_alive()
    assert not any(t.name == "proxyharness-mitmproxy" for t in threading.enumerate())
    proxy.stop()  # idempotent
    with Mitmproxy(proxy_ca) as again:
        assert again.records == ()


def confdirs(pid: int) -> list[Path]:
    """The confdirs (each holding a CA key while mitmproxy starts) of process ``pid``."""
    return list(Path(tempfile.gettempdir()).glob(f"proxyharness-owned-mitmproxy-{pid}-*"))


def test_ca_key_removed_once_loaded(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """Once listening, no CA key is left on disk, and the CA in use is still ours."""
    proxy = launch(Mitmproxy(proxy_ca))
    assert confdirs(os.getpid()) == []
    assert tls_to_proxy(proxy, proxy_ca.client_context(), "proxy.example") == ["proxy.example"]


def test_stale_ca_key_swept(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """A confdir left by a process that died while mitmproxy started goes at the next start."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(60)
    stale = Path(tempfile.gettempdir()) / f"proxyharness-owned-mitmproxy-{child.pid}-1-test"
    stale.mkdir()
    (stale / "mitmproxy-ca.pem").write_text("a key")
    launch(Mitmproxy(proxy_ca))
    assert not stale.exists()


OWNER = """
import sys, time
from proxyharness.fixtures import CertificateAuthority, Mitmproxy
proxy = Mitmproxy(CertificateAuthority("owner CA")).start()
print(proxy.listener("regular")[1], flush=True)
time.sleep(600)
"""


def test_ca_key_dies_with_its_owner() -> None:
    """An owner killed with SIGKILL leaves no CA key behind."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        ready, _, _ = select.select([owner.stdout], [], [], 60)
        assert ready, "the owner did not start mitmproxy within 60 s"
        port = int(owner.stdout.readline())
    finally:
        owner.kill()
        owner.wait(60)
        if owner.stdout is not None:
            owner.stdout.close()
    assert port > 0
    assert confdirs(owner.pid) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_one_at_a_time(launch: Launch, proxy_ca: CertificateAuthority) -> None:
    """A second Mitmproxy in the same process is refused (mitmproxy.ctx is global)."""
    launch(Mitmproxy(proxy_ca))
    with pytest.raises(RuntimeError, match="another Mitmproxy"):
        Mitmproxy(proxy_ca).start()


def test_records_of_a_raw_tunnel(
    launch: Launch, proxy_ca: CertificateAuthority, ws_server: WsServer
) -> None:
    """A CONNECT is recorded once the connection ends, with its line and headers."""
    proxy = launch(Mitmproxy(proxy_ca))
    open_tunnel(proxy, ws_server.port).close()
    (record,) = proxy.wait_for_records(1)
    assert record.listener == proxy.http_url
    assert record.request_line == f"CONNECT 127.0.0.1:{ws_server.port} HTTP/1.1"
    assert record.headers == (("Host", f"127.0.0.1:{ws_server.port}"),)
    assert (record.target_host, record.target_port, record.address_type) == (
        "127.0.0.1",
        ws_server.port,
        "ipv4",
    )
    assert (record.auth_method, record.reply) == ("none", "HTTP/1.1 200 Connection established")
    assert record.outcome == Outcome.TUNNELED
    proxy.reset()
    assert proxy.records == ()


@pytest.mark.parametrize(
    ("target", "allowed"),
    [("192.0.2.1", False), ("outside.example", False), ("localhost", True), ("[::1]", True)],
)
def test_dials_only_loopback(
    launch: Launch,
    proxy_ca: CertificateAuthority,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    allowed: bool,
) -> None:
    """Like the fakes, mitmproxy is kept to loopback: other targets are refused undialed."""
    import mitmproxy.proxy.server

    dialed: list[tuple[object, ...]] = []

    async def guard(*args: object, **kwargs: object) -> Any:
        dialed.append(args)
        raise ConnectionRefusedError("no dial in this test")

    # A regression must not reach the network: every dial ends here.
    monkeypatch.setattr(mitmproxy.proxy.server.asyncio, "open_connection", guard)
    proxy = launch(Mitmproxy(proxy_ca))
    with socket.create_connection(proxy.listener("regular"), timeout=5) as sock:
        sock.sendall(f"CONNECT {target}:80 HTTP/1.1\r\nHost: {target}:80\r\n\r\n".encode())
        assert not sock.recv(4096).startswith(b"HTTP/1.1 200")
    (record,) = proxy.wait_for_records(1)
    assert record.outcome == Outcome.REJECTED
    assert ("not allowed" in (record.detail or "")) is not allowed
    assert bool(dialed) is allowed


def test_refused_socks5_credentials_recorded(
    launch: Launch, proxy_ca: CertificateAuthority
) -> None:
    """Wrong SOCKS5 credentials get 01 01 and a REJECTED record naming the user."""
    proxy = launch(Mitmproxy(proxy_ca, auth=("alice", "secret")))
    with socket.create_connection(proxy.listener("socks5"), timeout=5) as sock:
        sock.sendall(b"\x05\x01\x02")
        assert sock.recv(2) == b"\x05\x02"
        sock.sendall(b"\x01\x05alice\x05wrong")
        assert sock.recv(2) == b"\x01\x01"
    (record,) = proxy.wait_for_records(1)
    assert (record.protocol, record.username, record.password) == ("socks5", "alice", "wrong")
    assert (record.outcome, record.reply) == (Outcome.REJECTED, "authentication failed")


def test_colon_in_credentials_refused(proxy_ca: CertificateAuthority) -> None:
    """mitmproxy cannot check a password holding ':' (it splits on every colon)."""
    with pytest.raises(ValueError, match="without ':'"):
        Mitmproxy(proxy_ca, auth=("alice", "p:q"))


@pytest.mark.usefixtures("no_mitmproxy")
def test_mitmproxy_missing(proxy_ca: CertificateAuthority) -> None:
    """Without mitmproxy, start raises ProgramMissing and leaves nothing behind."""
    proxy = Mitmproxy(proxy_ca)
    with pytest.raises(ProgramMissing, match=r"proxyharness\[mitmproxy\]"):
        proxy.start()
    assert proxy._dir is None
    assert mitm.running.acquire(blocking=False)
    mitm.running.release()
