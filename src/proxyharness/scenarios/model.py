"""Scenarios as data: a rule ID, a given, a target and an expected observation.

A scenario never holds live objects. Proxies it needs are declared by name
(:class:`ProxySpec`); strings in the given are templates that the runner expands
with :meth:`str.format_map` once it has staged everything, over these names:

- ``{A.url}`` (the proxy's URL as the scenario writes it: scheme, host, credentials),
  ``{A.netloc}`` (``host:port``), ``{A.host}``, ``{A.port}`` — for each proxy ``A``;
- ``{server.host}``, ``{server.port}``, ``{server.url}`` — the target WebSocket server;
- ``{closed.port}`` — a loopback port where nothing listens.

The expected observation is checked against what the fake servers recorded on the
wire, field by field; a field left at ``ANY`` is not checked.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ProxyKind = Literal["socks4", "socks5", "http", "https"]
Scheme = Literal["ws", "wss"]
#: The certificate a TLS hop presents: a good one, or one the client must refuse
#: (for another name, expired, self-signed, or from the other hop's CA).
Certificate = Literal["valid", "wrong-name", "expired", "self-signed", "other-hop-ca"]


class _Any(enum.Enum):
    ANY = "any"

    def __repr__(self) -> str:
        return "ANY"


#: "Not checked" for an expected field.
ANY = _Any.ANY


@dataclass(frozen=True)
class ProxySpec:
    """A fake proxy the runner starts for the scenario, and how its URL is written."""

    kind: ProxyKind
    #: Credentials the proxy demands (SOCKS4: the user name is the USERID).
    auth: tuple[str, str] | None = None
    #: SOCKS5 methods the proxy accepts (``(1,)`` = GSSAPI only), None = by ``auth``.
    methods: tuple[int, ...] | None = None
    #: Fault for every connection, e.g. ``"silence"``, ``"close_after:0"``, ``"reply:403"``,
    #: ``"reply:204"``, ``"garbage"``, ``"http_version:HTTP/1.0"``, ``"dial_fails"``.
    fault: str | None = None
    #: Scheme written in ``{A.url}`` (``socks4a``, ``socks5h``...); None = the kind's own.
    url_scheme: str | None = None
    #: Host written in ``{A.url}`` instead of the bound address (``localhost``, a virtual name).
    url_host: str | None = None
    #: Credentials written in ``{A.url}``, verbatim (percent-encode them yourself).
    url_credentials: str | None = None
    #: ``https`` proxies: whether the client is told to trust the proxy CA.
    trusted: bool = True
    #: ``https`` proxies: the certificate presented (``other-hop-ca``: from the server CA).
    certificate: Certificate = "valid"
    #: Do not start this proxy: its port is a closed loopback port (ERR-01).
    closed: bool = False
    #: With ``closed``: the port is a listener that resets each connection at once and
    #: counts them, so retries of a refused proxy show on the wire (ERR-01).
    resets: bool = False


@dataclass(frozen=True)
class OsProfile:
    """An emulated operating-system proxy configuration (see fixtures.config.os_config).

    ``settings`` is the JSON-able dict form of ``OsProxyConfig`` without the ``os``
    key; string values in it are templates.
    """

    os: Literal["linux", "macos", "windows"]
    settings: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Given:
    """What is configured before the client runs."""

    #: Environment variables (templates), set on a clean slate.
    env: Mapping[str, str] = field(default_factory=dict)
    os: OsProfile = OsProfile("linux")
    #: The client's proxy argument: True = from configuration, None = no proxy, or a
    #: template string for an explicit proxy URL.
    proxy: bool | str | None = True
    #: Client options by name (``open_timeout``, ``proxy_server_hostname``...).
    options: Mapping[str, object] = field(default_factory=dict)
    #: Hide python-socks from the client (SOCKS-01).
    hide_python_socks: bool = False
    #: Give the client no trust (no ``ssl``/``proxy_ssl``): the test CAs are made its
    #: default trust instead, e.g. ``SSL_CERT_FILE`` (HTTP-06's default TLS settings).
    default_trust: bool = False


@dataclass(frozen=True)
class Target:
    """The WebSocket server the client is asked to reach."""

    scheme: Scheme = "ws"
    #: Host in the URI: ``127.0.0.1``, ``localhost``, ``::1`` or a virtual name.
    host: str = "www.example.com"
    path: str = "/"
    #: The server presents a certificate the client must reject (HTTP-07).
    untrusted_certificate: bool = False
    #: The URI names no port: the target is on the scheme's default port (80 / 443),
    #: ``{server.port}`` is that port (SEL-01, HTTP-01).
    default_port: bool = False
    #: ``wss``: the certificate presented (``other-hop-ca``: from the proxy CA).
    certificate: Certificate = "valid"


@dataclass(frozen=True)
class Expect:
    """What must be observed on the wire (or the error the client must raise)."""

    #: ``direct``: the server saw the client straight; ``proxy``: through ``proxy``;
    #: ``nowhere``: no server and no proxy saw a connection.
    route: Literal["direct", "proxy", "nowhere"] | _Any = ANY
    #: Name of the ProxySpec that must carry the connection.
    proxy: str | _Any | None = ANY
    #: Protocol spoken to the proxy: socks4, socks4a, socks5, http.
    protocol: str | _Any | None = ANY
    #: Address type the client sent: ipv4, ipv6, domain.
    address_type: str | _Any | None = ANY
    #: Target host exactly as sent to the proxy (template).
    target_host: str | _Any | None = ANY
    #: Target port as sent to the proxy (None: none sent).
    target_port: int | _Any | None = ANY
    #: Credentials the proxy received; None = none sent.
    credentials: tuple[str, str] | _Any | None = ANY
    #: SNI the client sent to an ``https`` proxy.
    proxy_sni: str | _Any | None = ANY
    #: SNI of the TLS ClientHello inside the tunnel / at the server (None: no TLS).
    server_sni: str | _Any | None = ANY
    #: Headers the CONNECT request must carry, name → value (templates).
    connect_headers: Mapping[str, str] = field(default_factory=dict)
    #: Error kind the client must raise (reference_client.errors kinds), None = success.
    error: str | _Any | None = None
    #: The echo must come back (when no error is expected).
    echo: bool = True
    #: Words the client's error text must contain (HTTP-03: the status, e.g. ``"407"``).
    error_mentions: tuple[str, ...] = ()
    #: Whether the client sent bytes past a proxy's refusal, as if into a tunnel
    #: (observed at proxies that hold the connection after answering).
    sent_after_refusal: bool | _Any = ANY


@dataclass(frozen=True)
class Scenario:
    """One executable check of one rule."""

    #: Stable ID: ``RULE.slug`` plus ``[dimension,...]`` when expanded by a matrix.
    id: str
    rule: str
    description: str
    given: Given = Given()
    target: Target = Target()
    expect: Expect = Expect()
    proxies: Mapping[str, ProxySpec] = field(default_factory=dict)
    #: Virtual DNS names (all map to loopback) besides the target host.
    names: tuple[str, ...] = ()
    #: Capabilities the agent must have, else N/A (``explicit-proxy``, ``proxy-ssl``...).
    requires: frozenset[str] = frozenset()
    #: The rule is info (``proxyharness rules ID``): the observation is recorded, never gated.
    info: bool = False
