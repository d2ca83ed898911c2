"""The registry of agents: the built-in ones, those registered by entry point, and by name.

:func:`load_agents` turns the names given on the command line (a built-in name, an
entry point of the group :data:`ENTRY_POINT_GROUP`, ``command:COMMAND`` or
``module:attribute``) into agents.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Mapping
from typing import Any

from .base import COMMAND_PREFIX, Agent
from .command_agent import CommandAgent

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "UnknownAgent",
    "agent_names",
    "describe",
    "get_agent",
    "load_agents",
]

ENTRY_POINT_GROUP = "proxyharness.agents"


class UnknownAgent(LookupError):
    """No built-in or registered agent has this name."""


def _builtin(module: str, attribute: str) -> Callable[[], Agent]:
    """A factory importing ``.module`` only when the agent is created."""

    def create() -> Agent:
        factory: Callable[[], Agent] = getattr(
            importlib.import_module(f"{__package__}.{module}"), attribute
        )
        return factory()

    create.__qualname__ = attribute
    return create


def _bundled(name: str) -> Callable[[], Agent]:
    """A factory of the agent of the shipped client ``name`` (:mod:`.bundled`)."""

    def create() -> Agent:
        bundled = importlib.import_module(f"{__package__}.bundled")
        agent: Agent = bundled.BundledAgent(name)
        return agent

    create.__qualname__ = f"BundledAgent({name!r})"
    return create


BUILTIN: dict[str, Callable[[], Agent]] = {
    "reference": _builtin("reference", "ReferenceAgent"),
    "websockets-asyncio": _builtin("websockets_agents", "WebsocketsAsyncioAgent"),
    "websockets-sync": _builtin("websockets_agents", "WebsocketsSyncAgent"),
    "aiohttp": _builtin("aiohttp_agent", "AiohttpAgent"),
    "websocket-client": _builtin("websocket_client_agent", "WebsocketClientAgent"),
    "curl": _builtin("curl_agent", "CurlAgent"),
    "node-ws": _bundled("node-ws"),
    "node-undici": _bundled("node-undici"),
    "deno": _bundled("deno"),
    "bun": _bundled("bun"),
    "go-gorilla": _bundled("go-gorilla"),
    "go-nhooyr": _bundled("go-nhooyr"),
    "curl-cffi": _bundled("curl-cffi"),
}


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def agent_names() -> list[str]:
    """Names of the built-in agents, then of the registered ones."""
    return [*BUILTIN, *sorted(set(_entry_points()) - set(BUILTIN))]


#: ``broken:SLUG`` names one of the deliberately broken clients.
BROKEN_PREFIX = "broken:"


def get_agent(name: str) -> Agent:
    """Create the agent called ``name``.

    ``name`` is a built-in name, a registered one (entry point), ``command:COMMAND``
    (an executable speaking the command protocol, see :mod:`.command_agent`), or
    ``module:attribute`` naming a class or factory directly (an agent under
    development, not installed yet), or ``broken:SLUG``, a deliberately broken client
    (:mod:`.broken`; ``broken:list`` lists them); the agent's own ``name`` is what
    reports show.
    """
    factory: Callable[[], Any] | None = BUILTIN.get(name)
    if factory is None and name.startswith(BROKEN_PREFIX):
        broken = importlib.import_module(f"{__package__}.broken")
        try:
            agent: Agent = broken.broken_agent(name.removeprefix(BROKEN_PREFIX))
        except LookupError as exc:
            raise UnknownAgent(str(exc)) from None
        return agent
    if factory is None and name.startswith(COMMAND_PREFIX):
        try:
            return CommandAgent.from_command_line(name[len(COMMAND_PREFIX) :])
        except ValueError as exc:  # nothing to run, or unbalanced quotes
            raise UnknownAgent(f"cannot create agent {name!r}: {exc}") from None
    if factory is None and ":" in name:
        module, _, attribute = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise UnknownAgent(f"cannot load agent {name!r}: {exc}") from None
    if factory is None:
        entry_point = _entry_points().get(name)
        if entry_point is None:
            known = ", ".join(agent_names())
            raise UnknownAgent(f"no agent named {name!r} (known: {known})")
        factory = entry_point.load()
    agent = factory()
    if not isinstance(agent, Agent):
        raise TypeError(f"agent {name!r} does not implement proxyharness.harness.agents.Agent")
    return agent


def load_agents(names: list[str] | tuple[str, ...]) -> list[Agent]:
    """Create the agents called ``names``, in order; two agents may not share a name."""
    agents: dict[str, Agent] = {}
    for name in dict.fromkeys(names):
        agent = get_agent(name)
        if agent.name in agents:
            raise UnknownAgent(f"two agents are called {agent.name!r}")
        agents[agent.name] = agent
    return list(agents.values())


def describe(agent: Agent) -> Mapping[str, object]:
    """A JSON-able description: name, version, capabilities, availability."""
    return {
        "name": agent.name,
        "version": agent.version,
        "capabilities": sorted(agent.capabilities),
        "unavailable": agent.available(),
    }
