"""The rule table: every rule ID of RULES.md, its family, a one-line title, its info flag.

RULES.md gives the "DIAG" family no ID; it is ``DIAG-01`` here ("the client can
explain which rule picked the route"). URL-04 is gated except for its SOCKS part,
which RULES.md marks *(info)*: the rule is not info, its SOCKS scenario is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["FAMILIES", "RULES", "RULES_BY_ID", "Family", "Rule", "family_of", "rule_index"]

Family = Literal["SEL", "URL", "OS", "SOCKS", "HTTP", "ERR", "DIAG"]
#: Families in the order of RULES.md.
FAMILIES: tuple[Family, ...] = ("SEL", "URL", "OS", "SOCKS", "HTTP", "ERR", "DIAG")


@dataclass(frozen=True)
class Rule:
    """One rule of RULES.md."""

    id: str
    family: Family
    title: str
    #: RULES.md marks the whole rule *(info)*: observed, never gated.
    info: bool = False
    #: RULES.md marks only a part *(info)* (URL-04's SOCKS default port).
    partly_info: bool = False


def _rules(family: Family, *rows: tuple[str, str] | tuple[str, str, str]) -> list[Rule]:
    result = []
    for row in rows:
        number, title, *flags = row
        result.append(
            Rule(
                f"{family}-{number}",
                family,
                title,
                info="info" in flags,
                partly_info="partly-info" in flags,
            )
        )
    return result


# fmt: off
RULES: tuple[Rule, ...] = (
    *_rules(
        "SEL",
        ("01", "the bypass check (no_proxy, OS lists) comes first, with host:port"),
        ("02", "environment variables switch the OS configuration off"),
        ("03", "wss:// looks up wss_proxy, then the OS SOCKS proxy, then https_proxy"),
        ("04", "ws:// looks up ws_proxy, the OS SOCKS proxy, https_proxy, then http_proxy"),
        ("05", "http_proxy never applies to wss://"),
        ("06", "no proxy found means a direct connection"),
        ("07", "variable names are case-insensitive; lower case wins; empty removes"),
        ("08", "the proxy URL's scheme decides the protocol, not the variable's name"),
        ("09", "all_proxy is not a location and is never used"),
        ("10", "under CGI (REQUEST_METHOD) an upper-case HTTP_PROXY is dropped", "info"),
        ("11", "an explicit proxy argument overrides the configuration and bypass lists"),
        ("12", "proxy=None connects directly whatever is configured"),
        ("13", "a caller-supplied or Unix socket uses no proxy", "info"),
    ),
    *_rules(
        "URL",
        ("01", "only http, https, socks4, socks4a, socks5, socks5h; others are errors"),
        ("02", "a proxy URL without host, or with a path, query or fragment, is an error"),
        ("03", "credentials in the URL are percent-decoded and used; user alone is an error"),
        ("04", "default ports: http 80, https 443 (SOCKS default unspecified)", "partly-info"),
        ("05", "errors and logs never show a proxy password"),
    ),
    *_rules(
        "OS",
        ("01", "an OS-configured SOCKS proxy is used as SOCKS5h, whatever its shape"),
        ("02", "OS bypass lists (macOS exceptions, Windows ProxyOverride) are honoured"),
        ("03", "OS-configured HTTP/HTTPS proxies follow the SEL lookup order"),
        ("04", "version-dependent platform details are recorded", "info"),
    ),
    *_rules(
        "SOCKS",
        ("01", "SOCKS needs python-socks; without it only SOCKS connections fail"),
        ("02", "socks4/socks5 resolve locally, socks4a/socks5h send the name"),
        ("03", "credentials: SOCKS5 username/password, SOCKS4 USERID"),
        ("04", "unsupported SOCKS5 methods (GSSAPI, 0xFF) are a clear error, no hang"),
        ("05", "a SOCKS failure reply or failed authentication blames the proxy"),
        ("06", "wss:// through SOCKS runs TLS end to end with the server"),
    ),
    *_rules(
        "HTTP",
        ("01", "the tunnel opens with CONNECT host:port HTTP/1.1 and a Host header"),
        ("02", "credentials go as Proxy-Authorization Basic, to the proxy only"),
        ("03", "any 2xx opens the tunnel; other statuses and bad answers are errors"),
        ("04", "an https:// proxy is verified and gets its own host name as SNI"),
        ("05", "wss:// through an HTTP proxy runs TLS end to end with the server"),
        ("06", "TLS-in-TLS works with default and explicit TLS settings"),
        ("07", "trust for the proxy and for the server are kept apart"),
        ("08", "the CONNECT User-Agent and header leaks are recorded", "info"),
    ),
    *_rules(
        "ERR",
        ("01", "a refused proxy connection is a prompt, clear error"),
        ("02", "a silent proxy ends in a timeout within the opening timeout"),
        ("03", "a proxy closing during its handshake is a clear error"),
        ("04", "nothing leaks after a failure: no socket, task or thread"),
    ),
    *_rules(
        "DIAG",
        ("01", "the client can explain which rule picked the route"),
    ),
)
# fmt: on

#: Rules by ID.
RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
_INDEX = {rule.id: index for index, rule in enumerate(RULES)}


def rule_index(rule_id: str) -> int:
    """Position of ``rule_id`` in RULES.md's order; KeyError if unknown."""
    return _INDEX[rule_id]


def family_of(rule_id: str) -> Family:
    """The family of ``rule_id``; KeyError if unknown."""
    return RULES_BY_ID[rule_id].family
