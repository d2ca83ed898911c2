"""Deliberately broken agents, to prove the harness catches what they do wrong.

Each wraps the reference agent and breaks one thing. They are loaded by the tests of
the runner, of the pytest plugin and of the CLI (as ``broken_agents:IgnoresProxy``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import threading
import time

from proxyharness.harness.agents import Call, NotSupported
from proxyharness.harness.agents.reference import ReferenceAgent

#: Sockets LeaksSocket left open; tests close them.
LEAKED: list[socket.socket] = []


class IgnoresProxy(ReferenceAgent):
    """Connects directly whatever it is told."""

    name = "ignores-proxy"

    async def exchange(self, call: Call) -> str | bytes:
        return await super().exchange(dataclasses.replace(call, proxy=None))


class LeaksPassword(ReferenceAgent):
    """Fails with an error that quotes the proxy configuration, passwords included."""

    name = "leaks-password"

    async def exchange(self, call: Call) -> str | bytes:
        proxies = {k: v for k, v in os.environ.items() if k.lower().endswith("_proxy")}
        raise OSError(f"cannot connect through {call.proxy!r} ({proxies})")


class Hangs(ReferenceAgent):
    """Waits forever, politely (a cancellation ends it)."""

    name = "hangs"

    async def exchange(self, call: Call) -> str | bytes:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Blocks(ReferenceAgent):
    """Blocks its event loop for a second and a half."""

    name = "blocks"

    async def exchange(self, call: Call) -> str | bytes:
        time.sleep(1.5)
        raise OSError("woke up too late")


class LeaksSocket(ReferenceAgent):
    """Opens a connection to the echo server, keeps it, and fails."""

    name = "leaks-socket"

    async def exchange(self, call: Call) -> str | bytes:
        port = int(call.uri.rsplit(":", 1)[1].split("/")[0])
        LEAKED.append(socket.create_connection(("127.0.0.1", port)))
        raise OSError("failed, and forgot a socket")


class LeaksTaskAndThread(ReferenceAgent):
    """Leaves a task pending and a thread running, and fails."""

    name = "leaks-task"

    async def exchange(self, call: Call) -> str | bytes:
        asyncio.get_running_loop().create_task(asyncio.sleep(60), name="forgotten")
        threading.Thread(target=time.sleep, args=(0.5,), name="forgotten", daemon=True).start()
        raise OSError("failed, and forgot a task and a thread")


class Unsupported(ReferenceAgent):
    """Cannot express anything."""

    name = "unsupported"

    async def exchange(self, call: Call) -> str | bytes:
        raise NotSupported("this client has no such thing")


class Unavailable(ReferenceAgent):
    """Is not installed."""

    name = "unavailable"

    def available(self) -> str | None:
        return "not installed: pip install nothing"


class DropsSocket(ReferenceAgent):
    """Opens a connection, drops it unclosed (the garbage collector closes it), and fails."""

    name = "drops-socket"

    async def exchange(self, call: Call) -> str | bytes:
        port = int(call.uri.rsplit(":", 1)[1].split("/")[0])
        sock = socket.create_connection(("127.0.0.1", port))
        raise OSError(f"failed, and dropped {sock.getsockname()} unclosed")


class BrokenMapping(ReferenceAgent):
    """Fails, then breaks while mapping its error: the harness gives no verdict."""

    name = "broken-mapping"

    async def exchange(self, call: Call) -> str | bytes:
        raise RuntimeError("the client failed")

    def error_kind(self, exc: BaseException) -> str | None:
        raise ZeroDivisionError("a bug in the agent adapter")


class LeaksEveryForm(ReferenceAgent):
    """Shows the proxy password in every form and every text it has: URL-05's worst case."""

    name = "leaks-every-form"

    async def exchange(self, call: Call) -> str | bytes:
        import base64
        import json
        import logging
        import urllib.parse
        import warnings

        with contextlib.suppress(Exception):  # the real exchange: the token goes on the wire
            await super().exchange(call)
        url = str(call.proxy) if isinstance(call.proxy, str) else os.environ.get("https_proxy", "")
        user_info = urllib.parse.urlsplit(url).netloc.rpartition("@")[0]
        user, _, quoted = user_info.partition(":")
        password = urllib.parse.unquote(quoted)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        forms = [password, quoted, json.dumps(password), ascii(password), repr(password.encode())]
        logging.getLogger("leaky.client").warning("proxy password %s", password)
        warnings.warn(f"Proxy-Authorization: Basic {token}", UserWarning, stacklevel=1)
        raise OSError(" ".join(forms), token) from ValueError(f"token {token}")
