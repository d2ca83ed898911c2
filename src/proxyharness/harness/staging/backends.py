"""Backends: where a scenario's proxies come from.

- ``fakes`` (the default, :class:`FakesBackend`): the embedded fake proxies, pooled
  by the stager's :class:`~.pool.ServerPool`; every ProxySpec can be played.
- ``mitmproxy`` (:class:`MitmBackend`): mitmproxy, embedded in the process, as a
  cross-check of the fakes by a proxy we did not write. One runs per process, with
  one listener per proxy of the scenario (its ``regular`` listeners play ``http``
  and ``https`` proxies, its ``socks5`` listeners ``socks5`` ones), a confdir seeded
  with the proxy CA, and recordings from its addon
  (:class:`~proxyharness.fixtures.Mitmproxy`). It is restarted only when a scenario
  needs other credentials, another CA, more listeners or a fixed port. What it cannot
  play is N/A, for the reason :func:`mitm_unsupported` gives.

Both give each proxy the scenario runs (closed ports aside) as a
:class:`RunningProxy`: where it listens, what it recorded, what is still open.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import ipaddress
import urllib.parse
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ...fixtures import (
    CertificateAuthority,
    FakeServer,
    ProxyRecord,
    VirtualDNS,
    free_ports,
    require_mitmproxy,
)
from ...scenarios.model import ProxySpec, Scenario
from ..results import BACKENDS
from .errors import Unavailable
from .pool import ServerPool, proxy_key

if TYPE_CHECKING:
    from ...fixtures import Mitmproxy

__all__ = [
    "BACKENDS",
    "Backend",
    "FakesBackend",
    "MitmBackend",
    "RunningProxy",
    "make_backend",
    "mitm_unsupported",
]


class RunningProxy(Protocol):
    """A proxy as staging and observation see it (a fake proxy, or a mitmproxy listener)."""

    @property
    def url(self) -> str:
        """The listener's URL, without credentials."""

    @property
    def host(self) -> str:
        """The address it listens on."""

    @property
    def port(self) -> int:
        """The port it listens on."""

    @property
    def records(self) -> tuple[ProxyRecord, ...]:
        """One record per connection that has ended."""

    @property
    def open_connections(self) -> int:
        """Connections accepted and not yet recorded."""

    def check(self) -> None:
        """Raise the first failure it hit while serving (a harness bug)."""


class Backend(abc.ABC):
    """Where a scenario's proxies come from; serves one scenario at a time."""

    name: ClassVar[str]

    def unsupported(self, scenario: Scenario) -> str | None:
        """Why this backend cannot play the scenario's proxies (N/A), or None."""
        return None

    @abc.abstractmethod
    def acquire(self, scenario: Scenario, fixed_port: int | None) -> dict[str, RunningProxy]:
        """A running proxy for every ProxySpec that is not ``closed``, records empty.

        ``fixed_port``: the scenario's one proxy must listen on this port. Raise
        :class:`~.errors.Unavailable` when it cannot be done here now.
        """

    @abc.abstractmethod
    def release(self, proxies: Mapping[str, RunningProxy], busy: Collection[str]) -> None:
        """The scenario ended; ``busy`` names the URLs of proxies still serving a connection."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop every proxy this backend started."""


def make_backend(name: str, pool: ServerPool) -> Backend:
    """The backend called ``name``, building on the stager's ``pool``."""
    if name == "fakes":
        return FakesBackend(pool)
    if name == "mitmproxy":
        return MitmBackend(pool.resources.proxy_ca, pool.resources.untrusted_ca, pool.dns)
    raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")


# -- fakes --------------------------------------------------------------------------------


class FakesBackend(Backend):
    """The embedded fake proxies, from the pool; fixed ports get one of their own."""

    name = "fakes"

    def __init__(self, pool: ServerPool) -> None:
        self.pool = pool
        #: The scenario's proxies, and those of them started on a fixed port.
        self._given: list[FakeServer[Any]] = []
        self._owned: list[FakeServer[Any]] = []

    def acquire(self, scenario: Scenario, fixed_port: int | None) -> dict[str, RunningProxy]:
        proxies: dict[str, RunningProxy] = {}
        taken: dict[tuple[Any, ...], int] = {}
        for name, spec in scenario.proxies.items():
            if spec.closed:
                continue
            key = proxy_key(spec)
            if fixed_port is not None:
                server = self.pool.start_on(key, fixed_port)
                self._owned.append(server)
            else:
                server = self.pool.take(key, taken.get(key, 0))
                taken[key] = taken.get(key, 0) + 1
            self._given.append(server)
            proxies[name] = server
        return proxies

    def release(self, proxies: Mapping[str, RunningProxy], busy: Collection[str]) -> None:
        given, self._given = self._given, []
        owned, self._owned = self._owned, []
        for server in given:
            if server in owned:
                with contextlib.suppress(Exception):
                    server.stop(timeout=2.0)
            elif server.url in busy:
                # Its open connection could end, and write its record, in the next scenario.
                self.pool.discard(server)

    def close(self) -> None:
        """Nothing of its own: the stager closes the pool."""


# -- mitmproxy ----------------------------------------------------------------------------


def _faults(spec: ProxySpec) -> set[str]:
    """The kinds of fault ``spec`` injects (``reply:403,delay:1`` → reply, delay)."""
    return {part.strip().partition(":")[0] for part in (spec.fault or "").split(",")} - {""}


def _fault(kind: str) -> Callable[[ProxySpec], bool]:
    return lambda spec: kind in _faults(spec)


def _ipv6(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


#: What mitmproxy cannot play, per ProxySpec: (test, reason), the first match wins.
#: ``{spec}`` in a reason is the ProxySpec.
MITM_LIMITS: tuple[tuple[Callable[[ProxySpec], bool], str], ...] = (
    (lambda spec: spec.kind == "socks4", "no SOCKS4 or SOCKS4a at all"),
    (
        lambda spec: spec.certificate != "valid",
        "certificate {spec.certificate!r}: it presents certificates from its own CA only",
    ),
    (_fault("silence"), "fault {spec.fault!r}: it cannot accept and then never answer"),
    (_fault("close_after"), "fault {spec.fault!r}: it cannot close mid-handshake on purpose"),
    (_fault("reply"), "fault {spec.fault!r}: it cannot answer with a chosen status or code"),
    (_fault("garbage"), "fault {spec.fault!r}: it cannot answer with garbage"),
    (_fault("http_version"), "fault {spec.fault!r}: it answers CONNECT in HTTP/1.1 only"),
    (_fault("dial_fails"), "fault {spec.fault!r}: it cannot fail to dial a target that answers"),
    (_fault("delay"), "fault {spec.fault!r}: it cannot delay its answers"),
    (lambda spec: bool(spec.fault), "fault {spec.fault!r}: it has no fault injection"),
    (
        lambda spec: 1 in (spec.methods or ()),
        "SOCKS5 methods {spec.methods}: it has no GSSAPI",
    ),
    (
        lambda spec: spec.methods not in (None, (2,) if spec.auth else (0,)),
        "SOCKS5 methods {spec.methods}: it picks methods from its credentials alone",
    ),
    (
        lambda spec: any(":" in part for part in spec.auth or ()),
        "a ':' in the credentials: it splits them on every ':'",
    ),
    (
        lambda spec: spec.auth is not None and not all(spec.auth),
        "an empty user or password: it needs both",
    ),
    (
        lambda spec: {spec.kind, spec.url_scheme} == {"http", "https"},
        "{spec.url_scheme}:// to an {spec.kind} proxy: its listener speaks both",
    ),
    (lambda spec: _ipv6(spec.url_host), "proxy host {spec.url_host}: it listens on 127.0.0.1 only"),
)


def mitm_unsupported(scenario: Scenario) -> str | None:
    """Why mitmproxy cannot play this scenario's proxies, or None (closed ports need none)."""
    running = {name: spec for name, spec in scenario.proxies.items() if not spec.closed}
    if running and scenario.target.default_port:
        return "a default-port target: mitmproxy dials the port as sent, it cannot redirect it"
    for name, spec in running.items():
        for cannot, reason in MITM_LIMITS:
            if cannot(spec):
                return f"mitmproxy cannot play proxy {name}: " + reason.format(spec=spec)
    if len({spec.auth for spec in running.values()}) > 1:
        return "mitmproxy has one set of credentials for all its listeners"
    if len({spec.trusted for spec in running.values() if spec.kind == "https"}) > 1:
        return "mitmproxy has one CA for all its listeners"
    return None


@dataclasses.dataclass(frozen=True)
class MitmListener:
    """One listener of the process's mitmproxy, playing one proxy of the scenario."""

    mitmproxy: Mitmproxy
    scheme: str
    port: int
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def records(self) -> tuple[ProxyRecord, ...]:
        return tuple(
            r for r in self.mitmproxy.records if urllib.parse.urlsplit(r.listener).port == self.port
        )

    @property
    def open_connections(self) -> int:
        return self.mitmproxy.open_connections(self.port)

    def check(self) -> None:
        self.mitmproxy.check()


@dataclasses.dataclass(frozen=True)
class _Layout:
    """How a mitmproxy is started: its CA, credentials, and listener ports."""

    ca: CertificateAuthority
    auth: tuple[str, str] | None
    regular: tuple[int, ...]
    socks5: tuple[int, ...]

    def modes(self) -> list[str]:
        """mitmproxy's ``mode`` option: one listener per port."""
        return [f"regular@{p}" for p in self.regular] + [f"socks5@{p}" for p in self.socks5]


class MitmBackend(Backend):
    """mitmproxy, one per process, with listeners enough for every scenario."""

    name = "mitmproxy"
    #: Listeners started at least (the catalog needs up to 6 HTTP and 1 SOCKS5).
    REGULAR = 8
    SOCKS5 = 2
    START_ATTEMPTS = 3
    START_TIMEOUT = 10.0

    def __init__(
        self, ca: CertificateAuthority, untrusted_ca: CertificateAuthority, dns: VirtualDNS
    ) -> None:
        require_mitmproxy()  # ProgramMissing now rather than in the first scenario
        self.ca = ca
        self.untrusted_ca = untrusted_ca
        self.dns = dns
        self._proxy: Mitmproxy | None = None
        self._layout: _Layout | None = None
        #: Free ports picked for the regular and socks5 listeners, kept across restarts.
        self._ports: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
        #: How many times mitmproxy was started (restarts show the catalog's variety).
        self.starts = 0

    def unsupported(self, scenario: Scenario) -> str | None:
        return mitm_unsupported(scenario)

    def acquire(self, scenario: Scenario, fixed_port: int | None) -> dict[str, RunningProxy]:
        specs = {name: spec for name, spec in scenario.proxies.items() if not spec.closed}
        if not specs:
            return {}
        regular = sum(1 for spec in specs.values() if spec.kind != "socks5")
        untrusted = any(s.kind == "https" and not s.trusted for s in specs.values())
        auth = next((spec.auth for spec in specs.values()), None)
        ca = self.untrusted_ca if untrusted else self.ca
        proxy = self._ensure(ca, auth, regular, len(specs) - regular, fixed_port)
        proxy.reset()
        assert self._layout is not None
        ports = {"regular": iter(self._layout.regular), "socks5": iter(self._layout.socks5)}
        running: dict[str, RunningProxy] = {}
        for name, spec in specs.items():
            port = next(ports["socks5" if spec.kind == "socks5" else "regular"])
            running[name] = MitmListener(proxy, spec.kind, port)
        return running

    def release(self, proxies: Mapping[str, RunningProxy], busy: Collection[str]) -> None:
        if any(proxy.url in busy for proxy in proxies.values()):
            # Its open connection would end, and be recorded, in the next scenario.
            self._stop()

    def close(self) -> None:
        self._stop()

    def _stop(self) -> None:
        proxy, self._proxy, self._layout = self._proxy, None, None
        if proxy is not None:
            with contextlib.suppress(Exception):
                proxy.stop()

    def _ensure(
        self,
        ca: CertificateAuthority,
        auth: tuple[str, str] | None,
        regular: int,
        socks5: int,
        fixed_port: int | None,
    ) -> Mitmproxy:
        """The running mitmproxy if it is started as needed, else a fresh one that is."""
        if fixed_port is not None:
            layout = _Layout(ca, auth, *(((fixed_port,), ()) if regular else ((), (fixed_port,))))
        else:
            if len(self._ports[0]) < regular or len(self._ports[1]) < socks5:
                self._pick_ports(regular, socks5)
            layout = _Layout(ca, auth, *self._ports)
        if self._proxy is not None and self._layout == layout:
            return self._proxy
        self._stop()
        for attempt in range(self.START_ATTEMPTS):
            try:
                return self._start(layout)
            except (RuntimeError, TimeoutError) as exc:
                if fixed_port is not None:
                    message = f"mitmproxy cannot listen on port {fixed_port}: {exc}"
                    raise Unavailable(message) from exc
                if attempt + 1 == self.START_ATTEMPTS:
                    raise
                # A port picked free a moment ago was taken meanwhile: pick others.
                self._pick_ports(regular, socks5)
                layout = _Layout(ca, auth, *self._ports)
        raise AssertionError("unreachable")

    def _pick_ports(self, regular: int, socks5: int) -> None:
        regular, socks5 = max(regular, self.REGULAR), max(socks5, self.SOCKS5)
        ports = free_ports(regular + socks5)
        self._ports = (ports[:regular], ports[regular:])

    def _start(self, layout: _Layout) -> Mitmproxy:
        from ...fixtures import Mitmproxy  # imported with mitmproxy only

        proxy = Mitmproxy(
            layout.ca,
            auth=layout.auth,
            modes=layout.modes(),
            dns=self.dns,
            start_timeout=self.START_TIMEOUT,
        )
        proxy.start()
        self.starts += 1
        self._proxy, self._layout = proxy, layout
        return proxy
