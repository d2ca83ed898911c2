"""The stager: everything a scenario needs, set up before the agent runs and torn down after.

For one scenario, :meth:`Stager.stage` gives, inside a ``with`` block:

- a clean proxy environment (:class:`~proxyharness.fixtures.ProxyEnvironment`) holding
  the scenario's variables, and its OS profile
  (:class:`~proxyharness.fixtures.OsProxyConfig`);
- a virtual DNS where the target host and ``scenario.names`` resolve to the echo
  server's loopback address (``::1`` for an IPv6 target), patched into
  ``socket.getaddrinfo`` and used by every fake proxy;
- the echo server (``ws``; ``wss`` with a certificate from the server CA, or from a
  CA the client is not given when ``untrusted_certificate``, or the bad certificate
  ``Target.certificate`` names: ``other-hop-ca`` is one from the proxy CA);
- each :class:`~proxyharness.scenarios.model.ProxySpec` as a running proxy from the
  stager's backend (:mod:`.backends`: fake proxies by default, or mitmproxy; ``https``
  ones with a certificate from the proxy CA, or from an untrusted CA when
  ``trusted=False``, or the bad certificate ``ProxySpec.certificate`` names:
  ``other-hop-ca`` is one from the server CA), or as a closed loopback port when
  ``closed``; a scenario the backend cannot play is :class:`Unavailable`;
- python-socks hidden from imports when ``hide_python_socks``;
- with ``default_trust``, no trust in the call and ``SSL_CERT_FILE`` naming a file
  with the server and proxy CAs, so the client's default contexts trust them;
- the templates of the given and of the expectation expanded (:func:`expand`).

Servers are pooled per process and reused across scenarios (a server costs about a
millisecond to start, a certificate several): a server's records are reset when a
scenario takes it, and a server that still holds a connection when the scenario ends
(a client that leaked it, or was cut off) is stopped and replaced. Staging changes
process-wide state (environment, ``socket.getaddrinfo``, ``sys.modules``), so one
process stages one scenario at a time; use several processes (``pytest -n``) for
parallelism.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...fixtures import (
    OsProxyConfig,
    ProxyEnvironment,
    ProxyRecord,
    VirtualDNS,
    WebSocketRecord,
    WsServer,
    ip_literal,
    join_host_port,
    run_on_loop,
)
from ...scenarios.model import Expect, ProxySpec, Scenario
from ..agents import Call
from .backends import Backend, RunningProxy, make_backend
from .default_ports import (
    DEFAULT_PORT_SERVER,
    DEFAULT_PORTS,
    RedirectingDialer,
    default_port_address,
)
from .errors import StagingError, Unavailable
from .passwords import credentials_in, passwords_in, secret_forms
from .placement import LoopbackPlacement
from .pool import proxy_key, server_key
from .ports import BIND_PORT, ClosedPort, ResettingPort, bind_port_of
from .resources import Resources
from .templates import Endpoint, expand, expand_expect

__all__ = ["SETTLE_TIMEOUT", "Staged", "Stager", "hidden_modules"]

#: How long :meth:`Staged.settle` waits for the servers' connections to end.
SETTLE_TIMEOUT = 2.0
_RESERVED = frozenset({"server", "closed"})


# -- one staged scenario ------------------------------------------------------------------


@dataclass
class Staged:
    """A scenario ready to run: the call to make, the servers to read, the passwords."""

    scenario: Scenario
    call: Call
    server: WsServer
    proxies: dict[str, RunningProxy | ClosedPort]
    names: dict[str, Any]
    expect: Expect
    #: Every password the scenario uses: never to appear in errors or reports.
    passwords: frozenset[str]
    #: Other written forms of those passwords (Basic token, escapes...) → the form's name.
    secrets: Mapping[str, str] = field(default_factory=dict)
    #: The echo server was started for this scenario alone (on a default port): stop it.
    own_server: bool = False
    #: Servers still serving a connection after :meth:`settle` (the client left it open).
    lingering: list[str] = field(default_factory=list)
    network: Any = None  #: What a private network saw (.private_network), else None.

    @property
    def running_proxies(self) -> dict[str, RunningProxy]:
        """The proxies that run (closed ports left out), by name."""
        return {n: p for n, p in self.proxies.items() if not isinstance(p, ClosedPort)}

    @property
    def servers(self) -> list[WsServer | RunningProxy]:
        """The running servers of this scenario: the echo server, then the proxies."""
        return [self.server, *self.running_proxies.values()]

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until every connection to the scenario's servers has ended (and been recorded).

        A connection still open after ``timeout`` is noted in :attr:`lingering`.
        """
        run_on_loop(_barrier())
        deadline = time.monotonic() + timeout
        pause = 0.0005
        watched: list[Any] = [*self.servers, *([self.network] if self.network else [])]
        while True:
            busy = [s for s in watched if s.open_connections]
            if not busy:
                return
            if time.monotonic() >= deadline:
                self.lingering = [s.url for s in busy]
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def proxy_records(self) -> list[tuple[str, ProxyRecord]]:
        """Every proxy record, with the name of the proxy that wrote it."""
        records: list[tuple[str, ProxyRecord]] = []
        for name, proxy in self.running_proxies.items():
            records.extend((name, record) for record in proxy.records)
        return records

    def server_records(self) -> tuple[WebSocketRecord, ...]:
        """Every connection the echo server saw."""
        return self.server.records

    def check_servers(self) -> None:
        """Raise the first failure a server hit while serving (a harness bug)."""
        for server in self.servers:
            server.check()


async def _barrier() -> None:
    """Let the background loop run a few iterations (accept pending connections)."""
    for _ in range(3):
        await asyncio.sleep(0)


class Stager(LoopbackPlacement):
    """Stages scenarios one at a time, reusing servers; close it when done.

    ``backend`` names where proxies come from: ``fakes`` or ``mitmproxy``
    (:data:`.backends.BACKENDS`).
    """

    def __init__(self, resources: Resources | None = None, backend: str = "fakes") -> None:
        self.resources = resources or Resources.get()
        self.dns = VirtualDNS()
        self.pool = self._new_pool()
        self.backend: Backend = make_backend(backend, self.pool)

    def close(self) -> None:
        """Stop every pooled server, and the backend's proxies."""
        try:
            self.backend.close()
        finally:
            self.pool.close()

    def __enter__(self) -> Stager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def stage(self, scenario: Scenario, message: str = "hello") -> Iterator[Staged]:
        """Set up ``scenario``; yield it staged; tear everything down, always."""
        staged = self._build(scenario, message)
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(self._resolver())
                env = expand(dict(scenario.given.env), staged.names)
                environment = stack.enter_context(ProxyEnvironment(env))
                if scenario.given.default_trust:
                    # Restored with the rest of the environment on exit.
                    environment.set("SSL_CERT_FILE", str(self.resources.bundle_file))
                os_profile = self._os_config(scenario, staged.names)
                if os_profile is not None:
                    stack.enter_context(os_profile)
                if scenario.given.hide_python_socks:
                    stack.enter_context(hidden_modules("python_socks"))
                yield staged
        finally:
            # A connection still open could end, and write its record, during the
            # next scenario: such a server is replaced.
            busy = {s.url for s in staged.servers if s.open_connections} | set(staged.lingering)
            if staged.own_server:
                with contextlib.suppress(Exception):
                    staged.server.stop(timeout=2.0)
            elif staged.server.url in busy:
                self.pool.discard(staged.server)
            _restore_dialers(staged.running_proxies)
            self.backend.release(staged.running_proxies, busy)
            for port in staged.proxies.values():
                if isinstance(port, ResettingPort):
                    port.close()

    def _build(self, scenario: Scenario, message: str) -> Staged:
        unsupported = self.backend.unsupported(scenario)
        if unsupported is not None:
            raise Unavailable(unsupported)
        target = scenario.target
        literal = ip_literal(target.host)
        ipv6 = literal is not None and ":" in literal
        bind = self._bind_address(target.host, ipv6)
        default = DEFAULT_PORTS[target.scheme] if target.default_port else None
        own_server = default is not None and DEFAULT_PORT_SERVER in scenario.requires
        if own_server:
            assert default is not None
            found = default_port_address(default)
            if found is None:
                raise Unavailable(f"no loopback address has port {default} free")
            bind = found
        self._reset_dns(scenario, bind)
        key = server_key(target, bind)
        server = self.pool.start_on(key, default or 0) if own_server else self.pool.take(key, 0)
        assert isinstance(server, WsServer)
        uri = server.ws_url(target.host, target.path)
        netloc = uri.split("://", 1)[1].split("/", 1)[0]
        port = server.port
        if default is not None:
            netloc = f"[{target.host}]" if ipv6 else target.host
            uri, port = f"{target.scheme}://{netloc}{target.path}", default
        names: dict[str, Any] = {
            "server": Endpoint(url=uri, netloc=netloc, host=target.host, port=port),
        }
        closed = self._closed_port()
        names["closed"] = Endpoint(
            url=f"http://{closed.host}:{closed.port}",
            netloc=f"{closed.host}:{closed.port}",
            host=closed.host,
            port=closed.port,
        )
        fixed_port = bind_port_of(scenario)
        if fixed_port is not None and len(scenario.proxies) != 1:
            raise StagingError(f"{BIND_PORT}{fixed_port} needs exactly one proxy")
        for name in scenario.proxies:
            if not name.isidentifier() or name in _RESERVED:
                raise StagingError(f"proxy name {name!r} cannot be used in templates")
        running = self.backend.acquire(scenario, fixed_port)
        if default is not None and not own_server:
            fakes: list[Any] = list(running.values())  # the fake proxies have a dialer
            for proxy in fakes:  # the proxy records host:443, dials the server
                proxy.dialer = RedirectingDialer(proxy.dialer, default, server.port)
        try:
            staged = self._finish_build(scenario, message, server, names, running)
        except BaseException:
            _restore_dialers(running)
            self.backend.release(running, ())
            if own_server:
                server.stop(timeout=2.0)
            raise
        staged.own_server = own_server
        return staged

    def _finish_build(
        self,
        scenario: Scenario,
        message: str,
        server: WsServer,
        names: dict[str, Any],
        running: dict[str, RunningProxy],
    ) -> Staged:
        proxies: dict[str, RunningProxy | ClosedPort] = {}
        passwords: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for name, spec in scenario.proxies.items():
            port: RunningProxy | ClosedPort = (
                self._closed_port(spec.resets) if spec.closed else running[name]
            )
            proxies[name] = port
            names[name] = _proxy_endpoint(spec, port)
            if spec.auth is not None and spec.auth[1]:
                passwords.add(spec.auth[1])
                passwords.add(urllib.parse.quote(spec.auth[1], safe=""))
                pairs.add(spec.auth)
        given = scenario.given
        proxy_argument = expand(given.proxy, names) if isinstance(given.proxy, str) else given.proxy
        options = expand(dict(given.options), names)
        written = (
            proxy_argument,
            options,
            expand(dict(given.env), names),
            expand(dict(given.os.settings), names),
            *(endpoint.url for endpoint in names.values()),
        )
        passwords |= passwords_in(*written)
        pairs |= credentials_in(*written)
        secure = scenario.target.scheme == "wss"
        trust_server = secure and not given.default_trust
        trust_proxy = not given.default_trust and any(
            spec.kind == "https" for spec in scenario.proxies.values()
        )
        call = Call(
            uri=names["server"].url,
            proxy=proxy_argument,
            message=message,
            options=options,
            server_ssl=self.resources.server_ssl if trust_server else None,
            proxy_ssl=self.resources.proxy_ssl if trust_proxy else None,
            server_ca=self.resources.server_ca_file if trust_server else None,
            proxy_ca=self.resources.proxy_ca_file if trust_proxy else None,
        )
        return Staged(
            scenario=scenario,
            call=call,
            server=server,
            proxies=proxies,
            names=names,
            expect=expand_expect(scenario.expect, names),
            passwords=frozenset(p for p in passwords if p),
            secrets=secret_forms(pairs),
        )

    def _reset_dns(self, scenario: Scenario, address: str) -> None:
        for name in self.dns.names:
            self.dns.remove(name)
        names = [n for n in (scenario.target.host, *scenario.names) if ip_literal(n) is None]
        for name in names:
            if name.lower() != "localhost":
                self.dns.add(name, address)
        resources = self.resources
        keys = [server_key(scenario.target, address)]
        keys += [proxy_key(spec) for spec in scenario.proxies.values() if not spec.closed]
        for ca in {id(ca): ca for ca in map(self.pool.ca_of, keys) if ca is not None}.values():
            ca.prepare(names)  # only the CAs whose servers this scenario uses
        bad = {scenario.target.certificate} | {s.certificate for s in scenario.proxies.values()}
        for policy in ("expired", "self-signed"):
            for ca in (resources.server_ca, resources.proxy_ca) if policy in bad else ():
                ca.prepare(names, policy)

    @staticmethod
    def _os_config(scenario: Scenario, names: Mapping[str, Any]) -> OsProxyConfig | None:
        profile = scenario.given.os
        settings = expand(dict(profile.settings), names)
        if profile.os == "linux" and not settings and sys.platform.startswith("linux"):
            return None  # this process already is that profile
        try:
            return OsProxyConfig.from_dict({**settings, "os": profile.os})
        except ValueError as exc:
            raise StagingError(f"bad OS profile in {scenario.id}: {exc}") from None


def _restore_dialers(proxies: Mapping[str, RunningProxy]) -> None:
    """Give back the proxies' own dialers (pooled proxies serve other scenarios next)."""
    fakes: list[Any] = list(proxies.values())
    for proxy in fakes:
        dialer = getattr(proxy, "dialer", None)
        if isinstance(dialer, RedirectingDialer):
            proxy.dialer = dialer.inner


def _proxy_endpoint(spec: ProxySpec, where: RunningProxy | ClosedPort) -> Endpoint:
    """``{A.url}`` and friends, as the scenario writes the proxy's address."""
    host = spec.url_host if spec.url_host is not None else where.host
    netloc = join_host_port(host, where.port)
    if spec.url_credentials is not None:
        credentials = spec.url_credentials
    elif spec.auth is not None:
        credentials = ":".join(urllib.parse.quote(part, safe="") for part in spec.auth)
    else:
        credentials = ""
    userinfo = f"{credentials}@" if credentials else ""
    scheme = spec.url_scheme or spec.kind
    return Endpoint(url=f"{scheme}://{userinfo}{netloc}", netloc=netloc, host=host, port=where.port)


@contextlib.contextmanager
def hidden_modules(package: str) -> Iterator[None]:
    """Make ``import package`` (and its submodules) fail until the block ends."""
    saved = {
        name: module
        for name, module in sys.modules.items()
        if name == package or name.startswith(package + ".")
    }
    for name in saved:
        del sys.modules[name]
    sys.modules[package] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
        sys.modules.update(saved)
