"""WebSocket URIs: ``ws://`` and ``wss://`` parsed and checked, credentials never shown."""

from __future__ import annotations

import dataclasses
import urllib.parse

from .errors import InvalidURI
from .proxy_url import (
    format_address,
    has_forbidden_characters,
    parse_authority,
    parse_user_info,
    split_after_scheme,
    split_scheme,
)

__all__ = ["WebSocketURI", "parse_ws_uri"]

_PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"


@dataclasses.dataclass(frozen=True, repr=False)
class WebSocketURI:
    """A parsed ``ws://`` or ``wss://`` URI."""

    secure: bool
    host: str
    """Lower-case, IDNA-encoded; an IPv6 literal without brackets."""
    port: int
    resource_name: str
    """Path and query, at least ``/``."""
    username: str | None = None
    password: str | None = None

    @property
    def scheme(self) -> str:
        """``"wss"`` or ``"ws"``."""
        return "wss" if self.secure else "ws"

    @property
    def address(self) -> str:
        """``host:port``, IPv6 in brackets (the CONNECT target)."""
        return format_address(self.host, self.port)

    @property
    def bypass_key(self) -> str:
        """``host:port`` as the bypass check receives it: IPv6 without brackets (SEL-01)."""
        return f"{self.host}:{self.port}"

    def __str__(self) -> str:
        credentials = ""
        if self.username is not None:
            credentials = urllib.parse.quote(self.username, safe="") + ":****@"
        return f"{self.scheme}://{credentials}{self.address}{self.resource_name}"

    def __repr__(self) -> str:
        return f"WebSocketURI({str(self)!r})"


def parse_ws_uri(uri: str) -> WebSocketURI:
    """Parse a WebSocket URI; raise :exc:`InvalidURI` if it is not valid."""
    value = uri.strip()
    if has_forbidden_characters(value):
        raise InvalidURI(uri, "it contains whitespace or control characters")
    written, rest = split_scheme(value)
    if written is None or written.lower() not in ("ws", "wss"):
        raise InvalidURI(value, "the scheme must be ws:// or wss://")
    secure = written.lower() == "wss"
    try:
        authority, path, query, fragment = split_after_scheme(rest)
        if fragment is not None:
            raise ValueError("a fragment isn't allowed")
        user_info, host, port = parse_authority(authority)
        username, password = parse_user_info(user_info)
    except ValueError as exc:
        reason = str(exc)
    else:
        resource = (path or "/") + ("" if query is None else f"?{query}")
        resource = urllib.parse.quote(resource, safe=_PATH_SAFE)
        port = (443 if secure else 80) if port is None else port
        return WebSocketURI(secure, host, port, resource, username, password)
    raise InvalidURI(value, reason)
