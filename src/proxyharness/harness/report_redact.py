"""Passwords masked again in what a report shows (rule URL-05), whatever their form.

Results arrive redacted; a report masks anyway: values under a password key,
``credentials`` pairs, ``(Proxy-)Authorization`` headers, ``user:password@`` in URLs, and
any of these secrets (3 characters or more) wherever else it appears in the text.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import replace
from typing import Any

from ..fixtures import basic_decode
from .results import REDACTED, CaseResult, RunResult

__all__ = ["Redactor", "redact_run"]

_PASSWORD_KEY = re.compile(r"(?:^|[_-])(?:password|passwd|pass)$", re.IGNORECASE)
_AUTH_HEADERS = {"proxy-authorization", "authorization"}
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^\s/@:]*):([^\s/@]+)@", re.IGNORECASE)
_AUTH_TEXT = re.compile(
    r"((?:proxy-)?authorization['\"]?\s*[:=,]\s*['\"]?(?:(basic|bearer|digest|negotiate)\s+)?)"
    r"([^\s'\",;)}\]]+)",
    re.IGNORECASE,
)


class Redactor:
    """Masks secrets in structured values, collecting them to scrub free text later."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self._longest_first: tuple[int, list[str]] = (-1, [])

    def mask(self, value: Any, key: str = "") -> Any:
        """Return ``value`` with password-bearing fields replaced (first pass)."""
        if _is_password_key(key) and value not in (None, ""):
            self.secrets.add(str(value))
            return REDACTED
        if key.lower() in _AUTH_HEADERS and isinstance(value, str):
            return self._auth(value)
        if isinstance(value, dict):
            return {k: self.mask(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            if key.lower() == "credentials" and len(value) == 2 and value[1] is not None:
                self.secrets.add(str(value[1]))
                return [value[0], REDACTED]
            if len(value) == 2 and str(value[0]).lower() in _AUTH_HEADERS:
                return [value[0], self._auth(str(value[1]))]
            return [self.mask(v, key) for v in value]
        if isinstance(value, str):
            if _may_hold_url_password(value):
                self.secrets.update(match[2] for match in _URL_PASSWORD.finditer(value))
            if _may_hold_authorization(value):
                for match in _AUTH_TEXT.finditer(value):
                    self._auth(f"{match[2] or ''} {match[3]}")
        return value

    def _auth(self, value: str) -> str:
        scheme, _, token = value.strip().rpartition(" ")
        self.secrets.add(token)
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError):
                self.secrets.add(basic_decode(f"Basic {token}")[1])
        return f"{scheme} {REDACTED}".strip()

    def scrub(self, value: Any) -> Any:
        """Return ``value`` with every string scrubbed of known secrets (second pass)."""
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        if not isinstance(value, str):
            return value
        text = value
        if _may_hold_url_password(text):
            text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
        if _may_hold_authorization(text):
            text = _AUTH_TEXT.sub(rf"\1{REDACTED}", text)
        for secret in self._ordered_secrets():
            text = text.replace(secret, REDACTED)
        return text

    def _ordered_secrets(self) -> list[str]:
        """The secrets worth scrubbing, longest first (so no part of one is left over).

        Secrets are only ever added: the order is kept until their number changes.
        """
        count, ordered = self._longest_first
        if count != len(self.secrets):
            shortest_first = sorted(
                (s for s in self.secrets if len(s) >= 3 and s.strip("*")), key=len
            )
            ordered = list(reversed(shortest_first))
            self._longest_first = (len(self.secrets), ordered)
        return ordered


@functools.cache
def _is_password_key(key: str) -> bool:
    return _PASSWORD_KEY.search(key) is not None


def _may_hold_url_password(text: str) -> bool:
    """False when :data:`_URL_PASSWORD` cannot match (no ``@``): skips the regex."""
    return "@" in text


def _may_hold_authorization(text: str) -> bool:
    """False when :data:`_AUTH_TEXT` cannot match: it needs "author" in any case
    (none of these letters has a case-insensitive match outside ASCII)."""
    return "author" in text.lower()


def redact_run(run: RunResult) -> tuple[list[CaseResult], Redactor]:
    """Return the cases with every password masked, and the redactor for other text."""
    redactor = Redactor()
    names = ["scenario_id", "rule", "description", "agent", "reason", "client_error"]
    names += ["baseline_reason", "expected", "observed", "diff", "wire"]
    masked = [{n: redactor.mask(getattr(case, n)) for n in names} for case in run.cases]
    redactor.mask([run.backend, run.started, *run.agents, *run.versions.values()])
    cases = []
    for case, fields in zip(run.cases, masked, strict=True):
        clean = {name: redactor.scrub(value) for name, value in fields.items()}
        clean["diff"], clean["wire"] = tuple(clean["diff"]), tuple(clean["wire"])
        cases.append(replace(case, **clean))
    return cases, redactor
