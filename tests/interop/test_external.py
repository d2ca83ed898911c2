"""Tests for proxyharness.fixtures.external: launching, stopping and reading Debian's proxies."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from proxyharness.fixtures import external
from proxyharness.fixtures.external import (
    Dante,
    ExternalProxy,
    Microsocks,
    ProgramMissing,
    ProxyStartError,
    Squid,
    Tinyproxy,
    address_type_of,
    basic_credentials,
    listens,
)
from proxyharness.fixtures.external import launcher as _external_launcher
from proxyharness.fixtures.records import Outcome

pytestmark = pytest.mark.interop

Launch = Callable[[Any], Any]
LAUNCHERS = (Tinyproxy, Squid, Dante, Microsocks)


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` to the proxy on ``port``; return its first answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        return sock.recv(4096)


def connect_request(target: str, credentials: tuple[str, str] | None = None) -> bytes:
    """A CONNECT request for ``target``, with Basic credentials if given."""
    head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        head += f"Proxy-Authorization: Basic {token}\r\n"
    return (head + "\r\n").encode()


def gone(pid: int, timeout: float = 5.0) -> bool:
    """Wait until process ``pid`` has ended (a zombie counts as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return external.free_port()


class NoSuchProgram(Microsocks):
    """A launcher whose program is not installed anywhere."""

    program: ClassVar[str] = "proxyharness-no-such-program"
    package: ClassVar[str] = "proxyharness-no-such-package"


class BrokenTinyproxy(Tinyproxy):
    """tinyproxy with a configuration it refuses."""

    def _command(self, executable: str, port: int) -> list[str]:
        config = self.directory / "broken.conf"
        config.write_text(f"Port {port}\nNoSuchDirective yes\n")
        return [executable, "-d", "-c", str(config)]


def test_program_missing() -> None:
    """A program that is not installed raises ProgramMissing, naming the package."""
    with pytest.raises(ProgramMissing, match="apt-get install proxyharness-no-such-package"):
        NoSuchProgram().start()


def test_start_failure_shows_the_output(launch: Launch) -> None:
    """A program that exits at once raises ProxyStartError with what it printed."""
    with pytest.raises(ProxyStartError, match=r"(?i)syntax error") as info:
        launch(BrokenTinyproxy())
    assert info.value.program == "tinyproxy"


@pytest.mark.parametrize("launcher", LAUNCHERS, ids=lambda c: c.__name__)
def test_lifecycle(launcher: type[ExternalProxy], launch: Launch) -> None:
    """Each program listens on loopback under its watchdog; stop ends them and its files."""
    proxy = launch(launcher())
    pids = proxy.pids()
    directory, port = proxy.directory, proxy.port
    assert proxy.url == f"{launcher.kind}://127.0.0.1:{port}"
    assert any(listens(pid, port) for pid in pids)
    proxy.stop()
    assert proxy.pids() == []
    assert all(gone(pid) for pid in pids), "a process of the program is still there"
    assert not directory.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    proxy.stop()  # idempotent


@pytest.mark.parametrize("launcher", LAUNCHERS, ids=lambda c: c.__name__)
def test_taken_port_is_retried(
    launcher: type[ExternalProxy], launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port taken between choosing and binding it is replaced by another."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        ports = iter([taken, external.free_port()])
        monkeypatch.setattr(_external_launcher, "free_port", lambda: next(ports))
        proxy = launch(launcher())
        assert proxy.port != taken


def test_proxy_url_encodes_credentials(launch: Launch) -> None:
    """Credentials are percent-encoded; the scheme and host can be replaced."""
    proxy = launch(Microsocks(auth=("al ice", "p@ss:w/rd")))
    port = proxy.port
    assert proxy.proxy_url() == f"socks5://al%20ice:p%40ss%3Aw%2Frd@127.0.0.1:{port}"
    assert proxy.proxy_url("socks5h", credentials=False, host="localhost") == (
        f"socks5h://localhost:{port}"
    )


@pytest.mark.parametrize(
    ("launcher", "auth", "match"),
    [
        (Tinyproxy, ("alice", "p@ss"), "letters, digits"),
        (Squid, ("al:ice", "secret"), "cannot hold ':'"),
        (Microsocks, ("alice", ""), "non-empty"),
    ],
)
def test_credentials_checked(
    launcher: type[ExternalProxy], auth: tuple[str, str], match: str
) -> None:
    """Credentials a program cannot take are refused before it is started."""
    with pytest.raises(ValueError, match=match):
        launcher(auth=auth)


def test_dante_has_no_auth() -> None:
    """danted would check system accounts: auth is refused."""
    with pytest.raises(ValueError, match="system accounts"):
        Dante(auth=("alice", "secret"))  # type: ignore[arg-type]


def test_tinyproxy_answers(launch: Launch, closed_port: int) -> None:
    """tinyproxy: 407 without credentials, 401 (a quirk) with wrong ones, 403 off loopback."""
    proxy = launch(Tinyproxy(auth=("alice", "secret")))
    target = f"127.0.0.1:{closed_port}"
    assert exchange(proxy.port, connect_request(target)).startswith(b"HTTP/1.0 407 ")
    wrong = connect_request(target, ("alice", "wrong"))
    assert exchange(proxy.port, wrong).startswith(b"HTTP/1.0 401 Unauthorized")
    right = connect_request(f"192.0.2.1:{closed_port}", ("alice", "secret"))
    assert exchange(proxy.port, right).startswith(b"HTTP/1.1 403 Filtered")
    records = proxy.wait_for_records(3)
    assert [(r.target_host, r.outcome) for r in records] == [
        ("127.0.0.1", Outcome.REJECTED),
        ("127.0.0.1", Outcome.REJECTED),
        ("192.0.2.1", Outcome.REJECTED),
    ]
    assert records[2].detail == 'Proxying refused on filtered domain "192.0.2.1"'


def test_squid_answers(launch: Launch, closed_port: int) -> None:
    """squid: 407 for missing and wrong credentials, 403 off loopback; all logged."""
    proxy = launch(Squid(auth=("alice", "p@ss:w/rd")))
    before = len(proxy.records)
    target = f"127.0.0.1:{closed_port}"
    assert exchange(proxy.port, connect_request(target)).startswith(b"HTTP/1.1 407 ")
    wrong = connect_request(target, ("alice", "wrong"))
    assert exchange(proxy.port, wrong).startswith(b"HTTP/1.1 407 ")
    right = connect_request(f"192.0.2.1:{closed_port}", ("alice", "p@ss:w/rd"))
    assert exchange(proxy.port, right).startswith(b"HTTP/1.1 403 ")
    refused = connect_request(target, ("alice", "p@ss:w/rd"))
    assert exchange(proxy.port, refused).startswith(b"HTTP/1.1 503 ")
    records = proxy.wait_for_records(before + 4)[before:]
    assert [(r.reply, r.username, r.password) for r in records] == [
        ("407 TCP_DENIED", None, None),
        ("407 TCP_DENIED", "alice", "wrong"),
        ("403 TCP_DENIED", "alice", "p@ss:w/rd"),
        ("503 NONE_NONE", "alice", "p@ss:w/rd"),
    ]
    assert records[3].dialed == ("127.0.0.1", closed_port)


def test_dante_refuses_other_targets(launch: Launch, closed_port: int) -> None:
    """danted: only loopback targets are allowed (REP 2), and the refusal is logged."""
    proxy = launch(Dante())
    assert exchange(proxy.port, b"\x05\x01\x00") == b"\x05\x00"
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"\x05\x01\x00")
        assert sock.recv(2) == b"\x05\x00"
        sock.sendall(b"\x05\x01\x00\x01\x0a\x00\x00\x01" + closed_port.to_bytes(2, "big"))
        assert sock.recv(10)[:2] == b"\x05\x02"
    (record,) = proxy.wait_for_records(1)
    assert (record.outcome, record.dialed) == (Outcome.REJECTED, None)


def test_microsocks_answers(launch: Launch) -> None:
    """microsocks with credentials accepts only username/password; SOCKS4 gets 05 FF."""
    proxy = launch(Microsocks(auth=("alice", "secret")))
    assert exchange(proxy.port, b"\x05\x01\x00") == b"\x05\xff"
    assert exchange(proxy.port, b"\x05\x02\x00\x02") == b"\x05\x02"
    assert exchange(proxy.port, b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00") == b"\x05\xff"
    assert proxy.records == ()


@pytest.mark.parametrize(
    ("host", "kind"),
    [("127.0.0.1", "ipv4"), ("::1", "ipv6"), ("localhost", "domain"), (None, None)],
)
def test_address_type_of(host: str | None, kind: str | None) -> None:
    """The address type is read from the target's text."""
    assert address_type_of(host) == kind


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Basic YWxpY2U6cDpx", ("alice", "p:q")),
        ("basic  YWxpY2U6", ("alice", "")),
        ("Bearer abc", (None, None)),
        ("Basic !!!", (None, None)),
        (None, (None, None)),
    ],
)
def test_basic_credentials(header: str | None, expected: tuple[str | None, str | None]) -> None:
    """Basic credentials are decoded; anything else gives (None, None)."""
    assert basic_credentials(header) == expected
