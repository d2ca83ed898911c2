"""Agents: the clients under test, each reduced to one call.

An agent adapts a WebSocket client to "open this URL with these options, send one
message, return the echo or raise". The runner stages the servers, the environment
and the OS profile, calls :meth:`Agent.exchange`, and judges from the wire only;
the agent's sole other job is naming its exceptions with :meth:`Agent.error_kind`.

The interface (a :class:`typing.Protocol`, nothing to inherit)::

    class MyAgent:
        name = "myclient"                      # stable, used in node ids and reports
        version = "1.2.3"                      # the client library's version
        capabilities = frozenset({"explicit-proxy", "proxy-ssl"})

        def available(self) -> str | None:     # None, or why it cannot run here
            ...
        async def exchange(self, call: Call) -> str | bytes:
            ...                                # the echo; raise whatever the client raises
        def error_kind(self, exc: BaseException) -> str | None:
            ...                                # ERROR_KINDS, or HOP_TLS/REFUSED/LOST

An agent with the ``explain`` capability also has ``explain(call) -> str`` (the
:class:`Explainer` protocol): the client's own account of the route it takes, which
DIAG-01 checks for the configuration item that decided it.

Rules for ``exchange``: open ``call.uri`` with ``call.proxy`` (True: from the
configuration, None: no proxy, a string: that proxy), trust ``call.server_ssl`` for
a ``wss://`` server and ``call.proxy_ssl`` for an ``https://`` proxy (None: pass
nothing, the client's defaults apply; ``call.server_ca`` and ``call.proxy_ca`` are the
same trusts as PEM files), pass each of ``call.options`` the client
understands (raise :class:`NotSupported` for one it cannot express: the case becomes
N/A), send ``call.message``, return what comes back, close. A blocking client runs
in a thread (see :class:`WebsocketsSyncAgent`); the runner cuts off any call that
outlives its hard timeout.

``error_kind`` maps an exception to a kind of :data:`ERROR_KINDS`. A client that
cannot tell which hop a TLS failure, a refused connection or a lost connection came
from returns :data:`HOP_TLS`, :data:`HOP_REFUSED` or :data:`HOP_LOST`; the harness
then decides from the wire (:func:`proxyharness.harness.observe.resolve_kind`).
None means "not a kind I know": the case then reports the exception's type.

Third parties register agents under the entry point group ``proxyharness.agents``;
the value is a class or a zero-argument callable returning an agent::

    [project.entry-points."proxyharness.agents"]
    myclient = "mypackage.proxyharness_agent:MyAgent"

Capabilities a scenario may require (:data:`CAPABILITIES`): ``explicit-proxy``
(``proxy=URL``), ``no-proxy`` (``proxy=None``), ``proxy-ssl`` (a trust for the proxy
apart from the server's), ``proxy-server-hostname``, ``server-hostname``,
``open-timeout``, ``additional-headers``, ``explain`` (says why it chose a route),
``without-python-socks`` (runs with python-socks hidden).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import ssl
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = [
    "CAPABILITIES",
    "ENTRY_POINT_GROUP",
    "ERROR_KINDS",
    "HOP_LOST",
    "HOP_REFUSED",
    "HOP_TLS",
    "Agent",
    "Call",
    "Explainer",
    "NotSupported",
    "ReferenceAgent",
    "UnknownAgent",
    "WebsocketsAsyncioAgent",
    "WebsocketsSyncAgent",
    "agent_names",
    "get_agent",
    "load_agents",
]

ENTRY_POINT_GROUP = "proxyharness.agents"

#: Error kinds, as the reference client names them (``reference_client.errors``).
ERROR_KINDS = frozenset(
    {
        "invalid-uri",
        "invalid-proxy",
        "socks-unavailable",
        "proxy-refused",
        "proxy-rejected",
        "proxy-answer",
        "proxy-tls",
        "server-failed",
        "server-tls",
        "handshake-rejected",
        "timeout",
        "closed",
    }
)
#: A TLS failure whose hop the client does not say: proxy-tls or server-tls, from the wire.
HOP_TLS = "tls"
#: A refused connection whose hop the client does not say: proxy-refused or server-failed.
HOP_REFUSED = "refused"
#: A connection reset or cut whose hop the client does not say: proxy-answer or server-failed.
HOP_LOST = "lost"

CAPABILITIES = frozenset(
    {
        "explicit-proxy",
        "no-proxy",
        "proxy-ssl",
        "proxy-server-hostname",
        "server-hostname",
        "open-timeout",
        "additional-headers",
        "explain",
        "without-python-socks",
    }
)
#: Seconds a client gets to open when the scenario does not say.
DEFAULT_OPEN_TIMEOUT = 10.0


class NotSupported(Exception):
    """Raised by :meth:`Agent.exchange` when the client cannot express the call (N/A)."""


class UnknownAgent(LookupError):
    """No built-in or registered agent has this name."""


@dataclass(frozen=True)
class Call:
    """One exchange to perform, fully expanded (no templates left)."""

    uri: str
    #: True: from the configuration; None: no proxy; a string: this proxy URL.
    proxy: bool | str | None
    message: str = "hello"
    #: Client options by name (``open_timeout``, ``proxy_server_hostname``...).
    options: Mapping[str, object] = field(default_factory=dict)
    #: Trust for the ``wss://`` server and for an ``https://`` proxy, as contexts...
    server_ssl: ssl.SSLContext | None = None
    proxy_ssl: ssl.SSLContext | None = None
    #: ...and as PEM files, for clients that run out of process.
    server_ca: Path | None = None
    proxy_ca: Path | None = None

    @property
    def open_timeout(self) -> float:
        """The opening timeout asked for (``options["open_timeout"]``), else the default."""
        value = self.options.get("open_timeout", DEFAULT_OPEN_TIMEOUT)
        return float(value) if isinstance(value, int | float) else DEFAULT_OPEN_TIMEOUT


@runtime_checkable
class Agent(Protocol):
    """A client under test (see the module docstring)."""

    @property
    def name(self) -> str:
        """Stable name, used in node ids, reports and baselines."""

    @property
    def version(self) -> str:
        """Version of the client under test."""

    @property
    def capabilities(self) -> frozenset[str]:
        """What the client can express (:data:`CAPABILITIES`)."""

    def available(self) -> str | None:
        """Return None if the agent can run here, else the reason it cannot."""

    async def exchange(self, call: Call) -> str | bytes:
        """Perform ``call``; return the echo, raise the client's exception."""

    def error_kind(self, exc: BaseException) -> str | None:
        """Name ``exc``'s kind (:data:`ERROR_KINDS`, :data:`HOP_TLS`, :data:`HOP_REFUSED`)."""


@runtime_checkable
class Explainer(Protocol):
    """An agent with the ``explain`` capability also says why it picks a route (DIAG-01)."""

    def explain(self, call: Call) -> str:
        """Explain, in the client's words, which route ``call`` takes and why."""


@functools.cache
def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _python_socks_hidden() -> bool:
    """Tell whether python-socks is hidden (``sys.modules["python_socks"] is None``)."""
    return "python_socks" in sys.modules and sys.modules["python_socks"] is None


def _check_options(call: Call, known: frozenset[str]) -> None:
    unknown = sorted(set(call.options) - known)
    if unknown:
        raise NotSupported(f"option {unknown[0]!r} is not supported")


# -- the reference client ---------------------------------------------------------------


class ReferenceAgent:
    """The reference client of this project (:mod:`proxyharness.reference_client`)."""

    name = "reference"
    capabilities = CAPABILITIES
    _options = frozenset(
        {"open_timeout", "proxy_server_hostname", "server_hostname", "additional_headers"}
    )

    @property
    def version(self) -> str:
        return _version("proxyharness")

    def available(self) -> str | None:
        try:
            importlib.import_module("proxyharness.reference_client")
        except ImportError as exc:  # pragma: no cover - part of this package
            return f"the reference client cannot be imported: {exc}"
        return None

    async def exchange(self, call: Call) -> str | bytes:
        from ..reference_client import connect

        _check_options(call, self._options)
        options: dict[str, Any] = dict(call.options)
        options.setdefault("open_timeout", call.open_timeout)
        async with connect(
            call.uri, proxy=call.proxy, ssl=call.server_ssl, proxy_ssl=call.proxy_ssl, **options
        ) as ws:
            await ws.send(call.message)
            return await ws.recv()

    def error_kind(self, exc: BaseException) -> str | None:
        kind = getattr(exc, "kind", None)
        return kind if isinstance(kind, str) else None

    def explain(self, call: Call) -> str:
        from ..reference_client import explain, resolve_route

        return explain(resolve_route(call.uri, call.proxy))


# -- websockets -------------------------------------------------------------------------

#: python-socks messages meaning "the proxy refused", not "it spoke nonsense".
_SOCKS_REFUSALS = (
    "no acceptable authentication methods",
    "username and password authentication failure",
)


def websockets_error_kind(exc: BaseException) -> str | None:
    """Map an exception of websockets (asyncio or sync) to an error kind.

    TLS failures, refused and lost connections come out as :data:`HOP_TLS`,
    :data:`HOP_REFUSED` and :data:`HOP_LOST`: websockets raises the bare ``ssl`` /
    ``OSError`` exception (python-socks' own ``OSError`` included, on purpose), which
    does not say whether the proxy or the server was the peer.
    """
    from websockets import exceptions as wse

    if isinstance(exc, wse.InvalidProxy):
        return "invalid-proxy"
    if isinstance(exc, wse.InvalidProxyStatus):
        return "proxy-rejected"
    if isinstance(exc, wse.InvalidProxyMessage):
        return "proxy-answer"
    if isinstance(exc, wse.ProxyError):
        return _socks_failure_kind(exc.__cause__)
    if isinstance(exc, wse.InvalidURI):
        return "invalid-uri"
    if isinstance(exc, wse.InvalidStatus):
        return "handshake-rejected"
    if isinstance(exc, wse.InvalidHandshake):
        return "server-failed"
    if isinstance(exc, wse.ConnectionClosed):
        return "closed"
    if isinstance(exc, ImportError) and "python-socks" in str(exc):
        return "socks-unavailable"
    return _os_error_kind(exc)


def _socks_failure_kind(cause: BaseException | None) -> str:
    """websockets wraps python-socks' ProxyError: a refusal, or a broken answer."""
    code = getattr(cause, "error_code", None)
    text = str(cause).lower()
    if code is not None or any(refusal in text for refusal in _SOCKS_REFUSALS):
        return "proxy-rejected"
    return "proxy-answer"


def _os_error_kind(exc: BaseException) -> str | None:
    name = type(exc).__module__.split(".")[0]
    if isinstance(exc, ssl.SSLError):
        return HOP_TLS
    if isinstance(exc, TimeoutError):  # python-socks' ProxyTimeoutError included
        return "timeout"
    if name == "python_socks" and isinstance(exc, OSError):
        return "proxy-refused"  # ProxyConnectionError: "Could not connect to proxy"
    if isinstance(exc, ConnectionRefusedError):
        return HOP_REFUSED
    if isinstance(exc, ConnectionError):
        return HOP_LOST
    if isinstance(exc, OSError):
        return "server-failed"
    return None


_M = TypeVar("_M")


class _Websockets:
    """What the two websockets agents share."""

    capabilities = frozenset(
        {
            "explicit-proxy",
            "no-proxy",
            "proxy-ssl",
            "proxy-server-hostname",
            "server-hostname",
            "open-timeout",
            "additional-headers",
            "without-python-socks",
        }
    )
    _options = frozenset(
        {
            "open_timeout",
            "proxy_server_hostname",
            "server_hostname",
            "additional_headers",
            "user_agent_header",
        }
    )
    #: The client module, e.g. ``websockets.asyncio.client``.
    module_name = ""

    def __init__(self) -> None:
        self._fresh: ModuleType | None = None
        self._unavailable: tuple[str | None] | None = None

    @property
    def version(self) -> str:
        return _version("websockets")

    def available(self) -> str | None:
        if self._unavailable is None:
            self._unavailable = (self._check(),)
        return self._unavailable[0]

    def _check(self) -> str | None:
        try:
            importlib.import_module(self.module_name)
        except ImportError:
            return "websockets is not installed: pip install 'websockets>=17'"
        major = self.version.split(".")[0]
        if not major.isdigit() or int(major) < 17:
            return f"websockets {self.version} is too old: pip install 'websockets>=17'"
        return None

    def client_module(self) -> ModuleType:
        """The client module; a private copy executed without python-socks when it is hidden.

        websockets decides at import time whether python-socks exists, so hiding it
        (SOCKS-01) takes a copy of the module executed while it is hidden: exactly
        what a process without python-socks would run. Exceptions stay shared.
        """
        if not _python_socks_hidden():
            return importlib.import_module(self.module_name)
        if self._fresh is None:
            spec = importlib.util.find_spec(self.module_name)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._fresh = module
        return self._fresh

    def kwargs(self, call: Call) -> dict[str, Any]:
        _check_options(call, self._options)
        kwargs: dict[str, Any] = dict(call.options)
        kwargs["proxy"] = call.proxy
        kwargs["open_timeout"] = call.open_timeout
        if call.server_ssl is not None:
            kwargs["ssl"] = call.server_ssl
        if call.proxy_ssl is not None:
            kwargs["proxy_ssl"] = call.proxy_ssl
        return kwargs

    def error_kind(self, exc: BaseException) -> str | None:
        return websockets_error_kind(exc)


class WebsocketsAsyncioAgent(_Websockets):
    """``websockets.asyncio.client.connect`` (websockets >= 17)."""

    name = "websockets-asyncio"
    module_name = "websockets.asyncio.client"

    async def exchange(self, call: Call) -> str | bytes:
        connect = self.client_module().connect
        async with connect(call.uri, **self.kwargs(call)) as ws:
            await ws.send(call.message)
            reply: str | bytes = await ws.recv()
            return reply


class WebsocketsSyncAgent(_Websockets):
    """``websockets.sync.client.connect`` (websockets >= 17), run in its own thread."""

    name = "websockets-sync"
    module_name = "websockets.sync.client"

    async def exchange(self, call: Call) -> str | bytes:
        connect = self.client_module().connect
        kwargs = self.kwargs(call)

        def run() -> str | bytes:
            with connect(call.uri, legacy=False, **kwargs) as ws:
                ws.send(call.message)
                reply: str | bytes = ws.recv(timeout=call.open_timeout)
                return reply

        return await run_in_thread(run, name=f"proxyharness-agent-{self.name}")


async def run_in_thread(function: Callable[[], _M], name: str) -> _M:
    """Run a blocking ``function`` in a new daemon thread; await its result.

    If the awaiting task is cancelled the thread runs on to its end (a thread cannot
    be stopped); its result is then dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_M] = loop.create_future()

    def settle(result: _M | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = function()
        except BaseException as exc:
            _call_soon(loop, settle, None, exc)
        else:
            _call_soon(loop, settle, result, None)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: the caller gave up
        loop.call_soon_threadsafe(callback, *args)


# -- registry ---------------------------------------------------------------------------

BUILTIN: dict[str, Callable[[], Agent]] = {
    ReferenceAgent.name: ReferenceAgent,
    WebsocketsAsyncioAgent.name: WebsocketsAsyncioAgent,
    WebsocketsSyncAgent.name: WebsocketsSyncAgent,
}


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def agent_names() -> list[str]:
    """Names of the built-in agents, then of the registered ones."""
    return [*BUILTIN, *sorted(set(_entry_points()) - set(BUILTIN))]


def get_agent(name: str) -> Agent:
    """Create the agent called ``name``: built-in, registered, or ``module:attribute``.

    ``module:attribute`` names a class or factory directly (an agent under
    development, not installed yet); the agent's own ``name`` is what reports show.
    """
    factory: Callable[[], Any] | None = BUILTIN.get(name)
    if factory is None and ":" in name:
        module, _, attribute = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise UnknownAgent(f"cannot load agent {name!r}: {exc}") from None
    if factory is None:
        entry_point = _entry_points().get(name)
        if entry_point is None:
            known = ", ".join(agent_names())
            raise UnknownAgent(f"no agent named {name!r} (known: {known})")
        factory = entry_point.load()
    agent = factory()
    if not isinstance(agent, Agent):
        raise TypeError(f"agent {name!r} does not implement proxyharness.harness.agents.Agent")
    return agent


def load_agents(names: list[str] | tuple[str, ...]) -> list[Agent]:
    """Create the agents called ``names``, in order; two agents may not share a name."""
    agents: dict[str, Agent] = {}
    for name in dict.fromkeys(names):
        agent = get_agent(name)
        if agent.name in agents:
            raise UnknownAgent(f"two agents are called {agent.name!r}")
        agents[agent.name] = agent
    return list(agents.values())


def describe(agent: Agent) -> Mapping[str, object]:
    """A JSON-able description: name, version, capabilities, availability."""
    return {
        "name": agent.name,
        "version": agent.version,
        "capabilities": sorted(agent.capabilities),
        "unavailable": agent.available(),
    }
