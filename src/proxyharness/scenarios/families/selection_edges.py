"""SEL-01 and HTTP-01 at their edges: targets on default ports, the bypass checked first.

Every other target listens on an ephemeral port, so a client that drops the default
port (``CONNECT host HTTP/1.1``, ``proxy_bypass("host")``) passes everywhere else.
Here the URI names no port (``Target.default_port``): the client must still send
``host:80`` / ``host:443``. Through a proxy any user can stage it (the fake proxy
records the port as sent and redirects only its dial); a bypassed target needs the
echo server on the default port itself (``default-port-server``: root or a low
``ip_unprivileged_port_start``), N/A elsewhere.

The bypass comes before the proxy URL is read: a bypassed target connects directly
even when the configured proxy URL is unusable.
"""

from __future__ import annotations

import dataclasses

from ..build import HOST, SPEC, direct, make, via
from ..matrix import expand, proxy_sources, schemes
from ..model import Scenario, Scheme

__all__ = ["scenarios"]

DEFAULT_PORTS: dict[Scheme, int] = {"ws": 80, "wss": 443}


def _on_default_port(scenario: Scenario) -> Scenario:
    return dataclasses.replace(
        scenario, target=dataclasses.replace(scenario.target, default_port=True)
    )


def scenarios() -> list[Scenario]:
    """Every scenario of this module, expanded."""
    result: list[Scenario] = []
    for scheme, port in DEFAULT_PORTS.items():
        tls = {"server_sni": HOST} if scheme == "wss" else {"server_sni": None}
        connect = make(
            "HTTP-01",
            "default-port",
            f"A {scheme}:// URI without a port: CONNECT {HOST}:{port}, the default port sent.",
            via("P", protocol="http", target_host=HOST, target_port=port, **tls),
            proxies={"P": SPEC["http"]},
            env={"https_proxy": "{P.url}"},
        )
        result += expand(_on_default_port(connect), schemes(scheme), proxy_sources())
        bypass = make(
            "SEL-01",
            "no-proxy-default-port",
            f"no_proxy={HOST}:{port} bypasses a {scheme}:// URI without a port: the "
            "bypass check gets host:port, the default port included.",
            direct(),
            proxies={"P": SPEC["http"]},
            env={
                "https_proxy": "{P.url}",
                "http_proxy": "{P.url}",
                "no_proxy": "{server.host}:{server.port}",
            },
            requires={"default-port-server"},
        )
        result += expand(_on_default_port(bypass), schemes(scheme))
    invalid = make(
        "SEL-01",
        "bypass-before-invalid-proxy",
        "A bypassed target connects directly even when the configured proxy URL is "
        "unusable: the bypass check comes before the proxy URL is read.",
        direct(),
        env={"https_proxy": f"ftp://{HOST}", "http_proxy": f"ftp://{HOST}", "no_proxy": HOST},
    )
    result += expand(invalid, schemes())
    return result
