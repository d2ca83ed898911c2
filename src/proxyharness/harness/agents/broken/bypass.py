"""Broken bypass checks: no_proxy and the OS lists ignored, the wrong key, the wrong moment.

Like :mod:`.selection`, each client passes a buggy ``proxy_bypass`` (or ``proxy``
argument) to the reference client's route resolution (:class:`.selection.RouteBug`).
"""

from __future__ import annotations

import dataclasses
import urllib.request

from ....reference_client import route as reference_route
from ....reference_client.route import Resolution
from ....reference_client.uri import WebSocketURI, parse_ws_uri
from ._base import BrokenAgent
from .selection import RouteBug

__all__ = ["CLIENTS"]


class NoBypass(RouteBug):
    """No bypass check at all: no_proxy and the OS lists are ignored."""

    name = "broken-no-bypass"
    breaks = ("SEL-01", "OS-02")

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        return False


class NoProxyIgnored(RouteBug):
    """no_proxy is ignored; only the OS bypass list is honoured."""

    name = "broken-no-proxy-ignored"
    breaks = ("SEL-01",)

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        if urllib.request.getproxies_environment():
            return False
        return super().bypass(target, host_port)


class OsBypassIgnored(RouteBug):
    """Only no_proxy is honoured (proxy_bypass_environment): OS bypass lists are ignored."""

    name = "broken-os-bypass-ignored"
    breaks = ("OS-02",)

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        environment_bypass = vars(urllib.request)["proxy_bypass_environment"]
        return bool(environment_bypass(host_port))


class BypassWithoutPort(RouteBug):
    """The bypass check gets the host without its port."""

    name = "broken-bypass-without-port"
    breaks = ("SEL-01",)

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        return super().bypass(target, target.host)


class BypassOmitsDefaultPort(RouteBug):
    """The bypass check gets the host alone when the port is the default one."""

    name = "broken-bypass-omits-default-port"
    breaks = ("SEL-01",)

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        default = target.port == (443 if target.secure else 80)
        return super().bypass(target, target.host if default else host_port)


class BypassWithBrackets(RouteBug):
    """The bypass check gets an IPv6 host in brackets (the CONNECT form)."""

    name = "broken-bypass-ipv6-brackets"
    breaks = ("SEL-01",)

    def bypass(self, target: WebSocketURI, host_port: str) -> bool:
        return super().bypass(target, target.address)


class BypassAfterChoice(RouteBug):
    """The proxy is chosen and parsed first, the bypass list checked afterwards."""

    name = "broken-bypass-after-choice"
    breaks = ("SEL-01",)

    def resolve(self, uri: str, proxy: str | bool | None, caller_socket: bool) -> Resolution:
        target = parse_ws_uri(uri)
        chosen = reference_route.resolve_route(
            uri, proxy, proxy_bypass=lambda _: False, caller_socket=caller_socket
        )
        if proxy is True and not caller_socket and self.bypass(target, target.bypass_key):
            return dataclasses.replace(chosen, route=reference_route.Direct())
        return chosen


class ExplicitProxyBypassed(RouteBug):
    """An explicit proxy= is skipped for hosts in a bypass list."""

    name = "broken-explicit-proxy-bypassed"
    breaks = ("SEL-11",)

    def proxy_argument(self, target: WebSocketURI, proxy: str | bool | None) -> str | bool | None:
        if isinstance(proxy, str) and self.bypass(target, target.bypass_key):
            return None
        return proxy


CLIENTS: tuple[type[BrokenAgent], ...] = (
    NoBypass,
    NoProxyIgnored,
    OsBypassIgnored,
    BypassWithoutPort,
    BypassOmitsDefaultPort,
    BypassWithBrackets,
    BypassAfterChoice,
    ExplicitProxyBypassed,
)
