"""``proxyharness clients``: list and install the client programs shipped as agents.

``clients list`` shows each bundled client (:mod:`.agents.bundled`) as installed, not
installed, or missing its runtime, with the hint; ``clients install NAME...|all``
installs them into the cache directory (``$PROXYHARNESS_CACHE``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_commands", "clients_command"]


def add_commands(subparsers: Any) -> None:
    """Register ``clients``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "clients",
        help="list or install the bundled client programs (node-ws, deno, bun...)",
        description="The agents backed by a client program shipped with proxyharness "
        "(built into a cache directory, $PROXYHARNESS_CACHE or ~/.cache/proxyharness).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show what is installed, and the install hint")
    listing.add_argument("--format", choices=("terminal", "json"), default="terminal")
    install = actions.add_parser("install", help="install clients (from the npm registry...)")
    install.add_argument("names", nargs="+", metavar="NAME", help="client names, or 'all'")
    install.add_argument(
        "--force", action="store_true", help="install again even when already installed"
    )
    parser.set_defaults(handler=clients_command)


def clients_command(args: argparse.Namespace) -> int:
    """Run ``clients list`` or ``clients install``; return the exit status."""
    from .agents import bundled

    if args.action == "list":
        rows = [
            {
                "name": name,
                "path": str(bundled.installed_path(bundle)),
                "unavailable": bundled.unavailable_reason(bundle),
            }
            for name, bundle in bundled.BUNDLES.items()
        ]
        if args.format == "json":
            print(json.dumps(rows, indent=2))
        else:
            width = max(len(row["name"] or "") for row in rows)
            for row in rows:
                state = row["unavailable"] or f"installed in {row['path']}"
                print(f"{row['name']:<{width}}  {state}")
        return 0
    names = list(bundled.BUNDLES) if args.names == ["all"] else args.names
    unknown = [name for name in names if name not in bundled.BUNDLES]
    if unknown:
        known = ", ".join(bundled.BUNDLES)
        print(
            f"proxyharness clients: no client named {unknown[0]!r} (known: {known}, all)",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in dict.fromkeys(names):
        print(f"installing {name}...", file=sys.stderr, flush=True)
        try:
            path = bundled.install(bundled.BUNDLES[name], force=args.force)
        except bundled.InstallError as exc:
            print(f"proxyharness clients: {exc}", file=sys.stderr)
            status = 1
        else:
            print(f"{name}: installed in {path}")
    return status
