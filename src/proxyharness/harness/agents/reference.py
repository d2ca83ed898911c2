"""The reference client of this project (:mod:`proxyharness.reference_client`) as an agent."""

from __future__ import annotations

import importlib
import socket
from typing import Any

from .base import CAPABILITIES, Call, check_options, installed_version

__all__ = ["ReferenceAgent"]


class ReferenceAgent:
    """The reference client of this project (:mod:`proxyharness.reference_client`)."""

    name = "reference"
    capabilities = CAPABILITIES

    @property
    def version(self) -> str:
        return installed_version("proxyharness")

    def available(self) -> str | None:
        try:
            importlib.import_module("proxyharness.reference_client")
        except ImportError as exc:  # pragma: no cover - part of this package
            return f"the reference client cannot be imported: {exc}"
        return None

    async def exchange(self, call: Call) -> str | bytes:
        from ...reference_client import connect

        check_options(call, self.capabilities)
        options: dict[str, Any] = dict(call.options)
        options.setdefault("open_timeout", call.open_timeout)
        if options.pop("caller_socket", False):
            options["sock"] = _socket_to_server(call.uri, call.open_timeout)
        async with connect(
            call.uri, proxy=call.proxy, ssl=call.server_ssl, proxy_ssl=call.proxy_ssl, **options
        ) as ws:
            await ws.send(call.message)
            return await ws.recv()

    def error_kind(self, exc: BaseException) -> str | None:
        kind = getattr(exc, "kind", None)
        return kind if isinstance(kind, str) else None

    def explain(self, call: Call) -> str:
        from ...reference_client import explain, resolve_route

        return explain(resolve_route(call.uri, call.proxy))


def _socket_to_server(uri: str, timeout: float) -> socket.socket:
    """Connect a socket to the URI's server, as a caller supplying ``sock=`` would."""
    from ...reference_client.uri import parse_ws_uri

    parsed = parse_ws_uri(uri)
    return socket.create_connection((parsed.host, parsed.port), timeout=timeout)
