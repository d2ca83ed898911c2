"""Broken SOCKS: the wrong side resolves names, credentials go missing, errors blame wrongly.

The DNS and credential bugs swap a property of
:class:`~proxyharness.reference_client.ProxyURL` for the call (``remote_dns``,
``user_info``); the error bugs wrap the reference client's SOCKS tunnel.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from ....reference_client import tunnel as reference_tunnel
from ....reference_client.errors import InvalidProxyAnswer, ProxyRejected, ServerConnectionFailed
from ....reference_client.proxy_url import ProxyURL
from ....reference_client.stream import ByteStream
from ....reference_client.uri import WebSocketURI
from ..base import Call
from ._base import BrokenAgent, patched

__all__ = ["CLIENTS"]

SocksTunnel = Callable[[ProxyURL, WebSocketURI, Any], Awaitable[ByteStream]]


class WrongDnsSide(BrokenAgent):
    """Base: ``flipped`` resolves names on the wrong side (SOCKS-02)."""

    breaks = ("SOCKS-02",)
    #: The scheme whose DNS side is wrong.
    flipped = ""

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        remote_dns: property = vars(ProxyURL)["remote_dns"]
        flipped = self.flipped

        def wrong_side(proxy: ProxyURL) -> bool:
            remote: bool = remote_dns.__get__(proxy)
            return not remote if proxy.scheme == flipped else remote

        return patched(ProxyURL, "remote_dns", property(wrong_side))


class Socks5hResolvesLocally(WrongDnsSide):
    """socks5h:// resolves the name itself and sends an address."""

    name = "broken-socks5h-resolves-locally"
    flipped = "socks5h"


class Socks5SendsName(WrongDnsSide):
    """socks5:// sends the name (python-socks' default) instead of resolving it."""

    name = "broken-socks5-sends-name"
    flipped = "socks5"


class Socks4aResolvesLocally(WrongDnsSide):
    """socks4a:// resolves the name itself (plain SOCKS4)."""

    name = "broken-socks4a-resolves-locally"
    flipped = "socks4a"


class Socks4SendsName(WrongDnsSide):
    """socks4:// sends the name in the SOCKS4a form."""

    name = "broken-socks4-sends-name"
    flipped = "socks4"


class CredentialsDropped(BrokenAgent):
    """Base: the credentials of a proxy URL of ``socks_version`` are never used."""

    breaks = ("SOCKS-03",)
    #: 4 or 5: the SOCKS version; None: an HTTP(S) proxy.
    socks_version: int | None = 5

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        user_info: property = vars(ProxyURL)["user_info"]
        version = self.socks_version

        def dropped(proxy: ProxyURL) -> tuple[str, str] | None:
            found: tuple[str, str] | None = user_info.__get__(proxy)
            return None if proxy.socks_version == version else found

        return patched(ProxyURL, "user_info", property(dropped))


class Socks5NoAuth(CredentialsDropped):
    """SOCKS5 never offers username/password authentication, even with credentials."""

    name = "broken-socks5-no-auth"
    socks_version = 5


class Socks4NoUserId(CredentialsDropped):
    """SOCKS4 sends an empty USERID, even with a user name in the URL."""

    name = "broken-socks4-no-userid"
    socks_version = 4


class TunnelBug(BrokenAgent):
    """Base: the SOCKS tunnel's failure is reported as :meth:`failure` says."""

    def failure(self, error: Exception, uri: WebSocketURI) -> Exception | None:
        """The error the buggy client raises instead of ``error`` (None: ``error``)."""
        return None

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        tunnel: SocksTunnel = reference_tunnel._socks_tunnel

        async def socks_tunnel(proxy: ProxyURL, uri: WebSocketURI, progress: Any) -> ByteStream:
            try:
                return await tunnel(proxy, uri, progress)
            except (ProxyRejected, InvalidProxyAnswer) as exc:
                replaced = self.failure(exc, uri)
                if replaced is None:
                    raise
                raise replaced from None

        return patched(reference_tunnel, "_socks_tunnel", socks_tunnel)


class RefusalBlamesServer(TunnelBug):
    """A SOCKS failure reply (host unreachable...) is reported as the server's failure."""

    name = "broken-socks-refusal-blames-server"
    breaks = ("SOCKS-05",)

    def failure(self, error: Exception, uri: WebSocketURI) -> Exception | None:
        if isinstance(error, ProxyRejected) and error.reply_code is not None:
            return ServerConnectionFailed(uri.address, error.reason)
        return None


class MethodRefusalGarbled(TunnelBug):
    """A SOCKS5 proxy accepting none of the offered methods is reported as a garbled answer."""

    name = "broken-socks-method-refusal-garbled"
    breaks = ("SOCKS-04",)

    def failure(self, error: Exception, uri: WebSocketURI) -> Exception | None:
        if isinstance(error, ProxyRejected) and error.reply_code is None:
            return InvalidProxyAnswer(error.proxy, f"unexpected answer: {error.reason}")
        return None


class SocksImportedEagerly(BrokenAgent):
    """python-socks is imported on every connection: without it nothing works."""

    name = "broken-socks-imported-eagerly"
    breaks = ("SOCKS-01",)

    async def exchange(self, call: Call) -> str | bytes:
        importlib.import_module("python_socks")
        return await super().exchange(call)


CLIENTS: tuple[type[BrokenAgent], ...] = (
    Socks5hResolvesLocally,
    Socks5SendsName,
    Socks4aResolvesLocally,
    Socks4SendsName,
    Socks5NoAuth,
    Socks4NoUserId,
    RefusalBlamesServer,
    MethodRefusalGarbled,
    SocksImportedEagerly,
)
