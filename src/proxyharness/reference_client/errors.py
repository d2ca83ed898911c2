"""Exceptions raised by the reference client.

Every exception stores its fields and builds a lower-case message in ``__str__``.
``kind`` is a short, stable name that the conformance harness compares::

    ClientError                      client-error
    ├── InvalidURI                   invalid-uri
    ├── InvalidProxyURL              invalid-proxy         URL-01..03
    ├── SocksUnavailable             socks-unavailable     SOCKS-01
    ├── ProxyError                   proxy-error
    │   ├── ProxyConnectionFailed    proxy-refused         ERR-01
    │   ├── ProxyRejected            proxy-rejected        HTTP-03, SOCKS-04/05
    │   ├── InvalidProxyAnswer       proxy-answer          ERR-03, HTTP-03
    │   └── ProxyTLSError            proxy-tls             HTTP-04, HTTP-07
    ├── ServerError                  server-error
    │   ├── ServerConnectionFailed   server-failed
    │   ├── ServerTLSError           server-tls            HTTP-05, HTTP-07, SOCKS-06
    │   └── HandshakeRejected        handshake-rejected
    ├── OpenTimeout                  timeout               ERR-02
    └── ConnectionClosed             closed

No message, ``repr`` or ``args`` ever holds a proxy password (URL-05): every URL an
exception receives goes through :func:`redact_url`, which is idempotent, so a
pickled exception stays redacted when it is rebuilt.

"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

__all__ = [
    "KINDS",
    "ClientError",
    "ConnectionClosed",
    "HandshakeRejected",
    "InvalidProxyAnswer",
    "InvalidProxyURL",
    "InvalidURI",
    "OpenTimeout",
    "ProxyConnectionFailed",
    "ProxyError",
    "ProxyRejected",
    "ProxyTLSError",
    "ServerConnectionFailed",
    "ServerError",
    "ServerTLSError",
    "SocksUnavailable",
    "redact_url",
]

REDACTED = "****"

ProxyProtocol = Literal["http", "socks4", "socks5"]
#: A proxy or WebSocket scheme the client knows, with its ``://``, at the start of a value.
_KNOWN_SCHEME = re.compile(r"(?:https?|wss?|socks[45]?[ah]?)://", re.IGNORECASE)


def redact_url(text: str) -> str:
    """Replace the password of a URL, well-formed or not, with ``****``.

    The user information is taken to end at the *last* ``@``, so a password holding
    an unencoded ``/``, ``?``, ``#`` or ``@`` is hidden too; in doubt this hides more
    than the password, never less. Only a proxy scheme the client knows counts as a
    scheme: in ``u:a://S3CRET@host`` (no scheme, a password holding ``://``) the
    password starts at the first ``:``.
    """
    scheme = _KNOWN_SCHEME.match(text)
    start = scheme.end() if scheme else 0
    at = text.rfind("@")
    if at < start:
        return text
    colon = text.find(":", start, at)
    if colon < 0:
        return text
    return f"{text[: colon + 1]}{REDACTED}{text[at:]}"


class ClientError(Exception):
    """Base class of every error of the reference client."""

    kind: ClassVar[str] = "client-error"


class InvalidURI(ClientError):
    """The WebSocket URI is not a valid ``ws://`` or ``wss://`` URI."""

    kind = "invalid-uri"

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = redact_url(uri)
        self.reason = reason
        super().__init__(self.uri, reason)

    def __str__(self) -> str:
        return f"invalid WebSocket URI {self.uri!r}: {self.reason}"


class InvalidProxyURL(ClientError):
    """The proxy URL cannot be used (URL-01, URL-02, URL-03).

    ``source`` says where the URL came from (``"explicit"``, ``"env/os key https"``).
    """

    kind = "invalid-proxy"

    def __init__(self, url: str, reason: str, source: str | None = None) -> None:
        self.url = redact_url(url)
        self.reason = reason
        self.source = source
        super().__init__(self.url, reason, source)

    def __str__(self) -> str:
        origin = "" if self.source is None else f" (from {self.source})"
        return f"invalid proxy URL {self.url!r}{origin}: {self.reason}"


class SocksUnavailable(ClientError):
    """A SOCKS proxy was selected but python-socks is not installed (SOCKS-01)."""

    kind = "socks-unavailable"

    def __init__(self, proxy: object) -> None:
        self.proxy = redact_url(str(proxy))
        super().__init__(self.proxy)

    def __str__(self) -> str:
        return (
            f"SOCKS proxy {self.proxy} needs the python-socks package: "
            "pip install python-socks[asyncio]"
        )


class ProxyError(ClientError):
    """The proxy is the cause of the failure.

    ``proxy`` is a :class:`~proxyharness.reference_client.proxy_url.ProxyURL` or its
    text; it is stored as redacted text.
    """

    kind = "proxy-error"

    def __init__(self, proxy: object, reason: str) -> None:
        self.proxy = redact_url(str(proxy))
        self.reason = reason
        super().__init__(self.proxy, reason)

    def __str__(self) -> str:
        return f"proxy {self.proxy} failed: {self.reason}"


class ProxyConnectionFailed(ProxyError):
    """The proxy refused the connection or could not be reached (ERR-01)."""

    kind = "proxy-refused"

    def __str__(self) -> str:
        return f"cannot connect to proxy {self.proxy}: {self.reason}"


class ProxyRejected(ProxyError):
    """The proxy answered but refused to open the tunnel, auth failures included.

    HTTP proxies set ``status`` (HTTP-03); SOCKS proxies set ``reply_code`` when the
    refusal is a reply code (SOCKS-05), or neither when authentication failed or no
    offered method was accepted (SOCKS-04).
    """

    kind = "proxy-rejected"

    def __init__(
        self,
        proxy: object,
        protocol: ProxyProtocol,
        reason: str,
        status: int | None = None,
        reply_code: int | None = None,
    ) -> None:
        self.proxy = redact_url(str(proxy))
        self.protocol: ProxyProtocol = protocol
        self.reason = reason
        self.status = status
        self.reply_code = reply_code
        ClientError.__init__(self, self.proxy, protocol, reason, status, reply_code)

    def __str__(self) -> str:
        answer = self.protocol.upper()
        if self.status is not None:
            answer += f" {self.status}"
        if self.reply_code is not None:
            answer += f" reply 0x{self.reply_code:02x}"
        return f"proxy {self.proxy} rejected the connection: {answer}: {self.reason}"


class InvalidProxyAnswer(ProxyError):
    """The proxy sent a malformed answer or closed during its handshake (ERR-03)."""

    kind = "proxy-answer"

    def __str__(self) -> str:
        return f"invalid answer from proxy {self.proxy}: {self.reason}"


class ProxyTLSError(ProxyError):
    """TLS with an ``https://`` proxy failed, e.g. a bad proxy certificate (HTTP-04)."""

    kind = "proxy-tls"

    def __str__(self) -> str:
        return f"TLS with proxy {self.proxy} failed: {self.reason}"


class ServerError(ClientError):
    """The origin server is the cause of the failure.

    ``server`` is ``host:port`` (IPv6 in brackets).
    """

    kind = "server-error"

    def __init__(self, server: str, reason: str) -> None:
        self.server = server
        self.reason = reason
        super().__init__(server, reason)

    def __str__(self) -> str:
        return f"server {self.server} failed: {self.reason}"


class ServerConnectionFailed(ServerError):
    """The server refused the connection or could not be reached."""

    kind = "server-failed"

    def __str__(self) -> str:
        return f"cannot connect to server {self.server}: {self.reason}"


class ServerTLSError(ServerError):
    """TLS with the server failed, e.g. a bad server certificate (HTTP-05, SOCKS-06)."""

    kind = "server-tls"

    def __str__(self) -> str:
        return f"TLS with server {self.server} failed: {self.reason}"


class HandshakeRejected(ServerError):
    """The server refused the WebSocket handshake; ``status`` is its HTTP status."""

    kind = "handshake-rejected"

    def __init__(self, server: str, status: int | None, reason: str = "") -> None:
        self.server = server
        self.status = status
        self.reason = reason
        ClientError.__init__(self, server, status, reason)

    def __str__(self) -> str:
        status = "" if self.status is None else f" with HTTP {self.status}"
        reason = f": {self.reason}" if self.reason else ""
        return f"server {self.server} rejected the WebSocket handshake{status}{reason}"


class OpenTimeout(ClientError):
    """Opening the connection took longer than the opening timeout (ERR-02).

    ``stage`` names the step that was running, e.g. ``"proxy handshake"``.
    """

    kind = "timeout"

    def __init__(self, stage: str, timeout: float) -> None:
        self.stage = stage
        self.timeout = timeout
        super().__init__(stage, timeout)

    def __str__(self) -> str:
        return f"timed out during {self.stage} after {self.timeout:g} seconds"


class ConnectionClosed(ClientError):
    """The WebSocket connection is closed; ``code`` is None without a close frame."""

    kind = "closed"

    def __init__(self, code: int | None, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(code, reason)

    def __str__(self) -> str:
        if self.code is None:
            return "connection closed without a close frame"
        reason = f" ({self.reason})" if self.reason else ""
        return f"connection closed with code {self.code}{reason}"


def _leaf_kinds(cls: type[ClientError]) -> frozenset[str]:
    subclasses = cls.__subclasses__()
    if not subclasses:
        return frozenset({cls.kind})
    return frozenset().union(*(_leaf_kinds(sub) for sub in subclasses))


#: The kinds an error of the client can have: those of the leaves of the tree above.
KINDS = _leaf_kinds(ClientError)
