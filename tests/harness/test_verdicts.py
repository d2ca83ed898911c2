"""Tests for proxyharness.harness.verdicts."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from proxyharness.harness.observe import AgentOutcome, Observation
from proxyharness.harness.results import REDACTED, Verdict
from proxyharness.harness.verdicts import judge, redact, redact_value
from proxyharness.scenarios.model import ANY, Expect, Scenario

#: What a client tunnelled through proxy A observed.
THROUGH_A = Observation(
    route="proxy",
    proxy="A",
    protocol="http",
    address_type="domain",
    target_host="www.example.com",
    credentials=("user", "p@ss"),
    proxy_sni=None,
    server_sni="www.example.com",
    connect_headers={"Host": "www.example.com:1", "Proxy-Authorization": "Basic dXNlcjpwQHNz"},
    error=None,
    echo=True,
    proxies_seen=("A",),
    proxy_connections=1,
    server_connections=1,
)
ECHOED = AgentOutcome(echo="hello")
SCENARIO = Scenario("HTTP-02.x", "HTTP-02", "test")
PASSWORDS = frozenset({"p@ss", "p%40ss"})


def observed(**changes: Any) -> Observation:
    """THROUGH_A with some fields changed."""
    return dataclasses.replace(THROUGH_A, **changes)


@pytest.mark.parametrize(
    ("expect", "observation", "diff"),
    [
        (Expect(route="proxy", proxy="A"), THROUGH_A, ()),
        (Expect(), THROUGH_A, ()),  # everything ANY but error=None and echo
        (
            Expect(route="proxy", proxy="A"),
            observed(route="direct", proxy=None, proxies_seen=()),
            ("route: expected 'proxy', observed 'direct'", "proxy: expected 'A', observed none"),
        ),
        (
            Expect(address_type="ipv4", target_host="127.0.0.1"),
            THROUGH_A,
            (
                "address_type: expected 'ipv4', observed 'domain'",
                "target_host: expected '127.0.0.1', observed 'www.example.com'",
            ),
        ),
        (Expect(proxy_sni=None, server_sni="www.example.com"), THROUGH_A, ()),
        (
            Expect(connect_headers={"host": "www.example.com:1", "User-Agent": "x"}),
            THROUGH_A,
            ("CONNECT header User-Agent: expected 'x', observed none",),
        ),
        (
            Expect(error=None),
            observed(echo=False),
            ("echo: expected the message back, observed none",),
        ),
        (Expect(error=ANY, echo=False), observed(echo=False, error="timeout"), ()),
        (
            Expect(error=None),
            observed(echo=False, error="timeout"),
            (
                "error: expected none, observed 'timeout'",
                "echo: expected the message back, observed none",
            ),
        ),
    ],
)
def test_fields(expect: Expect, observation: Observation, diff: tuple[str, ...]) -> None:
    """Every expected field is compared; ANY is not; each difference is one line."""
    judgement = judge(SCENARIO, expect, observation, ECHOED, passwords=PASSWORDS)
    assert judgement.diff == diff
    assert judgement.verdict is (Verdict.FAIL if diff else Verdict.PASS)


def test_expected_error() -> None:
    """An error kind is compared, and the client's message shown with the difference."""
    outcome = AgentOutcome(error_type="OSError", error_text="OSError: boom", raw_kind="x")
    judgement = judge(
        SCENARIO, Expect(error="proxy-refused"), observed(error="server-failed"), outcome
    )
    assert judgement.diff == (
        "error: expected 'proxy-refused', observed 'server-failed' (OSError: boom)",
    )


@pytest.mark.parametrize(
    ("credentials", "shown"),
    [
        (
            ("user", "p%40ss"),
            ["user", f"{REDACTED} (the percent-encoded form of the expected password)"],
        ),
        (("user", "other"), ["user", f"{REDACTED} (a different password, 5 characters)"]),
        (None, None),
    ],
)
def test_credentials_never_shown(credentials: Any, shown: Any) -> None:
    """A wrong password is described, never written, in the diff and the observation."""
    judgement = judge(
        SCENARIO,
        Expect(credentials=("user", "p@ss")),
        observed(credentials=credentials),
        ECHOED,
        passwords=PASSWORDS,
    )
    assert judgement.verdict is Verdict.FAIL
    assert judgement.observed["credentials"] == shown
    assert judgement.expected["credentials"] == ["user", REDACTED]
    assert "p@ss" not in repr(judgement)
    assert "p%40ss" not in repr(judgement)


def test_socks4_credentials_compare_the_user_name() -> None:
    """SOCKS4 carries no password: the user name alone is compared."""
    judgement = judge(
        SCENARIO, Expect(credentials=("user", "p@ss")), observed(credentials=("user", None)), ECHOED
    )
    assert judgement.verdict is Verdict.PASS


def test_proxy_authorization_is_redacted() -> None:
    """The observed CONNECT headers keep Proxy-Authorization's scheme only."""
    judgement = judge(SCENARIO, Expect(), THROUGH_A, ECHOED, passwords=PASSWORDS)
    assert judgement.observed["connect_headers"]["Proxy-Authorization"] == f"Basic {REDACTED}"


def test_origin_server_saw_proxy_authorization() -> None:
    """HTTP-02 is checked in every case."""
    judgement = judge(SCENARIO, Expect(), observed(leaked_proxy_authorization=1), ECHOED)
    assert judgement.diff == ("HTTP-02: the origin server received a Proxy-Authorization header",)


@pytest.mark.parametrize(
    ("host", "line", "diff"),
    [
        ("www.example.com", "CONNECT www.example.com:1 HTTP/1.1", ()),
        ("::1", "CONNECT [::1]:1 HTTP/1.1", ()),
        (
            "www.example.com",
            "CONNECT www.example.com:1 HTTP/1.0",
            (
                "HTTP-01: the request line is 'CONNECT www.example.com:1 HTTP/1.0', "
                "not 'CONNECT www.example.com:1 HTTP/1.1'",
            ),
        ),
        (
            "www.example.com",
            "GET ws://www.example.com:1/ HTTP/1.1",
            (
                "HTTP-01: the request line is 'GET ws://www.example.com:1/ HTTP/1.1', "
                "not 'CONNECT www.example.com:1 HTTP/1.1'",
            ),
        ),
    ],
)
def test_connect_request_line(host: str, line: str, diff: tuple[str, ...]) -> None:
    """HTTP-01 is checked in every case an HTTP proxy parsed a request."""
    observation = observed(target_host=host, extra={"target_port": 1, "request_line": line})
    assert judge(SCENARIO, Expect(), observation, ECHOED).diff == diff


@pytest.mark.parametrize(
    ("outcome", "line"),
    [
        (
            AgentOutcome(error_type="E", error_text="E: http://user:p@ss@h failed", raw_kind="x"),
            "URL-05: the client's error shows a proxy password",
        ),
        (
            AgentOutcome(echo="hello", logs=("connecting to http://user:p%40ss@h",)),
            "URL-05: the client's log shows a proxy password",
        ),
    ],
)
def test_password_in_error_or_log(outcome: AgentOutcome, line: str) -> None:
    """URL-05 is checked in every case, and the message is redacted."""
    judgement = judge(SCENARIO, Expect(error=ANY), THROUGH_A, outcome, passwords=PASSWORDS)
    assert line in judgement.diff
    assert judgement.verdict is Verdict.FAIL


def test_short_passwords_are_not_searched() -> None:
    """A two-letter password would match ordinary words."""
    outcome = AgentOutcome(error_type="E", error_text="E: proxy rejected", raw_kind="x")
    judgement = judge(SCENARIO, Expect(error=ANY), THROUGH_A, outcome, passwords=frozenset({"ro"}))
    assert judgement.verdict is Verdict.PASS


def test_info_is_never_fail() -> None:
    """An info scenario records the observation, differences included."""
    scenario = dataclasses.replace(SCENARIO, info=True)
    judgement = judge(scenario, Expect(route="direct"), THROUGH_A, ECHOED)
    assert judgement.verdict is Verdict.INFO
    assert judgement.diff == ("route: expected 'direct', observed 'proxy'",)
    assert "informational" in judgement.reason


def test_hung() -> None:
    """A call cut off is FAIL "agent hung"."""
    outcome = AgentOutcome(hung=True, error_type="hung", error_text="agent hung")
    judgement = judge(SCENARIO, Expect(), observed(error="hung", echo=False), outcome)
    assert (judgement.verdict, judgement.reason) == (Verdict.FAIL, "agent hung")


@pytest.mark.parametrize(("rule", "verdict"), [("ERR-04", Verdict.FAIL), ("ERR-01", Verdict.PASS)])
def test_leaks_gate_only_err04(rule: str, verdict: Verdict) -> None:
    """Leaks are recorded everywhere and fail ERR-04 scenarios only."""
    scenario = dataclasses.replace(SCENARIO, rule=rule)
    judgement = judge(scenario, Expect(), THROUGH_A, ECHOED, leaks=("1 socket(s) left open",))
    assert judgement.verdict is verdict
    assert judgement.observed["leaks"] == ["1 socket(s) left open"]


def test_explanation_mentions() -> None:
    """DIAG-01: every word asked for must appear in the explanation (any case)."""
    judgement = judge(
        SCENARIO,
        Expect(),
        THROUGH_A,
        ECHOED,
        explanation="picked by WSS_PROXY",
        mentions=("wss_proxy", "no_proxy"),
    )
    assert judgement.diff == ("explanation: does not mention 'no_proxy'",)


def test_redact() -> None:
    """Longer passwords go first, so a password containing another is hidden whole."""
    assert redact("a p@ss and p@ssword", {"p@ss", "p@ssword"}) == f"a {REDACTED} and {REDACTED}"
    assert redact_value(
        {"password": "x", "headers": [["Proxy-Authorization", "Basic abc"]], "n": 1}, ()
    ) == {"password": REDACTED, "headers": [["Proxy-Authorization", f"Basic {REDACTED}"]], "n": 1}


REJECTED_407 = AgentOutcome(
    error_type="ProxyRejected",
    error_text="proxy http://127.0.0.1:1 rejected the tunnel: HTTP 407 Proxy Authentication",
    raw_kind="proxy-rejected",
)


@pytest.mark.parametrize(
    ("mentions", "outcome", "diff"),
    [
        (("407",), REJECTED_407, ()),
        (("proxy authentication",), REJECTED_407, ()),  # case-insensitive
        (("403",), REJECTED_407, ("error_mentions: the error does not mention '403'",)),
        (
            ("407",),
            dataclasses.replace(REJECTED_407, error_text="the proxy refused the tunnel"),
            ("error_mentions: the error does not mention '407'",),
        ),
        # A number inside a longer one (here a port) is no mention of it.
        (
            ("404",),
            dataclasses.replace(REJECTED_407, error_text='Get "https://a.test:34041/": Not Found'),
            ("error_mentions: the error does not mention '404'",),
        ),
        (("404",), dataclasses.replace(REJECTED_407, error_text="a.test:1: status 404."), ()),
        (("404",), dataclasses.replace(REJECTED_407, error_text="(404)Not Found"), ()),
    ],
)
def test_error_mentions(
    mentions: tuple[str, ...], outcome: AgentOutcome, diff: tuple[str, ...]
) -> None:
    """error_mentions: every word must appear in the client's error text."""
    expect = Expect(error="proxy-rejected", echo=False, error_mentions=mentions)
    observation = observed(error="proxy-rejected", echo=False)
    judgement = judge(SCENARIO, expect, observation, outcome)
    assert judgement.diff == diff
    assert judgement.expected["error_mentions"] == list(mentions)


def test_error_mentions_need_an_error() -> None:
    """Without an error, only the error field differs (no line per missing word)."""
    expect = Expect(error="proxy-rejected", echo=False, error_mentions=("407",))
    judgement = judge(SCENARIO, expect, THROUGH_A, ECHOED)
    assert judgement.diff == ("error: expected 'proxy-rejected', observed none",)


@pytest.mark.parametrize(
    ("want", "sent", "diff"),
    [
        (False, False, ()),
        (False, True, ("sent_after_refusal: the client sent bytes past the proxy's refusal",)),
        (True, False, ("sent_after_refusal: the client sent nothing past the proxy's refusal",)),
        (ANY, True, ()),
    ],
)
def test_sent_after_refusal(want: Any, sent: bool, diff: tuple[str, ...]) -> None:
    """sent_after_refusal is compared when expected, and always shown."""
    expect = Expect(error=ANY, echo=False, sent_after_refusal=want)
    judgement = judge(SCENARIO, expect, observed(sent_after_refusal=sent), ECHOED)
    assert judgement.diff == diff
    assert judgement.observed["sent_after_refusal"] is sent
