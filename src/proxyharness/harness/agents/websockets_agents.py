"""websockets' asyncio and sync clients (websockets >= 17) as agents."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from .base import (
    CAPABILITIES,
    Call,
    check_options,
    installed_version,
    os_error_kind,
    python_socks_hidden,
    run_in_thread,
    socks_failure_kind,
)

__all__ = ["WebsocketsAsyncioAgent", "WebsocketsSyncAgent", "websockets_error_kind"]

#: Seconds the client waits for the server's closing handshake (websockets: 10). No
#: verdict depends on the close; the sync client's TLS-in-TLS socket misses the
#: server's close_notify (it comes in the same outer TLS record as the close frame)
#: and would wait it out in full in every such case.
CLOSE_TIMEOUT = 1.0


def websockets_error_kind(exc: BaseException) -> str | None:
    """Map an exception of websockets (asyncio or sync) to an error kind.

    TLS failures, refused and lost connections come out as ``HOP_TLS``,
    ``HOP_REFUSED`` and ``HOP_LOST``: websockets raises the bare ``ssl`` /
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
        return socks_failure_kind(exc.__cause__)
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
    return os_error_kind(exc)


class _Websockets:
    """What the two websockets agents share."""

    #: Everything but saying why (``explain``) and a caller's socket (``sock-arg``).
    capabilities = CAPABILITIES - {"explain", "sock-arg"}
    #: The client module, e.g. ``websockets.asyncio.client``.
    module_name = ""

    def __init__(self) -> None:
        self._fresh: ModuleType | None = None
        self._unavailable: tuple[str | None] | None = None

    @property
    def version(self) -> str:
        return installed_version("websockets")

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
        if not python_socks_hidden():
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
        check_options(call, self.capabilities)
        kwargs: dict[str, Any] = dict(call.options)
        kwargs["proxy"] = call.proxy
        kwargs["open_timeout"] = call.open_timeout
        kwargs["close_timeout"] = CLOSE_TIMEOUT
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
