"""Tests for proxyharness.harness.agents.command_agent, with a Python and a Node.js command."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from proxyharness.fixtures.names import VirtualDNS
from proxyharness.harness.agents import (
    Call,
    CommandAgent,
    NotSupported,
    UnknownAgent,
    command_agent,
)
from proxyharness.harness.agents.command_agent import CommandError, ProtocolError
from proxyharness.harness.agents.process import ChildTimeout
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios
from proxyharness.scenarios.model import Scenario

NODE_EXAMPLE = Path(__file__).parents[3] / "examples" / "command-agent-node"

#: The smallest useful command agent: websockets' sync client, in Python.
PYTHON_EXAMPLE = """\
import json, socket, ssl, sys

request = json.load(sys.stdin)
if request["request"] == "describe":
    capabilities = ["explicit-proxy", "no-proxy", "open-timeout"]
    json.dump({"name": "python-example", "version": "1", "capabilities": capabilities}, sys.stdout)
    sys.exit()
hosts, resolve = request["hosts"], socket.getaddrinfo
socket.getaddrinfo = lambda host, *rest: resolve(hosts.get(host, host), *rest)

from websockets.exceptions import InvalidProxyStatus, InvalidStatus
from websockets.sync.client import connect

ca = request["server_ca"]
timeout = request["options"]["open_timeout"]
kinds = {InvalidProxyStatus: "proxy-rejected", InvalidStatus: "handshake-rejected",
         ConnectionRefusedError: "refused", TimeoutError: "timeout"}
try:
    with connect(request["uri"], proxy=request["proxy"], open_timeout=timeout,
                 ssl=ssl.create_default_context(cafile=ca) if ca else None) as ws:
        ws.send(request["message"])
        answer = {"echo": ws.recv(timeout=timeout)}
except Exception as exc:
    kind = next((k for t, k in kinds.items() if isinstance(exc, t)), "unknown")
    answer = {"error": {"kind": kind, "message": str(exc)}}
json.dump(answer, sys.stdout)
"""


def python_command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def answering(describe: object, exchange: object = None) -> list[str]:
    """A command answering describe and exchange with fixed JSON values."""
    answers = {"describe": json.dumps(describe), "exchange": json.dumps(exchange)}
    code = (
        "import json, sys\n"
        "request = json.load(sys.stdin)\n"
        f"sys.stdout.write({answers!r}[request['request']])\n"
    )
    return python_command(code)


DESCRIBED = {"name": "fake", "version": "2.0", "capabilities": ["server-hostname"]}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``command:`` text running the Python example."""
    path = tmp_path_factory.mktemp("command") / "example_agent.py"
    path.write_text(PYTHON_EXAMPLE, encoding="utf-8")
    return f"{sys.executable} {path}"


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(settle_timeout=0.5) as runner:
        yield runner


def scenario(scenario_id: str) -> Scenario:
    return next(s for s in all_scenarios() if s.id == scenario_id)


def test_get_agent(example: str) -> None:
    """``command:COMMAND`` creates a command agent named by its own describe answer."""
    agent = get_agent(f"command:{example}")
    assert isinstance(agent, CommandAgent)
    assert (agent.name, agent.version, agent.available()) == ("python-example", "1", None)
    assert agent.capabilities == {"explicit-proxy", "no-proxy", "open-timeout"}
    with pytest.raises(UnknownAgent, match="needs a command"):
        get_agent("command:")


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["/nonexistent/agent"], "No such file"),
        (python_command("print('hello')"), "gave no JSON object"),
        (answering({"name": "a b"}), "bad name"),
        (answering({"name": "x", "capabilities": ["explain"]}), "unknown capabilities"),
        (answering({"name": "x", "capabilities": "all"}), "must be strings"),
    ],
)
def test_describe_fails(command: list[str], reason: str) -> None:
    """A command that cannot describe itself is unavailable, with the reason."""
    agent = CommandAgent(command)
    assert reason in (agent.available() or "")
    assert agent.name.startswith("command:")
    assert agent.capabilities == frozenset()


def test_request() -> None:
    """Options the capabilities allow, trusts as paths, the virtual names."""
    agent = CommandAgent(answering(DESCRIBED))
    call = Call(
        uri="wss://www.example.com:8443/",
        proxy=None,
        options={"server_hostname": "s"},
        server_ca=Path("/ca.pem"),
    )
    with VirtualDNS({"www.example.com": "127.0.0.1"}).patch():
        request = agent.request(call, environ={})
    assert request == {
        "request": "exchange",
        "uri": "wss://www.example.com:8443/",
        "proxy": None,
        "message": "hello",
        "options": {"open_timeout": 10.0, "server_hostname": "s"},
        "server_ca": "/ca.pem",
        "proxy_ca": None,
        "hosts": {"www.example.com": "127.0.0.1"},
    }
    with pytest.raises(NotSupported, match="additional_headers"):
        agent.request(Call(uri="ws://h/", proxy=None, options={"additional_headers": {}}))


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ({"error": {"kind": "proxy-rejected", "message": "407"}}, "proxy-rejected"),
        ({"error": {"kind": "tls", "message": "bad certificate"}}, "tls"),
        ({"error": {"kind": "no-such-kind", "message": "?"}}, None),
    ],
)
def test_error(answer: object, kind: str | None) -> None:
    """The command's error is raised as CommandError; unknown kinds are not trusted."""
    agent = CommandAgent(answering(DESCRIBED, answer))
    with pytest.raises(CommandError) as caught:
        asyncio.run(agent.exchange(Call(uri="ws://h/", proxy=None)))
    assert agent.error_kind(caught.value) == kind


def test_unsupported() -> None:
    """An ``unsupported`` answer is NotSupported with the command's reason: the case is N/A."""
    agent = CommandAgent(answering(DESCRIBED, {"unsupported": "no explicit proxy option"}))
    with pytest.raises(NotSupported, match="no explicit proxy option"):
        asyncio.run(agent.exchange(Call(uri="ws://h/", proxy="http://p:1")))


def test_protocol_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """No echo and no error, or no answer in time: protocol failures, of no kind."""
    agent = CommandAgent(answering(DESCRIBED, {"result": 1}))
    with pytest.raises(ProtocolError, match="neither 'echo', 'error' nor 'unsupported'"):
        asyncio.run(agent.exchange(Call(uri="ws://h/", proxy=None)))
    monkeypatch.setattr(command_agent, "KILL_MARGIN", 0.2)
    sleeper = CommandAgent(python_command("import time; time.sleep(30)"))
    sleeper._described = (DESCRIBED, None)
    call = Call(uri="ws://h/", proxy=None, options={"open_timeout": 0.1})
    with pytest.raises(ChildTimeout):
        asyncio.run(sleeper.exchange(call))
    assert sleeper.error_kind(ChildTimeout(["x"], 1)) is None


@pytest.mark.parametrize(
    ("scenario_id", "verdict"),
    [
        ("SEL-06.nothing-configured[ws]", Verdict.PASS),
        ("SEL-04.http-proxy[ws,lower]", Verdict.PASS),
        ("SEL-11.overrides-environment[wss]", Verdict.PASS),
        ("HTTP-03.status-407[ws]", Verdict.PASS),
        ("SEL-02.environment-first[ws,lower,macos]", Verdict.NA),
        ("HTTP-04.sni-is-proxy-name[ws]", Verdict.NA),
    ],
)
def test_python_example(runner: Runner, example: str, scenario_id: str, verdict: Verdict) -> None:
    """The Python example on scenarios of the catalog: direct, proxies, an error, N/A."""
    case = runner.run_case(scenario(scenario_id), get_agent(f"command:{example}"))
    assert case.verdict is verdict, (case.reason, case.diff, case.client_error)


@pytest.fixture(scope="module")
def node_example(missing: Callable[[str], NoReturn]) -> str:
    """``command:`` text running the Node.js example, once ``npm ci`` installed it."""
    if shutil.which("node") is None:
        missing("node is not on PATH")
    if not (NODE_EXAMPLE / "node_modules").is_dir():
        missing(f"run: npm ci --prefix {NODE_EXAMPLE}")
    return f"node {NODE_EXAMPLE / 'agent.mjs'}"


@pytest.mark.interop
@pytest.mark.parametrize(
    "scenario_id",
    [
        "SEL-06.nothing-configured[ws]",
        "SEL-04.ws-proxy-first[ws,lower]",
        "SEL-11.overrides-environment[wss]",
    ],
)
def test_node_example(runner: Runner, node_example: str, scenario_id: str) -> None:
    """The Node.js example (ws + proxy agents) passes a direct and HTTP proxy scenarios."""
    agent = get_agent(f"command:{node_example}")
    assert agent.name == "node-ws"
    case = runner.run_case(scenario(scenario_id), agent)
    assert case.verdict is Verdict.PASS, (case.reason, case.diff, case.client_error)
