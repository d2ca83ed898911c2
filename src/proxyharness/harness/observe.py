"""Observe: what the wire says the client did, as one :class:`Observation`.

Built from the fake servers' records and from what the agent returned or raised;
never from what the client says about itself (its error's *kind* is the one thing
taken from the client, and even then the hop of a TLS failure or a refused
connection is decided here, from the wire, see :func:`resolve_kind`).

Route, from the records:

- ``proxy``: a proxy saw a connection and the echo server saw no connection other
  than those the proxies dialed;
- ``direct``: the echo server saw the client while no proxy saw any connection;
- ``mixed``: a proxy saw a connection *and* the server saw one no proxy dialed (a
  client that fell back to a direct connection, or connected twice);
- ``nowhere``: neither saw anything.

The proxy-side fields (protocol, address type, target, credentials, SNIs, CONNECT
headers) come from the first record of the proxy that
carried the connection; bytes sent past a refusal from any proxy record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..fixtures import ProxyRecord, WebSocketRecord
from .agents import HOP_LOST, HOP_REFUSED, HOP_TLS
from .staging import ClosedPort, ResettingPort, Staged

__all__ = ["AgentOutcome", "Observation", "observe", "resolve_kind"]


@dataclass(frozen=True)
class AgentOutcome:
    """What the agent's call gave: an echo, an error, or nothing (cut off)."""

    echo: str | bytes | None = None
    #: The exception's type name (``ProxyRejected``), None on success.
    error_type: str | None = None
    #: The exception's text with its causes, unredacted (checked for passwords, URL-05).
    error_text: str | None = None
    #: The kind the agent named (may be HOP_TLS / HOP_REFUSED, or None if unknown).
    raw_kind: str | None = None
    #: True when the call outlived its hard timeout and was cut off.
    hung: bool = False
    #: N/A: the agent said it cannot express the call (NotSupported).
    unsupported: str | None = None
    #: Log lines the client wrote during the call (checked for passwords, URL-05).
    logs: tuple[str, ...] = ()
    duration: float = 0.0
    #: Every other text of the call, by where it came from (``repr``, ``args``, a chained
    #: exception, stderr...), unredacted (checked for passwords, URL-05).
    texts: tuple[tuple[str, str], ...] = ()
    #: Seconds the failure took by the rule's clock (ERR-01/02), None if unmeasurable.
    judged_duration: float | None = None

    @property
    def failed(self) -> bool:
        """The call raised (or was cut off)."""
        return self.hung or self.error_type is not None


@dataclass(frozen=True)
class Observation:
    """Every field an expectation can check, as observed, plus context for the report."""

    route: str
    proxy: str | None
    protocol: str | None
    address_type: str | None
    target_host: str | None
    credentials: tuple[str, str | None] | None
    proxy_sni: str | None
    server_sni: str | None
    #: Every CONNECT header, as sent (name → value; the first of repeated names).
    connect_headers: dict[str, str]
    error: str | None
    echo: bool
    #: Every proxy that saw a connection, and how many connections each place saw.
    proxies_seen: tuple[str, ...] = ()
    proxy_connections: int = 0
    server_connections: int = 0
    direct_connections: int = 0
    #: Origin-server handshakes that carried Proxy-Authorization (HTTP-02).
    leaked_proxy_authorization: int = 0
    #: Whether the client sent bytes past a proxy's refusal (a proxy that held the
    #: connection counted them), as if the refusal had opened a tunnel.
    sent_after_refusal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_kind(raw: str | None, outcome: AgentOutcome, staged: Staged) -> str | None:
    """Turn the agent's kind into a final kind, deciding the hop from the wire.

    - :data:`HOP_TLS`: ``proxy-tls`` when a record of an ``https`` proxy shows no
      completed TLS handshake (the client gave up on the proxy's certificate), else
      ``server-tls``.
    - :data:`HOP_REFUSED`: ``proxy-refused`` when the scenario has a closed proxy
      port (the only refusing port staged, the echo server always listens), else
      ``server-failed``.
    - :data:`HOP_LOST`: ``proxy-answer`` when a proxy record shows a connection that
      ended without a tunnel (the proxy closed during its handshake), else
      ``server-failed``.
    - an unknown exception: ``unexpected <Type>``.
    """
    if outcome.hung:
        return "hung"
    if outcome.error_type is None:
        return None
    if raw == HOP_TLS:
        for _, record in staged.proxy_records():
            if record.listener.startswith("https://") and record.proxy_tls is None:
                return "proxy-tls"
        return "server-tls"
    if raw == HOP_LOST:
        if any(record.dialed is None for _, record in staged.proxy_records()):
            return "proxy-answer"
        if any(isinstance(p, ResettingPort) and p.accepted for p in staged.proxies.values()):
            return "proxy-answer"  # the proxy port reset the connection
        return "server-failed"
    if raw == HOP_REFUSED:
        if any(isinstance(p, ClosedPort) for p in staged.proxies.values()):
            return "proxy-refused"
        return "server-failed"
    if raw is None:
        return f"unexpected {outcome.error_type}"
    return raw


def _dialed_server(record: ProxyRecord, server_port: int) -> bool:
    return record.dialed is not None and record.dialed[1] == server_port


def observe(staged: Staged, outcome: AgentOutcome) -> Observation:
    """Build the observation of one staged scenario after the agent ran."""
    proxy_records = staged.proxy_records()
    server_records = staged.server_records()
    server_port = staged.server.port
    tunneled = sum(1 for _, r in proxy_records if _dialed_server(r, server_port))
    direct = max(0, len(server_records) - tunneled)
    seen = tuple(dict.fromkeys(name for name, _ in proxy_records))
    if proxy_records and direct:
        route = "mixed"
    elif proxy_records:
        route = "proxy"
    elif server_records:
        route = "direct"
    else:
        route = "nowhere"
    primary = _primary(proxy_records)
    return Observation(
        route=route,
        proxy="+".join(seen) if seen else None,
        protocol=primary.protocol if primary else None,
        address_type=primary.address_type if primary else None,
        target_host=primary.target_host if primary else None,
        credentials=_credentials(primary),
        proxy_sni=primary.proxy_tls.sni if primary and primary.proxy_tls else None,
        server_sni=_server_sni(primary, server_records),
        connect_headers=_headers(primary),
        error=resolve_kind(outcome.raw_kind, outcome, staged),
        echo=outcome.echo is not None and outcome.echo == staged.call.message,
        proxies_seen=seen,
        proxy_connections=len(proxy_records),
        server_connections=len(server_records),
        direct_connections=direct if proxy_records else len(server_records),
        leaked_proxy_authorization=sum(
            1 for r in server_records if r.header("Proxy-Authorization") is not None
        ),
        sent_after_refusal=any(
            r.dialed is None and r.bytes_from_client > 0 for _, r in proxy_records
        ),
        extra={
            "target_port": primary.target_port if primary else None,
            "request_line": primary.request_line if primary else None,
            **_attempts(staged),
        },
    )


def _attempts(staged: Staged) -> dict[str, Any]:
    """Connections each resetting proxy port accepted (ERR-01 retries), if any."""
    counts = {n: len(p.accepted) for n, p in staged.proxies.items() if isinstance(p, ResettingPort)}
    return {"refused_attempts": counts} if counts else {}


def _primary(records: list[tuple[str, ProxyRecord]]) -> ProxyRecord | None:
    """The record that tells what the client asked: the first that got past the greeting."""
    for _, record in records:
        if record.protocol is not None or record.request_line is not None:
            return record
    return records[0][1] if records else None


def _credentials(record: ProxyRecord | None) -> tuple[str, str | None] | None:
    if record is None or record.username is None:
        return None
    return (record.username, record.password)


def _server_sni(
    record: ProxyRecord | None, server_records: tuple[WebSocketRecord, ...]
) -> str | None:
    if record is not None and record.inner_tls is not None:
        return record.inner_tls.sni
    for server_record in server_records:
        if server_record.tls is not None:
            return server_record.tls.sni
    return None


def _headers(record: ProxyRecord | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if record is not None:
        for name, value in record.headers:
            headers.setdefault(name, value)
    return headers


def proxies_of(staged: Staged) -> Mapping[str, str]:
    """Where each proxy of the scenario listened (for the report)."""
    return {
        name: f"closed port {proxy.port}" if isinstance(proxy, ClosedPort) else proxy.url
        for name, proxy in staged.proxies.items()
    }
