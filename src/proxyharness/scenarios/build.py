"""Shorthands the catalog modules share: proxies, expectations, one scenario constructor.

Conventions every catalog module keeps:

- The target is ``www.example.com`` (a virtual name) unless a scenario says otherwise.
- Proxy names are templates' field names: ``P`` is "the" proxy of a scenario; when
  several compete, they are named after where they are configured (``WSS``, ``HTTPS``,
  ``HTTP``, ``SOCKS``, ``OS``...). ``DECOY`` is a proxy that must never be used.
- Every port comes from a template; every address is loopback or a virtual name.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from .model import ANY, Expect, Given, OsProfile, ProxySpec, Scenario, Scheme, Target
from .rules import RULES_BY_ID

#: The default target host (a virtual DNS name).
HOST = "www.example.com"
#: A virtual name for proxies reached by name (HTTP-04, HTTP-06).
PROXY_HOST = "proxy.example"

#: Capabilities, with what each means: the agents' (``harness.agents.CAPABILITIES`` is
#: made of these) and the runner's own, ``bind-port-*`` (see URL-04 in :mod:`.url`).
#: ``sock-arg`` goes with ``options={"caller_socket": True}``: the agent connects a
#: socket to the server and gives it to the client.
CAPABILITIES: Mapping[str, str] = {
    "explicit-proxy": "the client takes an explicit proxy URL (proxy=URL)",
    "no-proxy": "the client can disable proxies (proxy=None)",
    "proxy-ssl": "the client takes a trust for the proxy apart from the server's",
    "proxy-server-hostname": "the client can override the SNI sent to an https proxy",
    "server-hostname": "the client can override the SNI sent to the server",
    "open-timeout": "the client takes an opening timeout",
    "additional-headers": "the client can add headers to the WebSocket handshake",
    "explain": "the client can say why it chose a route",
    "without-python-socks": "the client can run with python-socks hidden",
    "sock-arg": "the client can connect over a socket the caller supplies",
    "bind-port-80": "runner: the scenario's proxy can listen on 127.0.0.1:80",
    "bind-port-443": "runner: the scenario's proxy can listen on 127.0.0.1:443",
    "bind-port-1080": "runner: the scenario's proxy can listen on 127.0.0.1:1080",
    "default-port-server": "runner: the echo server can listen on port 80 and 443 of a "
    "loopback address of its own (root, or a low ip_unprivileged_port_start)",
}
#: The runner's capabilities among :data:`CAPABILITIES`; the others are the agents'.
RUNNER_CAPABILITIES = frozenset(
    c for c in CAPABILITIES if c.startswith("bind-port-") or c == "default-port-server"
)
#: Client options (``Given.options``) and the capability that lets an agent pass each.
OPTION_CAPABILITIES: Mapping[str, str] = {
    "open_timeout": "open-timeout",
    "server_hostname": "server-hostname",
    "proxy_server_hostname": "proxy-server-hostname",
    "additional_headers": "additional-headers",
    "caller_socket": "sock-arg",
}

#: macOS System Configuration reports a SOCKS proxy from Python 3.12 on (OS-01; see
#: ``fixtures.config.os_config``).
MACOS_REPORTS_SOCKS = sys.version_info >= (3, 12)
#: Windows ProxyOverride is fnmatch-ed without DNS where gh-115197 landed (OS-04); the
#: same test as ``fixtures.config.os_config`` makes.
WINDOWS_OVERRIDE_FNMATCH = "_proxy_bypass_winreg_override" in vars(urllib.request)

# Proxy specs by URL scheme: ``SPEC["socks5h"]`` is a SOCKS5 proxy written socks5h://.
SPEC: Mapping[str, ProxySpec] = {
    "http": ProxySpec("http"),
    "https": ProxySpec("https"),
    "socks4": ProxySpec("socks4"),
    "socks4a": ProxySpec("socks4", url_scheme="socks4a"),
    "socks5": ProxySpec("socks5"),
    "socks5h": ProxySpec("socks5", url_scheme="socks5h"),
}


def direct() -> Expect:
    """The server saw the client straight, and the echo came back."""
    return Expect(route="direct", proxy=None)


def via(name: str, **fields: Any) -> Expect:
    """The connection went through proxy ``name`` (plus any other expected fields)."""
    return Expect(route="proxy", proxy=name, **fields)


def fails(kind: str, **fields: Any) -> Expect:
    """The client must raise an error of ``kind``; the route is checked only if given."""
    return Expect(error=kind, echo=False, **fields)


def nowhere(kind: str) -> Expect:
    """The client must raise ``kind`` before any proxy or server saw a connection."""
    return fails(kind, route="nowhere", proxy=None)


def socks_fields(url_scheme: str, host: str = HOST) -> dict[str, Any]:
    """What a SOCKS proxy must see for ``url_scheme`` (SOCKS-02).

    Local resolution sends the server's address: virtual names map to 127.0.0.1.
    """
    protocol = "socks4" if url_scheme == "socks4" else url_scheme.removesuffix("h")
    if url_scheme in ("socks4", "socks5"):
        return {"protocol": protocol, "address_type": "ipv4", "target_host": "127.0.0.1"}
    return {"protocol": protocol, "address_type": "domain", "target_host": host}


def endpoint(name: str) -> dict[str, object]:
    """A macOS System Configuration entry pointing at proxy ``name``."""
    return {"host": "{" + name + ".host}", "port": "{" + name + ".port}"}


def macos(
    *,
    http: str | None = None,
    https: str | None = None,
    socks: str | None = None,
    exceptions: Iterable[str] = (),
    exclude_simple: bool = False,
    disabled: bool = False,
) -> OsProfile:
    """A macOS profile whose entries point at the named proxies (``disabled``: all off)."""
    settings: dict[str, object] = {}
    for key, name in (("http", http), ("https", https), ("socks", socks)):
        if name is not None:
            settings[key] = {**endpoint(name), "enabled": not disabled}
    if exceptions:
        settings["exceptions"] = list(exceptions)
    if exclude_simple:
        settings["exclude_simple"] = True
    return OsProfile("macos", settings)


def windows(server: str | None, override: str | None = None, *, enable: int = 1) -> OsProfile:
    """A Windows profile: ``ProxyEnable``, ``ProxyServer``, ``ProxyOverride`` (templates)."""
    settings: dict[str, object] = {"ProxyEnable": enable}
    if server is not None:
        settings["ProxyServer"] = server
    if override is not None:
        settings["ProxyOverride"] = override
    return OsProfile("windows", settings)


def os_proxy(os_name: str, name: str = "OS", *, bypass: str | None = None) -> OsProfile:
    """An OS profile with one HTTP proxy ``name`` for every scheme, and a bypass entry."""
    if os_name == "macos":
        return macos(http=name, https=name, exceptions=() if bypass is None else (bypass,))
    if os_name == "windows":
        return windows("{" + name + ".netloc}", bypass)
    raise ValueError(f"no OS proxy configuration on {os_name}")


def make(
    rule: str,
    slug: str,
    description: str,
    expect: Expect,
    *,
    proxies: Mapping[str, ProxySpec] | None = None,
    env: Mapping[str, str] | None = None,
    os: OsProfile | None = None,
    proxy: bool | str | None = True,
    options: Mapping[str, object] | None = None,
    hide_python_socks: bool = False,
    default_trust: bool = False,
    scheme: Scheme = "ws",
    host: str = HOST,
    untrusted_certificate: bool = False,
    names: Iterable[str] = (),
    requires: Iterable[str] = (),
    info: bool | None = None,
) -> Scenario:
    """Build one scenario; ``info`` defaults to the rule's flag.

    Requirements that follow from the scenario itself are added: ``proxy-ssl`` for a
    trusted ``https`` proxy (unless the default trust is used), ``explicit-proxy`` /
    ``no-proxy`` for a proxy argument, ``open-timeout``, ``additional-headers`` and
    ``proxy-server-hostname`` for those options, ``without-python-socks``.
    """
    proxies = dict(proxies or {})
    options = dict(options or {})
    needs = set(requires)
    if not default_trust and any(
        spec.kind == "https" and spec.trusted and not spec.closed for spec in proxies.values()
    ):
        needs.add("proxy-ssl")
    if isinstance(proxy, str):
        needs.add("explicit-proxy")
    elif proxy is None:
        needs.add("no-proxy")
    needs.update(OPTION_CAPABILITIES[option] for option in options)
    if hide_python_socks:
        needs.add("without-python-socks")
    return Scenario(
        id=f"{rule}.{slug}",
        rule=rule,
        description=description,
        given=Given(
            env=dict(env or {}),
            os=os or OsProfile("linux"),
            proxy=proxy,
            options=options,
            hide_python_socks=hide_python_socks,
            default_trust=default_trust,
        ),
        target=Target(scheme=scheme, host=host, untrusted_certificate=untrusted_certificate),
        expect=expect,
        proxies=proxies,
        names=tuple(names),
        requires=frozenset(needs),
        info=RULES_BY_ID[rule].info if info is None else info,
    )


__all__ = [
    "ANY",
    "CAPABILITIES",
    "HOST",
    "MACOS_REPORTS_SOCKS",
    "OPTION_CAPABILITIES",
    "PROXY_HOST",
    "RUNNER_CAPABILITIES",
    "SPEC",
    "WINDOWS_OVERRIDE_FNMATCH",
    "direct",
    "endpoint",
    "fails",
    "macos",
    "make",
    "nowhere",
    "os_proxy",
    "socks_fields",
    "via",
    "windows",
]
