"""Deliberately broken clients: the reference client with one realistic bug each.

They prove that the catalog can fail: each declares the rules whose scenarios must
catch its bug (``breaks``), and ``python -m proxyharness.harness.selftest`` runs
each through those rules and requires a FAIL. Run one like any agent::

    proxyharness run --agent broken:socks5h-resolves-locally -k SOCKS-02

One module per family of bugs: :mod:`.selection` (route choice), :mod:`.bypass`
(bypass lists), :mod:`.urls` (proxy URLs, passwords), :mod:`.socks`, :mod:`.http`
(CONNECT), :mod:`.tls`, :mod:`.errors` (failures); :mod:`._base` has the base class
and the temporary patch.
A client with ``expected_to_escape`` has a bug today's catalog cannot see (a defect
of the catalog, which the selftest reports without failing).

``caught.json`` (written by the selftest) records, for every rule, which broken
clients it caught; :func:`caught_by_rule` reads it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from . import bypass, errors, http, selection, socks, tls, urls
from ._base import BrokenAgent

__all__ = [
    "CAUGHT_FILE",
    "CLIENTS",
    "BrokenAgent",
    "UnknownBrokenClient",
    "broken_agent",
    "caught_by_rule",
    "committed_data",
    "escaping",
]

#: The committed result of the last selftest, next to this module.
CAUGHT_FILE = "caught.json"

#: Every broken client, by slug.
CLIENTS: dict[str, type[BrokenAgent]] = {
    client.slug(): client
    for module in (selection, bypass, urls, socks, http, tls, errors)
    for client in module.CLIENTS
}


class UnknownBrokenClient(LookupError):
    """No broken client has this slug."""


def broken_agent(slug: str) -> BrokenAgent:
    """Create the broken client ``slug`` (``broken:list`` lists every slug)."""
    client = CLIENTS.get(slug)
    if client is None:
        intro = "broken clients" if slug == "list" else f"no broken client {slug!r}; known"
        raise UnknownBrokenClient(f"{intro}: {', '.join(CLIENTS)}")
    return client()


def escaping() -> dict[str, str]:
    """Broken clients no scenario can catch today, with the reason (defects of the catalog)."""
    return {
        slug: client.expected_to_escape
        for slug, client in CLIENTS.items()
        if client.expected_to_escape is not None
    }


def committed_data() -> dict[str, Any]:
    """The last selftest's result as committed (``caught.json``)."""
    text = resources.files(__package__).joinpath(CAUGHT_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def caught_by_rule() -> dict[str, list[str]]:
    """For every gated rule, the broken clients its scenarios caught at the last selftest."""
    caught: dict[str, list[str]] = committed_data()["caught_by_rule"]
    return caught
