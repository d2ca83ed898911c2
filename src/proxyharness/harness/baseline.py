"""Baseline: the failures a client is known to have, and the gate that allows only those.

The file is plain text (UTF-8), one entry per line; a line starting with ``#`` is a
comment::

    # ID                       [@agents]                  reason
    HTTP-07.bad-server[wss]    @websockets-asyncio        CPython 3.11 asyncio bug in start_tls
    SOCKS-04                                              python-socks reads 0x01 as a refusal
    SEL-07.both*               @websockets-sync,other     one-line reason

- ID: a rule ID (``SOCKS-04``: every scenario of the rule), or a scenario ID in which
  ``*`` matches any run of characters (and nothing else is special: brackets are
  literal, as in scenario IDs);
- ``@agents``: optional, comma-separated agent names the entry is limited to;
- reason: required, the rest of the line.

The gate (:func:`gate`): exit 0 only when every FAIL is matched by an entry, and no
entry is stale. An entry is stale when cases it matches ran (PASS or INFO) and none
of them failed; in a run of the whole catalog (``complete``), an entry that matches
no case at all is stale too (a typo, or a scenario that was renamed).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..scenarios.model import Verdict
from .results import CaseResult

__all__ = ["Baseline", "BaselineError", "Entry", "Gate", "gate"]

_RULE_ID = re.compile(r"[A-Z]+-\d+")


class BaselineError(ValueError):
    """The baseline file is malformed."""


@dataclass(frozen=True)
class Entry:
    """One line of a baseline."""

    pattern: str
    reason: str
    #: Agents the entry applies to; empty = every agent.
    agents: tuple[str, ...] = ()
    line: int = 0

    @property
    def is_rule(self) -> bool:
        """The entry names a whole rule."""
        return _RULE_ID.fullmatch(self.pattern) is not None

    @property
    def is_exact(self) -> bool:
        """The entry names exactly one scenario."""
        return not self.is_rule and "*" not in self.pattern

    def matches(self, agent: str, scenario_id: str, rule: str) -> bool:
        """Tell whether the entry covers this scenario for this agent."""
        if self.agents and agent not in self.agents:
            return False
        if self.is_rule:
            return rule == self.pattern
        regex = ".*".join(re.escape(part) for part in self.pattern.split("*"))
        return re.fullmatch(regex, scenario_id) is not None

    def __str__(self) -> str:
        agents = f" @{','.join(self.agents)}" if self.agents else ""
        return f"{self.pattern}{agents}"


@dataclass(frozen=True)
class Baseline:
    """Entries of a baseline file, in order (the first match wins)."""

    entries: tuple[Entry, ...] = ()
    source: str = "<baseline>"

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        """Read and parse a baseline file."""
        path = Path(path)
        return cls.parse(path.read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<baseline>") -> Baseline:
        """Parse baseline text; raise BaselineError naming the bad line."""
        entries: list[Entry] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, rest = line.partition(" ")
            rest = rest.strip()
            agents: tuple[str, ...] = ()
            if rest.startswith("@"):
                names, _, rest = rest.partition(" ")
                agents = tuple(name for name in names[1:].split(",") if name)
                if not agents:
                    raise BaselineError(f"{source}:{number}: '@' without agent names")
                rest = rest.strip()
            if not rest:
                raise BaselineError(f"{source}:{number}: {pattern}: a reason is required")
            entries.append(Entry(pattern, rest, agents, number))
        return cls(tuple(entries), source)

    def entry_for(self, agent: str, scenario_id: str, rule: str) -> Entry | None:
        """The first entry covering this case, or None."""
        return next((e for e in self.entries if e.matches(agent, scenario_id, rule)), None)

    def apply(self, cases: Iterable[CaseResult]) -> list[CaseResult]:
        """Return ``cases`` with ``baseline_reason`` set on each FAIL an entry covers."""
        result = []
        for case in cases:
            entry = self.entry_for(case.agent, case.scenario_id, case.rule)
            if case.verdict is Verdict.FAIL and entry is not None:
                case = dataclasses.replace(case, baseline_reason=entry.reason)
            result.append(case)
        return result

    def stale(self, cases: Sequence[CaseResult], *, complete: bool) -> list[str]:
        """Messages for the entries that no longer match a failure."""
        messages = []
        for entry in self.entries:
            matched = [c for c in cases if entry.matches(c.agent, c.scenario_id, c.rule)]
            ran = [c for c in matched if c.verdict in (Verdict.PASS, Verdict.INFO)]
            failed = [c for c in matched if c.verdict is Verdict.FAIL]
            where = f"{self.source}:{entry.line}"
            if ran and not failed:
                passing = ", ".join(f"{c.scenario_id} ({c.agent})" for c in ran[:3])
                more = f" and {len(ran) - 3} more" if len(ran) > 3 else ""
                messages.append(
                    f"stale baseline entry {entry} ({where}): it now passes: {passing}{more}"
                )
            elif complete and not matched:
                messages.append(f"stale baseline entry {entry} ({where}): it matches no case")
        return messages


@dataclass(frozen=True)
class Gate:
    """The gate's decision."""

    exit_code: int
    #: FAIL cases no entry covers.
    failures: tuple[CaseResult, ...]
    #: FAIL cases an entry covers.
    expected: tuple[CaseResult, ...]
    stale: tuple[str, ...]

    def summary(self) -> str:
        """Plain-words lines for the terminal."""
        lines = [f"FAIL {c.scenario_id} ({c.agent}): not in the baseline" for c in self.failures]
        lines.extend(self.stale)
        if self.expected:
            lines.append(f"{len(self.expected)} known failure(s) listed in the baseline")
        lines.append("gate: passed" if self.exit_code == 0 else "gate: FAILED")
        return "\n".join(lines)


def gate(
    cases: Sequence[CaseResult], baseline: Baseline | None = None, *, complete: bool = False
) -> Gate:
    """Decide the exit status of a run (see the module docstring)."""
    baseline = baseline or Baseline()
    covered = baseline.apply(cases)
    failures = tuple(c for c in covered if c.verdict is Verdict.FAIL and c.baseline_reason is None)
    expected = tuple(c for c in covered if c.verdict is Verdict.FAIL and c.baseline_reason)
    stale = tuple(baseline.stale(cases, complete=complete))
    exit_code = 1 if failures or stale else 0
    return Gate(exit_code, failures, expected, stale)
