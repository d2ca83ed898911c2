"""Baseline: the failures a client is known to have, and the gate that allows only those.

The file is plain text (UTF-8), one entry per line; a line starting with ``#`` is a
comment::

    # ID                       [@agents] [python...]              reason
    HTTP-07.bad-server[wss]    @websockets-asyncio python<3.11.8  CPython bug gh-113214
    SOCKS-04                                                      one-line reason
    SEL-07.both*               @websockets-sync,other             one-line reason

- ID: a rule ID (``SOCKS-04``: every scenario of the rule), or a scenario ID in which
  ``*`` matches any run of characters (and nothing else is special: brackets are
  literal, as in scenario IDs);
- ``@agents``: optional, comma-separated agent names the entry is limited to;
- ``python...``: optional, the Python versions the entry is limited to, as
  comma-separated comparisons (``python<3.11.8``, ``python>=3.12,<3.12.2``); an entry
  for another Python is ignored (neither used nor stale). Two lines with the same ID
  give two ranges;
- ``network=private`` or ``network=hosts``: optional, the network stage the entry is
  limited to (out-of-process agents: the private network stage or the hosts handover);
  in a run of the other stage the entry is ignored (neither used nor stale);
- reason: required, the rest of the line. A reason that still starts with ``DRAFT:``
  (what ``proxyharness run --write-baseline`` writes) is refused until a person
  replaces it with the cause.

The gate (:func:`gate`): exit 0 only when every FAIL is matched by an entry, no
entry is stale, and every agent of the run gave at least one verdict other than N/A
(an agent that is not installed, or cannot express any selected scenario, would
otherwise pass on nothing; ``allow_unavailable`` lifts that check). An entry is stale
when cases it matches ran (PASS or INFO) and none of them failed; in a run of the
whole catalog (``complete``), an entry for an agent of the run that matches no case at
all is stale too (a typo, or a renamed scenario).
"""

from __future__ import annotations

import collections
import dataclasses
import operator
import re
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .results import CaseResult, Verdict

__all__ = [
    "DRAFT",
    "NETWORK_STAGES",
    "Baseline",
    "BaselineError",
    "Entry",
    "Gate",
    "case_stage",
    "draft",
    "gate",
]

_RULE_ID = re.compile(r"[A-Z]+-\d+")

#: How a reason written by ``--write-baseline`` starts until a person edits it.
DRAFT = "DRAFT:"


class BaselineError(ValueError):
    """The baseline file is malformed."""


Comparison = tuple[str, tuple[int, ...]]
_OPERATORS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_COMPARISON = re.compile(r"(<=|>=|==|!=|<|>)(\d+(?:\.\d+)*)")


def parse_python(text: str) -> tuple[Comparison, ...]:
    """Parse ``python>=3.12,<3.12.2``; raise ValueError if malformed."""
    comparisons = []
    for part in text.removeprefix("python").split(","):
        match = _COMPARISON.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"bad Python version condition {text!r}")
        comparisons.append((match.group(1), tuple(int(n) for n in match.group(2).split("."))))
    return tuple(comparisons)


def _python_matches(comparisons: tuple[Comparison, ...], version: tuple[int, ...]) -> bool:
    return all(_OPERATORS[op](version[: len(wanted)], wanted) for op, wanted in comparisons)


@dataclass(frozen=True)
class Entry:
    """One line of a baseline."""

    pattern: str
    reason: str
    #: Agents the entry applies to; empty = every agent.
    agents: tuple[str, ...] = ()
    line: int = 0
    #: Python versions the entry applies to; empty = every version.
    python: tuple[Comparison, ...] = ()
    #: The network stage the entry applies to (``private``, ``hosts``); empty = any.
    network: str = ""

    def applies(self, version: tuple[int, ...] | None = None) -> bool:
        """Tell whether the entry is for this Python (the running one by default)."""
        return _python_matches(self.python, version or tuple(sys.version_info[:3]))

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
        if (self.agents and agent not in self.agents) or not self.applies():
            return False
        if self.is_rule:
            return rule == self.pattern
        return self.matches_id(scenario_id)

    def matches_id(self, scenario_id: str) -> bool:
        """Tell whether the (non-rule) pattern matches this scenario ID."""
        regex = ".*".join(re.escape(part) for part in self.pattern.split("*"))
        return re.fullmatch(regex, scenario_id) is not None

    def __str__(self) -> str:
        agents = f" @{','.join(self.agents)}" if self.agents else ""
        python = ",".join(f"{op}{'.'.join(map(str, v))}" for op, v in self.python)
        network = f" network={self.network}" if self.network else ""
        return f"{self.pattern}{agents}{f' python{python}' if python else ''}{network}"


#: The values of an entry's ``network=`` condition.
NETWORK_STAGES = ("private", "hosts")


def case_stage(case: CaseResult) -> str:
    """``private`` when the case ran in the private network stage, else ``hosts``."""
    network = str((case.observed or {}).get("network") or "")
    return "private" if network.startswith("private") else "hosts"


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
            python: tuple[Comparison, ...] = ()
            network = ""
            while rest.startswith(("@", "python", "network=")):
                token, _, rest = rest.partition(" ")
                rest = rest.strip()
                if token.startswith("network="):
                    network = token.removeprefix("network=")
                    if network not in NETWORK_STAGES:
                        raise BaselineError(
                            f"{source}:{number}: {token}: the stage is one of {NETWORK_STAGES}"
                        )
                elif token.startswith("@"):
                    agents = tuple(name for name in token[1:].split(",") if name)
                    if not agents:
                        raise BaselineError(f"{source}:{number}: '@' without agent names")
                else:
                    try:
                        python = parse_python(token)
                    except ValueError as exc:
                        raise BaselineError(f"{source}:{number}: {exc}") from None
            if not rest:
                raise BaselineError(f"{source}:{number}: {pattern}: a reason is required")
            if rest.startswith(DRAFT):
                raise BaselineError(
                    f"{source}:{number}: {pattern}: the reason is still a draft; replace "
                    f"{DRAFT!r} and what follows with the cause in the client"
                )
            entries.append(Entry(pattern, rest, agents, number, python, network))
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
            if not entry.applies():
                continue
            matched = [c for c in cases if entry.matches(c.agent, c.scenario_id, c.rule)]
            if entry.network:
                matched = [c for c in matched if case_stage(c) == entry.network]
                if not matched:  # a run of the other stage: neither used nor stale
                    continue
            ran = [c for c in matched if c.verdict in (Verdict.PASS, Verdict.INFO)]
            failed = [c for c in matched if c.verdict is Verdict.FAIL]
            where = f"{self.source}:{entry.line}"
            if ran and not failed:
                passing = ", ".join(f"{c.scenario_id} ({c.agent})" for c in ran[:3])
                more = f" and {len(ran) - 3} more" if len(ran) > 3 else ""
                messages.append(
                    f"stale baseline entry {entry} ({where}): it now passes: {passing}{more}"
                )
            elif complete and not matched and self._for_run(entry, cases):
                messages.append(f"stale baseline entry {entry} ({where}): it matches no case")
        return messages

    def check(
        self,
        *,
        scenario_ids: Collection[str],
        rule_ids: Collection[str],
        known_agents: Collection[str],
        run_agents: Collection[str],
    ) -> tuple[list[str], list[str]]:
        """Errors (unknown agent, scenario or rule) and notes (agents not in this run).

        An entry naming an agent that is not registered at all, a rule that does not
        exist, or a pattern that matches no scenario of the catalog is an error (a
        typo that would otherwise never match); one naming a registered agent that is
        absent from this run is ignored, with a note.
        """
        errors: list[str] = []
        notes: list[str] = []
        for entry in self.entries:
            where = f"{self.source}:{entry.line}"
            unknown = [a for a in entry.agents if a not in known_agents and a not in run_agents]
            if unknown:
                known = ", ".join(sorted({*known_agents, *run_agents}))
                errors.append(
                    f"{where}: {entry}: no agent named {', '.join(unknown)} (known: {known})"
                )
                continue
            if entry.is_rule and entry.pattern not in rule_ids:
                errors.append(f"{where}: {entry}: no rule {entry.pattern}")
                continue
            if not entry.is_rule and not any(entry.matches_id(s) for s in scenario_ids):
                errors.append(f"{where}: {entry}: matches no scenario of the catalog")
                continue
            if entry.agents and not any(a in run_agents for a in entry.agents):
                notes.append(f"{where}: {entry}: ignored, no agent of it is in this run")
        return errors, notes

    @staticmethod
    def _for_run(entry: Entry, cases: Sequence[CaseResult]) -> bool:
        """The entry concerns an agent of this run."""
        return not entry.agents or any(c.agent in entry.agents for c in cases)


@dataclass(frozen=True)
class Gate:
    """The gate's decision."""

    exit_code: int
    #: FAIL cases no entry covers.
    failures: tuple[CaseResult, ...]
    #: FAIL cases an entry covers.
    expected: tuple[CaseResult, ...]
    stale: tuple[str, ...]
    #: Agents of the run that gave nothing but N/A, with the reason.
    empty: tuple[str, ...] = ()

    def summary(self, *, shown: bool = False) -> str:
        """Plain-words lines for the terminal.

        ``shown``: the failures were printed already (with their diff), so they are
        counted here instead of listed by ID, and the known ones are not counted again.
        """
        lines = list(self.stale) + list(self.empty)
        if shown and self.failures:
            count = len(self.failures)
            lines.append(f"{count} FAIL{'s' * (count != 1)} not in the baseline (above)")
        elif not shown:
            lines[:0] = [
                f"FAIL {c.scenario_id} ({c.agent}): not in the baseline" for c in self.failures
            ]
            if self.expected:
                lines.append(f"{len(self.expected)} known failure(s) listed in the baseline")
        lines.append("gate: passed" if self.exit_code == 0 else "gate: FAILED")
        return "\n".join(lines)


def gate(
    cases: Sequence[CaseResult],
    baseline: Baseline | None = None,
    *,
    complete: bool = False,
    agents: Sequence[str] = (),
    allow_unavailable: bool = False,
) -> Gate:
    """Decide the exit status of a run (see the module docstring).

    ``agents`` are the agents the run was asked for: each must give at least one
    verdict other than N/A, unless ``allow_unavailable``.
    """
    baseline = baseline or Baseline()
    covered = baseline.apply(cases)
    failures = tuple(c for c in covered if c.verdict is Verdict.FAIL and c.baseline_reason is None)
    expected = tuple(c for c in covered if c.verdict is Verdict.FAIL and c.baseline_reason)
    stale = tuple(baseline.stale(cases, complete=complete))
    empty = () if allow_unavailable else tuple(_nothing_ran(cases, agents))
    exit_code = 1 if failures or stale or empty else 0
    return Gate(exit_code, failures, expected, stale, empty)


def _nothing_ran(cases: Sequence[CaseResult], agents: Sequence[str]) -> Iterable[str]:
    """One line per agent whose every case (or no case at all) was N/A."""
    for agent in agents:
        mine = [c for c in cases if c.agent == agent]
        if any(c.verdict is not Verdict.NA for c in mine):
            continue
        reasons = collections.Counter(c.reason for c in mine if c.reason)
        why = f": {reasons.most_common(1)[0][0]}" if reasons else ""
        yield (
            f"agent {agent} gave no verdict ({len(mine)} scenario(s), all N/A){why} "
            "(--allow-unavailable accepts this)"
        )


def draft(cases: Iterable[CaseResult]) -> str:
    """Baseline text with one line per FAIL, its reason a draft a person must replace.

    The draft reason is the first observed difference; :meth:`Baseline.parse` refuses
    the file until every ``DRAFT:`` reason has been replaced by the cause.
    """
    lines = [
        f"# Written by proxyharness run --write-baseline. Replace every {DRAFT} reason",
        "# with the cause in the client (its source or docs), or fix the client.",
    ]
    for case in cases:
        if case.verdict is not Verdict.FAIL:
            continue
        observed = case.diff[0] if case.diff else (case.reason or case.client_error or "")
        text = " ".join(observed.split())[:160]
        lines.append(f"{case.scenario_id} @{case.agent} {DRAFT} {text}".rstrip())
    return "\n".join(lines) + "\n"
