"""Tests for proxyharness.harness.agents.registry: agents by name."""

from __future__ import annotations

import pytest

from proxyharness.harness.agents import Agent, UnknownAgent, load_agents
from proxyharness.harness.agents.reference import ReferenceAgent
from proxyharness.harness.agents.registry import get_agent


@pytest.mark.parametrize("name", ["reference", "websockets-asyncio", "websockets-sync"])
def test_builtins(name: str) -> None:
    """Built-in agents implement the protocol and are available here."""
    agent = get_agent(name)
    assert isinstance(agent, Agent)
    assert agent.name == name
    assert agent.available() is None
    assert agent.version


class NamedAgent(ReferenceAgent):
    """An agent loaded by module:attribute."""

    name = "named"


def test_module_attribute() -> None:
    """``module:attribute`` loads an agent that is not registered."""
    agent = get_agent(f"{__name__}:NamedAgent")
    assert agent.name == "named"


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("nope", UnknownAgent, "no agent named 'nope' \\(known: reference, "),
        ("no.such.module:X", UnknownAgent, "cannot load agent"),
        ("builtins:object", TypeError, "does not implement"),
    ],
)
def test_unknown(name: str, error: type[Exception], message: str) -> None:
    """A name that is no agent is a clear error."""
    with pytest.raises(error, match=message):
        get_agent(name)


def test_duplicate_names() -> None:
    """Two agents with one name would mix their results."""
    with pytest.raises(UnknownAgent, match="two agents are called 'reference'"):
        load_agents(["reference", f"{__name__}:ReferenceAgent"])
