"""Verdicts: an observation against an expectation, field by field, redacted.

:func:`judge` compares every field of :class:`~proxyharness.scenarios.model.Expect`
that is not ``ANY`` with the :class:`~.observe.Observation`, and writes one line
per difference (``"route: expected 'proxy', observed 'direct'"``). On top of the
scenario's own fields, every case is checked for:

- HTTP-01: a CONNECT request the proxy parsed is ``CONNECT host:port HTTP/1.1`` (IPv6 in
  brackets) for the target it names;
- HTTP-02: no handshake reaching the origin server carried ``Proxy-Authorization``;
- URL-05: no text of the client — its error, the error's ``repr`` and ``args``, chained
  exceptions, log lines, warnings, a command's stderr — shows a password the scenario
  used, raw or in another written form (percent-encoded, JSON- or ``\\u``-escaped, as
  UTF-8 bytes, as a Basic token; passwords shorter than :data:`MIN_SECRET` characters
  are not searched for: they would match ordinary words);
- ERR-01 / ERR-02 (only in scenarios of that rule): the failure took no longer than the
  rule allows (:func:`duration_limit`), and a proxy port that resets every connection
  was connected to once (more is a retry loop);
- DIAG-01: an explanation the agent gave mentions every word asked for (the
  scenario's ``EXPLANATION_MENTIONS``), case-insensitively;
- ERR-04 (only in scenarios of rule ERR-04): nothing leaked — sockets, tasks,
  threads, connections left open.

Two expectations are judged apart from the wire fields (:func:`answer_checks`): the
words the client's error must contain (``error_mentions``: HTTP-03's status, read
from the error text with its causes, case-insensitively; a number counts only where it
is not part of a longer one, so a port such as 34041 does not mention 404) and whether
the client sent bytes past a proxy's refusal (``sent_after_refusal``).

A scenario marked *info* is INFO whatever differs (the lines are kept as the
observation); otherwise any line makes it FAIL. SOCKS4 carries a user name and no
password, so for a SOCKS4 record only the user name of ``credentials`` is compared.

Every value that leaves this module is redacted: passwords become
:data:`~proxyharness.harness.results.REDACTED`, and a wrong password is described
by its relation to the expected one (``percent-encoded form``...), never shown.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..fixtures import join_host_port
from ..scenarios.model import ANY, Expect, Scenario
from .observe import AgentOutcome, Observation
from .results import REDACTED, Verdict

__all__ = [
    "MIN_SECRET",
    "PROMPT",
    "Judgement",
    "answer_checks",
    "duration_limit",
    "judge",
    "redact",
    "redact_value",
]

#: Passwords shorter than this are not searched for in error texts (URL-05).
MIN_SECRET = 3
#: ERR-01's "prompt": seconds a refused proxy may take to fail.
PROMPT = 1.0
#: Fields compared as plain values, in report order.
PLAIN_FIELDS = (
    "route",
    "proxy",
    "protocol",
    "address_type",
    "target_host",
    "proxy_sni",
    "server_sni",
)


@dataclass(frozen=True)
class Judgement:
    """The verdict and its evidence, redacted and JSON-able."""

    verdict: Verdict
    expected: dict[str, Any]
    observed: dict[str, Any]
    diff: tuple[str, ...]
    reason: str = ""


def redact(text: str, passwords: Iterable[str]) -> str:
    """Replace every occurrence of every password in ``text`` (longest first)."""
    for password in sorted((p for p in passwords if p), key=len, reverse=True):
        text = text.replace(password, REDACTED)
    return text


def redact_value(value: Any, passwords: Iterable[str]) -> Any:
    """Redact strings inside ``value`` (mappings, lists, tuples), and credentials fields.

    A mapping's ``password`` becomes REDACTED; a ``Proxy-Authorization`` header value
    keeps only its scheme.
    """
    secrets = tuple(passwords)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key == "password" and item is not None:
                result[key] = REDACTED
            elif isinstance(key, str) and key.lower() == "proxy-authorization" and item:
                result[key] = _authorization(str(item))
            else:
                result[key] = redact_value(item, secrets)
        return result
    if isinstance(value, list | tuple):
        if (
            len(value) == 2
            and isinstance(value[0], str)
            and isinstance(value[1], str)
            and value[0].lower() == "proxy-authorization"
        ):
            return [value[0], _authorization(value[1])]
        return [redact_value(item, secrets) for item in value]
    return value


def duration_limit(rule: str, open_timeout: float) -> float | None:
    """The longest a failure of ``rule`` may take, in seconds, or None (not timed).

    Generous on purpose, never to flake on a loaded machine: ERR-01 (prompt) 1 s;
    ERR-02 the opening timeout plus half of it, at least 0.5 s more.
    """
    if rule == "ERR-01":
        return PROMPT
    if rule == "ERR-02":
        return open_timeout + max(0.5, open_timeout / 2)
    return None


def _authorization(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {REDACTED}" if rest else REDACTED


def _show(value: Any) -> str:
    if value is None:
        return "none"
    return repr(value)


def _password_note(observed: str | None, expected: str, passwords: frozenset[str]) -> str:
    """Say how a received password relates to the expected one, without showing either."""
    if observed is None:
        return "no password"
    if observed == expected:
        return REDACTED
    if observed == urllib.parse.quote(expected, safe=""):
        return f"{REDACTED} (the percent-encoded form of the expected password)"
    if observed == urllib.parse.unquote(expected):
        return f"{REDACTED} (the percent-decoded form of the expected password)"
    if observed in passwords:
        return f"{REDACTED} (another password of this scenario)"
    return f"{REDACTED} (a different password, {len(observed)} characters)"


def _credentials_line(
    expected: tuple[str, str] | None,
    observed: tuple[str, str | None] | None,
    passwords: frozenset[str],
) -> tuple[bool, Any, Any, str]:
    """Compare credentials; return (same, expected shown, observed shown, diff line)."""
    shown_expected = None if expected is None else [expected[0], REDACTED]
    if observed is None:
        shown_observed = None
    elif expected is None:
        shown_observed = [observed[0], REDACTED if observed[1] is not None else None]
    else:
        shown_observed = [observed[0], _password_note(observed[1], expected[1], passwords)]
    if expected is None or observed is None:
        same = expected == observed
    elif observed[1] is None:  # SOCKS4: a user name only
        same = observed[0] == expected[0]
        if same:
            shown_observed = [observed[0], None]
    else:
        same = tuple(observed) == tuple(expected)
    line = f"credentials: expected {_show(shown_expected)}, observed {_show(shown_observed)}"
    return same, shown_expected, shown_observed, line


def judge(
    scenario: Scenario,
    expect: Expect,
    observation: Observation,
    outcome: AgentOutcome,
    *,
    passwords: frozenset[str] = frozenset(),
    leaks: tuple[str, ...] = (),
    explanation: str | None = None,
    mentions: tuple[str, ...] = (),
    secrets: Mapping[str, str] | None = None,
    open_timeout: float | None = None,
) -> Judgement:
    """Compare ``observation`` with ``expect`` (already expanded); return the verdict.

    ``secrets``: other written forms of the passwords, form → its name (``Basic token``...);
    ``open_timeout``: the call's, to time ERR-02.
    """
    forms = dict(secrets or {})
    hidden = passwords | frozenset(forms)
    expected: dict[str, Any] = {}
    observed: dict[str, Any] = {}
    diff: list[str] = []
    for name in PLAIN_FIELDS:
        want = getattr(expect, name)
        got = getattr(observation, name)
        observed[name] = got
        if want is ANY:
            continue
        expected[name] = want
        if want != got:
            diff.append(f"{name}: expected {_show(want)}, observed {_show(got)}")
    if expect.target_port is not ANY:
        expected["target_port"] = expect.target_port
        got_port = observation.extra.get("target_port")
        if got_port != expect.target_port:
            want_port = _show(expect.target_port)
            diff.append(f"target_port: expected {want_port}, observed {_show(got_port)}")
    observed["credentials"] = _credentials_line(None, observation.credentials, passwords)[2]
    if expect.credentials is not ANY:
        same, shown_expected, shown_observed, line = _credentials_line(
            expect.credentials, observation.credentials, passwords
        )
        expected["credentials"] = shown_expected
        observed["credentials"] = shown_observed
        if not same:
            diff.append(line)
    observed["connect_headers"] = redact_value(observation.connect_headers, passwords)
    if expect.connect_headers:
        expected["connect_headers"] = dict(expect.connect_headers)
        sent = {k.lower(): v for k, v in observation.connect_headers.items()}
        for header, want in expect.connect_headers.items():
            got = sent.get(header.lower())
            if got != want:
                diff.append(f"CONNECT header {header}: expected {want!r}, observed {_show(got)}")
    observed["error"] = observation.error
    if expect.error is not ANY:
        expected["error"] = expect.error
        if expect.error != observation.error:
            detail = f" ({outcome.error_text})" if outcome.error_text else ""
            want, got = _show(expect.error), _show(observation.error)
            diff.append(f"error: expected {want}, observed {got}{detail}")
    observed["echo"] = observation.echo
    if expect.error is None and expect.echo:
        expected["echo"] = True
        if not observation.echo:
            diff.append("echo: expected the message back, observed none")
    if explanation is not None:
        observed["explanation"] = explanation
        if mentions:
            expected["explanation_mentions"] = list(mentions)
        missing = [word for word in mentions if word.lower() not in explanation.lower()]
        diff.extend(f"explanation: does not mention {word!r}" for word in missing)
        if any(p in explanation for p in hidden if len(p) >= MIN_SECRET):
            diff.append("URL-05: the client's explanation shows a proxy password")
    diff.extend(answer_checks(expect, observation, outcome, expected, observed))
    diff.extend(_always_checks(observation, outcome, passwords, forms))
    observed["leaks"] = list(leaks)
    if leaks and scenario.rule == "ERR-04":
        diff.extend(f"ERR-04: {leak}" for leak in leaks)
    diff.extend(_timing_checks(scenario.rule, observed, observation, outcome, open_timeout))
    _add_context(observed, observation)
    clean = tuple(redact(line, hidden) for line in diff)
    expected = redact_value(expected, hidden)
    observed = redact_value(observed, hidden)
    if scenario.info:
        reason = f"{scenario.rule} is informational: the observation is recorded, not gated"
        if outcome.hung:
            reason += " (the agent hung)"
        return Judgement(Verdict.INFO, expected, observed, clean, reason)
    if outcome.hung:
        return Judgement(Verdict.FAIL, expected, observed, clean, "agent hung")
    if clean:
        return Judgement(Verdict.FAIL, expected, observed, clean)
    return Judgement(Verdict.PASS, expected, observed, ())


def answer_checks(
    expect: Expect,
    observation: Observation,
    outcome: AgentOutcome,
    expected: dict[str, Any],
    observed: dict[str, Any],
) -> list[str]:
    """Judge ``error_mentions`` and ``sent_after_refusal``; fill ``expected``/``observed``."""
    lines: list[str] = []
    observed["sent_after_refusal"] = observation.sent_after_refusal
    if expect.sent_after_refusal is not ANY:
        expected["sent_after_refusal"] = expect.sent_after_refusal
        if expect.sent_after_refusal != observation.sent_after_refusal:
            said = "sent bytes" if observation.sent_after_refusal else "sent nothing"
            lines.append(f"sent_after_refusal: the client {said} past the proxy's refusal")
    if expect.error_mentions:
        expected["error_mentions"] = list(expect.error_mentions)
        text = (outcome.error_text or "").lower()
        if outcome.error_type is not None:
            missing = [word for word in expect.error_mentions if not _mentions(text, word)]
            lines.extend(f"error_mentions: the error does not mention {w!r}" for w in missing)
    return lines


def _mentions(text: str, word: str) -> bool:
    """Whether lower-case ``text`` contains ``word``, not as part of a longer number."""
    before = "(?<![0-9])" if word[:1].isdigit() else ""
    after = "(?![0-9])" if word[-1:].isdigit() else ""
    return re.search(before + re.escape(word.lower()) + after, text) is not None


def _always_checks(
    observation: Observation,
    outcome: AgentOutcome,
    passwords: frozenset[str],
    forms: Mapping[str, str],
) -> list[str]:
    lines: list[str] = []
    request_line = observation.extra.get("request_line")
    if request_line is not None and observation.protocol == "http" and observation.target_host:
        host, port = observation.target_host, observation.extra.get("target_port")
        # No port recorded: the proxy could not read one, which no request line excuses.
        wanted = f"CONNECT {join_host_port(host, port)} HTTP/1.1" if port is not None else None
        if request_line != wanted:
            expected_line = repr(wanted) if wanted else "one naming host:port"
            lines.append(f"HTTP-01: the request line is {request_line!r}, not {expected_line}")
    if observation.leaked_proxy_authorization:
        lines.append("HTTP-02: the origin server received a Proxy-Authorization header")
    searched = dict.fromkeys(passwords, "") | {f: f" (as its {name})" for f, name in forms.items()}
    secrets = {text: how for text, how in searched.items() if len(text) >= MIN_SECRET}
    texts = [("error", outcome.error_text or ""), *(("log", line) for line in outcome.logs)]
    texts += list(outcome.texts)
    shown: dict[str, str] = {}
    for where, text in texts:
        found = next((how for secret, how in secrets.items() if secret in text), None)
        if found is not None:
            shown.setdefault(where, found)
    lines.extend(
        f"URL-05: the client's {where} shows a proxy password{how}" for where, how in shown.items()
    )
    return lines


def _timing_checks(
    rule: str,
    observed: dict[str, Any],
    observation: Observation,
    outcome: AgentOutcome,
    open_timeout: float | None,
) -> list[str]:
    """ERR-01/ERR-02: how long the failure took, how often a refusing port was tried."""
    lines: list[str] = []
    limit = duration_limit(rule, open_timeout or 0.0)
    if rule == "ERR-02" and open_timeout is None:
        limit = None
    took = outcome.judged_duration
    if limit is not None:
        observed["duration"] = None if took is None else round(took, 3)
    if limit is not None and took is not None and not outcome.hung and took > limit:
        lines.append(f"{rule}: the failure took {took:.2f} s, more than the {limit:g} s allowed")
    attempts: dict[str, int] = observation.extra.get("refused_attempts", {})
    if rule == "ERR-01":
        lines.extend(
            f"ERR-01: the client connected {count} times to proxy {name}, which reset each "
            "connection (a retry loop)"
            for name, count in attempts.items()
            if count > 1
        )
    return lines


def _add_context(observed: dict[str, Any], observation: Observation) -> None:
    observed["proxies_seen"] = list(observation.proxies_seen)
    observed["connections"] = {
        "proxies": observation.proxy_connections,
        "server": observation.server_connections,
        "direct": observation.direct_connections,
    }
    observed.update(observation.extra)
