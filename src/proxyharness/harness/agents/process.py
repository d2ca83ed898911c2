"""What agents running a client in another process share: names, OS profile, the child.

A client in another process sees the scenario's environment (the variables staging
set are inherited) but not what staging patched inside this Python process:

- the virtual DNS (``www.example.com`` and the scenario's other names resolve to
  loopback only here): :func:`virtual_names` resolves, in this process, every name the
  client may have to resolve itself (the target host, the explicit proxy's host, the
  hosts of the ``*_proxy`` variables; IDNA names in both forms) so that the agent can
  hand them over (curl's ``--resolve``, the command protocol's ``hosts``);
- in the private network stage (:mod:`proxyharness.fixtures.netns`) there is nothing to
  hand over: the child runs inside the namespace (:func:`inside` wraps its command
  line in ``nsenter``), where the names resolve through the namespace's DNS, and
  :func:`virtual_names` is empty;
- an emulated macOS or Windows proxy configuration (``urllib.request`` patched):
  :func:`require_own_process_view` raises :class:`NotSupported` while one is active,
  since the client could not see it (the case is N/A, not a FAIL of the client).

:func:`run_child` runs a child process (:func:`inside` the private network, if one is
active) with its input, bounded in time; the child is
killed when the time is up or the awaiting task is cancelled (the runner cutting off
a hung call), so no process outlives its case; :func:`stop_child` ends one that
streams (curl).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ...fixtures import OsProxyConfig, active_network, ip_literal, is_loopback
from .base import Call, NotSupported

__all__ = [
    "ChildResult",
    "ChildTimeout",
    "emulated_os",
    "inside",
    "require_own_process_view",
    "run_child",
    "stop_child",
    "virtual_hosts",
    "virtual_names",
]

#: Seconds a child gets to exit after its input is closed or it is told to stop.
STOP_GRACE = 1.0


def emulated_os() -> str | None:
    """The OS profile emulated in this process right now (``macos``...), or None."""
    owner = getattr(urllib.request.getproxies, "__self__", None)
    return owner.os if isinstance(owner, OsProxyConfig) else None


def require_own_process_view(client: str) -> None:
    """Raise NotSupported while an OS proxy configuration is emulated in this process."""
    profile = emulated_os()
    if profile is not None:
        raise NotSupported(
            f"the {profile} proxy configuration is emulated inside the harness process; "
            f"{client} runs in a process of its own and cannot see it"
        )


def _virtual_dns_active() -> bool:
    """Whether ``socket.getaddrinfo`` is the virtual DNS of staging (fixtures.names)."""
    return getattr(socket.getaddrinfo, "__module__", "") == "proxyharness.fixtures.names"


#: Ports tried for a proxy URL without one (curl: 1080; http 80, https 443).
_DEFAULT_PROXY_PORTS = (80, 443, 1080)


def _endpoint(url: str, default: tuple[int, ...]) -> Iterator[tuple[str, int]]:
    """Host and port(s) of ``url`` (a scheme-less value is taken as ``http://``)."""
    text = url if "://" in url else f"http://{url}"
    try:
        parts = urllib.parse.urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        return
    if host:
        names = dict.fromkeys((host, _ascii(host)))  # clients resolve the IDNA form
        yield from ((name, p) for name in names for p in ((port,) if port else default))


def _ascii(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _candidates(call: Call, environ: Mapping[str, str]) -> Iterator[tuple[str, int]]:
    """Every (host, port) the client may resolve: target, explicit proxy, ``*_proxy``."""
    scheme = call.uri.partition(":")[0]
    yield from _endpoint(call.uri, (443,) if scheme == "wss" else (80,))
    if isinstance(call.proxy, str):
        yield from _endpoint(call.proxy, _DEFAULT_PROXY_PORTS)
    for name, value in environ.items():
        if name[-6:].lower() == "_proxy" and name.lower() != "no_proxy" and value:
            yield from _endpoint(value, _DEFAULT_PROXY_PORTS)


def virtual_names(
    call: Call, environ: Mapping[str, str] | None = None
) -> list[tuple[str, int, str]]:
    """(name, port, loopback address) for every virtual name ``call`` may make a client resolve.

    Empty outside staging (the system resolver then answers as it does for the
    harness) and in the private network stage (the namespace's DNS answers). IP
    literals and ``localhost`` are left out: every resolver knows them.
    """
    if not _virtual_dns_active() or active_network() is not None:
        return []
    found: list[tuple[str, int, str]] = []
    resolved: dict[str, str | None] = {}
    for name, port in dict.fromkeys(_candidates(call, os.environ if environ is None else environ)):
        if ip_literal(name) is not None or name.lower() == "localhost":
            continue
        if name not in resolved:
            resolved[name] = _loopback_address(name)
        address = resolved[name]
        if address is not None:
            found.append((name, port, address))
    return found


def _loopback_address(name: str) -> str | None:
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = [str(info[4][0]) for info in infos if is_loopback(str(info[4][0]))]
    return addresses[0] if addresses else None


def virtual_hosts(call: Call, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """:func:`virtual_names` as a table name -> address (an ``/etc/hosts`` for the child)."""
    return {name: address for name, _, address in virtual_names(call, environ)}


def inside(argv: Sequence[str]) -> list[str]:
    """``argv`` run inside the active private network (``nsenter ... -- argv``), or as is."""
    network = active_network()
    return list(argv) if network is None else [*network.enter_command(), *argv]


@dataclass(frozen=True)
class ChildResult:
    """How a child process ended."""

    returncode: int
    stdout: bytes
    stderr: bytes


class ChildTimeout(Exception):
    """The child did not finish in time; it was killed."""

    def __init__(self, argv: Sequence[str], timeout: float, stderr: bytes = b"") -> None:
        super().__init__(argv, timeout)
        self.argv = list(argv)
        self.timeout = timeout
        self.stderr = stderr

    def __str__(self) -> str:
        return f"{self.argv[0]} did not finish within {self.timeout:g} s and was killed"


async def stop_child(process: asyncio.subprocess.Process) -> None:
    """Close its input, give it :data:`STOP_GRACE` seconds, then terminate, then kill."""
    if process.stdin is not None and not process.stdin.is_closing():
        process.stdin.close()
    for signal_it in (None, process.terminate, process.kill):
        if signal_it is not None:
            with contextlib.suppress(ProcessLookupError):
                signal_it()
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), STOP_GRACE)
        except TimeoutError:
            continue
        return


async def run_child(
    argv: Sequence[str], stdin: bytes, timeout: float, env: Mapping[str, str] | None = None
) -> ChildResult:
    """Run ``argv`` with ``stdin`` as its input; its output, or ChildTimeout after ``timeout``.

    The child inherits this process's environment (the scenario's) unless ``env``
    is given. It is killed if the awaiting task is cancelled.
    """
    process = await asyncio.create_subprocess_exec(
        *inside(argv),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=None if env is None else dict(env),
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        await _reap(process)
        raise ChildTimeout(argv, timeout) from None
    except BaseException:
        await _reap(process)
        raise
    assert process.returncode is not None
    return ChildResult(process.returncode, stdout, stderr)


async def _reap(process: asyncio.subprocess.Process) -> None:
    """Kill ``process`` and drain its pipes, so that its transport closes (no warning)."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    with contextlib.suppress(Exception):
        await asyncio.shield(_drain(process))


async def _drain(process: asyncio.subprocess.Process) -> None:
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            await stream.read()
    await process.wait()
