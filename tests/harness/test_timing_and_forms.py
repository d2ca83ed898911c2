"""Tests for ERR-01/ERR-02 timing verdicts, resetting ports and secret forms (URL-05)."""

from __future__ import annotations

import base64
import socket

import pytest

from proxyharness.harness.client_texts import exception_texts
from proxyharness.harness.observe import AgentOutcome, Observation
from proxyharness.harness.staging import ResettingPort
from proxyharness.harness.staging.passwords import credentials_in, secret_forms
from proxyharness.harness.verdicts import PROMPT, duration_limit, judge
from proxyharness.scenarios.model import ANY, Expect, Scenario


def _observation(**extra: object) -> Observation:
    return Observation(
        route="nowhere", proxy=None, protocol=None, address_type=None, target_host=None,
        credentials=None, proxy_sni=None, server_sni=None, connect_headers={},
        error="proxy-refused", echo=False, extra=dict(extra),
    )  # fmt: skip


def _judge(rule: str, took: float, **extra: object) -> tuple[str, ...]:
    outcome = AgentOutcome(error_type="E", error_text="e", judged_duration=took)
    expect = Expect(error=ANY, echo=False)
    scenario = Scenario(id=f"{rule}.x", rule=rule, description="")
    return judge(scenario, expect, _observation(**extra), outcome, open_timeout=0.25).diff


@pytest.mark.parametrize(
    ("rule", "timeout", "limit"),
    [("ERR-01", 5.0, PROMPT), ("ERR-02", 0.25, 0.75), ("ERR-02", 4.0, 6.0), ("ERR-03", 1, None)],
)
def test_duration_limit(rule: str, timeout: float, limit: float | None) -> None:
    """Prompt is 1 s; a timeout may run over by half of it, at least 0.5 s."""
    assert duration_limit(rule, timeout) == limit


def test_slow_failure_fails_only_its_rule() -> None:
    """Over the limit is a diff line for ERR-01/02 only; under it is none."""
    assert _judge("ERR-01", 1.5) == ("ERR-01: the failure took 1.50 s, more than the 1 s allowed",)
    assert _judge("ERR-01", 0.2) == ()
    assert _judge("ERR-02", 0.9)[0].startswith("ERR-02: the failure took 0.90 s")
    assert _judge("ERR-03", 9.0) == ()


def test_retries_of_a_resetting_port_fail() -> None:
    """More than one connection to a resetting port is a retry loop (ERR-01)."""
    assert _judge("ERR-01", 0.1, refused_attempts={"P": 1}) == ()
    assert _judge("ERR-01", 0.1, refused_attempts={"P": 3}) == (
        "ERR-01: the client connected 3 times to proxy P, which reset each connection "
        "(a retry loop)",
    )


def test_resetting_port_counts_and_resets() -> None:
    """Each connection is accepted, counted and reset."""
    port = ResettingPort.start()
    try:
        for _ in range(2):
            with pytest.raises(ConnectionResetError):  # at connect or at the first read
                _read_one_byte(port)
        assert len(port.accepted) == 2
    finally:
        port.close()


def _read_one_byte(port: ResettingPort) -> None:
    with socket.create_connection((port.host, port.port), timeout=5) as sock:
        sock.settimeout(5)
        if not sock.recv(1):
            raise AssertionError("an orderly close, not a reset")


def test_secret_forms() -> None:
    """Every written form of a password, by name; the raw one is not among them."""
    forms = secret_forms({("user", "pä:ss€")})
    assert forms["p%C3%A4%3Ass%E2%82%AC"] == "percent-encoded form"
    assert forms["p\\u00e4:ss\\u20ac"] == "JSON-escaped form"
    assert forms["p\\xc3\\xa4:ss\\xe2\\x82\\xac"] == "UTF-8 bytes form"
    assert forms[base64.b64encode("user:pä:ss€".encode()).decode()] == "Basic token"
    assert "pä:ss€" not in forms


def test_credentials_in_urls() -> None:
    """User and password pairs are read from URLs, percent-decoded."""
    found = credentials_in({"https_proxy": "http://u%40x:p%3A1@h:1"}, ["socks5://a@b"])
    assert found == {("u@x", "p:1")}


def test_exception_texts_cover_the_chain() -> None:
    """repr, args and notes of an exception and of every chained one."""
    try:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer", "arg") from None
    except ValueError as exc:
        exc.add_note("a note")
        texts = dict(exception_texts(exc))
    assert texts["error args"] == "('outer', 'arg')"
    assert texts["error notes"] == "a note"
    assert texts["chained exception"] == "'inner'"


def test_out_of_process_clock_starts_at_the_fake_proxys_first_connection() -> None:
    """For curl and command agents, the rule's clock starts at the first connection."""
    import types

    from proxyharness.fixtures import HttpProxy
    from proxyharness.harness.agents.curl_agent import CurlAgent
    from proxyharness.harness.runner import _judged_duration
    from proxyharness.harness.worker import RawCall

    raw = RawCall(started=100.0, duration=3.0)  # the process took 3 s, start-up included
    with HttpProxy() as proxy:
        staged: object = types.SimpleNamespace(proxies={"P": proxy})
        assert _judged_duration(CurlAgent(), raw, staged) is None  # nothing on the wire
        proxy.log.begin({"peer": ("127.0.0.1", 1)})
        first = proxy.first_connection_at
        assert first is not None
        took = _judged_duration(CurlAgent(), raw, staged)  # type: ignore[arg-type]
        assert took == pytest.approx(103.0 - first)
