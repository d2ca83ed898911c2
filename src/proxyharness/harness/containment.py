"""Containment: what the private network caught, judged on top of the wire fields.

In the private network stage (:mod:`.staging.private_network`) two more things are
observed, and judged here after :func:`~.verdicts.judge`:

- a connection the catch-all caught (to an address no fake serves) while the expected
  route is a proxy is a FAIL: the client went around its proxy, and the record
  (destination, port, first bytes) is the evidence;
- a DNS query for the target's name while the rule says the proxy resolves it
  (SOCKS-02: ``socks5h``, ``socks4a``, expected address type ``domain``) is a FAIL:
  the client resolved the name itself. Other queries are recorded, not judged.

Both are kept in the observation (``caught``, ``dns_queries``) in every case of the stage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from ..fixtures import join_host_port
from ..scenarios.model import Expect, Scenario
from .results import Verdict
from .verdicts import Judgement, redact, redact_value

__all__ = ["containment_lines", "judge_containment"]

#: Protocols where the proxy resolves the target's name (SOCKS-02).
_NAME_SENT = frozenset({"socks4a", "socks5"})
_SHOWN = 60


def containment_lines(
    scenario: Scenario, expect: Expect, caught: Iterable[Any], queries: Iterable[Any]
) -> list[str]:
    """One line per containment failure (see the module docstring)."""
    lines: list[str] = []
    if expect.route == "proxy":
        for connection in caught:
            first = repr(connection.first_bytes[:_SHOWN])[2:-1]  # escaped, without b'...'

            where = join_host_port(connection.destination, connection.port)
            lines.append(
                f"route: the client went around its proxy: a connection to {where} was caught"
                f" (first bytes: {first})"
            )
    if expect.address_type == "domain" and expect.protocol in _NAME_SENT:
        target = scenario.target.host.rstrip(".").lower()
        asked = sorted({q.type for q in queries if q.name == target})
        if asked:
            lines.append(
                f"SOCKS-02: the client resolved {target} itself (DNS {', '.join(asked)}) "
                "instead of leaving it to the proxy"
            )
    return lines


def judge_containment(
    judgement: Judgement,
    scenario: Scenario,
    expect: Expect,
    caught: Iterable[Any],
    queries: Iterable[Any],
    hidden: frozenset[str],
) -> Judgement:
    """``judgement`` with what the namespace saw added, and FAIL for each line above."""
    caught, queries = tuple(caught), tuple(queries)
    observed = dict(judgement.observed)
    observed["caught"] = redact_value([c.to_dict() for c in caught], hidden)
    observed["dns_queries"] = [q.to_dict() for q in queries]
    found = containment_lines(scenario, expect, caught, queries)
    lines = [redact(line, hidden) for line in found]
    changed = dataclasses.replace(judgement, observed=observed)
    if not lines:
        return changed
    diff = (*judgement.diff, *lines)
    if judgement.verdict in (Verdict.INFO, Verdict.FAIL):
        return dataclasses.replace(changed, diff=diff)
    return dataclasses.replace(changed, verdict=Verdict.FAIL, diff=diff, reason="")
