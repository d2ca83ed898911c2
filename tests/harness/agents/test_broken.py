"""Tests for proxyharness.harness.agents.broken: the registry, the seams, the committed data."""

from __future__ import annotations

import pytest

from proxyharness.harness.agents import Agent, UnknownAgent
from proxyharness.harness.agents.broken import (
    CLIENTS,
    BrokenAgent,
    caught_by_rule,
    committed_data,
    escaping,
)
from proxyharness.harness.agents.broken._base import patched
from proxyharness.harness.agents.reference import ReferenceAgent
from proxyharness.harness.agents.registry import get_agent
from proxyharness.scenarios import RULES, RULES_BY_ID

GATED = [rule.id for rule in RULES if not rule.info]


def test_at_least_forty_clients() -> None:
    """The set is large enough to cover many kinds of bugs."""
    assert len(CLIENTS) >= 40


@pytest.mark.parametrize("slug", list(CLIENTS))
def test_client_declares_its_bug(slug: str) -> None:
    """Each client is a broken-SLUG agent with a one-line bug and gated rules it breaks."""
    client = CLIENTS[slug]
    agent = client()
    assert isinstance(agent, Agent)
    assert agent.name == f"broken-{slug}"
    assert agent.capabilities == ReferenceAgent.capabilities
    assert client.bug()
    assert client.__doc__ is not None
    assert len(client.__doc__.strip().splitlines()) == 1
    assert client.breaks
    for rule in client.breaks:
        assert not RULES_BY_ID[rule].info


def test_every_gated_rule_catches_a_client() -> None:
    """In the committed data, every gated rule caught at least one broken client."""
    caught = caught_by_rule()
    assert sorted(caught) == sorted(GATED)
    assert [rule for rule in GATED if not caught[rule]] == []


def test_every_client_is_caught_where_it_says() -> None:
    """Each client is listed under every rule it breaks, unless it is marked as escaping."""
    caught = caught_by_rule()
    for client in CLIENTS.values():
        for rule in client.breaks if client.expected_to_escape is None else ():
            assert client.name in caught[rule], (client.name, rule)


def test_escaping_clients_are_recorded() -> None:
    """The data lists exactly the clients marked as escaping, under the rules they break."""
    recorded = committed_data()["escaping"]
    marked = {CLIENTS[slug].name: list(CLIENTS[slug].breaks) for slug in escaping()}
    assert recorded == marked


def test_data_names_known_clients_only() -> None:
    """A renamed or removed client cannot linger in the committed data."""
    names = {client.name for client in CLIENTS.values()}
    for clients in caught_by_rule().values():
        assert set(clients) <= names


def test_get_agent_loads_a_broken_client() -> None:
    """``broken:SLUG`` names a broken client on the command line."""
    agent = get_agent("broken:no-bypass")
    assert isinstance(agent, BrokenAgent)
    assert agent.name == "broken-no-bypass"


@pytest.mark.parametrize("name", ["broken:no-such-bug", "broken:list", "broken:"])
def test_unknown_broken_client_lists_them_all(name: str) -> None:
    """An unknown slug (or ``list``) is a one-line error naming every broken client."""
    with pytest.raises(UnknownAgent) as raised:
        get_agent(name)
    message = str(raised.value)
    assert "\n" not in message
    assert all(slug in message for slug in CLIENTS)


def test_patched_restores_after_an_error() -> None:
    """A temporary patch is undone even when the block raises."""

    class Holder:
        value = "original"

    def fail_while_patched() -> None:
        with patched(Holder, "value", "patched"):
            assert Holder.value == "patched"
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_while_patched()
    assert Holder.value == "original"
