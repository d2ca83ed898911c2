"""Shared by the scenario tests: the rule IDs of RULES.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proxyharness.scenarios.rules import RULES

#: shared/ sits beside the repository (CI) or beside one of its parents.
_CANDIDATES = [
    parent / "shared" / "spec" / "RULES.md" for parent in Path(__file__).resolve().parents
]
RULES_MD = next((path for path in _CANDIDATES if path.is_file()), None)
_ROW = re.compile(r"^\|\s*([A-Z]+-\d\d)\s*\|\s*(.*?)\s*\|\s*$")


def parse_rules(path: Path | None) -> dict[str, tuple[bool, bool]]:
    """Rule ID → (whole rule info, partly info), from RULES.md or the embedded table."""
    if path is None:
        return {r.id: (r.info, r.partly_info) for r in RULES if r.family != "DIAG"}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            text = match.group(2)
            found[match.group(1)] = (text.startswith("*(info)*"), "*(info)*" in text[1:])
    return found


@pytest.fixture(scope="session")
def spec_rules() -> dict[str, tuple[bool, bool]]:
    """The rules of RULES.md, or of the embedded table when shared/ is absent."""
    return parse_rules(RULES_MD)
