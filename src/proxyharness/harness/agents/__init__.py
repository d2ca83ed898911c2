"""Agents: the clients under test, each reduced to one call.

What an agent author needs is exported here: the :class:`Agent` protocol, the
:class:`Call` it performs, :class:`NotSupported`, the error kinds, the capabilities,
:func:`run_in_thread` for blocking clients, :class:`CommandAgent` for clients in other
languages, and :func:`load_agents` / :class:`UnknownAgent` to create agents by name.
The rest lives in the submodules (read :mod:`.base`'s docstring first):

- :mod:`.base`: the protocol, the call, error kinds and helpers the agents share;
- :mod:`.registry`: built-in and registered agents, by name;
- :mod:`.reference`: the reference client of this project (``reference``);
- :mod:`.websockets_agents`: websockets' asyncio and sync clients
  (``websockets-asyncio``, ``websockets-sync``);
- :mod:`.aiohttp_agent`: aiohttp's ``ws_connect`` (``aiohttp``);
- :mod:`.websocket_client_agent`: websocket-client (``websocket-client``);
- :mod:`.curl_agent`: the curl tool, when it speaks WebSocket (``curl``);
- :mod:`.command_agent`: a client in any language behind a small JSON protocol
  (``command:COMMAND``), with :mod:`.process` for what out-of-process clients share.

Client libraries are imported only when an agent uses them.
"""

from __future__ import annotations

from .base import (
    CAPABILITIES,
    ERROR_KINDS,
    HOP_LOST,
    HOP_REFUSED,
    HOP_TLS,
    Agent,
    Call,
    Explainer,
    NotSupported,
    run_in_thread,
)
from .command_agent import CommandAgent
from .registry import UnknownAgent, load_agents

__all__ = [
    "CAPABILITIES",
    "ERROR_KINDS",
    "HOP_LOST",
    "HOP_REFUSED",
    "HOP_TLS",
    "Agent",
    "Call",
    "CommandAgent",
    "Explainer",
    "NotSupported",
    "UnknownAgent",
    "load_agents",
    "run_in_thread",
]
