"""Tests for proxyharness.reference_client.errors."""

from __future__ import annotations

import pickle

import pytest

from proxyharness.reference_client.errors import (
    ClientError,
    ConnectionClosed,
    HandshakeRejected,
    InvalidProxyAnswer,
    InvalidProxyURL,
    InvalidURI,
    OpenTimeout,
    ProxyConnectionFailed,
    ProxyError,
    ProxyRejected,
    ProxyTLSError,
    ServerConnectionFailed,
    ServerError,
    ServerTLSError,
    SocksUnavailable,
    redact_url,
)

SECRET = "Zq7-hunter2-secret"
PROXY = f"http://alice:{SECRET}@proxy.local:3128"
SHOWN = "http://alice:****@proxy.local:3128"

KINDS = [
    (ClientError, "client-error", Exception),
    (InvalidURI, "invalid-uri", ClientError),
    (InvalidProxyURL, "invalid-proxy", ClientError),
    (SocksUnavailable, "socks-unavailable", ClientError),
    (ProxyError, "proxy-error", ClientError),
    (ProxyConnectionFailed, "proxy-refused", ProxyError),
    (ProxyRejected, "proxy-rejected", ProxyError),
    (InvalidProxyAnswer, "proxy-answer", ProxyError),
    (ProxyTLSError, "proxy-tls", ProxyError),
    (ServerError, "server-error", ClientError),
    (ServerConnectionFailed, "server-failed", ServerError),
    (ServerTLSError, "server-tls", ServerError),
    (HandshakeRejected, "handshake-rejected", ServerError),
    (OpenTimeout, "timeout", ClientError),
    (ConnectionClosed, "closed", ClientError),
]

# Every exception built with a password in its proxy URL, and its expected message.
MESSAGES = [
    (InvalidURI(f"ws://bob:{SECRET}@host/#x", "a fragment isn't allowed"),
     "invalid WebSocket URI 'ws://bob:****@host/#x': a fragment isn't allowed"),
    (InvalidProxyURL(PROXY + "/path", "a path isn't allowed (only /)"),
     f"invalid proxy URL '{SHOWN}/path': a path isn't allowed (only /)"),
    (InvalidProxyURL(PROXY + "?q", "a query isn't allowed", "env/os key https"),
     f"invalid proxy URL '{SHOWN}?q' (from env/os key https): a query isn't allowed"),
    (SocksUnavailable(f"socks5h://alice:{SECRET}@proxy:1080"),
     "SOCKS proxy socks5h://alice:****@proxy:1080 needs the python-socks package: "
     "pip install python-socks[asyncio]"),
    (ProxyError(PROXY, "something broke"),
     f"proxy {SHOWN} failed: something broke"),
    (ProxyConnectionFailed(PROXY, "connection refused"),
     f"cannot connect to proxy {SHOWN}: connection refused"),
    (ProxyRejected(PROXY, "http", "proxy authentication required", status=407),
     f"proxy {SHOWN} rejected the connection: HTTP 407: proxy authentication required"),
    (ProxyRejected(PROXY, "socks5", "connection refused", reply_code=5),
     f"proxy {SHOWN} rejected the connection: SOCKS5 reply 0x05: connection refused"),
    (ProxyRejected(PROXY, "socks4", "request rejected", reply_code=0x5B),
     f"proxy {SHOWN} rejected the connection: SOCKS4 reply 0x5b: request rejected"),
    (ProxyRejected(PROXY, "socks5", "authentication failed"),
     f"proxy {SHOWN} rejected the connection: SOCKS5: authentication failed"),
    (InvalidProxyAnswer(PROXY, "connection closed during the handshake"),
     f"invalid answer from proxy {SHOWN}: connection closed during the handshake"),
    (ProxyTLSError(PROXY, "certificate verify failed"),
     f"TLS with proxy {SHOWN} failed: certificate verify failed"),
]  # fmt: skip

SERVER_MESSAGES = [
    (ServerError("example.com:443", "oops"), "server example.com:443 failed: oops"),
    (ServerConnectionFailed("[::1]:8765", "connection refused"),
     "cannot connect to server [::1]:8765: connection refused"),
    (ServerTLSError("example.com:443", "hostname mismatch"),
     "TLS with server example.com:443 failed: hostname mismatch"),
    (HandshakeRejected("example.com:443", 403, "forbidden"),
     "server example.com:443 rejected the WebSocket handshake with HTTP 403: forbidden"),
    (HandshakeRejected("example.com:443", None),
     "server example.com:443 rejected the WebSocket handshake"),
    (OpenTimeout("proxy handshake", 10), "timed out during proxy handshake after 10 seconds"),
    (OpenTimeout("TLS with server", 0.5), "timed out during TLS with server after 0.5 seconds"),
    (ConnectionClosed(1000, "bye"), "connection closed with code 1000 (bye)"),
    (ConnectionClosed(1006), "connection closed with code 1006"),
    (ConnectionClosed(None), "connection closed without a close frame"),
]  # fmt: skip

REDACTIONS = [
    ("http://proxy:3128", "http://proxy:3128"),
    ("http://alice@proxy:3128", "http://alice@proxy:3128"),
    (f"http://alice:{SECRET}@proxy:3128", "http://alice:****@proxy:3128"),
    (f"alice:{SECRET}@proxy:3128", "alice:****@proxy:3128"),
    (f"socks5h://alice:{SECRET}@[::1]:1080", "socks5h://alice:****@[::1]:1080"),
    ("http://alice:@proxy", "http://alice:****@proxy"),
    (f"http://alice:{SECRET}/x@proxy", "http://alice:****@proxy"),
    (f"http://alice:{SECRET}#x@proxy", "http://alice:****@proxy"),
    (f"http://alice:{SECRET}@x@proxy", "http://alice:****@proxy"),
    (f"http://alice:{SECRET}?x@proxy/", "http://alice:****@proxy/"),
    (f"u:a://{SECRET}@proxy.local", "u:****@proxy.local"),
    ("proxy.local:3128", "proxy.local:3128"),
    ("", ""),
]


@pytest.mark.parametrize(("cls", "kind", "parent"), KINDS)
def test_kind_and_parent(cls: type[ClientError], kind: str, parent: type[Exception]) -> None:
    """Each exception has its stable kind and sits at its place in the tree."""
    assert cls.kind == kind
    assert cls.__mro__[1] is parent


def test_kinds_are_unique() -> None:
    """No two exceptions share a kind."""
    kinds = [kind for _, kind, _ in KINDS]
    assert len(set(kinds)) == len(kinds)


@pytest.mark.parametrize(("exc", "message"), MESSAGES + SERVER_MESSAGES)
def test_message(exc: ClientError, message: str) -> None:
    """str() builds the expected message."""
    assert str(exc) == message


@pytest.mark.parametrize(("exc", "message"), MESSAGES)
def test_no_password(exc: ClientError, message: str) -> None:
    """Neither str, repr nor args show the password (URL-05)."""
    for text in (str(exc), repr(exc), *map(str, exc.args)):
        assert SECRET not in text


@pytest.mark.parametrize(("exc", "message"), MESSAGES + SERVER_MESSAGES)
def test_pickle_round_trip(exc: ClientError, message: str) -> None:
    """Exceptions survive pickling with their message and stay redacted."""
    data = pickle.dumps(exc)
    assert SECRET.encode() not in data
    copy = pickle.loads(data)
    assert type(copy) is type(exc)
    assert str(copy) == message
    assert copy.args == exc.args


def test_proxy_rejected_fields() -> None:
    """ProxyRejected carries protocol, status and reply code."""
    http = ProxyRejected(PROXY, "http", "forbidden", status=403)
    socks = ProxyRejected(PROXY, "socks5", "host unreachable", reply_code=4)
    assert (http.protocol, http.status, http.reply_code) == ("http", 403, None)
    assert (socks.protocol, socks.status, socks.reply_code) == ("socks5", None, 4)
    assert http.proxy == SHOWN


def test_proxy_accepts_objects() -> None:
    """Proxy exceptions accept any object whose str() is the proxy URL."""

    class Shown:
        def __str__(self) -> str:
            return PROXY

    assert ProxyTLSError(Shown(), "bad certificate").proxy == SHOWN


def test_invalid_proxy_url_fields() -> None:
    """InvalidProxyURL stores the redacted URL, the reason and the source."""
    exc = InvalidProxyURL(PROXY, "reason", "explicit")
    assert (exc.url, exc.reason, exc.source) == (SHOWN, "reason", "explicit")


@pytest.mark.parametrize(("text", "expected"), REDACTIONS)
def test_redact_url(text: str, expected: str) -> None:
    """redact_url hides the password, even in malformed URLs, and is idempotent."""
    assert redact_url(text) == expected
    assert redact_url(expected) == expected
