"""The rule catalog as data (every rule's statement), and its expansion into matrices.

>>> from proxyharness.scenarios import all_scenarios, rule_counts
>>> scenario = all_scenarios()[0]
>>> scenario.rule, scenario.id.startswith("SEL-01.")
('SEL-01', True)

Pure data: nothing here imports the fixtures, the reference client or the harness.
"""

from __future__ import annotations

from .build import CAPABILITIES, OPTION_CAPABILITIES, RUNNER_CAPABILITIES
from .catalog import all_scenarios, rule_counts, scenarios_for
from .families.diagnostics import EXPLANATION_MENTIONS
from .model import (
    ANY,
    Expect,
    Given,
    OsProfile,
    ProxyKind,
    ProxySpec,
    Scenario,
    Scheme,
    Target,
)
from .rules import FAMILIES, RULES, RULES_BY_ID, Family, Rule, close_rule_ids, rule_index

__all__ = [
    "ANY",
    "CAPABILITIES",
    "EXPLANATION_MENTIONS",
    "FAMILIES",
    "OPTION_CAPABILITIES",
    "RULES",
    "RULES_BY_ID",
    "RUNNER_CAPABILITIES",
    "Expect",
    "Family",
    "Given",
    "OsProfile",
    "ProxyKind",
    "ProxySpec",
    "Rule",
    "Scenario",
    "Scheme",
    "Target",
    "all_scenarios",
    "close_rule_ids",
    "rule_counts",
    "rule_index",
    "scenarios_for",
]
