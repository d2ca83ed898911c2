"""Shared by the scenario tests: the rules of the upstream spec file, when it is at hand.

The package carries the rule catalog as data; the spec file (``shared/spec/RULES.md``
beside the repository, in CI) is the text it was written from. Without that file the
tests compare the data with itself, so they pass trivially.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proxyharness.scenarios.rules import RULES

_CANDIDATES = [
    parent / "shared" / "spec" / "RULES.md" for parent in Path(__file__).resolve().parents
]
RULES_MD = next((path for path in _CANDIDATES if path.is_file()), None)
_ROW = re.compile(r"^\|\s*([A-Z]+-\d\d)\s*\|\s*(.*?)\s*\|\s*$")


def spec_rows(path: Path | None) -> dict[str, str]:
    """Rule ID → the spec's text of the rule, from the spec file or the packaged data."""
    if path is None:
        return {
            r.id: ("*(info)* " if r.info else "") + r.statement for r in RULES if r.family != "DIAG"
        }
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def parse_rules(path: Path | None) -> dict[str, tuple[bool, bool]]:
    """Rule ID → (whole rule info, partly info)."""
    if path is None:
        return {r.id: (r.info, r.partly_info) for r in RULES if r.family != "DIAG"}
    return {
        rule_id: (text.startswith("*(info)*"), "*(info)*" in text[1:])
        for rule_id, text in spec_rows(path).items()
    }


@pytest.fixture(scope="session")
def spec_rules() -> dict[str, tuple[bool, bool]]:
    """The rules' info flags, from the spec file or the packaged data."""
    return parse_rules(RULES_MD)


@pytest.fixture(scope="session")
def spec_texts() -> dict[str, str]:
    """The rules' text, from the spec file or the packaged data."""
    return spec_rows(RULES_MD)
