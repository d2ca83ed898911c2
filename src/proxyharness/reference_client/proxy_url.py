"""Proxy URLs: parsing and validation (URL-01 to URL-05).

Decisions where the rules URL-01 to URL-05 are silent:

* A value without ``scheme://`` (``proxy.local:3128``, as ``getproxies()`` keeps it
  verbatim) means ``http://``, as curl reads it. The route trace says so.
* A SOCKS URL without a port uses 1080, the IANA port for SOCKS, as curl does
  (URL-04 leaves it open).
* ``user:@host`` is an empty password and is accepted; ``user@host`` and ``:pw@host``
  are errors.
* Surrounding whitespace is stripped; whitespace or control characters inside are an
  error. A port is 1 to 65535; ``host:`` (empty port) means the default port.
* Hosts are lower-cased; non-ASCII names are IDNA-encoded; IPv6 literals must be in
  brackets and are stored without them. HTTP proxies count as resolving names remotely
  (``remote_dns``), since CONNECT sends the name.

The helpers below the parser are shared with the WebSocket URI parser in
:mod:`~proxyharness.reference_client.route`; they raise :exc:`ValueError` with a
reason that never quotes the user information. This authority parsing repeats the
fixtures' wire helpers on purpose: the reference client must not share code with the
fakes that judge it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import urllib.parse
from typing import Any, Literal

from .errors import REDACTED, InvalidProxyURL

__all__ = [
    "DEFAULT_PORTS",
    "SCHEMES",
    "ProxyURL",
    "Scheme",
    "format_address",
    "parse_proxy_url",
    "split_scheme",
]

Scheme = Literal["http", "https", "socks4", "socks4a", "socks5", "socks5h"]
SCHEMES: tuple[Scheme, ...] = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")
DEFAULT_PORTS: dict[Scheme, int] = {
    "http": 80,
    "https": 443,
    "socks4": 1080,
    "socks4a": 1080,
    "socks5": 1080,
    "socks5h": 1080,
}
_DESCRIPTIONS: dict[Scheme, str] = {
    "http": "HTTP proxy",
    "https": "HTTPS proxy (TLS to the proxy)",
    "socks4": "SOCKS4 proxy (the client resolves names)",
    "socks4a": "SOCKS4a proxy (the proxy resolves names)",
    "socks5": "SOCKS5 proxy (the client resolves names)",
    "socks5h": "SOCKS5 proxy (the proxy resolves names)",
}

_SCHEME_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST_NAME = re.compile(r"[a-z0-9._-]+")


@dataclasses.dataclass(frozen=True, repr=False)
class ProxyURL:
    """A validated proxy address. ``str()`` and ``repr()`` hide the password."""

    scheme: Scheme
    host: str
    """Lower-case, IDNA-encoded; an IPv6 literal without brackets."""
    port: int
    username: str | None = None
    """Percent-decoded."""
    password: str | None = None
    """Percent-decoded; set exactly when ``username`` is."""

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unsupported proxy scheme {self.scheme!r}")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")

    @property
    def kind(self) -> Literal["http", "socks"]:
        """``"http"`` for HTTP(S) proxies, ``"socks"`` for SOCKS proxies."""
        return "socks" if self.scheme.startswith("socks") else "http"

    @property
    def tls(self) -> bool:
        """True when the connection to the proxy itself uses TLS (``https://``)."""
        return self.scheme == "https"

    @property
    def socks_version(self) -> Literal[4, 5] | None:
        """4 or 5 for SOCKS proxies, None for HTTP(S) proxies."""
        if self.kind == "http":
            return None
        return 4 if self.scheme.startswith("socks4") else 5

    @property
    def remote_dns(self) -> bool:
        """True when the proxy resolves the server's name (SOCKS-02)."""
        return self.scheme not in ("socks4", "socks5")

    @property
    def address(self) -> str:
        """``host:port``, IPv6 in brackets."""
        return format_address(self.host, self.port)

    @property
    def user_info(self) -> tuple[str, str] | None:
        """``(username, password)`` when the URL has credentials."""
        if self.username is None or self.password is None:
            return None
        return self.username, self.password

    @property
    def description(self) -> str:
        """Plain words for the kind of proxy, e.g. ``"HTTPS proxy (TLS to the proxy)"``."""
        return _DESCRIPTIONS[self.scheme]

    def redacted(self) -> str:
        """The normalised URL with the password replaced by ``****``."""
        credentials = ""
        if self.username is not None:
            credentials = urllib.parse.quote(self.username, safe="")
            credentials += f":{REDACTED}@" if self.password is not None else "@"
        return f"{self.scheme}://{credentials}{self.address}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields, password redacted."""
        return {
            "url": self.redacted(),
            "scheme": self.scheme,
            "kind": self.kind,
            "tls": self.tls,
            "socks_version": self.socks_version,
            "remote_dns": self.remote_dns,
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": None if self.password is None else REDACTED,
        }

    def __str__(self) -> str:
        return self.redacted()

    def __repr__(self) -> str:
        return f"ProxyURL({self.redacted()!r})"


def parse_proxy_url(text: str) -> ProxyURL:
    """Parse and validate a proxy URL; raise :exc:`InvalidProxyURL` if it is unusable."""
    value = text.strip()
    if not value:
        raise InvalidProxyURL(text, "the URL is empty")
    if has_forbidden_characters(value):
        raise InvalidProxyURL(value, "it contains whitespace or control characters")
    written, rest = split_scheme(value)
    scheme = "http" if written is None else written.lower()
    if scheme not in SCHEMES:
        raise InvalidProxyURL(
            value, f"scheme {written!r} isn't supported; use one of {', '.join(SCHEMES)}"
        )
    try:
        authority, path, query, fragment = split_after_scheme(rest)
        if path not in ("", "/"):
            raise ValueError("a path isn't allowed (only /)")
        if query is not None:
            raise ValueError("a query isn't allowed")
        if fragment is not None:
            raise ValueError("a fragment isn't allowed")
        user_info, host, port = parse_authority(authority)
        username, password = parse_user_info(user_info)
    except ValueError as exc:
        reason = str(exc)
    else:
        port = DEFAULT_PORTS[scheme] if port is None else port
        return ProxyURL(scheme, host, port, username, password)
    # Raised outside the except block: no exception context that could hold a secret.
    raise InvalidProxyURL(value, reason)


def split_scheme(text: str) -> tuple[str | None, str]:
    """Split ``scheme://rest`` into the scheme as written and the rest.

    Without a ``scheme://`` prefix the scheme is None and the text is returned whole.
    """
    match = _SCHEME_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :]


def has_forbidden_characters(text: str) -> bool:
    """True if ``text`` holds whitespace or non-printable characters."""
    return any(char.isspace() or not char.isprintable() for char in text)


def split_after_scheme(rest: str) -> tuple[str, str, str | None, str | None]:
    """Split what follows ``scheme://`` into authority, path, query and fragment.

    Query and fragment are None when their ``?`` or ``#`` is absent.
    """
    rest, hash_sign, fragment = rest.partition("#")
    rest, question_mark, query = rest.partition("?")
    slash = rest.find("/")
    authority, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    return authority, path, query if question_mark else None, fragment if hash_sign else None


def parse_authority(authority: str) -> tuple[str | None, str, int | None]:
    """Split ``[user_info@]host[:port]`` into user info, normalised host and port.

    The port is None when absent or empty.
    """
    user_info, at_sign, host_port = authority.rpartition("@")
    if host_port.startswith("["):
        end = host_port.find("]")
        if end < 0:
            raise ValueError("an IPv6 address lacks its closing ]")
        host, after = host_port[1:end], host_port[end + 1 :]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("the address in brackets isn't an IPv6 address") from None
        host = host.lower()
        if after and not after.startswith(":"):
            raise ValueError("unexpected text after the IPv6 address")
        port_text: str | None = after[1:] if after else None
    else:
        host, colon, port_text = host_port.partition(":")
        if ":" in port_text:
            raise ValueError("an IPv6 address must be written in brackets")
        host = normalize_host(host)
        port_text = port_text if colon else None
    return (user_info if at_sign else None), host, parse_port(port_text)


def normalize_host(host: str) -> str:
    """Lower-case a host name and IDNA-encode it if it is not ASCII."""
    if not host:
        raise ValueError("the host is missing")
    if not host.isascii():
        try:
            encoded = host.encode("idna").decode("ascii")
        except UnicodeError:
            encoded = ""
        if not encoded:
            raise ValueError("the host isn't a valid internationalized domain name")
        host = encoded
    host = host.lower()
    if _HOST_NAME.fullmatch(host) is None:
        raise ValueError("the host contains characters that aren't allowed")
    return host


def parse_port(text: str | None) -> int | None:
    """Parse a port number from 1 to 65535; None or ``""`` means no port."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise ValueError("the port isn't a number from 1 to 65535")
    return int(text)


def parse_user_info(user_info: str | None) -> tuple[str | None, str | None]:
    """Split and percent-decode ``user:password`` (URL-03)."""
    if user_info is None:
        return None, None
    user, colon, password = user_info.partition(":")
    if not colon:
        raise ValueError("a user name without a password isn't allowed (use user:password@)")
    if not user:
        raise ValueError("the user name is empty")
    username, secret = _percent_decode(user), _percent_decode(password)
    if username is None:
        raise ValueError("the user name isn't valid percent-encoded UTF-8")
    if secret is None:
        raise ValueError("the password isn't valid percent-encoded UTF-8")
    return username, secret


def format_address(host: str, port: int) -> str:
    """``host:port`` with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _percent_decode(text: str) -> str | None:
    try:
        return urllib.parse.unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None
