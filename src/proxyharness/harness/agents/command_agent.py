"""A client in any language: an executable that speaks the command protocol.

``proxyharness run --agent command:COMMAND`` (COMMAND is split like a POSIX shell
line: ``command:./my-agent`` or ``"command:node examples/command-agent-node/agent.mjs"``).
Each call runs the command once: it reads one JSON object on its standard input and
writes one JSON object on its standard output (UTF-8), then exits. Two requests:

``{"request": "describe"}`` (once per process, when the agent is created) is answered
with ``{"name": "...", "version": "...", "capabilities": [...]}``: a name of letters,
digits, ``.``, ``_`` and ``-`` (used in node IDs and baselines) and the capabilities
among :data:`COMMAND_CAPABILITIES`. An optional ``"network": "private"`` says "run me
unchanged": where the harness can make a private network namespace (Linux, see
``docs/harness.md``), the command runs inside it, where the scenario's names resolve
through the system resolver and ``hosts`` is empty; elsewhere it gets ``hosts`` as
any other command (``"network": "hosts"``, the default).

``{"request": "exchange", "uri", "proxy", "message", "options", "server_ca", "proxy_ca",
"hosts"}`` is answered with ``{"echo": "..."}`` or ``{"error": {"kind": "...",
"message": "..."}}``, the kind one of ``ERROR_KINDS`` or a hop-unknown kind (``tls``,
``refused``, ``lost``), or ``{"unsupported": "reason"}`` when the client cannot express
the call (the case is N/A with that reason, never a FAIL). ``proxy`` is true (from the
environment), null (no proxy) or a URL; ``options`` holds ``open_timeout`` (seconds) and
those of ``server_hostname``, ``proxy_server_hostname`` and ``additional_headers`` (an
object) the capabilities allow; ``server_ca`` / ``proxy_ca`` are PEM files to trust for
the ``wss://`` server / an ``https://`` proxy (null: the client's default trust, which
staging points ``SSL_CERT_FILE`` to); ``hosts`` maps names to the loopback address they
must resolve to (the harness's names are virtual: apply them like ``/etc/hosts``). The
command inherits the scenario's environment (its proxy variables). See
``docs/agents.md``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...scenarios import OPTION_CAPABILITIES
from .base import (
    CAPABILITIES,
    COMMAND_PREFIX,
    ERROR_KINDS,
    HOP_KINDS,
    Call,
    NotSupported,
)
from .process import ChildResult, require_own_process_view, run_child, virtual_hosts

__all__ = ["COMMAND_CAPABILITIES", "CommandAgent", "CommandError", "ProtocolError"]

#: Capabilities a command may declare (``explain``, ``without-python-socks`` and
#: ``sock-arg`` have no meaning out of process).
COMMAND_CAPABILITIES = CAPABILITIES - {"explain", "without-python-socks", "sock-arg"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: What ``network`` in a describe answer may say.
NETWORKS = ("hosts", "private")
#: Seconds a describe request may take.
DESCRIBE_TIMEOUT = 10.0
#: Seconds added to twice the opening timeout before an exchange is killed: more than
#: the runner's own margin, so that the runner's "agent hung" verdict comes first.
KILL_MARGIN = 5.0
_TAIL = 500


class CommandError(Exception):
    """The client reported an error: its kind and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class ProtocolError(Exception):
    """The command broke the protocol: no JSON answer, a malformed one, a crash."""


def _tail(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text[-_TAIL:]


def _answer(argv: Sequence[str], result: ChildResult) -> dict[str, Any]:
    """The command's JSON object, or ProtocolError saying what came instead."""
    try:
        answer = json.loads(result.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    if isinstance(answer, dict):
        return answer
    detail = f"exit status {result.returncode}"
    if result.stdout.strip():
        detail += f", output {_tail(result.stdout)!r}"
    if result.stderr.strip():
        detail += f", errors {_tail(result.stderr)!r}"
    raise ProtocolError(f"{shlex.join(argv)} gave no JSON object ({detail})")


class CommandAgent:
    """An agent that runs ``command`` once per call (see the module docstring)."""

    def __init__(self, command: Sequence[str]) -> None:
        if not command:
            raise ValueError("empty command")
        self.command = list(command)
        self._described: tuple[dict[str, Any] | None, str | None] | None = None

    @classmethod
    def from_command_line(cls, text: str) -> CommandAgent:
        """The agent of ``command:TEXT``: TEXT split like a POSIX shell line."""
        argv = shlex.split(text)
        if not argv:
            raise ValueError(f"{COMMAND_PREFIX} needs a command, e.g. {COMMAND_PREFIX}./agent")
        return cls(argv)

    # -- describe ---------------------------------------------------------------------

    def _description(self) -> tuple[dict[str, Any] | None, str | None]:
        if self._described is None:
            try:
                self._described = (self._describe(), None)
            except (OSError, ProtocolError, ValueError) as exc:
                self._described = (None, f"{shlex.join(self.command)}: {exc}")
        return self._described

    def _describe(self) -> dict[str, Any]:
        request = json.dumps({"request": "describe"}).encode()
        try:
            done = subprocess.run(
                self.command, input=request, capture_output=True, timeout=DESCRIBE_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise ProtocolError(f"describe: no answer within {DESCRIBE_TIMEOUT:g} s") from None
        answer = _answer(self.command, ChildResult(done.returncode, done.stdout, done.stderr))
        name = answer.get("name")
        if not isinstance(name, str) or _NAME.fullmatch(name) is None:
            raise ProtocolError(f"describe: bad name {name!r} (letters, digits, '._-')")
        capabilities = answer.get("capabilities", [])
        if not isinstance(capabilities, list) or not all(isinstance(c, str) for c in capabilities):
            raise ProtocolError(f"describe: capabilities must be strings: {capabilities!r}")
        unknown = sorted(set(capabilities) - COMMAND_CAPABILITIES)
        if unknown:
            raise ProtocolError(f"describe: unknown capabilities {unknown}")
        if answer.get("network", "hosts") not in NETWORKS:
            raise ProtocolError(f"describe: network must be one of {NETWORKS}")
        return answer

    @property
    def name(self) -> str:
        described, _ = self._description()
        if described is None:
            return f"{COMMAND_PREFIX}{shlex.join(self.command)}"
        return str(described["name"])

    @property
    def version(self) -> str:
        described, _ = self._description()
        return str(described.get("version", "unknown")) if described else "unknown"

    @property
    def network(self) -> str:
        """``private``: run unchanged in the private network stage; ``hosts``: get ``hosts``."""
        described, _ = self._description()
        return str(described.get("network", "hosts")) if described else "hosts"

    @property
    def capabilities(self) -> frozenset[str]:
        described, _ = self._description()
        return frozenset(described.get("capabilities", ())) if described else frozenset()

    def available(self) -> str | None:
        return self._description()[1]

    # -- exchange ---------------------------------------------------------------------

    def request(self, call: Call, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The exchange request for ``call`` (NotSupported for an option it cannot pass)."""
        options: dict[str, Any] = {"open_timeout": call.open_timeout}
        for option, value in call.options.items():
            if option == "open_timeout":
                continue
            if OPTION_CAPABILITIES.get(option) not in self.capabilities:
                raise NotSupported(f"option {option!r} is not supported")
            options[option] = dict(value) if isinstance(value, Mapping) else value
        return {
            "request": "exchange",
            "uri": call.uri,
            "proxy": call.proxy,
            "message": call.message,
            "options": options,
            "server_ca": _path(call.server_ca),
            "proxy_ca": _path(call.proxy_ca),
            "hosts": virtual_hosts(call, os.environ if environ is None else environ),
        }

    async def exchange(self, call: Call) -> str | bytes:
        require_own_process_view(self.name)
        return await self.answer(self.request(call), call.open_timeout)

    async def answer(
        self, request: Mapping[str, Any], open_timeout: float, command: Sequence[str] | None = None
    ) -> str:
        """Run ``command`` (default: this agent's) on an exchange ``request``; the echo.

        Raises CommandError (the client's error), NotSupported (its ``unsupported``
        answer) or ProtocolError.
        """
        argv = self.command if command is None else list(command)
        timeout = 2 * open_timeout + KILL_MARGIN
        result = await run_child(argv, json.dumps(request).encode(), timeout)
        if result.stderr.strip():  # the client's own output: searched like its logs (URL-05)
            logging.getLogger("proxyharness.command.stderr").debug(
                "%s", result.stderr.decode("utf-8", "replace")[-20_000:]
            )
        answer = _answer(argv, result)
        if isinstance(answer.get("echo"), str):
            return str(answer["echo"])
        if isinstance(answer.get("unsupported"), str):
            raise NotSupported(str(answer["unsupported"]) or "the client cannot express this call")
        error = answer.get("error")
        if isinstance(error, dict) and isinstance(error.get("kind"), str):
            raise CommandError(str(error["kind"]), str(error.get("message", "")))
        raise ProtocolError(
            f"neither 'echo', 'error' nor 'unsupported' in {_tail(result.stdout)!r}"
        )

    def error_kind(self, exc: BaseException) -> str | None:
        if isinstance(exc, CommandError) and exc.kind in ERROR_KINDS | HOP_KINDS:
            return exc.kind
        return None


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)
