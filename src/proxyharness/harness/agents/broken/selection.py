"""Broken route choice: lookup order, variable names, the OS configuration, the proxy argument.

Each client here sees the configuration wrongly and lets the reference client do
the rest: :class:`RouteBug` replaces the reference client's ``resolve_route`` for the
call with one that passes a buggy ``getproxies`` or ``proxy_bypass`` (or a buggy
``proxy`` argument) to the real one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import urllib.request
from collections.abc import Callable, Mapping

from ....reference_client import client as reference_client
from ....reference_client import route as reference_route
from ....reference_client.route import Resolution
from ....reference_client.uri import WebSocketURI, parse_ws_uri
from ..base import Call
from ._base import BrokenAgent, patched

__all__ = ["CLIENTS"]


class RouteBug(BrokenAgent):
    """Base: a route choice that reads ``getproxies()`` or ``proxy_bypass()`` wrongly."""

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        """What the client takes for ``getproxies()``."""
        return dict(urllib.request.getproxies())

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        """What the client takes for ``proxy_bypass(host_port)``."""
        return bool(urllib.request.proxy_bypass(host_port))

    def proxy_argument(self, target: WebSocketURI, proxy: str | bool | None) -> str | bool | None:
        """What the client makes of its ``proxy`` argument."""
        return proxy

    def resolve(self, uri: str, proxy: str | bool | None, caller_socket: bool) -> Resolution:
        """The route the buggy client takes."""
        target = parse_ws_uri(uri)
        return reference_route.resolve_route(
            uri,
            self.proxy_argument(target, proxy),
            getproxies=lambda: self.proxies(target),
            proxy_bypass=lambda host_port: self.bypass(target, host_port),
            caller_socket=caller_socket,
        )

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        def resolve_route(
            uri: str, proxy: str | bool | None = True, *, caller_socket: bool = False
        ) -> Resolution:
            return self.resolve(uri, proxy, caller_socket)

        return patched(reference_client, "resolve_route", resolve_route)


def _order(target: WebSocketURI) -> tuple[str, ...]:
    return reference_route.WSS_ORDER if target.secure else reference_route.WS_ORDER


def _environment(lower_wins: bool, empty_removes: bool) -> dict[str, str]:
    """``getproxies_environment()`` with urllib's precedence, or with one of its bugs."""
    names = [name for name in os.environ if name.lower().endswith("_proxy")]
    lower = [name for name in names if name.endswith("_proxy")]
    upper = [name for name in names if not name.endswith("_proxy")]
    proxies: dict[str, str] = {}
    for name in (*upper, *lower) if lower_wins else (*lower, *upper):
        key, value = name.lower()[:-6], os.environ[name]
        if value:
            proxies[key] = value
        elif empty_removes and name.endswith("_proxy"):
            proxies.pop(key, None)
    return proxies


def _with_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """``getproxies()`` given the environment's proxies: they, else the OS configuration."""
    if any(name.lower().endswith("_proxy") for name in os.environ):
        return dict(environment)
    return dict(urllib.request.getproxies())


def _os_proxies() -> dict[str, str]:
    """The OS configuration alone (macOS System Configuration, Windows registry)."""
    found: dict[str, str] = {}
    for name in ("getproxies_macosx_sysconf", "getproxies_registry"):
        read: Callable[[], Mapping[str, str]] | None = getattr(urllib.request, name, None)
        if read is not None:
            found.update(read())
    return found


# -- lookup order -------------------------------------------------------------------------


class HttpsBeforeWss(RouteBug):
    """wss:// prefers https_proxy to wss_proxy and the OS SOCKS proxy."""

    name = "broken-https-before-wss"
    breaks = ("SEL-03",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        if target.secure and proxies.get("https"):
            proxies["wss"] = proxies["https"]
        return proxies


class HttpBeforeHttps(RouteBug):
    """ws:// prefers http_proxy to every other location."""

    name = "broken-http-first-for-ws"
    breaks = ("SEL-04",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        if not target.secure and proxies.get("http"):
            proxies["ws"] = proxies["http"]
        return proxies


class HttpForWss(RouteBug):
    """wss:// falls back to http_proxy when no other location is set."""

    name = "broken-http-proxy-for-wss"
    breaks = ("SEL-05",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        if target.secure and proxies.get("http"):
            proxies.setdefault("https", proxies["http"])
        return proxies


class AllProxyUsed(RouteBug):
    """all_proxy is used when no other location is set, as curl does."""

    name = "broken-all-proxy-used"
    breaks = ("SEL-09",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        if proxies.get("all") and not any(proxies.get(key) for key in _order(target)):
            proxies[_order(target)[-1]] = proxies["all"]
        return proxies


class AnyProxyFallback(RouteBug):
    """With no location set, any configured proxy (ftp_proxy...) is used."""

    name = "broken-any-proxy-fallback"
    breaks = ("SEL-06",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        others = [v for k, v in proxies.items() if k not in ("no", *_order(target)) and v]
        if others and not any(proxies.get(key) for key in _order(target)):
            proxies[_order(target)[-1]] = others[0]
        return proxies


class UpperCaseWins(RouteBug):
    """HTTPS_PROXY beats https_proxy (the upper-case spelling is read last)."""

    name = "broken-upper-case-wins"
    breaks = ("SEL-07",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        return _with_environment(_environment(lower_wins=False, empty_removes=True))


class EmptyDoesNotCancel(RouteBug):
    """An empty https_proxy is skipped instead of cancelling HTTPS_PROXY."""

    name = "broken-empty-does-not-cancel"
    breaks = ("SEL-07",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        return _with_environment(_environment(lower_wins=True, empty_removes=False))


class NameDecidesProtocol(RouteBug):
    """The variable's name decides the protocol: https_proxy=socks5h://... is spoken HTTP."""

    name = "broken-name-decides-protocol"
    breaks = ("SEL-08",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        for key in ("http", "https", "ws", "wss"):
            value = proxies.get(key)
            if value:
                proxies[key] = "http://" + (value.partition("://")[2] or value)
        return proxies


class OsConfigWithEnvironment(RouteBug):
    """The OS configuration is read even when *_proxy variables are set (merged under them)."""

    name = "broken-os-config-with-environment"
    breaks = ("SEL-02",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        return {**_os_proxies(), **urllib.request.getproxies_environment()}


class EnvironmentOnly(RouteBug):
    """Only the environment is read: OS-configured proxies are never used."""

    name = "broken-environment-only"
    breaks = ("OS-01", "OS-03")

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        return dict(urllib.request.getproxies_environment())


class OsSocksAsSocks5(RouteBug):
    """The OS SOCKS proxy is used as socks5 (names resolved locally), not socks5h."""

    name = "broken-os-socks-as-socks5"
    breaks = ("OS-01",)

    def proxies(self, target: WebSocketURI) -> dict[str, str]:
        proxies = super().proxies(target)
        value = proxies.get("socks")
        if value:
            scheme, separator, rest = value.partition("://")
            if not separator:
                scheme, rest = "", value
            if scheme.lower() in ("", "http", "socks"):
                proxies["socks"] = f"socks5://{rest}"
        return proxies


class ExplicitProxyIgnored(BrokenAgent):
    """An explicit proxy= is ignored: the configuration is read instead."""

    name = "broken-explicit-proxy-ignored"
    breaks = ("SEL-11",)

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, proxy=True) if isinstance(call.proxy, str) else call


class ProxyNoneIgnored(BrokenAgent):
    """proxy=None is taken as "not given": the configuration is read."""

    name = "broken-proxy-none-ignored"
    breaks = ("SEL-12",)

    def adjust(self, call: Call) -> Call:
        return dataclasses.replace(call, proxy=True) if call.proxy is None else call


class VagueExplanation(BrokenAgent):
    """The explanation names the route but not the setting that decided it."""

    name = "broken-vague-explanation"
    breaks = ("DIAG-01",)

    def explain(self, call: Call) -> str:
        route = reference_route.resolve_route(call.uri, call.proxy).route
        return "direct" if isinstance(route, reference_route.Direct) else "through a proxy"


CLIENTS: tuple[type[BrokenAgent], ...] = (
    HttpsBeforeWss,
    HttpBeforeHttps,
    HttpForWss,
    AllProxyUsed,
    AnyProxyFallback,
    UpperCaseWins,
    EmptyDoesNotCancel,
    NameDecidesProtocol,
    OsConfigWithEnvironment,
    EnvironmentOnly,
    OsSocksAsSocks5,
    ExplicitProxyIgnored,
    ProxyNoneIgnored,
    VagueExplanation,
)
