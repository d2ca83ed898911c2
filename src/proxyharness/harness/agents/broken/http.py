"""Broken HTTP CONNECT: the request loses its port or Host, credentials leak, answers misread.

Request bugs replace the bytes of the reference client's CONNECT request (h11 still
sees the real request, so the answer is parsed as before); answer bugs wrap its
reading of the answer; the credential leak adds a header to the server's handshake.
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import h11

from ....reference_client import client as reference_client
from ....reference_client import tunnel as reference_tunnel
from ....reference_client.errors import ClientError, InvalidProxyAnswer, ProxyRejected
from ....reference_client.proxy_url import ProxyURL
from ....reference_client.route import ViaProxy, resolve_route
from ....reference_client.stream import ByteStream
from ....reference_client.uri import WebSocketURI
from ..base import Call
from ._base import BrokenAgent, patched
from .socks import CredentialsDropped

__all__ = ["CLIENTS"]


def _basic(proxy: ProxyURL, encoding: str = "utf-8") -> str | None:
    """The ``Proxy-Authorization`` value for ``proxy``'s credentials, if any."""
    if proxy.user_info is None:
        return None
    secret = ":".join(proxy.user_info).encode(encoding, errors="replace")
    return f"Basic {base64.b64encode(secret).decode('ascii')}"


class RequestBug(BrokenAgent):
    """Base: the CONNECT request on the wire is :meth:`request`'s."""

    breaks = ("HTTP-01",)

    def target(self, uri: WebSocketURI) -> str:
        """The request target (and Host) the buggy client writes."""
        return uri.address

    def headers(self, proxy: ProxyURL, uri: WebSocketURI) -> list[tuple[str, str]]:
        """The request's headers."""
        headers = [("Host", self.target(uri)), ("User-Agent", reference_tunnel.USER_AGENT)]
        authorization = _basic(proxy)
        if authorization is not None:
            headers.append(("Proxy-Authorization", authorization))
        return headers

    def request(self, proxy: ProxyURL, uri: WebSocketURI) -> bytes:
        """The bytes of the CONNECT request."""
        lines = [f"CONNECT {self.target(uri)} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in self.headers(proxy, uri)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        build = reference_tunnel.connect_request

        def connect_request(conn: h11.Connection, proxy: ProxyURL, uri: WebSocketURI) -> bytes:
            build(conn, proxy, uri)  # h11 now expects the answer to a CONNECT
            return self.request(proxy, uri)

        return patched(reference_tunnel, "connect_request", connect_request)


class ConnectWithoutPort(RequestBug):
    """CONNECT host HTTP/1.1: the port is left out."""

    name = "broken-connect-without-port"

    def target(self, uri: WebSocketURI) -> str:
        return uri.address.rpartition(":")[0]


class ConnectOmitsDefaultPort(RequestBug):
    """CONNECT www.example.com HTTP/1.1 when the port is the default one (443 or 80)."""

    name = "broken-connect-omits-default-port"

    def target(self, uri: WebSocketURI) -> str:
        default = uri.port == (443 if uri.secure else 80)
        return uri.address.rpartition(":")[0] if default else uri.address


class ConnectIpv6Unbracketed(RequestBug):
    """CONNECT ::1:443: an IPv6 address is written without brackets."""

    name = "broken-connect-ipv6-unbracketed"

    def target(self, uri: WebSocketURI) -> str:
        return f"{uri.host}:{uri.port}"


class ConnectWithoutHost(RequestBug):
    """The CONNECT request has no Host header."""

    name = "broken-connect-without-host"

    def headers(self, proxy: ProxyURL, uri: WebSocketURI) -> list[tuple[str, str]]:
        return [(name, value) for name, value in super().headers(proxy, uri) if name != "Host"]


class BasicLatin1(RequestBug):
    """Proxy-Authorization is encoded as Latin-1, not UTF-8."""

    name = "broken-basic-latin1"
    breaks = ("HTTP-02",)

    def headers(self, proxy: ProxyURL, uri: WebSocketURI) -> list[tuple[str, str]]:
        headers = super().headers(proxy, uri)
        latin1 = _basic(proxy, "latin-1")
        return [(n, latin1 if n == "Proxy-Authorization" and latin1 else v) for n, v in headers]


class NoProxyAuthorization(CredentialsDropped):
    """Credentials in an http(s):// proxy URL are never sent."""

    name = "broken-no-proxy-authorization"
    breaks = ("HTTP-02",)
    socks_version = None


class AuthorizationToOrigin(BrokenAgent):
    """Proxy-Authorization is sent to the origin server too, in the WebSocket handshake."""

    name = "broken-authorization-to-origin"
    breaks = ("HTTP-02",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        handshake = reference_client._handshake
        try:
            route = resolve_route(call.uri, call.proxy).route
        except ClientError:
            route = None
        value = _basic(route.proxy) if isinstance(route, ViaProxy) else None

        async def leaky(stream: ByteStream, uri: WebSocketURI, headers: list[Any]) -> Any:
            if value is not None:
                headers = [*headers, (b"Proxy-Authorization", value.encode("ascii"))]
            return await handshake(stream, uri, headers)

        return patched(reference_client, "_handshake", leaky)


class _Recorder:
    """A stream as the answer reader sees it, keeping every head it read."""

    def __init__(self, stream: ByteStream) -> None:
        self.stream = stream
        self.heads: list[bytes] = []

    async def readuntil(self, separator: bytes, limit: int) -> bytes:
        head = await self.stream.readuntil(separator, limit)
        self.heads.append(head)
        return head


class AnswerBug(BrokenAgent):
    """Base: the CONNECT answer is judged by :meth:`judge`."""

    breaks = ("HTTP-03",)

    def judge(self, proxy: ProxyURL, version: bytes, status: int) -> None:
        """Raise if the buggy client refuses an answer the reference client accepted."""

    def rejected(self, error: ProxyRejected) -> Exception | None:
        """What the buggy client makes of the reference's refusal (None: the tunnel opens)."""
        return error

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        read = reference_tunnel._read_connect_answer

        async def read_answer(conn: h11.Connection, proxy: ProxyURL, stream: ByteStream) -> None:
            recorder = _Recorder(stream)
            try:
                await read(conn, proxy, recorder)  # type: ignore[arg-type]
            except ProxyRejected as exc:
                replaced = self.rejected(exc)
                if replaced is exc:
                    raise
                if replaced is None:
                    return
                raise replaced from None
            version, status = _status_line(recorder.heads[-1])
            self.judge(proxy, version, status)

        return patched(reference_tunnel, "_read_connect_answer", read_answer)


def _status_line(head: bytes) -> tuple[bytes, int]:
    """``(b"HTTP/1.1", 200)`` from an answer's head."""
    version, _, rest = head.partition(b" ")
    return version, int(rest[:3])


class AcceptsAnyStatus(AnswerBug):
    """Any answer opens the tunnel, 407 and 502 included."""

    name = "broken-accepts-any-status"

    def rejected(self, error: ProxyRejected) -> Exception | None:
        return None if error.status is not None else error


class AcceptsRedirect(AnswerBug):
    """A 3xx answer opens the tunnel: only 4xx and 5xx are taken as refusals."""

    name = "broken-accepts-redirect"

    def rejected(self, error: ProxyRejected) -> Exception | None:
        return None if error.status is not None and 300 <= error.status < 400 else error


class RejectionWithoutStatus(AnswerBug):
    """A refused CONNECT is reported without its status."""

    name = "broken-rejection-without-status"

    def rejected(self, error: ProxyRejected) -> Exception | None:
        return ProxyRejected(error.proxy, "http", "the proxy refused the tunnel")


class Only200(AnswerBug):
    """Only 200 opens the tunnel; another 2xx is refused."""

    name = "broken-only-200"

    def judge(self, proxy: ProxyURL, version: bytes, status: int) -> None:
        if status != 200:
            raise ProxyRejected(proxy, "http", "not 200", status=status)


class RejectsHttp10(AnswerBug):
    """An HTTP/1.0 answer is refused as malformed."""

    name = "broken-rejects-http10"

    def judge(self, proxy: ProxyURL, version: bytes, status: int) -> None:
        if version != b"HTTP/1.1":
            raise InvalidProxyAnswer(proxy, f"unsupported version {version!r}")


CLIENTS: tuple[type[BrokenAgent], ...] = (
    ConnectWithoutPort,
    ConnectOmitsDefaultPort,
    ConnectIpv6Unbracketed,
    ConnectWithoutHost,
    BasicLatin1,
    NoProxyAuthorization,
    AuthorizationToOrigin,
    AcceptsAnyStatus,
    AcceptsRedirect,
    RejectionWithoutStatus,
    Only200,
    RejectsHttp10,
)
