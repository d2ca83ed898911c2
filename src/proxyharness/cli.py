"""The ``proxyharness`` command: it composes the commands each part registers.

The fixtures (``serve``), the reference client (``explain``, ``connect``) and the harness
(``run``, ``rules``, ``publish``) each own their commands; this module only joins them,
and lends ``explain`` the fixtures' OS emulation through the client's ``Environment``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .fixtures.config.os_config import OsProxyConfig


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every part's commands registered."""
    parser = argparse.ArgumentParser(
        prog="proxyharness",
        description="Fake proxies, a reference proxy-aware WebSocket client, "
        "and a conformance harness for proxy support.",
    )
    parser.add_argument("--version", action="version", version=f"proxyharness {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    from .fixtures import cli as fixtures_cli
    from .harness import cli as harness_cli
    from .harness import clients_cli
    from .reference_client import cli as client_cli

    fixtures_cli.add_commands(subparsers)
    client_cli.add_commands(subparsers, environment=OsEmulation())
    harness_cli.add_commands(subparsers)
    clients_cli.add_commands(subparsers)
    return parser


class OsEmulation:
    """``explain --os/--os-config``: resolve under an emulated OS proxy configuration.

    The reference client's :class:`~proxyharness.reference_client.cli.Environment`,
    built from the fixtures' OS emulation (:mod:`proxyharness.fixtures.config`).
    """

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add ``--os`` and ``--os-config``."""
        parser.add_argument(
            "--os",
            choices=("linux", "macos", "windows"),
            help="emulate this operating system's proxy configuration (default: this machine)",
        )
        parser.add_argument(
            "--os-config",
            metavar="FILE",
            type=Path,
            help='the emulated configuration as JSON, e.g. {"os": "macos", "https": '
            '{"host": "proxy.example", "port": 3128}, "exceptions": ["*.local:*"]} '
            "(macOS patterns see host:port; a macOS SOCKS proxy needs Python >= 3.12)",
        )

    def activate(self, args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
        """The emulated configuration ``args`` ask for, or nothing when they ask for none."""
        if args.os is None and args.os_config is None:
            return contextlib.nullcontext()
        return load_os_config(args.os, args.os_config)


def load_os_config(os_name: str | None, path: Path | None) -> OsProxyConfig:
    """The configuration of ``--os`` and ``--os-config``; ``ValueError`` if they are bad."""
    from .fixtures.config.os_config import OsProxyConfig

    data: dict[str, object] = {}
    if path is not None:
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object")
    if os_name is not None:
        if data.get("os", os_name) != os_name:
            raise ValueError(f'--os {os_name} disagrees with "os": {data["os"]!r} in {path}')
        data["os"] = os_name
    elif "os" not in data:
        raise ValueError(f'{path}: say which OS with --os or an "os" key')
    return OsProxyConfig.from_dict(data)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        status: int = handler(args)
        if sys.stdout is not None:  # None: started with stdout closed
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except BrokenPipeError:
        # The reader went away (``proxyharness rules | head -1``): stop writing, quietly
        # for stdout's sake, and say why on stderr.
        _silence_stdout()
        print(f"proxyharness {args.command}: output closed early", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"proxyharness {args.command}: {exc.strerror or exc}:{where}", file=sys.stderr)
        return 2
    return status


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured by a test)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
