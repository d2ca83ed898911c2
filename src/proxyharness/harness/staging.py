"""Staging: everything a scenario needs, set up before the agent runs and torn down after.

For one scenario, :meth:`Stager.stage` gives, inside a ``with`` block:

- a clean proxy environment (:class:`~proxyharness.fixtures.config.environment.ProxyEnvironment`)
  holding the scenario's variables, and its OS profile
  (:class:`~proxyharness.fixtures.config.os_config.OsProxyConfig`);
- a virtual DNS where the target host and ``scenario.names`` resolve to the echo
  server's loopback address (``::1`` for an IPv6 target), patched into
  ``socket.getaddrinfo`` and used by every fake proxy;
- the echo server (``ws``; ``wss`` with a certificate from the server CA, or from a
  CA the client is not given when ``untrusted_certificate``);
- each :class:`~proxyharness.scenarios.model.ProxySpec` as a running proxy from the
  stager's backend (:mod:`.backends`: fake proxies by default, or mitmproxy; ``https``
  ones with a certificate from the proxy CA, or from an untrusted CA when
  ``trusted=False``), or as a closed loopback port when ``closed``; a scenario the
  backend cannot play is :class:`Unavailable`;
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

import atexit
import contextlib
import dataclasses
import re
import shutil
import socket
import string
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fixtures.certs import CertificateAuthority
from ..fixtures.config.environment import ProxyEnvironment
from ..fixtures.config.os_config import OsProxyConfig
from ..fixtures.external.process import free_port
from ..fixtures.names import VirtualDNS, ip_literal
from ..fixtures.records import ProxyRecord, WebSocketRecord
from ..fixtures.servers import loop as _loop
from ..fixtures.servers.base import FakeServer
from ..fixtures.servers.faults import Fault
from ..fixtures.servers.http_proxy import HttpProxy
from ..fixtures.servers.socks import SocksProxy
from ..fixtures.servers.websocket import WsServer
from ..scenarios.model import ANY, Expect, ProxySpec, Scenario
from .agents import Call

if TYPE_CHECKING:
    from .backends import Backend, RunningProxy

__all__ = [
    "BIND_PORT",
    "ClosedPort",
    "Endpoint",
    "Resources",
    "Staged",
    "Stager",
    "Unavailable",
    "bind_port_of",
    "expand",
    "parse_fault",
    "passwords_in",
    "proxy_key",
    "runner_capabilities",
]

#: How long :meth:`Staged.settle` waits for the servers' connections to end.
SETTLE_TIMEOUT = 2.0
_RESERVED = frozenset({"server", "closed"})


class StagingError(Exception):
    """The scenario cannot be staged (a mistake in the scenario, not in the agent)."""


class Unavailable(Exception):
    """This machine cannot stage the scenario (e.g. port 80 is taken): the case is N/A."""


#: Runner capabilities: ``bind-port-N`` means the scenario's one proxy listens on port N.
BIND_PORT = "bind-port-"


def bind_port_of(scenario: Scenario) -> int | None:
    """The port a ``bind-port-N`` requirement asks the scenario's proxy to listen on."""
    for requirement in scenario.requires:
        if requirement.startswith(BIND_PORT) and requirement[len(BIND_PORT) :].isdigit():
            return int(requirement[len(BIND_PORT) :])
    return None


def can_bind(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether ``host:port`` can be listened on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def runner_capabilities(scenario: Scenario) -> frozenset[str]:
    """The runner's own capabilities this scenario needs and this machine grants."""
    port = bind_port_of(scenario)
    if port is not None and can_bind(port):
        return frozenset({f"{BIND_PORT}{port}"})
    return frozenset()


# -- per-process resources ----------------------------------------------------------------


class Resources:
    """CAs, client contexts and CA files, created once per process."""

    _instance: Resources | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.server_ca = CertificateAuthority("proxyharness server CA")
        self.proxy_ca = CertificateAuthority("proxyharness proxy CA")
        #: Signs the certificates no client is told to trust.
        self.untrusted_ca = CertificateAuthority("proxyharness untrusted CA")
        self.server_ssl = self.server_ca.client_context()
        self.proxy_ssl = self.proxy_ca.client_context()
        self._directory = Path(tempfile.mkdtemp(prefix="proxyharness-ca-"))
        atexit.register(shutil.rmtree, self._directory, ignore_errors=True)
        self.server_ca_file = self.server_ca.write_cert(self._directory / "server-ca.pem")
        self.proxy_ca_file = self.proxy_ca.write_cert(self._directory / "proxy-ca.pem")
        #: Both CAs in one file: the default trust of ``default_trust`` scenarios.
        self.bundle_file = self._directory / "default-trust.pem"
        self.bundle_file.write_bytes(self.server_ca.cert_pem() + self.proxy_ca.cert_pem())

    @classmethod
    def get(cls) -> Resources:
        """The process's resources, created on first use."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance


# -- templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """What a template can say about a proxy or the server: ``{A.url}``, ``{server.port}``..."""

    url: str
    netloc: str
    host: str
    port: int


@dataclass(frozen=True)
class ClosedPort:
    """A loopback port where nothing listens (ERR-01)."""

    host: str
    port: int

    @classmethod
    def find(cls, host: str = "127.0.0.1") -> ClosedPort:
        """A port of ``host`` that nothing listens on a moment later."""
        return cls(host, free_port(host))


_WHOLE_FIELD = re.compile(r"\{([^{}]+)\}")
_FORMATTER = string.Formatter()


def expand(value: Any, names: Mapping[str, Any]) -> Any:
    """Expand templates in ``value`` (strings, recursively in mappings, lists and tuples).

    A string that is exactly one field (``"{A.port}"``) gives the field's own value,
    so an integer stays an integer; any other string is ``str.format_map``-ed.
    """
    if isinstance(value, str):
        try:
            whole = _WHOLE_FIELD.fullmatch(value)
            if whole is not None:
                return _FORMATTER.get_field(whole.group(1), (), names)[0]
            return value.format_map(names)
        except (KeyError, AttributeError, IndexError, ValueError) as exc:
            raise StagingError(f"cannot expand template {value!r}: {exc!r}") from None
    if isinstance(value, Mapping):
        return {key: expand(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(expand(item, names) for item in value)
    return value


def expand_expect(expect: Expect, names: Mapping[str, Any]) -> Expect:
    """Return ``expect`` with every string field expanded (ANY and None left alone)."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(expect):
        value = getattr(expect, item.name)
        if value is ANY or value is None or isinstance(value, bool):
            continue
        changes[item.name] = expand(value, names)
    return dataclasses.replace(expect, **changes)


def passwords_in(*values: Any) -> set[str]:
    """Passwords written in URLs inside ``values`` (raw and percent-decoded forms)."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, str):
            _url_password(value, found)
        elif isinstance(value, Mapping):
            found |= passwords_in(*value.values())
        elif isinstance(value, list | tuple):
            found |= passwords_in(*value)
    return found


def _url_password(text: str, found: set[str]) -> None:
    start = text.find("://")
    start = 0 if start < 0 else start + 3
    at = text.rfind("@")
    if at <= start:
        return
    _, colon, password = text[start:at].partition(":")
    if colon and password:
        found.add(password)
        found.add(urllib.parse.unquote(password))


# -- faults -------------------------------------------------------------------------------


def parse_fault(text: str) -> Fault:
    """Parse a scenario's fault string (``"reply:403"``, ``"close_after:0"``, ``"silence"``)."""
    try:
        return Fault.parse(text)
    except ValueError as exc:
        raise StagingError(str(exc)) from None


# -- the pool -----------------------------------------------------------------------------

_ServerKey = tuple[Any, ...]


class ServerPool:
    """Running servers, reused across scenarios; one list per kind of server."""

    def __init__(self, resources: Resources, dns: VirtualDNS) -> None:
        self.resources = resources
        self.dns = dns
        self._servers: dict[_ServerKey, list[FakeServer[Any]]] = {}

    def take(self, key: _ServerKey, index: int) -> FakeServer[Any]:
        """The ``index``-th server of kind ``key``, started if needed, records reset."""
        servers = self._servers.setdefault(key, [])
        while len(servers) <= index:
            servers.append(self._create(key).start())
        server = servers[index]
        server.reset()
        return server

    def _create(self, key: _ServerKey, port: int = 0) -> FakeServer[Any]:
        if key[0] == "ws":
            _, secure, host, trusted = key
            ca = None
            if secure:
                ca = self.resources.server_ca if trusted else self.resources.untrusted_ca
            return WsServer(ca=ca, host=host)
        _, kind, auth, methods, fault, trusted, host = key
        faults = [parse_fault(part) for part in fault.split(",")] if fault else []
        if kind in ("socks4", "socks5"):
            return SocksProxy(
                4 if kind == "socks4" else 5,
                auth=auth,
                methods=methods,
                dns=self.dns,
                host=host,
                port=port,
                faults=faults,
            )
        ca = None
        if kind == "https":
            ca = self.resources.proxy_ca if trusted else self.resources.untrusted_ca
        return HttpProxy(ca=ca, auth=auth, dns=self.dns, host=host, port=port, faults=faults)

    def start_on(self, key: _ServerKey, port: int) -> FakeServer[Any]:
        """A server of kind ``key`` on a fixed ``port``, outside the pool (stop it yourself)."""
        try:
            return self._create(key, port).start()
        except OSError as exc:
            raise Unavailable(f"cannot listen on port {port}: {exc.strerror or exc}") from None

    def discard(self, server: FakeServer[Any]) -> None:
        """Stop ``server`` and forget it: the next scenario gets a fresh one."""
        for servers in self._servers.values():
            if server in servers:
                servers.remove(server)
        with contextlib.suppress(Exception):
            server.stop(timeout=2.0)

    def close(self) -> None:
        """Stop every server."""
        servers = [s for group in self._servers.values() for s in group]
        self._servers.clear()
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop(timeout=2.0)


def proxy_key(spec: ProxySpec) -> _ServerKey:
    """The pool's key for a fake proxy playing ``spec``."""
    host = "::1" if spec.url_host is not None and ":" in spec.url_host else "127.0.0.1"
    trusted = spec.trusted or spec.kind != "https"
    return ("proxy", spec.kind, spec.auth, spec.methods, spec.fault, trusted, host)


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
    #: Servers still serving a connection after :meth:`settle` (the client left it open).
    lingering: list[str] = field(default_factory=list)

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
        _loop.run(_barrier())
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while True:
            busy = [s for s in self.servers if s.open_connections]
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
    import asyncio

    for _ in range(3):
        await asyncio.sleep(0)


class Stager:
    """Stages scenarios one at a time, reusing servers; close it when done.

    ``backend`` names where proxies come from: ``fakes`` or ``mitmproxy``
    (:data:`.backends.BACKENDS`).
    """

    def __init__(self, resources: Resources | None = None, backend: str = "fakes") -> None:
        from .backends import make_backend  # backends build on this module

        self.resources = resources or Resources.get()
        self.dns = VirtualDNS()
        self.pool = ServerPool(self.resources, self.dns)
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
                stack.enter_context(self.dns.patch())
                env = expand(dict(scenario.given.env), staged.names)
                environment = stack.enter_context(ProxyEnvironment(env))
                if scenario.given.default_trust:
                    # Restored with the rest of the environment on exit.
                    environment.set("SSL_CERT_FILE", str(self.resources.bundle_file))
                os_profile = self._os_config(scenario, staged.names)
                if os_profile is not None:
                    stack.enter_context(os_profile)
                if scenario.given.hide_python_socks:
                    stack.enter_context(_hidden_modules("python_socks"))
                yield staged
        finally:
            # A connection still open could end, and write its record, during the
            # next scenario: such a server is replaced.
            busy = {s.url for s in staged.servers if s.open_connections} | set(staged.lingering)
            if staged.server.url in busy:
                self.pool.discard(staged.server)
            self.backend.release(staged.running_proxies, busy)

    def _build(self, scenario: Scenario, message: str) -> Staged:
        unsupported = self.backend.unsupported(scenario)
        if unsupported is not None:
            raise Unavailable(unsupported)
        target = scenario.target
        literal = ip_literal(target.host)
        ipv6 = literal is not None and ":" in literal
        bind = "::1" if ipv6 else "127.0.0.1"
        self._reset_dns(scenario, bind)
        secure = target.scheme == "wss"
        server = self.pool.take(("ws", secure, bind, not target.untrusted_certificate), 0)
        assert isinstance(server, WsServer)
        uri = server.ws_url(target.host, target.path)
        netloc = uri.split("://", 1)[1].split("/", 1)[0]
        names: dict[str, Any] = {
            "server": Endpoint(url=uri, netloc=netloc, host=target.host, port=server.port),
        }
        closed = ClosedPort.find()
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
        try:
            return self._finish_build(scenario, message, server, names, running)
        except BaseException:
            self.backend.release(running, ())
            raise

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
        for name, spec in scenario.proxies.items():
            port = ClosedPort.find() if spec.closed else running[name]
            proxies[name] = port
            names[name] = _proxy_endpoint(spec, port)
            if spec.auth is not None and spec.auth[1]:
                passwords.add(spec.auth[1])
                passwords.add(urllib.parse.quote(spec.auth[1], safe=""))
        given = scenario.given
        proxy_argument = expand(given.proxy, names) if isinstance(given.proxy, str) else given.proxy
        options = expand(dict(given.options), names)
        passwords |= passwords_in(
            proxy_argument,
            options,
            expand(dict(given.env), names),
            expand(dict(given.os.settings), names),
            *(endpoint.url for endpoint in names.values()),
        )
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
        )

    def _reset_dns(self, scenario: Scenario, address: str) -> None:
        for name in self.dns.names:
            self.dns.remove(name)
        names = [n for n in (scenario.target.host, *scenario.names) if ip_literal(n) is None]
        for name in names:
            if name.lower() != "localhost":
                self.dns.add(name, address)
        resources = self.resources
        for ca in (resources.server_ca, resources.proxy_ca, resources.untrusted_ca):
            ca.prepare(names)

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


def _proxy_endpoint(spec: ProxySpec, where: RunningProxy | ClosedPort) -> Endpoint:
    """``{A.url}`` and friends, as the scenario writes the proxy's address."""
    host = spec.url_host if spec.url_host is not None else where.host
    netloc = f"[{host}]:{where.port}" if ":" in host else f"{host}:{where.port}"
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
def _hidden_modules(package: str) -> Iterator[None]:
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
