"""The curl-cffi agent: curl_cffi's WebSocket client, and so the libcurl it bundles.

A command-protocol program (docs/agents.md), run with the harness's own Python in a
process of its own, so that libcurl reads the proxy variables and resolves names by
itself. ``Session().ws_connect(uri, proxy=URL)`` is the call: with ``proxy: true``
libcurl reads the environment (lib/url.c detect_proxy), with ``proxy: null`` the
session has ``trust_env=False`` (curl_cffi then sets an empty CURLOPT_PROXY and
CURLOPT_NOPROXY). The harness's hosts table goes to CURLOPT_RESOLVE, the proxy's
trust to CURLOPT_PROXY_CAINFO; nothing else is set beside what a user passes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

CAPABILITIES = ["explicit-proxy", "no-proxy", "proxy-ssl", "open-timeout", "additional-headers"]
#: Ports a proxy URL without one may be reached on (http, https, SOCKS).
DEFAULT_PORTS = (80, 443, 1080)
#: libcurl's messages for a SOCKS proxy that said no (lib/socks.c).
SOCKS_REFUSALS = (
    "can't complete socks",
    "cannot complete socks",
    "was rejected by the socks",
    "no authentication method was acceptable",
    "request rejected",
    "user was rejected",
)
#: libcurl's message for a CONNECT answered with another status than 2xx (lib/http_proxy.c).
CONNECT_REFUSED = "CONNECT tunnel failed, response"
#: libcurl's error codes (include/curl/curl.h CURLcode) the kinds are read from.
CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT = 5, 6, 7
CURLE_OPERATION_TIMEDOUT, CURLE_PROXY = 28, 97
#: A reply that is not HTTP, nothing received, a send or receive failure: hop unknown.
LOST_CODES = frozenset({8, 52, 55, 56})
#: libcurl's TLS failures (CURLE_SSL_*, CURLE_PEER_FAILED_VERIFICATION).
TLS_CODES = frozenset({35, 51, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})


def describe() -> dict[str, Any]:
    from importlib.metadata import version as installed

    try:
        from curl_cffi import Curl
    except ImportError:
        sys.exit("curl_cffi is not installed: pip install 'proxyharness[curl-cffi]'")

    libcurl = Curl().version().decode().split()[0]
    version = f"curl_cffi {installed('curl_cffi')}, {libcurl}"
    return {
        "name": "curl-cffi",
        "version": version,
        "capabilities": CAPABILITIES,
        "network": "private",
    }


def _ports(url: str, default: tuple[int, ...]) -> Iterator[int]:
    try:
        port = urllib.parse.urlsplit(url if "://" in url else f"http://{url}").port
    except ValueError:
        return
    yield from (port,) if port else default


def resolve_entries(request: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """CURLOPT_RESOLVE entries (HOST:PORT:ADDRESS) for the hosts table's names.

    The table has no ports: each name is mapped on every port the call may dial (the
    target's, the explicit proxy's, those of the proxy variables, the defaults).
    """
    hosts: Mapping[str, str] = request.get("hosts") or {}
    if not hosts:
        return []
    uri = str(request["uri"])
    ports = set(_ports(uri, (443,) if uri.startswith("wss:") else (80,)))
    proxies = [request["proxy"]] if isinstance(request.get("proxy"), str) else []
    proxies += [
        value
        for name, value in environ.items()
        if name.lower().endswith("_proxy") and name.lower() != "no_proxy" and value
    ]
    for proxy in proxies:
        ports.update(_ports(proxy, DEFAULT_PORTS))
    literal = {True: "[{}]", False: "{}"}
    return [
        f"{name}:{port}:{literal[':' in address].format(address)}"
        for name, address in hosts.items()
        for port in sorted(ports)
    ]


def exchange(request: Mapping[str, Any]) -> str:
    from curl_cffi import CurlOpt, Session

    options: Mapping[str, Any] = request.get("options") or {}
    timeout = float(options.get("open_timeout") or 10.0)
    curl_options: dict[CurlOpt, Any] = {}
    resolve = resolve_entries(request, os.environ)
    if resolve:
        curl_options[CurlOpt.RESOLVE] = resolve
    if request.get("proxy_ca"):
        curl_options[CurlOpt.PROXY_CAINFO] = request["proxy_ca"]
    proxy = request.get("proxy")
    with Session(trust_env=proxy is not None) as session:
        ws = session.ws_connect(
            request["uri"],
            proxy=proxy if isinstance(proxy, str) else None,
            verify=request.get("server_ca") or True,
            timeout=timeout,
            headers=dict(options.get("additional_headers") or {}),
            curl_options=curl_options,
        )
        try:
            ws.send_str(str(request["message"]), timeout=timeout)
            echo = str(ws.recv_str(timeout=timeout))
        finally:
            ws.close(timeout=1.0)
    return echo


def error_kind(exc: BaseException, uri: str) -> str:
    """The catalog's kind of a curl_cffi error, from libcurl's code and message.

    The program imports nothing of the harness: a failure's time is measured, and
    each import would count.
    """
    from curl_cffi.requests.websockets import WebSocketClosed, WebSocketTimeout

    if isinstance(exc, WebSocketClosed):
        return "closed"
    if isinstance(exc, WebSocketTimeout):
        return "timeout"
    code = int(getattr(exc, "code", 0) or 0)
    message = str(exc)
    if code == CURLE_OPERATION_TIMEDOUT:
        return "timeout"
    if "Unsupported proxy" in message:
        return "invalid-proxy"
    if CONNECT_REFUSED in message or any(r in message.lower() for r in SOCKS_REFUSALS):
        return "proxy-rejected"
    if code in TLS_CODES:
        return "proxy-tls" if uri.startswith("ws:") else "tls"  # ws://: the proxy's TLS only
    if code == CURLE_COULDNT_RESOLVE_PROXY:
        return "proxy-refused"
    if code == CURLE_COULDNT_RESOLVE_HOST:
        return "server-failed"
    if code == CURLE_COULDNT_CONNECT:
        return _refused_hop(message, uri)
    if code == CURLE_PROXY:
        return "proxy-answer"
    if code in LOST_CODES:
        return "lost"
    return "unknown"


def _refused_hop(message: str, uri: str) -> str:
    """Whose port refused: libcurl's message names it ("... port N ...")."""
    found = re.search(r" port (\d+)\b", message)
    if found is None:
        return "refused"
    parts = urllib.parse.urlsplit(uri)
    target = parts.port or (443 if parts.scheme == "wss" else 80)
    return "server-failed" if int(found.group(1)) == target else "proxy-refused"


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    answer: dict[str, Any]
    if request.get("request") == "describe":
        answer = describe()
    else:
        try:
            answer = {"echo": exchange(request)}
        except Exception as exc:
            kind = error_kind(exc, str(request.get("uri", "")))
            answer = {"error": {"kind": kind, "message": str(exc)}}
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
