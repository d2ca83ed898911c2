"""Results of a conformance run: one case per scenario and agent, JSON-able.

Everything here is already redacted: no password observed on the wire or written in
a scenario reaches a result (rule URL-05). Reports are built from these objects or
from their JSON form (``RunResult.from_dict(json.load(...))``) alone.
"""

from __future__ import annotations

import enum
import platform
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from .. import __version__

#: What a password is replaced with in results and reports.
REDACTED = "****"
#: Where a run's proxies can come from (``RunResult.backend``), the default first.
BACKENDS = ("fakes", "mitmproxy")


class Verdict(enum.Enum):
    """A scenario's result for one agent."""

    PASS = "PASS"
    FAIL = "FAIL"
    INFO = "INFO"
    NA = "N/A"


@dataclass(frozen=True)
class CaseResult:
    """One scenario run against one agent."""

    scenario_id: str
    rule: str
    description: str
    agent: str
    verdict: Verdict
    #: Expected observation, field → value (unchecked fields omitted).
    expected: dict[str, Any] = field(default_factory=dict)
    #: Observed values for the same fields, plus the route and the client's error.
    observed: dict[str, Any] = field(default_factory=dict)
    #: One line per field that differs: "field: expected X, observed Y".
    diff: tuple[str, ...] = ()
    #: Why N/A, why INFO, or how the run broke; empty for a plain PASS.
    reason: str = ""
    #: Wire log: every record the proxies and the server wrote, as dicts, redacted.
    wire: tuple[dict[str, Any], ...] = ()
    #: The client's exception, redacted ("ProxyRejected: proxy rejected ... 407").
    client_error: str | None = None
    duration: float = 0.0
    #: Set when this FAIL is listed in the baseline: the baseline's one-line reason.
    baseline_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["wire"] = list(self.wire)
        data["diff"] = list(self.diff)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        """Rebuild a case from its JSON form."""
        values = dict(data)
        values["verdict"] = Verdict(values["verdict"])
        values["diff"] = tuple(values.get("diff", ()))
        values["wire"] = tuple(values.get("wire", ()))
        return cls(**values)


@dataclass(frozen=True)
class RunResult:
    """A whole run: every case, for every agent."""

    agents: tuple[str, ...]
    cases: tuple[CaseResult, ...]
    #: Where proxies came from: "fakes" (embedded) or "mitmproxy".
    backend: str = "fakes"
    started: str = ""
    duration: float = 0.0
    #: Versions: proxyharness, Python, and each agent's client library.
    versions: dict[str, str] = field(default_factory=dict)
    #: The stage out-of-process agents ran in (``private network (root)``, ``hosts
    #: handover (why)``); empty when none ran.
    network: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "agents": list(self.agents),
            "cases": [case.to_dict() for case in self.cases],
            "backend": self.backend,
            "started": self.started,
            "duration": self.duration,
            "versions": dict(self.versions),
            "network": self.network,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a run from its JSON form."""
        return cls(
            agents=tuple(data["agents"]),
            cases=tuple(CaseResult.from_dict(c) for c in data["cases"]),
            backend=data.get("backend", "fakes"),
            started=data.get("started", ""),
            duration=data.get("duration", 0.0),
            versions=dict(data.get("versions", {})),
            network=data.get("network", ""),
        )

    def counts(self, agent: str | None = None, rule: str | None = None) -> dict[Verdict, int]:
        """Count verdicts, optionally for one agent and/or one rule."""
        counts = dict.fromkeys(Verdict, 0)
        for case in self.cases:
            if (agent is None or case.agent == agent) and (rule is None or case.rule == rule):
                counts[case.verdict] += 1
        return counts


class _Versioned(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...


def versions(agents: Iterable[_Versioned]) -> dict[str, str]:
    """Versions for a run's header: proxyharness, Python, each agent's client."""
    found = {"proxyharness": __version__, "python": platform.python_version()}
    for agent in agents:
        found[agent.name] = agent.version
    return found
