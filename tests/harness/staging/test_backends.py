"""Tests for harness.staging.backends: the N/A table, and mitmproxy agreeing with the fakes."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from proxyharness.harness.agents import Agent, load_agents
from proxyharness.harness.results import CaseResult, Verdict
from proxyharness.harness.runner import Runner, run
from proxyharness.harness.staging import Stager, Unavailable
from proxyharness.harness.staging.backends import (
    BACKENDS,
    MitmBackend,
    make_backend,
    mitm_unsupported,
)
from proxyharness.scenarios import all_scenarios
from proxyharness.scenarios.model import Expect, Given, ProxySpec, Scenario

CATALOG = {scenario.id: scenario for scenario in all_scenarios()}
#: Scenarios both backends can play.
SHARED = [sid for sid, scenario in CATALOG.items() if mitm_unsupported(scenario) is None]
#: Proxy record fields both backends record. Left out: where the connection came from
#: and went (listener, peer), what mitmproxy does not expose (offered_methods, byte
#: counts), free text (detail, reply: mitmproxy words an RFC 1929 refusal its own way)
#: and injected faults (mitmproxy has none).
WIRE_FIELDS = (
    "protocol",
    "proxy_tls",
    "target_host",
    "target_port",
    "address_type",
    "auth_method",
    "username",
    "password",
    "request_line",
    "headers",
    "dialed",
    "inner_tls",
    "outcome",
)
_PORT = re.compile(r"(?::|closed port )(\d+)$")
TIMEOUT = 180


def scenario(proxies: dict[str, ProxySpec], rule: str = "HTTP-01") -> Scenario:
    """A one-off scenario through proxy ``P`` (the first one)."""
    return Scenario(
        id=f"{rule}.backend-test",
        rule=rule,
        description="test",
        given=Given(proxy="{P.url}"),
        expect=Expect(route="proxy", proxy="P"),
        proxies=proxies,
    )


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (ProxySpec("http"), None),
        (ProxySpec("https", url_host="proxy.example", trusted=False), None),
        (ProxySpec("socks5", auth=("alice", "p@ss/w%rd"), url_scheme="socks5h"), None),
        (ProxySpec("socks5", auth=("alice", "pw"), methods=(2,)), None),
        (ProxySpec("socks4", closed=True), None),
        (ProxySpec("socks4", url_scheme="socks4a"), "no SOCKS4 or SOCKS4a"),
        (ProxySpec("http", fault="silence"), "fault 'silence': it cannot accept and then never"),
        (
            ProxySpec("socks5", fault="reply:5"),
            "fault 'reply:5': it cannot answer with a chosen status",
        ),
        (ProxySpec("http", fault="close_after:10"), "fault 'close_after:10'"),
        (ProxySpec("http", fault="garbage"), "fault 'garbage'"),
        (ProxySpec("http", fault="http_version:HTTP/1.0"), "HTTP/1.1 only"),
        (ProxySpec("http", fault="dial_fails"), "fault 'dial_fails'"),
        (ProxySpec("http", fault="delay:0.1"), "cannot delay"),
        (ProxySpec("http", fault="flaky"), "fault 'flaky': it has no fault injection"),
        (ProxySpec("socks5", methods=(1,)), "methods (1,): it has no GSSAPI"),
        (ProxySpec("socks5", methods=(2,)), "methods (2,): it picks methods from its credentials"),
        (ProxySpec("http", auth=("alice", "p:q")), "a ':' in the credentials"),
        (ProxySpec("http", auth=("alice", "")), "an empty user or password"),
        (ProxySpec("http", url_scheme="https"), "https:// to an http proxy"),
        (ProxySpec("https", url_scheme="http"), "http:// to an https proxy"),
        (ProxySpec("http", url_host="::1"), "proxy host ::1: it listens on 127.0.0.1 only"),
        (ProxySpec("https", certificate="expired"), "certificate 'expired': it presents"),
        (ProxySpec("https", certificate="other-hop-ca"), "certificate 'other-hop-ca'"),
    ],
)
def test_mitm_limits(spec: ProxySpec, reason: str | None) -> None:
    """Each ProxySpec mitmproxy cannot play gives its precise reason; others give None."""
    found = mitm_unsupported(scenario({"P": spec}))
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith("mitmproxy cannot play proxy P: ")
        assert reason in found


@pytest.mark.parametrize(
    ("proxies", "reason"),
    [
        ({"P": ProxySpec("http", auth=("a", "b")), "Q": ProxySpec("socks5")}, "one set of cred"),
        ({"P": ProxySpec("https"), "Q": ProxySpec("https", trusted=False)}, "one CA"),
        ({"P": ProxySpec("https"), "Q": ProxySpec("https", trusted=False, closed=True)}, None),
        ({"P": ProxySpec("http"), "Q": ProxySpec("http"), "R": ProxySpec("socks5")}, None),
    ],
)
def test_mitm_scenario_limits(proxies: dict[str, ProxySpec], reason: str | None) -> None:
    """One mitmproxy serves every listener: one set of credentials, one CA."""
    found = mitm_unsupported(scenario(proxies))
    assert found is None if reason is None else reason in (found or "")


def test_catalog_split() -> None:
    """Every scenario whose proxies are plain HTTP, HTTPS or SOCKS5 ones is shared.

    Except on a default port: mitmproxy would dial the port the client sent.
    """
    plain = [
        sid
        for sid, s in CATALOG.items()
        if all(
            p.kind != "socks4" and not p.fault and not p.methods and p.certificate == "valid"
            for p in s.proxies.values()
        )
        and not (s.target.default_port and s.proxies)
    ]
    assert set(plain) <= set(SHARED)


def test_unknown_backend() -> None:
    """Backends are chosen by name; the fakes are the default."""
    assert BACKENDS[0] == "fakes"
    with Stager() as stager:
        assert stager.backend.name == "fakes"
        with pytest.raises(ValueError, match="unknown backend 'squid'"):
            make_backend("squid", stager.pool)


def proxyharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``proxyharness`` command."""
    command = [sys.executable, "-m", "proxyharness", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def test_cli_refuses_unknown_backend(tmp_path: Path) -> None:
    """``run --backend`` names a backend; an unknown one is a usage error."""
    result = proxyharness("run", "--backend", "squid", cwd=tmp_path)
    assert result.returncode == 4
    assert "unknown 'squid' (known: fakes, mitmproxy)" in result.stdout + result.stderr


# -- mitmproxy against the fakes ----------------------------------------------------------


def need_mitmproxy(missing: Callable[[str], NoReturn]) -> None:
    """Skip without mitmproxy, or fail when ``PROXYHARNESS_REQUIRE_INTEROP=1``."""
    if importlib.util.find_spec("mitmproxy") is None:
        missing("mitmproxy is not installed (pip install proxyharness[mitmproxy])")


@pytest.fixture(scope="module")
def reference() -> Agent:
    (agent,) = load_agents(["reference"])
    return agent


@pytest.fixture(scope="module")
def fakes() -> Iterator[Runner]:
    with Runner() as runner:
        yield runner


@pytest.fixture(scope="module")
def mitm(missing: Callable[[str], NoReturn]) -> Iterator[Runner]:
    need_mitmproxy(missing)
    with Runner(stager=Stager(backend="mitmproxy")) as runner:
        yield runner


def ports_of(case: CaseResult) -> set[int]:
    """Every port of the case's servers and proxies (they differ between backends)."""
    texts = [str(url) for url in case.observed.get("listeners", {}).values()]
    texts += [str(record["listener"]) for record in case.wire]
    ports = {int(m.group(1)) for text in texts if (m := _PORT.search(text))}
    for record in case.wire:
        if record.get("dialed"):
            ports.add(int(record["dialed"][1]))
        if record.get("target_port"):
            ports.add(int(record["target_port"]))
    return ports


def masked(value: Any, ports: set[int]) -> Any:
    """``value`` with every port in ``ports`` replaced by ``<port>``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return "<port>" if value in ports else value
    if isinstance(value, str):
        for port in ports:
            value = re.sub(rf"(?<!\d){port}(?!\d)", "<port>", value)
        return value
    if isinstance(value, list | tuple):
        return [masked(item, ports) for item in value]
    if isinstance(value, dict):
        return {key: masked(item, ports) for key, item in value.items()}
    return value


def comparable(case: CaseResult) -> dict[str, Any]:
    """The verdict, the observation and the proxies' records, ports masked."""
    records = [
        {name: record.get(name) for name in WIRE_FIELDS}
        for record in case.wire
        if record["source"] != "server"
    ]
    # How long it took is timing, and an error the scenario leaves open may depend on it.
    unchecked = {"duration", *(() if "error" in case.expected else ("error",))}
    observed = {name: value for name, value in case.observed.items() if name not in unchecked}
    view = {"verdict": case.verdict.value, "observed": observed, "proxy records": records}
    return dict(masked(view, ports_of(case)))


def differing(fakes: dict[str, Any], mitmproxy: dict[str, Any]) -> list[str]:
    """One line per field that differs between two :func:`comparable` views."""
    names = sorted(set(fakes["observed"]) | set(mitmproxy["observed"]))
    pairs = [
        (f"observed {n}", fakes["observed"].get(n), mitmproxy["observed"].get(n)) for n in names
    ]
    pairs += [(name, fakes[name], mitmproxy[name]) for name in ("verdict", "proxy records")]
    return [f"{name}: fakes {a!r}, mitmproxy {b!r}" for name, a, b in pairs if a != b]


@pytest.mark.interop
@pytest.mark.parametrize("scenario_id", SHARED)
def test_agrees_with_fakes(scenario_id: str, fakes: Runner, mitm: Runner, reference: Agent) -> None:
    """For the reference client, mitmproxy gives the fakes' verdict and observation."""
    shared = CATALOG[scenario_id]
    expected = comparable(fakes.run_case(shared, reference))
    observed = comparable(mitm.run_case(shared, reference))
    differences = differing(expected, observed)
    assert not differences, "\n".join(differences)


@pytest.mark.interop
def test_what_mitmproxy_cannot_play_is_na(mitm: Runner, reference: Agent) -> None:
    """Every other catalog scenario is N/A on mitmproxy, with the table's reason."""
    for sid, unshared in CATALOG.items():
        if sid in SHARED:
            continue
        case = mitm.run_case(unshared, reference)
        assert case.verdict is Verdict.NA, sid
        assert str(mitm_unsupported(unshared)) in case.reason


@pytest.mark.interop
def test_run_says_mitmproxy(mitm: Runner, reference: Agent) -> None:
    """A run on the mitmproxy backend says so in its result."""
    result = run([CATALOG[SHARED[0]]], [reference], runner=mitm)
    assert result.backend == "mitmproxy"
    assert result.cases[0].verdict in (Verdict.PASS, Verdict.INFO)


@pytest.mark.interop
def test_lingering_connection_restarts_mitmproxy(mitm: Runner) -> None:
    """A connection left open on a listener is noted, and that mitmproxy is replaced."""
    backend = mitm.stager.backend
    assert isinstance(backend, MitmBackend)
    through = scenario({"P": ProxySpec("http")})
    with mitm.stager.stage(through) as staged:
        started = backend.starts
        port = staged.names["P"].port
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            staged.settle(timeout=0.1)
            assert staged.lingering == [f"http://127.0.0.1:{port}"]
    with mitm.stager.stage(through) as staged:
        assert backend.starts == started + 1
        assert staged.proxy_records() == []


@pytest.mark.interop
def test_fixed_port_taken(mitm: Runner) -> None:
    """A fixed port taken meanwhile makes the case N/A, at once."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        fixed = dataclasses.replace(
            scenario({"P": ProxySpec("http")}), requires=frozenset({f"bind-port-{port}"})
        )
        with (
            pytest.raises(Unavailable, match=f"mitmproxy cannot listen on port {port}"),
            mitm.stager.stage(fixed),
        ):
            pass


@pytest.mark.interop
def test_cli_backend(tmp_path: Path, missing: Callable[[str], NoReturn]) -> None:
    """``run --backend mitmproxy``: shared scenarios run, SOCKS4 is N/A, the run says so."""
    need_mitmproxy(missing)
    report = tmp_path / "report"
    result = proxyharness(
        "run", "--backend", "mitmproxy", "-k", "SOCKS-02", "--report", str(report), "-n", "2",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    index = json.loads((report / "index.json").read_text("utf-8"))
    assert index["backend"] == "mitmproxy"
    verdicts = {case["scenario_id"]: case["verdict"] for case in index["cases"]}
    assert verdicts["SOCKS-02.socks5h[ws]"] == "PASS"
    assert verdicts["SOCKS-02.socks4[ws]"] == "N/A"
