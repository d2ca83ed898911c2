"""Broken proxy URLs: schemes, paths, credentials, default ports, passwords shown.

The parsing bugs replace one helper of :mod:`proxyharness.reference_client.proxy_url`
for the call; the password leaks wrap the reference client's errors.
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
import urllib.request

from ....reference_client import proxy_url as reference_proxy_url
from ....reference_client import route as reference_route
from ....reference_client.errors import ClientError, InvalidProxyURL
from ....reference_client.route import Resolution
from ....reference_client.uri import parse_ws_uri
from ..base import Call
from ._base import BrokenAgent, patched
from .selection import RouteBug

__all__ = ["CLIENTS"]

_log = logging.getLogger(__name__)


class UnsupportedSchemeDirect(RouteBug):
    """A proxy URL with an unsupported scheme is skipped silently: the client goes direct."""

    name = "broken-unsupported-scheme-direct"
    breaks = ("URL-01",)

    def resolve(self, uri: str, proxy: str | bool | None, caller_socket: bool) -> Resolution:
        try:
            return super().resolve(uri, proxy, caller_socket)
        except InvalidProxyURL as exc:
            if "scheme" not in exc.reason:
                raise
        return Resolution(parse_ws_uri(uri), reference_route.Direct(), ())


class PathAccepted(BrokenAgent):
    """A path, query or fragment in the proxy URL is dropped instead of refused."""

    name = "broken-proxy-path-accepted"
    breaks = ("URL-02",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        split = reference_proxy_url.split_after_scheme

        def authority_only(rest: str) -> tuple[str, str, str | None, str | None]:
            return split(rest)[0], "", None, None

        return patched(reference_proxy_url, "split_after_scheme", authority_only)


class UserWithoutPassword(BrokenAgent):
    """user@host is accepted, with an empty password, instead of being an error."""

    name = "broken-user-without-password"
    breaks = ("URL-03",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        parse = reference_proxy_url.parse_user_info

        def lenient(user_info: str | None) -> tuple[str | None, str | None]:
            if user_info is not None and ":" not in user_info:
                user_info += ":"
            return parse(user_info)

        return patched(reference_proxy_url, "parse_user_info", lenient)


class CredentialsNotDecoded(BrokenAgent):
    """Credentials are used as written: p%40ss is sent, not p@ss."""

    name = "broken-credentials-not-decoded"
    breaks = ("URL-03",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        return patched(reference_proxy_url, "_percent_decode", lambda text: text)


class WrongDefaultPort(BrokenAgent):
    """An http:// or https:// proxy without a port is reached on 8080."""

    name = "broken-default-port-8080"
    breaks = ("URL-04",)

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        ports = {**reference_proxy_url.DEFAULT_PORTS, "http": 8080, "https": 8080}
        return patched(reference_proxy_url, "DEFAULT_PORTS", ports)


class VerboseError(Exception):
    """An error message that quotes the proxy settings (a leak); keeps the original kind."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _settings(call: Call) -> str:
    """The proxy settings as a careless client quotes them: passwords included."""
    if isinstance(call.proxy, str):
        return call.proxy
    return ", ".join(f"{key}={value}" for key, value in urllib.request.getproxies().items())


def _decoded(text: str) -> str:
    """``text`` percent-decoded, as a client showing the parsed password would."""
    return urllib.parse.unquote(text)


class PasswordInError(BrokenAgent):
    """The error message quotes the proxy URL with its password."""

    name = "broken-password-in-error"
    breaks = ("URL-05",)

    async def exchange(self, call: Call) -> str | bytes:
        try:
            return await super().exchange(call)
        except ClientError as exc:
            message = f"{exc} (proxy: {_settings(call)}; decoded: {_decoded(_settings(call))})"
            raise VerboseError(message, exc.kind) from None


class ArgsError(Exception):
    """A redacted message over ``args`` that keep the raw settings (a leak); keeps the kind."""

    def __init__(self, message: str, kind: str, settings: str) -> None:
        super().__init__(message, settings)
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return self.message


class PasswordInExceptionArgs(BrokenAgent):
    """The error's message is redacted, but its args keep the proxy URL with the password."""

    name = "broken-password-in-exception-args"
    breaks = ("URL-05",)

    async def exchange(self, call: Call) -> str | bytes:
        try:
            return await super().exchange(call)
        except ClientError as exc:
            raise ArgsError(str(exc), exc.kind, _settings(call)) from None


class PasswordInLog(BrokenAgent):
    """A failure is logged with the proxy URL, password included."""

    name = "broken-password-in-log"
    breaks = ("URL-05",)

    async def exchange(self, call: Call) -> str | bytes:
        try:
            return await super().exchange(call)
        except ClientError as exc:
            _log.warning("connection through %s failed: %s", _decoded(_settings(call)), exc)
            raise


CLIENTS: tuple[type[BrokenAgent], ...] = (
    UnsupportedSchemeDirect,
    PathAccepted,
    UserWithoutPassword,
    CredentialsNotDecoded,
    WrongDefaultPort,
    PasswordInError,
    PasswordInExceptionArgs,
    PasswordInLog,
)
