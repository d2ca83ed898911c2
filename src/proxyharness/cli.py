"""The ``proxyharness`` command: a thin front over the fixtures, client and harness."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="proxyharness",
        description="Fake proxies, a reference proxy-aware WebSocket client, "
        "and a conformance harness for proxy support.",
    )
    parser.add_argument("--version", action="version", version=f"proxyharness {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    from .fixtures import serve

    serve.add_commands(subparsers)
    try:
        from .reference_client import cli as client_cli
    except ImportError:  # pragma: no cover - during development only
        pass
    else:
        client_cli.add_commands(subparsers)
    try:
        from .harness import cli as harness_cli
    except ImportError:  # pragma: no cover - during development only
        pass
    else:
        harness_cli.add_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    status: int = handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
