"""``proxyharness explain`` and ``proxyharness connect``: the reference client from a shell.

``explain URL`` prints the route the client would take for ``URL`` in the current
environment and the rule trace that chose it (``--json`` for a machine). ``connect
URL`` takes that route: it opens the connection, sends one message, prints the echo
and closes. Neither ever prints a proxy password. The client is imported by the
handlers, so registering the commands costs nothing.

Exit statuses:

==  =========================================================================
0   success
2   usage or configuration error: bad arguments, invalid WebSocket URI or proxy
    URL, python-socks missing for a SOCKS proxy, unreadable CA file
3   the proxy failed: refused, rejected (407, 403, SOCKS reply), invalid answer,
    TLS with the proxy
4   the server failed: refused, TLS with the server, handshake rejected,
    connection closed before the echo
5   timeout: opening, or waiting for the echo
==  =========================================================================
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    import ssl

    from .errors import ClientError
    from .route import Resolution

__all__ = ["EXIT_OK", "Environment", "add_commands", "exit_status"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PROXY = 3
EXIT_SERVER = 4
EXIT_TIMEOUT = 5

_EPILOG = (
    "exit status: 0 ok, 2 usage or configuration error, 3 proxy failure, "
    "4 server failure, 5 timeout"
)


class Environment(Protocol):
    """A setting ``explain`` resolves routes under, e.g. an emulated OS proxy configuration.

    Whoever composes the command line supplies it; this package does not know where it
    comes from.
    """

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add this setting's options to the ``explain`` parser."""

    def activate(self, args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
        """The context to resolve in for the parsed ``args``.

        A ``ValueError`` or ``OSError``, raised here or on entering the context, is a
        usage error: ``explain`` prints it on one line and exits 2.
        """


def add_commands(subparsers: Any, *, environment: Environment | None = None) -> None:
    """Register ``explain`` and ``connect`` on the top-level CLI's subparsers.

    ``environment``, if given, adds its options to ``explain`` and is active while
    ``explain`` resolves the route.
    """
    explain_parser: argparse.ArgumentParser = subparsers.add_parser(
        "explain",
        help="show which route the reference client takes for a URL, and why",
        description="Print the route (direct or which proxy) the reference client "
        "chooses for URL in the current environment, and the rule trace that chose it.",
        epilog=_EPILOG,
    )
    explain_parser.add_argument("url", metavar="URL", help="a ws:// or wss:// URL")
    _add_proxy_option(explain_parser)
    explain_parser.add_argument("--json", action="store_true", help="print JSON")
    if environment is not None:
        environment.add_arguments(explain_parser)
    explain_parser.set_defaults(handler=functools.partial(run_explain, environment=environment))

    connect_parser: argparse.ArgumentParser = subparsers.add_parser(
        "connect",
        help="connect with the reference client, send a message, print the echo",
        description="Open URL along the route 'explain' shows, send one text message, "
        "print the answer and close.",
        epilog=_EPILOG,
    )
    connect_parser.add_argument("url", metavar="URL", help="a ws:// or wss:// URL")
    _add_proxy_option(connect_parser)
    connect_parser.add_argument("--cafile", help="CA certificates to trust for the server")
    connect_parser.add_argument(
        "--proxy-cafile", help="CA certificates to trust for an https:// proxy"
    )
    connect_parser.add_argument("--server-hostname", help="SNI and name to check for the server")
    connect_parser.add_argument(
        "--proxy-server-hostname", help="SNI and name to check for an https:// proxy"
    )
    connect_parser.add_argument("--send", default="hello", help="message to send (hello)")
    connect_parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        metavar="S",
        help="seconds for opening, and again for the echo (10)",
    )
    connect_parser.add_argument(
        "-v", "--verbose", action="store_true", help="print the route and layers on stderr"
    )
    connect_parser.set_defaults(handler=run_connect)


def _add_proxy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--proxy",
        metavar="URL|none",
        help="use this proxy (overrides the configuration), or 'none' to connect directly; "
        "default: the environment and OS configuration",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _proxy_argument(value: str | None) -> str | bool | None:
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    return value


def run_explain(
    args: argparse.Namespace, out: TextIO | None = None, *, environment: Environment | None = None
) -> int:
    """``proxyharness explain``, under ``environment`` if given."""
    with contextlib.ExitStack() as stack:
        if environment is not None:
            try:
                stack.enter_context(environment.activate(args))
            except (OSError, ValueError) as exc:
                print(f"proxyharness explain: {exc}", file=sys.stderr)
                return EXIT_USAGE
        return _explain(args, sys.stdout if out is None else out)


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    from .errors import ClientError
    from .route import explain, resolve_route

    try:
        resolution = resolve_route(args.url, _proxy_argument(args.proxy))
    except ClientError as exc:
        return _fail(exc)
    if args.json:
        json.dump(resolution.to_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(explain(resolution) + "\n")
    return EXIT_OK


def run_connect(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``proxyharness connect``."""
    import asyncio

    from .errors import ClientError

    out = sys.stdout if out is None else out
    try:
        server_ssl = _context(args.cafile, "--cafile")
        proxy_ssl = _context(args.proxy_cafile, "--proxy-cafile")
    except OSError as exc:
        print(f"proxyharness connect: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        echo = asyncio.run(_exchange(args, server_ssl, proxy_ssl))
    except ClientError as exc:
        return _fail(exc)
    except TimeoutError:
        print(f"proxyharness connect: no echo within {args.timeout:g} s", file=sys.stderr)
        return EXIT_TIMEOUT
    out.write((echo if isinstance(echo, str) else repr(echo)) + "\n")
    return EXIT_OK


async def _exchange(
    args: argparse.Namespace, server_ssl: ssl.SSLContext | None, proxy_ssl: ssl.SSLContext | None
) -> str | bytes:
    import asyncio

    from .client import connect

    async with connect(
        args.url,
        proxy=_proxy_argument(args.proxy),
        ssl=server_ssl,
        proxy_ssl=proxy_ssl,
        server_hostname=args.server_hostname,
        proxy_server_hostname=args.proxy_server_hostname,
        open_timeout=args.timeout,
    ) as ws:
        if args.verbose:
            _describe(ws.resolution, ws.layers)
        await ws.send(args.send)
        async with asyncio.timeout(args.timeout):
            return await ws.recv()


def _describe(resolution: Resolution, layers: tuple[str, ...]) -> None:
    from .route import explain

    print(explain(resolution), file=sys.stderr)
    print("layers: " + " > ".join(layers), file=sys.stderr)


def _context(cafile: str | None, option: str) -> ssl.SSLContext | None:
    if cafile is None:
        return None
    import ssl

    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise OSError(f"{option} {cafile}: {exc}") from None


def exit_status(exc: ClientError) -> int:
    """The exit status for a client error (see the module docstring)."""
    from .errors import (
        ConnectionClosed,
        InvalidProxyURL,
        InvalidURI,
        OpenTimeout,
        ProxyError,
        ServerError,
        SocksUnavailable,
    )

    if isinstance(exc, InvalidURI | InvalidProxyURL | SocksUnavailable):
        return EXIT_USAGE
    if isinstance(exc, OpenTimeout):
        return EXIT_TIMEOUT
    if isinstance(exc, ProxyError):
        return EXIT_PROXY
    if isinstance(exc, ServerError | ConnectionClosed):
        return EXIT_SERVER
    return EXIT_SERVER


def _fail(exc: ClientError) -> int:
    print(f"proxyharness: {exc.kind}: {exc}", file=sys.stderr)
    return exit_status(exc)
