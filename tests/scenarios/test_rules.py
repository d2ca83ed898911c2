"""Tests for proxyharness.scenarios.rules: the packaged catalog matches the spec."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from proxyharness.scenarios.rules import (
    DATA_FILE,
    FAMILIES,
    RULES,
    RULES_BY_ID,
    Rule,
    close_rule_ids,
    family_of,
    load_rules,
    rule_index,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_CODE = re.compile(r"`([^`]+)`")


def test_every_spec_rule_is_in_the_table(spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """Every rule ID of the spec is in RULES, and RULES adds only DIAG-01."""
    spec = spec_rules
    assert spec, "no rule found in the spec"
    assert set(RULES_BY_ID) - set(spec) == {"DIAG-01"}
    assert set(spec) <= set(RULES_BY_ID)


def test_order_follows_the_spec(spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """RULES is in the spec's order, DIAG-01 last."""
    assert [r.id for r in RULES] == [*spec_rules, "DIAG-01"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_info_flags_match_the_spec(rule: Rule, spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """A rule is info exactly where the spec marks it; URL-04 is partly info."""
    assert rule is RULES_BY_ID[rule.id]
    whole, partly = spec_rules.get(rule.id, (False, False))
    assert (rule.info, rule.partly_info) == (whole, partly and not whole)


@pytest.mark.parametrize("rule", [r for r in RULES if r.family != "DIAG"], ids=lambda r: r.id)
def test_statements_keep_the_spec_terms(rule: Rule, spec_texts: dict[str, str]) -> None:
    """Every quoted term and number of the spec's text is in the rule's statement."""
    spec = spec_texts[rule.id].replace("…", "...")
    text = f"{rule.statement} {rule.leaves_open}"
    assert set(_CODE.findall(spec)) <= set(_CODE.findall(text))
    numbers = re.compile(r"(?<![\w.])\d+(?:\.\d+)*")
    assert set(numbers.findall(_CODE.sub("", spec))) <= set(numbers.findall(text))


def test_info_rules_are_the_documented_ones() -> None:
    """The info rules are SEL-10, SEL-13, OS-04 and HTTP-08; URL-04 is partly info."""
    assert [r.id for r in RULES if r.info] == ["SEL-10", "SEL-13", "OS-04", "HTTP-08"]
    assert [r.id for r in RULES if r.partly_info] == ["URL-04"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_statements_are_paragraphs(rule: Rule) -> None:
    """A statement is one non-empty paragraph; an info part says what is left open."""
    assert rule.statement
    assert rule.statement.endswith((".", ")"))
    for text in (rule.statement, rule.leaves_open):
        assert text == " ".join(text.split())
    if rule.info or rule.partly_info:
        assert rule.leaves_open


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


def test_the_data_file_is_read_from_the_package() -> None:
    """RULES is the packaged data file, read through importlib.resources."""
    data = resources.files("proxyharness.scenarios").joinpath(DATA_FILE)
    assert data.is_file()
    assert load_rules(data.read_text(encoding="utf-8")) == RULES == load_rules()


def test_the_data_file_is_package_data() -> None:
    """pyproject ships the data file, so an installed wheel has it too."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    patterns = [f"scenarios/{p}" for p in package_data.get("proxyharness.scenarios", [])]
    patterns += package_data.get("proxyharness", [])
    assert any(fnmatch.fnmatch(f"scenarios/{DATA_FILE}", p) for p in patterns)


def test_a_bad_data_file_is_refused() -> None:
    """An unknown field or family is a ValueError naming the rule."""
    with pytest.raises(ValueError, match="SEL-01"):
        load_rules('[[rule]]\nid = "SEL-01"\ntitle = "t"\nstatement = "s."\ncolour = 1\n')
    with pytest.raises(ValueError, match="XYZ-01"):
        load_rules('[[rule]]\nid = "XYZ-01"\ntitle = "t"\nstatement = "s."\n')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SEL-01", ["SEL-01"]),
        ("sel-01", ["SEL-01"]),
        ("SEL-1", ["SEL-01"]),
        (" http-03 ", ["HTTP-03"]),
    ],
)
def test_close_rule_ids_finds_the_rule(text: str, expected: list[str]) -> None:
    """Case, blanks and a missing zero lead to the one rule."""
    assert close_rule_ids(text) == expected


def test_close_rule_ids_for_a_typo() -> None:
    """A typo gives the nearest IDs; nonsense gives none."""
    assert "SOCKS-05" in close_rule_ids("SOKS-05")
    assert close_rule_ids("nonsense") == []
