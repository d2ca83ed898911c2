"""Passwords a scenario writes in URLs: never to appear in errors or reports."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

__all__ = ["passwords_in"]


def passwords_in(*values: Any) -> set[str]:
    """Passwords written in URLs inside ``values`` (raw and percent-decoded forms)."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, str):
            _url_password(value, found)
        elif isinstance(value, Mapping):
            found |= passwords_in(*value.values())
        elif isinstance(value, list | tuple):
            found |= passwords_in(*value)
    return found


def _url_password(text: str, found: set[str]) -> None:
    start = text.find("://")
    start = 0 if start < 0 else start + 3
    at = text.rfind("@")
    if at <= start:
        return
    _, colon, password = text[start:at].partition(":")
    if colon and password:
        found.add(password)
        found.add(urllib.parse.unquote(password))
