"""Tests for proxyharness.scenarios.rules: the table matches RULES.md."""

from __future__ import annotations

import pytest

from proxyharness.scenarios.rules import (
    FAMILIES,
    RULES,
    RULES_BY_ID,
    Rule,
    family_of,
    rule_index,
)


def test_every_spec_rule_is_in_the_table(spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """Every rule ID of RULES.md is in RULES, and RULES adds only DIAG-01."""
    spec = spec_rules
    assert spec, "no rule found in RULES.md"
    assert set(RULES_BY_ID) - set(spec) == {"DIAG-01"}
    assert set(spec) <= set(RULES_BY_ID)


def test_order_follows_the_spec(spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """RULES is in RULES.md's order, DIAG-01 last."""
    assert [r.id for r in RULES] == [*spec_rules, "DIAG-01"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_info_flags_match_the_spec(rule: Rule, spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """A rule is info exactly where RULES.md marks it; URL-04 is partly info."""
    assert rule is RULES_BY_ID[rule.id]
    whole, partly = spec_rules.get(rule.id, (False, False))
    assert (rule.info, rule.partly_info) == (whole, partly and not whole)


def test_info_rules_are_the_documented_ones() -> None:
    """The info rules are SEL-10, SEL-13, OS-04 and HTTP-08; URL-04 is partly info."""
    assert [r.id for r in RULES if r.info] == ["SEL-10", "SEL-13", "OS-04", "HTTP-08"]
    assert [r.id for r in RULES if r.partly_info] == ["URL-04"]


def test_families_and_titles() -> None:
    """Each ID's prefix is its family, and each title is one short line."""
    for rule in RULES:
        assert rule.family in FAMILIES
        assert rule.id.split("-")[0] == rule.family == family_of(rule.id)
        assert rule.title
        assert "\n" not in rule.title
        assert len(rule.title) <= 90
        assert rule.title == rule.title.strip()
        assert not rule.title.endswith(".")


def test_rule_index() -> None:
    """rule_index gives the position in RULES; unknown IDs raise KeyError."""
    assert [rule_index(r.id) for r in RULES] == list(range(len(RULES)))
    with pytest.raises(KeyError):
        rule_index("SEL-99")
