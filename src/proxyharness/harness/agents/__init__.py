"""Agents: the clients under test, each reduced to one call.

The protocol, the call, the error kinds and the registry are in :mod:`.base` (read
its docstring first); one module per client:

- :mod:`.reference`: the reference client of this project (``reference``);
- :mod:`.websockets_agents`: websockets' asyncio and sync clients
  (``websockets-asyncio``, ``websockets-sync``);
- :mod:`.aiohttp_agent`: aiohttp's ``ws_connect`` (``aiohttp``);
- :mod:`.websocket_client_agent`: websocket-client (``websocket-client``);
- :mod:`.curl_agent`: the curl tool, when it speaks WebSocket (``curl``);
- :mod:`.command_agent`: a client in any language behind a small JSON protocol
  (``command:COMMAND``), with :mod:`.process` for what out-of-process clients share.

Client libraries are imported only when an agent uses them. Every name this package
exported as a single module is still importable from here.
"""

from __future__ import annotations

from .aiohttp_agent import AiohttpAgent, aiohttp_error_kind
from .base import (
    BUILTIN,
    CAPABILITIES,
    COMMAND_PREFIX,
    DEFAULT_OPEN_TIMEOUT,
    ENTRY_POINT_GROUP,
    ERROR_KINDS,
    HOP_KINDS,
    HOP_LOST,
    HOP_REFUSED,
    HOP_TLS,
    Agent,
    Call,
    Explainer,
    NotSupported,
    UnknownAgent,
    agent_names,
    describe,
    get_agent,
    load_agents,
    run_in_thread,
)
from .command_agent import CommandAgent, CommandError
from .curl_agent import CurlAgent, CurlError
from .reference import ReferenceAgent
from .websocket_client_agent import WebsocketClientAgent, websocket_client_error_kind
from .websockets_agents import (
    WebsocketsAsyncioAgent,
    WebsocketsSyncAgent,
    websockets_error_kind,
)

__all__ = [
    "BUILTIN",
    "CAPABILITIES",
    "COMMAND_PREFIX",
    "DEFAULT_OPEN_TIMEOUT",
    "ENTRY_POINT_GROUP",
    "ERROR_KINDS",
    "HOP_KINDS",
    "HOP_LOST",
    "HOP_REFUSED",
    "HOP_TLS",
    "Agent",
    "AiohttpAgent",
    "Call",
    "CommandAgent",
    "CommandError",
    "CurlAgent",
    "CurlError",
    "Explainer",
    "NotSupported",
    "ReferenceAgent",
    "UnknownAgent",
    "WebsocketClientAgent",
    "WebsocketsAsyncioAgent",
    "WebsocketsSyncAgent",
    "agent_names",
    "aiohttp_error_kind",
    "describe",
    "get_agent",
    "load_agents",
    "run_in_thread",
    "websocket_client_error_kind",
    "websockets_error_kind",
]
