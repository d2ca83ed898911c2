"""The rule catalog: every rule's ID, family, title, full statement and info flags.

The rules are data, in ``rules.toml`` beside this module (shipped with the package);
``proxyharness rules RULE-ID`` prints one. A rule marked info yields INFO, never FAIL.
URL-04 is gated except for its SOCKS default port, which it leaves open: the rule is
not info, its SOCKS scenario is (``partly_info``).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "FAMILIES",
    "RULES",
    "RULES_BY_ID",
    "Family",
    "Rule",
    "close_rule_ids",
    "family_of",
    "load_rules",
    "rule_index",
]

Family = Literal["SEL", "URL", "OS", "SOCKS", "HTTP", "ERR", "DIAG"]
#: Families in report order.
FAMILIES: tuple[Family, ...] = ("SEL", "URL", "OS", "SOCKS", "HTTP", "ERR", "DIAG")
#: The data file, inside this package.
DATA_FILE = "rules.toml"


@dataclass(frozen=True)
class Rule:
    """One rule of the catalog."""

    id: str
    family: Family
    #: One line, shown next to the ID in reports.
    title: str
    #: What the rule requires, precisely enough to test (one paragraph).
    statement: str = ""
    #: What the rule does not decide; empty when nothing.
    leaves_open: str = ""
    #: The whole rule is info: observed, never gated.
    info: bool = False
    #: Only a part is info (URL-04's SOCKS default port).
    partly_info: bool = False


def _paragraph(text: str) -> str:
    return " ".join(text.split())


def _rule(row: Mapping[str, Any]) -> Rule:
    unknown = set(row) - {"id", "title", "statement", "leaves_open", "info", "partly_info"}
    family = str(row["id"]).split("-", 1)[0]
    if unknown or family not in FAMILIES:
        raise ValueError(f"{DATA_FILE}: bad rule {row.get('id')!r}")
    return Rule(
        id=row["id"],
        family=family,
        title=row["title"],
        statement=_paragraph(row["statement"]),
        leaves_open=_paragraph(row.get("leaves_open", "")),
        info=bool(row.get("info", False)),
        partly_info=bool(row.get("partly_info", False)),
    )


def load_rules(text: str | None = None) -> tuple[Rule, ...]:
    """Parse the rule catalog: ``text`` in the TOML form, or the packaged data file."""
    if text is None:
        text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tuple(_rule(row) for row in tomllib.loads(text)["rule"])


#: Every rule, in report order.
RULES: tuple[Rule, ...] = load_rules()

#: Rules by ID.
RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
_INDEX = {rule.id: index for index, rule in enumerate(RULES)}


def rule_index(rule_id: str) -> int:
    """Position of ``rule_id`` in report order; KeyError if unknown."""
    return _INDEX[rule_id]


def family_of(rule_id: str) -> Family:
    """The family of ``rule_id``; KeyError if unknown."""
    return RULES_BY_ID[rule_id].family


def close_rule_ids(text: str) -> list[str]:
    """Rule IDs that look like ``text`` (a typo, another case, a missing zero), best first."""
    wanted = text.strip().upper()
    if wanted in RULES_BY_ID:
        return [wanted]
    family, _, number = wanted.partition("-")
    if number.isdigit() and f"{family}-{int(number):02d}" in RULES_BY_ID:
        return [f"{family}-{int(number):02d}"]
    return difflib.get_close_matches(wanted, list(RULES_BY_ID), n=3, cutoff=0.6)
