"""The whole catalog: every family's scenarios, expanded, checked and sorted by rule.

IDs are unique and stable: they depend only on the catalog's code, never on the
Python version (a few expectations do, see :mod:`.families.os_profiles`). Within a rule,
scenarios keep the order their module declares them in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .families import (
    certificates,
    diagnostics,
    errors,
    http_connect,
    os_profiles,
    proxy_answers,
    proxy_url,
    selection,
    selection_edges,
    selection_variables,
    socks,
)
from .model import Scenario
from .rules import RULES, RULES_BY_ID, rule_index

__all__ = ["all_scenarios", "rule_counts", "scenarios_for"]

#: One function per family module, in report order.
FAMILY_CATALOGS: tuple[Callable[[], list[Scenario]], ...] = (
    selection.scenarios,
    selection_variables.scenarios,
    selection_edges.scenarios,
    proxy_url.scenarios,
    os_profiles.scenarios,
    socks.scenarios,
    http_connect.scenarios,
    proxy_answers.scenarios,
    certificates.scenarios,
    errors.scenarios,
    diagnostics.scenarios,
)


@functools.cache
def all_scenarios() -> tuple[Scenario, ...]:
    """Every scenario, expanded, sorted by rule; raise ValueError on a broken catalog."""
    found = [scenario for catalog in FAMILY_CATALOGS for scenario in catalog()]
    seen: set[str] = set()
    for scenario in found:
        if scenario.rule not in RULES_BY_ID:
            raise ValueError(f"{scenario.id}: unknown rule {scenario.rule}")
        if not scenario.id.startswith(scenario.rule + "."):
            raise ValueError(f"{scenario.id}: the ID must start with {scenario.rule}.")
        if scenario.id in seen:
            raise ValueError(f"duplicate scenario ID {scenario.id}")
        seen.add(scenario.id)
    missing = [rule.id for rule in RULES if not any(s.rule == rule.id for s in found)]
    if missing:
        raise ValueError(f"rules without a scenario: {', '.join(missing)}")
    return tuple(sorted(found, key=lambda scenario: rule_index(scenario.rule)))


def scenarios_for(rule: str) -> tuple[Scenario, ...]:
    """The scenarios of one rule (``"SEL-03"``); KeyError for an unknown rule."""
    if rule not in RULES_BY_ID:
        raise KeyError(f"unknown rule {rule!r}")
    return tuple(scenario for scenario in all_scenarios() if scenario.rule == rule)


def rule_counts() -> dict[str, int]:
    """Number of scenarios per rule, in report order."""
    counts = dict.fromkeys(RULES_BY_ID, 0)
    for scenario in all_scenarios():
        counts[scenario.rule] += 1
    return counts
