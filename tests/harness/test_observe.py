"""Tests for proxyharness.harness.observe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest

from proxyharness.fixtures.records import Outcome, ProxyRecord, TlsHello, WebSocketRecord
from proxyharness.harness.agents import HOP_LOST, HOP_REFUSED, HOP_TLS, Call
from proxyharness.harness.observe import AgentOutcome, observe, resolve_kind
from proxyharness.harness.staging import ClosedPort, Staged

SERVER_PORT = 4000
MESSAGE = "hello"


@dataclass
class FakeServer:
    port: int = SERVER_PORT


class Staging:
    """The parts of a Staged that observe() reads."""

    def __init__(self, proxy: Any = (), server: Any = (), proxies: Any = None) -> None:
        self.proxy = list(proxy)
        self.records = list(server)
        self.proxies = proxies or {}
        self.call = Call(uri=f"ws://www.example.com:{SERVER_PORT}/", proxy=True, message=MESSAGE)
        self.server = FakeServer()

    def proxy_records(self) -> list[tuple[str, ProxyRecord]]:
        return self.proxy

    def server_records(self) -> tuple[WebSocketRecord, ...]:
        return tuple(self.records)


def tunnel(dialed: int | None = SERVER_PORT, **fields: Any) -> ProxyRecord:
    """A proxy record of a CONNECT tunnel to the server."""
    values: dict[str, Any] = {
        "listener": "http://127.0.0.1:3128",
        "protocol": "http",
        "peer": ("127.0.0.1", 5000),
        "target_host": "www.example.com",
        "target_port": SERVER_PORT,
        "address_type": "domain",
        "headers": (("Host", "www.example.com:4000"), ("User-Agent", "ua")),
        "dialed": None if dialed is None else ("127.0.0.1", dialed),
        "outcome": Outcome.TUNNELED,
    }
    values.update(fields)
    return ProxyRecord(**values)


def handshake(**fields: Any) -> WebSocketRecord:
    """An echo server record."""
    values: dict[str, Any] = {"listener": "ws://127.0.0.1:4000", "peer": ("127.0.0.1", 6000)}
    values.update(fields)
    return WebSocketRecord(**values)


def look(*, proxy: Any = (), server: Any = (), outcome: AgentOutcome | None = None) -> Any:
    fake = cast(Staged, Staging(proxy, server))
    return observe(fake, outcome or AgentOutcome(echo=MESSAGE))


@pytest.mark.parametrize(
    ("proxy", "server", "route", "direct"),
    [
        ([("A", tunnel())], [handshake()], "proxy", 0),
        ([], [handshake()], "direct", 1),
        ([], [], "nowhere", 0),
        ([("A", tunnel())], [handshake(), handshake()], "mixed", 1),  # fell back to direct
        ([("A", tunnel(dialed=9))], [handshake()], "mixed", 1),  # dialed elsewhere
        ([("A", tunnel(dialed=None, outcome=Outcome.REJECTED))], [], "proxy", 0),
    ],
)
def test_route(proxy: Any, server: Any, route: str, direct: int) -> None:
    """The route comes from who saw what, and which connections the proxies dialed."""
    observation = look(proxy=proxy, server=server)
    assert (observation.route, observation.direct_connections) == (route, direct)


def test_proxy_fields() -> None:
    """Protocol, target, credentials, SNIs and headers come from the proxy's record."""
    record = tunnel(
        username="user",
        password="pw",
        proxy_tls=TlsHello("proxy.example"),
        inner_tls=TlsHello("www.example.com"),
    )
    observation = look(proxy=[("A", record)], server=[handshake()])
    assert observation.proxy == "A"
    assert observation.protocol == "http"
    assert observation.target_host == "www.example.com"
    assert observation.credentials == ("user", "pw")
    assert observation.proxy_sni == "proxy.example"
    assert observation.server_sni == "www.example.com"
    assert observation.connect_headers == {"Host": "www.example.com:4000", "User-Agent": "ua"}
    assert observation.echo is True


def test_two_proxies() -> None:
    """A client that used two proxies shows both."""
    observation = look(proxy=[("A", tunnel()), ("B", tunnel(dialed=9))], server=[handshake()])
    assert (observation.proxy, observation.proxies_seen) == ("A+B", ("A", "B"))


def test_direct_server_sni() -> None:
    """Without a tunnel the SNI is the one the server saw."""
    observation = look(server=[handshake(tls=TlsHello("www.example.com"))])
    assert observation.server_sni == "www.example.com"


def test_origin_proxy_authorization_counted() -> None:
    """HTTP-02: handshakes carrying Proxy-Authorization are counted."""
    leaked = handshake(headers=(("Proxy-Authorization", "Basic x"),))
    assert look(server=[leaked]).leaked_proxy_authorization == 1


def test_wrong_echo() -> None:
    """An echo that differs from the message is no echo."""
    assert look(server=[handshake()], outcome=AgentOutcome(echo="other")).echo is False


def failed(kind: str | None, error_type: str = "Error") -> AgentOutcome:
    return AgentOutcome(error_type=error_type, error_text="x", raw_kind=kind)


@pytest.mark.parametrize(
    ("kind", "records", "proxies", "resolved"),
    [
        ("proxy-rejected", [], {}, "proxy-rejected"),
        (None, [], {}, "unexpected Error"),
        (HOP_TLS, [tunnel(listener="https://127.0.0.1:1", proxy_tls=None)], {}, "proxy-tls"),
        (
            HOP_TLS,
            [tunnel(listener="https://127.0.0.1:1", proxy_tls=TlsHello("p"))],
            {},
            "server-tls",
        ),
        (HOP_TLS, [tunnel()], {}, "server-tls"),
        (HOP_REFUSED, [], {"P": ClosedPort("127.0.0.1", 9)}, "proxy-refused"),
        (HOP_REFUSED, [], {}, "server-failed"),
        (HOP_LOST, [tunnel(dialed=None, outcome=Outcome.FAULT)], {}, "proxy-answer"),
        (HOP_LOST, [tunnel()], {}, "server-failed"),
        (HOP_LOST, [], {}, "server-failed"),
    ],
)
def test_resolve_kind(kind: str | None, records: Any, proxies: Any, resolved: str) -> None:
    """The hop of a TLS failure or a refusal is decided from the wire and the staging."""
    fake = cast(Staged, Staging([("P", r) for r in records], [], proxies))
    assert resolve_kind(kind, failed(kind), fake) == resolved


def test_resolve_kind_success_and_hang() -> None:
    """No error gives None; a cut-off call gives "hung"."""
    fake = cast(Staged, Staging())
    assert resolve_kind(None, AgentOutcome(echo="x"), fake) is None
    assert resolve_kind(None, AgentOutcome(hung=True, error_type="hung"), fake) == "hung"


@pytest.mark.parametrize(
    ("record", "sent"),
    [
        (tunnel(dialed=None, outcome=Outcome.FAULT, bytes_from_client=120), True),
        (tunnel(dialed=None, outcome=Outcome.FAULT), False),
        (tunnel(bytes_from_client=120), False),  # a tunnel's payload is no refusal
    ],
)
def test_sent_after_refusal(record: ProxyRecord, sent: bool) -> None:
    """Bytes a proxy counted without dialing anything were sent past its refusal."""
    assert look(proxy=[("P", record)]).sent_after_refusal is sent
