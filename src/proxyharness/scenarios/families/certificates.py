"""Certificates: bad ones on each hop (HTTP-04, HTTP-05, HTTP-07, SOCKS-06).

A hop presents a certificate the client must refuse although the chain may be
fine: one for another name (from the CA the client trusts for that hop), an
expired one, a self-signed one for the right name, or, while the client holds both
CAs each for its own hop, one from the *other* hop's CA (HTTP-07: trusts kept
apart). The failure must be the hop's TLS error: ``proxy-tls`` for the ``https://``
proxy, ``server-tls`` for the ``wss://`` server; the wire decides which hop failed.
Proxies are configured with ``https_proxy`` and each scenario has an ``explicit``
twin (:func:`.matrix.proxy_sources`).
"""

from __future__ import annotations

import dataclasses

from ..build import PROXY_HOST, SPEC, fails, make
from ..matrix import expand, proxy_sources, schemes
from ..model import Certificate, ProxySpec, Scenario

__all__ = ["scenarios"]

ENV = {"https_proxy": "{P.url}"}
#: The bad certificates a hop can present whatever the client trusts, in words.
BAD: dict[Certificate, str] = {
    "wrong-name": "a certificate for another name from the trusted CA",
    "expired": "an expired certificate from the trusted CA",
    "self-signed": "a self-signed certificate for its own name",
}


def scenarios() -> list[Scenario]:
    """Every certificate scenario, expanded."""
    return [*_proxy_hop(), *_server_hop(), *_trusts_apart()]


def _served(scenario: Scenario, certificate: Certificate) -> Scenario:
    """``scenario`` with the wss:// server presenting ``certificate``."""
    return dataclasses.replace(
        scenario, target=dataclasses.replace(scenario.target, certificate=certificate)
    )


def _proxy_hop() -> list[Scenario]:
    """HTTP-04: the https:// proxy's certificate is verified for the proxy's name."""
    result = []
    for policy, what in BAD.items():
        base = make(
            "HTTP-04",
            f"proxy-{policy}",
            f"An https:// proxy presenting {what} is a proxy-tls error.",
            fails("proxy-tls", route="proxy", proxy="P"),
            proxies={"P": ProxySpec("https", url_host=PROXY_HOST, certificate=policy)},
            names=(PROXY_HOST,),
            env=ENV,
        )
        result += expand(base, schemes(), proxy_sources())
    by_address = make(
        "HTTP-04",
        "proxy-wrong-name-address",
        "An https:// proxy reached by address, with a trusted certificate for a name only,"
        " is a proxy-tls error.",
        fails("proxy-tls", route="proxy", proxy="P"),
        proxies={"P": ProxySpec("https", certificate="wrong-name")},
        env=ENV,
    )
    return [*result, *expand(by_address, schemes("ws"), proxy_sources())]


def _server_hop() -> list[Scenario]:
    """HTTP-05, SOCKS-06: inside the tunnel, the server's certificate is verified for its name."""
    result = []
    for rule, kind, proxy in (("HTTP-05", "an HTTP", "http"), ("SOCKS-06", "a SOCKS", "socks5h")):
        for policy, what in BAD.items():
            base = make(
                rule,
                f"server-{policy}",
                f"wss:// through {kind} proxy: a server presenting {what} is a server-tls error.",
                fails("server-tls", route="proxy", proxy="P"),
                proxies={"P": SPEC[proxy]},
                env=ENV,
            )
            result += expand(_served(base, policy), schemes("wss"), proxy_sources())
    by_address = make(
        "HTTP-05",
        "server-wrong-name-address",
        "wss:// to an address through an HTTP proxy: a trusted certificate for a name only"
        " is a server-tls error.",
        fails("server-tls", route="proxy", proxy="P"),
        proxies={"P": SPEC["http"]},
        env=ENV,
        host="127.0.0.1",
    )
    return [*result, *expand(_served(by_address, "wrong-name"), schemes("wss"), proxy_sources())]


def _trusts_apart() -> list[Scenario]:
    """HTTP-07: with both CAs given, each for its own hop, neither vouches for the other hop."""
    server_from_proxy_ca = make(
        "HTTP-07",
        "server-from-proxy-ca",
        "Behind an https:// proxy, a server certificate from the proxy CA (given for the proxy"
        " only) is a server-tls error.",
        fails("server-tls", route="proxy", proxy="P"),
        proxies={"P": ProxySpec("https", url_host=PROXY_HOST)},
        names=(PROXY_HOST,),
        env=ENV,
    )
    proxy_from_server_ca = make(
        "HTTP-07",
        "proxy-from-server-ca",
        "An https:// proxy certificate from the server CA (given for the server only) is a"
        " proxy-tls error.",
        fails("proxy-tls", route="proxy", proxy="P"),
        proxies={"P": ProxySpec("https", url_host=PROXY_HOST, certificate="other-hop-ca")},
        names=(PROXY_HOST,),
        env=ENV,
    )
    return [
        *expand(_served(server_from_proxy_ca, "other-hop-ca"), schemes("wss"), proxy_sources()),
        *expand(proxy_from_server_ca, schemes("wss"), proxy_sources()),
    ]
