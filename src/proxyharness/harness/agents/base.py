"""The Agent protocol, the call it performs, error kinds, and the registry of agents.

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
in a thread (:func:`run_in_thread`); the runner cuts off any call that outlives its
hard timeout.

``error_kind`` maps an exception to a kind of :data:`ERROR_KINDS`. A client that
cannot tell which hop a TLS failure, a refused connection or a lost connection came
from returns :data:`HOP_TLS`, :data:`HOP_REFUSED` or :data:`HOP_LOST`; the harness
then decides from the wire (:func:`proxyharness.harness.observe.resolve_kind`).
None means "not a kind I know": the case then reports the exception's type.

Third parties register agents under the entry point group ``proxyharness.agents``
(:mod:`.registry`); the value is a class or a zero-argument callable returning an agent::

    [project.entry-points."proxyharness.agents"]
    myclient = "mypackage.proxyharness_agent:MyAgent"

An agent declares the capabilities it has (:data:`CAPABILITIES`; what each means is
in ``proxyharness.scenarios.CAPABILITIES``); a scenario requiring another one is N/A
for it. A call option is passed only to an agent with the capability that allows it
(``scenarios.OPTION_CAPABILITIES``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.metadata
import ssl
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from ...reference_client.errors import KINDS
from ...scenarios import CAPABILITIES as SCENARIO_CAPABILITIES
from ...scenarios import OPTION_CAPABILITIES, RUNNER_CAPABILITIES

__all__ = [
    "CAPABILITIES",
    "COMMAND_PREFIX",
    "DEFAULT_OPEN_TIMEOUT",
    "ERROR_KINDS",
    "HOP_KINDS",
    "HOP_LOST",
    "HOP_REFUSED",
    "HOP_TLS",
    "Agent",
    "Call",
    "Explainer",
    "NotSupported",
    "check_options",
    "installed_version",
    "os_error_kind",
    "python_socks_hidden",
    "run_in_thread",
    "socks_failure_kind",
]

#: Error kinds, as the reference client names them (``reference_client.errors``).
ERROR_KINDS = KINDS
#: A TLS failure whose hop the client does not say: proxy-tls or server-tls, from the wire.
HOP_TLS = "tls"
#: A refused connection whose hop the client does not say: proxy-refused or server-failed.
HOP_REFUSED = "refused"
#: A connection reset or cut whose hop the client does not say: proxy-answer or server-failed.
HOP_LOST = "lost"
#: The three kinds whose hop the harness decides from the wire.
HOP_KINDS = frozenset({HOP_TLS, HOP_REFUSED, HOP_LOST})

#: What an agent may declare: the catalog's capabilities but the runner's own.
CAPABILITIES = frozenset(SCENARIO_CAPABILITIES) - RUNNER_CAPABILITIES
#: Seconds a client gets to open when the scenario does not say.
DEFAULT_OPEN_TIMEOUT = 10.0
#: ``command:PATH`` names a command agent (:mod:`.command_agent`).
COMMAND_PREFIX = "command:"


class NotSupported(Exception):
    """Raised by :meth:`Agent.exchange` when the client cannot express the call (N/A)."""


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


# -- helpers the agents share -----------------------------------------------------------


@functools.cache
def installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def python_socks_hidden() -> bool:
    """Tell whether python-socks is hidden (``sys.modules["python_socks"] is None``)."""
    return "python_socks" in sys.modules and sys.modules["python_socks"] is None


def check_options(call: Call, capabilities: frozenset[str]) -> None:
    """Raise NotSupported for an option none of ``capabilities`` lets the client pass."""
    unknown = sorted(o for o in call.options if OPTION_CAPABILITIES.get(o) not in capabilities)
    if unknown:
        raise NotSupported(f"option {unknown[0]!r} is not supported")


#: python-socks messages meaning "the proxy refused", not "it spoke nonsense".
_SOCKS_REFUSALS = (
    "no acceptable authentication methods",
    "username and password authentication failure",
)


def socks_failure_kind(error: BaseException | None) -> str:
    """A python-socks ``ProxyError``: a refusal (reply code, auth) or a broken answer."""
    code = getattr(error, "error_code", None)
    text = str(error).lower()
    if code is not None or any(refusal in text for refusal in _SOCKS_REFUSALS):
        return "proxy-rejected"
    return "proxy-answer"


def os_error_kind(exc: BaseException) -> str | None:
    """Kinds of bare ``ssl`` / ``OSError`` / python-socks connection errors.

    TLS failures, refusals and resets say nothing of their hop (:data:`HOP_TLS`,
    :data:`HOP_REFUSED`, :data:`HOP_LOST`); python-socks' ``ProxyConnectionError``
    ("Could not connect to proxy") does.
    """
    package = type(exc).__module__.split(".")[0]
    if isinstance(exc, ssl.SSLError):
        return HOP_TLS
    if isinstance(exc, TimeoutError):  # python-socks' ProxyTimeoutError included
        return "timeout"
    if package == "python_socks" and isinstance(exc, OSError):
        return "proxy-refused"
    if isinstance(exc, ConnectionRefusedError):
        return HOP_REFUSED
    if isinstance(exc, ConnectionError):
        return HOP_LOST
    if isinstance(exc, OSError):
        return "server-failed"
    return None


_M = TypeVar("_M")


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
