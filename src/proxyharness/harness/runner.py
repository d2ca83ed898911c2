"""Runner: one scenario for one agent, bounded in time, checked for leaks, redacted.

:meth:`Runner.run_case` checks that the agent can run the scenario (else N/A),
stages it, calls the agent on a worker event loop under a hard timeout, waits for
the servers' records, observes, judges, and returns a
:class:`~proxyharness.harness.results.CaseResult`. :func:`run` does that for every
scenario and agent and returns a :class:`~proxyharness.harness.results.RunResult`.

- A call that outlives its hard timeout (twice the opening timeout plus a margin)
  is cut off: its task is cancelled, and if the worker loop does not come back the
  loop is abandoned (its thread is a daemon) and a fresh one serves the next case.
  The case is FAIL with reason "agent hung"; the run never hangs.
- Leaks (ERR-04), where cheap: sockets on descriptors of ``/proc/self/fd`` that were
  not open before the call and still are once the servers are quiet (after a garbage
  collection; a socket the collector had to close counts too), asyncio tasks left
  pending on the worker loop (then cancelled), threads left running, and server
  connections the client left open. They are recorded in every case and gate only
  ERR-04 scenarios.
- Errors the worker loop's exception handler receives during the call (exceptions
  in a client's callbacks, which asyncio would only log) and the warnings issued
  while the case runs are kept in the case's observation (``loop_errors``,
  ``warnings``); they do not gate, except as leaks (a ResourceWarning: something
  left to the garbage collector, ERR-04) or as text showing a password (URL-05).
- While the agent runs, log records of every thread but the fake servers' are kept
  and searched for passwords (URL-05) when the scenario has any, with every other
  text of the client's exception (:mod:`.client_texts`); results are redacted of the
  passwords and of their other written forms (``Staged.secrets``).
- The duration a rule judges (ERR-01, ERR-02) runs from the call for an in-process
  agent, and from the first wire event (a fake proxy's first connection, a resetting
  port's first accept) for an out-of-process one (a command, curl), whose start-up is
  not the client's delay; without such an event (a closed port) it is not judged.
- An out-of-process agent that runs unchanged (``network`` ``private``: curl, a command
  that says so) is staged in the private network stage where this machine allows
  it (one namespace per runner, made at its first such case), and judged for what
  the namespace caught (:mod:`.containment`); elsewhere in the hosts handover. The
  stage is :attr:`Runner.network`, in the run's header and each such case.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ..scenarios import EXPLANATION_MENTIONS
from ..scenarios.model import Scenario
from .agent_errors import error_text, forget_frames
from .agents import Agent, Call, CommandAgent, Explainer
from .agents.curl_agent import CurlAgent
from .client_texts import exception_texts
from .containment import judge_containment
from .leaks import Snapshot, unclosed
from .log_capture import capture_logs
from .observe import AgentOutcome, observe, proxies_of
from .results import CaseResult, RunResult, Verdict, versions
from .staging import (
    BIND_PORT,
    SETTLE_TIMEOUT,
    ResettingPort,
    Staged,
    Stager,
    StagingError,
    Unavailable,
    runner_capabilities,
)
from .staging.private_network import HOSTS, PrivateStager, private_stager, wants_private_network
from .verdicts import judge, redact, redact_value
from .worker import RawCall, Worker

__all__ = ["HarnessError", "Runner", "run", "versions"]

#: Seconds added to twice the opening timeout before a call counts as hung.
HANG_MARGIN = 3.0
#: Seconds the worker loop gets to come back after a hung call is cancelled.
CANCEL_GRACE = 1.0


class HarnessError(Exception):
    """The harness, not the agent, failed: a scenario that cannot be staged, a server bug."""


# -- the runner ---------------------------------------------------------------------------


class Runner:
    """Runs cases one at a time; reuses servers and the worker loop. Close it when done."""

    def __init__(
        self,
        *,
        stager: Stager | None = None,
        hang_margin: float = HANG_MARGIN,
        cancel_grace: float = CANCEL_GRACE,
        settle_timeout: float = SETTLE_TIMEOUT,
        message: str = "hello proxyharness",
        private: PrivateStager | None = None,
    ) -> None:
        """``private``: the private network stager to use (made when first needed if None);
        the runner closes it with its own stager."""
        self.stager = stager or Stager()
        self.hang_margin = hang_margin
        self.cancel_grace = cancel_grace
        self.settle_timeout = settle_timeout
        self.message = message
        self._worker: Worker | None = None
        self._private = private
        #: The stage out-of-process agents ran in: ``private network (root)``, or
        #: ``hosts handover (why)``; empty until one runs.
        self.network = private.description if private is not None else ""

    def close(self) -> None:
        """Stop the worker loop, every pooled server, and the private network."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        try:
            self.stager.close()
        finally:
            if self._private is not None:
                self._private.close()
                self._private = None

    def _stager_for(self, agent: Agent) -> Stager:
        """The private stager for an agent that runs unchanged (where possible), else ours."""
        if not wants_private_network(agent):
            return self.stager
        if not self.network:
            if self.stager.backend.name != "fakes":
                self.network = f"{HOSTS} (the {self.stager.backend.name} backend)"
            else:
                self._private, self.network = private_stager(self.stager.resources)
        return self._private or self.stager

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run_case(self, scenario: Scenario, agent: Agent) -> CaseResult:
        """Run ``scenario`` for ``agent``; raise HarnessError if the harness itself failed."""
        started = time.perf_counter()

        def result(verdict: Verdict, **fields: Any) -> CaseResult:
            return CaseResult(
                scenario_id=scenario.id,
                rule=scenario.rule,
                description=scenario.description,
                agent=agent.name,
                verdict=verdict,
                duration=round(time.perf_counter() - started, 6),
                **fields,
            )

        unavailable = agent.available()
        if unavailable:
            return result(Verdict.NA, reason=unavailable)
        missing = sorted(scenario.requires - agent.capabilities - runner_capabilities(scenario))
        if missing:
            return result(Verdict.NA, reason=_missing_reason(agent, missing))
        try:
            with self._stager_for(agent).stage(scenario, self.message) as staged:
                return self._run_staged(staged, agent, result)
        except Unavailable as exc:
            return result(Verdict.NA, reason=f"cannot stage here: {exc}")
        except StagingError as exc:
            raise HarnessError(f"{scenario.id}: cannot stage: {exc}") from exc

    def _run_staged(
        self, staged: Staged, agent: Agent, result: Callable[..., CaseResult]
    ) -> CaseResult:
        call = staged.call
        if self._worker is None:
            self._worker = Worker()
        before = Snapshot.take()
        # Every warning of the case (any thread) is kept as an observation; unclosed
        # resources show up as ResourceWarnings, when the call's frames are dropped.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            secrets = staged.passwords | frozenset(staged.secrets)
            with capture_logs(bool(staged.passwords), secrets) as logs:
                raw = self._call(agent, call)
            if raw.unsupported is not None:
                return result(Verdict.NA, reason=f"{agent.name}: {raw.unsupported}")
            staged.settle(self.settle_timeout)
            explanation = _explanation(agent, staged)
            outcome = self._outcome(agent, raw, ())
            leaks = [] if raw.hung else before.leaks(raw, staged)
        leaks += unclosed(caught)
        client_warnings = [f"{w.category.__name__}: {w.message}"[:300] for w in caught]
        # What asyncio or the warnings module would have printed counts as a log (URL-05).
        outcome = dataclasses.replace(
            outcome,
            logs=(*logs, *raw.loop_errors, *client_warnings),
            judged_duration=_judged_duration(agent, raw, staged),
        )
        hidden = staged.passwords | frozenset(staged.secrets)
        try:
            staged.check_servers()
        except Exception as exc:
            raise HarnessError(f"{staged.scenario.id}: a fake server failed: {exc}") from exc
        observation = observe(staged, outcome)
        judgement = judge(
            staged.scenario,
            staged.expect,
            observation,
            outcome,
            passwords=staged.passwords,
            leaks=tuple(leaks),
            explanation=explanation,
            mentions=EXPLANATION_MENTIONS.get(staged.scenario.id, ()),
            secrets=staged.secrets,
            open_timeout=call.open_timeout,
        )
        if staged.network is not None:
            judgement = judge_containment(
                judgement,
                staged.scenario,
                staged.expect,
                staged.network.caught,
                staged.network.queries,
                hidden,
            )
        wire = [{"source": f"proxy {name}", **r.to_dict()} for name, r in staged.proxy_records()]
        wire += [{"source": "server", **r.to_dict()} for r in staged.server_records()]
        observed = dict(judgement.observed)
        observed["loop_errors"] = [redact(e, hidden) for e in raw.loop_errors]
        observed["warnings"] = [redact(w, hidden) for w in dict.fromkeys(client_warnings)]
        observed["listeners"] = redact_value(dict(proxies_of(staged)), hidden)
        if wants_private_network(agent):
            observed["network"] = self.network
        client_error = None
        if outcome.error_type is not None:
            client_error = redact(outcome.error_text or outcome.error_type, hidden)
        return result(
            judgement.verdict,
            expected=judgement.expected,
            observed=observed,
            diff=judgement.diff,
            reason=judgement.reason,
            wire=tuple(redact_value(record, hidden) for record in wire),
            client_error=client_error,
        )

    def _call(self, agent: Agent, call: Call) -> RawCall:
        timeout = 2 * call.open_timeout + self.hang_margin
        if self._worker is None:
            self._worker = Worker()
        try:
            return self._worker.call(agent, call, timeout, self.cancel_grace)
        except concurrent.futures.TimeoutError:
            self._worker = None  # blocked: abandoned, a fresh one serves the next case
            return RawCall(hung=True, duration=timeout)

    @staticmethod
    def _outcome(agent: Agent, raw: RawCall, logs: tuple[str, ...]) -> AgentOutcome:
        if raw.hung:
            return AgentOutcome(
                hung=True,
                error_type="hung",
                error_text="agent hung",
                logs=logs,
                duration=raw.duration,
            )
        if raw.error is None:
            return AgentOutcome(echo=raw.echo, logs=logs, duration=raw.duration)
        exc = raw.error
        raw.error = None
        try:
            kind = agent.error_kind(exc)
        except Exception:
            kind = None
        outcome = AgentOutcome(
            error_type=type(exc).__name__,
            error_text=error_text(exc),
            texts=exception_texts(exc),
            raw_kind=kind,
            logs=logs,
            duration=raw.duration,
        )
        forget_frames(exc)
        return outcome

    def run_case_safe(self, scenario: Scenario, agent: Agent) -> CaseResult:
        """Like :meth:`run_case`, but a harness failure becomes a FAIL case saying so."""
        try:
            return self.run_case(scenario, agent)
        except HarnessError as exc:
            return CaseResult(
                scenario_id=scenario.id,
                rule=scenario.rule,
                description=scenario.description,
                agent=agent.name,
                verdict=Verdict.FAIL,
                reason=f"harness error: {exc}",
            )


def _judged_duration(agent: Agent, raw: RawCall, staged: Staged) -> float | None:
    """Seconds by the rule's clock: from the call, or from the first wire event."""
    if raw.hung:
        return None
    if not isinstance(agent, CommandAgent | CurlAgent):
        return raw.duration
    accepts = [
        t for p in staged.proxies.values() if isinstance(p, ResettingPort) for t in p.accepted
    ]
    for proxy in staged.proxies.values():  # a fake proxy's first connection
        first = getattr(proxy, "first_connection_at", None)
        if isinstance(first, float):
            accepts.append(first)
    return raw.started + raw.duration - min(accepts) if accepts else None


def _explanation(agent: Agent, staged: Staged) -> str | None:
    """The agent's account of the route (DIAG-01), asked while the scenario is staged."""
    if "explain" not in staged.scenario.requires or not isinstance(agent, Explainer):
        return None
    try:
        return agent.explain(staged.call)
    except Exception as exc:
        return f"(explain raised {error_text(exc)})"


def _missing_reason(agent: Agent, missing: list[str]) -> str:
    ports = [m[len(BIND_PORT) :] for m in missing if m.startswith(BIND_PORT)]
    others = [m for m in missing if not m.startswith(BIND_PORT)]
    reasons = []
    if others:
        reasons.append(f"{agent.name} cannot express: {', '.join(others)}")
    if ports:
        reasons.append(f"this machine cannot listen on 127.0.0.1 port {', '.join(ports)}")
    return "; ".join(reasons)


def run(
    scenarios: Iterable[Scenario],
    agents: Iterable[Agent],
    *,
    runner: Runner | None = None,
) -> RunResult:
    """Run every scenario for every agent (agent by agent); return the whole run."""
    chosen = list(agents)
    selected = list(scenarios)
    started = datetime.datetime.now(datetime.UTC)
    clock = time.perf_counter()
    own = runner is None
    active = runner or Runner()
    cases: list[CaseResult] = []
    try:
        for agent in chosen:
            cases.extend(active.run_case_safe(scenario, agent) for scenario in selected)
    finally:
        if own:
            active.close()
    return RunResult(
        agents=tuple(agent.name for agent in chosen),
        cases=tuple(cases),
        backend=active.stager.backend.name,
        network=active.network,
        started=started.isoformat(timespec="seconds"),
        duration=round(time.perf_counter() - clock, 3),
        versions=versions(chosen),
    )
