"""Passwords a scenario writes in URLs, and their other written forms: never to appear
in errors or reports."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ...fixtures import basic_encode

__all__ = ["credentials_in", "passwords_in", "secret_forms"]


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


def credentials_in(*values: Any) -> set[tuple[str, str]]:
    """``(user, password)`` pairs written in URLs inside ``values``, percent-decoded."""
    found: set[tuple[str, str]] = set()
    for value in values:
        if isinstance(value, str):
            start = value.find("://")
            start = 0 if start < 0 else start + 3
            at = value.rfind("@")
            user, colon, password = value[start:at].partition(":") if at > start else ("", "", "")
            if colon and password:
                found.add((urllib.parse.unquote(user), urllib.parse.unquote(password)))
        elif isinstance(value, Mapping):
            found |= credentials_in(*value.values())
        elif isinstance(value, list | tuple):
            found |= credentials_in(*value)
    return found


def secret_forms(credentials: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every other way a password can be written, form → the form's name.

    Percent-encoded, JSON-escaped, ``\\u``/``\\x``-escaped (``repr``, ``unicode_escape``),
    as UTF-8 bytes (``b'...'``), and the Basic token of ``user:password``.
    """
    forms: dict[str, str] = {}
    for user, password in credentials:
        if not password:
            continue
        written = {
            "percent-encoded form": urllib.parse.quote(password, safe=""),
            "JSON-escaped form": json.dumps(password)[1:-1],
            "escaped form": password.encode("unicode_escape").decode("ascii"),
            "repr form": repr(password)[1:-1],
            "UTF-8 bytes form": repr(password.encode("utf-8"))[2:-1],
            "Basic token": basic_encode(user, password).removeprefix("Basic "),
        }
        for name, text in written.items():
            if text != password:
                forms.setdefault(text, name)
    return forms
