"""Broken TLS: unchecked certificates, wrong or missing SNI, trusts mixed, no TLS-in-TLS.

Trust bugs change the call's contexts before the reference client sees them; SNI
bugs wrap the reference client's ``open_stream`` or its TLS upgrade.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ssl
from typing import Any

from ....reference_client import client as reference_client
from ....reference_client import tunnel as reference_tunnel
from ....reference_client.errors import ProxyTLSError
from ....reference_client.route import Route, ViaProxy
from ....reference_client.stream import ByteStream
from ....reference_client.uri import WebSocketURI, parse_ws_uri
from ..base import Call
from ._base import BrokenAgent, no_hostname_check, patched, with_options

__all__ = ["CLIENTS"]


def _unverified() -> ssl.SSLContext:
    """A context that checks nothing."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class ProxyUnverified(BrokenAgent):
    """The https:// proxy's certificate is not verified."""

    name = "broken-proxy-certificate-unverified"
    breaks = ("HTTP-07",)  # HTTP-04's scenarios never present a bad proxy certificate

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, proxy_ssl=_unverified())


class ProxySniIsServerName(BrokenAgent):
    """The https:// proxy gets the server's name as SNI, not its own."""

    name = "broken-proxy-sni-server-name"
    breaks = ("HTTP-04",)

    def adjust(self, call: Call) -> Call:
        return with_options(call, proxy_server_hostname=parse_ws_uri(call.uri).host)


class ServerUnverified(BrokenAgent):
    """The wss:// server's certificate is not verified."""

    name = "broken-server-certificate-unverified"
    breaks = ("HTTP-05", "SOCKS-06")

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, server_ssl=_unverified())


class NoHostnameCheck(BrokenAgent):
    """The wss:// server's certificate chain is verified, its host name is not."""

    name = "broken-server-hostname-unchecked"
    breaks = ("HTTP-05", "SOCKS-06")

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, server_ssl=no_hostname_check(call.server_ca))


class StreamBug(BrokenAgent):
    """Base: the reference client's ``open_stream`` is called as :meth:`open` does."""

    async def open(self, open_stream: Any, uri: WebSocketURI, route: Route, **options: Any) -> Any:
        """Open the stream (the buggy way)."""
        return await open_stream(uri, route, **options)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        open_stream = reference_tunnel.open_stream  # what the client module imported

        async def wrapped(uri: WebSocketURI, route: Route, **options: Any) -> ByteStream:
            stream: ByteStream = await self.open(open_stream, uri, route, **options)
            return stream

        return patched(reference_client, "open_stream", wrapped)


class TunnelSniIsProxyName(StreamBug):
    """Inside a tunnel, TLS with the server gets the proxy's name as SNI."""

    name = "broken-tunnel-sni-proxy-name"
    breaks = ("HTTP-05", "SOCKS-06")

    async def open(self, open_stream: Any, uri: WebSocketURI, route: Route, **options: Any) -> Any:
        if isinstance(route, ViaProxy) and options.get("server_hostname") is None:
            options["server_hostname"] = route.proxy.host
        return await open_stream(uri, route, **options)


class TlsInTlsRefused(StreamBug):
    """wss:// through an https:// proxy is refused (no TLS inside TLS)."""

    name = "broken-tls-in-tls-refused"
    breaks = ("HTTP-06",)

    async def open(self, open_stream: Any, uri: WebSocketURI, route: Route, **options: Any) -> Any:
        if isinstance(route, ViaProxy) and route.proxy.tls and uri.secure:
            raise ProxyTLSError(route.proxy, "TLS inside TLS is not supported")
        return await open_stream(uri, route, **options)


class NoServerSni(BrokenAgent):
    """TLS with the wss:// server sends no SNI (and checks no host name)."""

    name = "broken-no-server-sni"
    breaks = ("HTTP-05", "SOCKS-06")

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        start_tls = reference_tunnel._start_tls
        context = no_hostname_check(call.server_ca) if call.server_ssl is not None else None

        async def without_sni(
            stream: ByteStream, tls: ssl.SSLContext, name: str, progress: Any, **hop: Any
        ) -> None:
            if hop.get("proxy") is None:  # the server's hop
                tls = context or no_hostname_check(None)
                name = None  # type: ignore[assignment]
            await start_tls(stream, tls, name, progress, **hop)

        return patched(reference_tunnel, "_start_tls", without_sni)


class ServerTrustForProxy(BrokenAgent):
    """The server's trust is used for the https:// proxy too (one context for both hops)."""

    name = "broken-server-trust-for-proxy"
    breaks = ("HTTP-07",)

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, proxy_ssl=call.server_ssl)


class ProxyTrustForServer(BrokenAgent):
    """The https:// proxy's trust is used for the wss:// server too."""

    name = "broken-proxy-trust-for-server"
    breaks = ("HTTP-07",)

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, server_ssl=call.proxy_ssl)


class MergedTrust(BrokenAgent):
    """Both hops trust both CAs (one context loaded with everything)."""

    name = "broken-merged-trust"
    breaks = ("HTTP-07",)

    def adjust(self, call: Call) -> Call:
        files = [path for path in (call.server_ca, call.proxy_ca) if path is not None]
        if not files:
            return call
        context = ssl.create_default_context()
        for path in files:
            context.load_verify_locations(cafile=str(path))
        return dataclasses.replace(
            call,
            server_ssl=context if call.server_ssl is not None else None,
            proxy_ssl=context if call.proxy_ssl is not None else None,
        )


CLIENTS: tuple[type[BrokenAgent], ...] = (
    ProxyUnverified,
    ProxySniIsServerName,
    ServerUnverified,
    NoHostnameCheck,
    TunnelSniIsProxyName,
    TlsInTlsRefused,
    NoServerSni,
    ServerTrustForProxy,
    ProxyTrustForServer,
    MergedTrust,
)
