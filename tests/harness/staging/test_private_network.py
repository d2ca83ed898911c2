"""The private network stage: fakes inside a namespace, clients run unchanged inside."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from proxyharness.fixtures import is_contained
from proxyharness.fixtures.netns import NAMESPACE_V4, active_network
from proxyharness.harness.agents import CommandAgent
from proxyharness.harness.agents.process import inside, virtual_names
from proxyharness.harness.report_html import render_html
from proxyharness.harness.results import RunResult, Verdict
from proxyharness.harness.runner import Runner
from proxyharness.harness.staging.private_network import (
    HOSTS,
    SWITCH,
    PrivateStager,
    private_stager,
    wants_private_network,
)
from proxyharness.scenarios import all_scenarios

AGENTS = Path(__file__).with_name("agents")
WENT_DIRECT = [sys.executable, str(AGENTS / "went_direct.py")]
ROOT = Path(__file__).parents[3]
NODE_AGENT = ROOT / "examples" / "command-agent-node"


def _scenario(scenario_id: str) -> object:
    return next(s for s in all_scenarios() if s.id == scenario_id)


@pytest.fixture
def stager(missing: Callable[[str], NoReturn]) -> Iterator[PrivateStager]:
    """A private stager (a runner given it closes it too: closing twice is harmless)."""
    made, description = private_stager()
    if made is None:
        missing(f"no private network stage here: {description}")
    with made:
        yield made


def test_the_switch_keeps_the_hosts_handover(monkeypatch: pytest.MonkeyPatch) -> None:
    """PROXYHARNESS_NETWORK=hosts: no namespace is made, and the description says why."""
    monkeypatch.setenv(SWITCH, "hosts")
    made, description = private_stager()
    assert made is None
    assert description == f"{HOSTS} ({SWITCH}=hosts)"


def test_a_scenario_is_staged_inside(stager: PrivateStager) -> None:
    """Proxies listen on the served address; names resolve inside, not in this process."""
    scenario = _scenario("SOCKS-01.http-proxy-works[ws,explicit]")
    with stager.stage(scenario) as staged:  # type: ignore[arg-type]
        assert active_network() is stager.network
        assert [p.host for p in staged.running_proxies.values()] == [NAMESPACE_V4]
        assert staged.server.host == NAMESPACE_V4
        assert virtual_names(staged.call) == []
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("www.example.com", 80)
        argv = inside(["getent", "ahostsv4", "www.example.com"])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert NAMESPACE_V4 in done.stdout
    assert active_network() is None
    assert inside(["true"]) == ["true"]


def test_a_client_going_around_its_proxy_fails_with_the_catch_all_record(
    stager: PrivateStager,
) -> None:
    """Only the catch-all and the DNS log see it: FAIL, with them as evidence."""
    scenario = _scenario("SEL-08.https-proxy-holds-socks5h[ws]")
    with Runner(private=stager) as runner:
        case = runner.run_case(scenario, CommandAgent(WENT_DIRECT))  # type: ignore[arg-type]
    assert case.verdict is Verdict.FAIL
    assert case.observed["caught"][0]["destination"] == "203.0.113.80"
    assert case.observed["caught"][0]["first_bytes"].startswith("GET / HTTP/1.1")
    assert any("went around its proxy" in line for line in case.diff)
    assert any(line.startswith("SOCKS-02: the client resolved") for line in case.diff)


def test_a_command_says_whether_it_runs_unchanged(tmp_path: Path) -> None:
    """``network`` in the describe answer: private, hosts (the default), or an error."""
    assert wants_private_network(CommandAgent(WENT_DIRECT))
    plain = tmp_path / "plain.py"
    plain.write_text('print(\'{"name": "plain"}\')\n')
    assert CommandAgent([sys.executable, str(plain)]).network == "hosts"
    assert not wants_private_network(CommandAgent([sys.executable, str(plain)]))
    bad = tmp_path / "bad.py"
    bad.write_text('print(\'{"name": "bad", "network": "elsewhere"}\')\n')
    assert "network must be one of" in (CommandAgent([sys.executable, str(bad)]).available() or "")


def test_one_namespace_serves_every_case_of_a_runner(missing: Callable[[str], NoReturn]) -> None:
    """The namespace is made at the first case that wants it, and reused after."""
    scenario = _scenario("SEL-08.https-proxy-holds-socks5h[ws]")
    agent = CommandAgent(WENT_DIRECT)
    holders = []
    with Runner() as runner:
        for _ in range(2):
            case = runner.run_case(scenario, agent)  # type: ignore[arg-type]
            assert case.observed["network"] == runner.network
            if runner._private is None:
                missing(f"no private network stage here: {runner.network}")
            holders.append(runner._private.network.holder)
    assert holders[0] is holders[1]
    assert holders[0].returncode is not None


@pytest.mark.interop
def test_the_example_node_agent_gets_the_same_verdicts_in_both_stages(
    stager: PrivateStager, missing: Callable[[str], NoReturn]
) -> None:
    """Where both stages apply, running the client unchanged inside changes no verdict."""
    node = shutil.which("node")
    if node is None or not (NODE_AGENT / "node_modules").is_dir():
        missing("node and npm ci --prefix examples/command-agent-node are needed")
    command = [node, str(NODE_AGENT / "agent.mjs")]
    wrapped = [sys.executable, str(AGENTS / "private.py"), *command]
    sample = all_scenarios()[:: max(1, len(all_scenarios()) // 25)]
    with Runner() as hosts_runner:
        hosts = [hosts_runner.run_case(s, CommandAgent(command)) for s in sample]
    with Runner(private=stager) as private_runner:
        inside_ = [private_runner.run_case(s, CommandAgent(wrapped)) for s in sample]
    assert [(c.scenario_id, c.verdict) for c in inside_] == [
        (c.scenario_id, c.verdict) for c in hosts
    ]
    staged = [c for c in inside_ if c.verdict is not Verdict.NA]
    assert {c.observed.get("network") for c in staged} == {stager.description}


def test_the_broken_agent_refuses_to_run_outside(tmp_path: Path) -> None:
    """Outside a private network, the broken agent dials nothing."""
    request = json.dumps({"request": "exchange", "uri": "ws://www.example.com/", "hosts": {}})
    done = subprocess.run(WENT_DIRECT, input=request, capture_output=True, text=True, timeout=30)
    if "192.0.2.53" in Path("/etc/resolv.conf").read_text():
        pytest.skip("this process runs inside a private network itself")
    assert "not in a private network" in done.stdout
    assert os.environ.get(SWITCH) != "private"


def test_only_the_served_addresses_count_as_loopback_during_a_case(
    stager: PrivateStager,
) -> None:
    """Another documentation address is refused by a fake proxy, never dialed inside."""
    scenario = _scenario("SOCKS-01.http-proxy-works[ws,explicit]")
    with stager.stage(scenario):  # type: ignore[arg-type]
        assert is_contained(NAMESPACE_V4)
        assert not is_contained("203.0.113.80")
    assert not is_contained(NAMESPACE_V4)


def test_the_run_and_its_html_report_name_the_stage() -> None:
    """``network`` survives the JSON form and shows in the HTML header."""
    run = RunResult(agents=("curl",), cases=(), network="private network (root)")
    assert RunResult.from_dict(run.to_dict()).network == "private network (root)"
    assert "<dt>Network</dt><dd>private network (root)</dd>" in render_html(run)


def test_an_https_proxy_reached_by_address_presents_a_certificate_for_it(
    stager: PrivateStager,
) -> None:
    """Without SNI, an https proxy's certificate names the served address (HTTP-04)."""
    scenario = _scenario("HTTP-04.no-sni-for-address[ws,explicit]")
    with stager.stage(scenario) as staged:  # type: ignore[arg-type]
        (proxy,) = staged.running_proxies.values()
        context = staged.call.proxy_ssl
        assert context is not None
        with stager.network.connecting_socket(socket.AF_INET) as sock:
            sock.settimeout(10)
            sock.connect((proxy.host, proxy.port))
            with context.wrap_socket(sock, server_hostname=proxy.host) as tls:
                assert tls.version() is not None
