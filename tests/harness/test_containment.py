"""Containment: caught connections and DNS queries judged on top of the wire fields."""

from __future__ import annotations

from proxyharness.fixtures.netns.catchall import CaughtConnection
from proxyharness.fixtures.netns.dns import DnsQuery
from proxyharness.harness.containment import containment_lines, judge_containment
from proxyharness.harness.results import REDACTED, Verdict
from proxyharness.harness.verdicts import Judgement
from proxyharness.scenarios.model import Expect, Scenario

CAUGHT = CaughtConnection("203.0.113.80", 443, b"\x16\x03\x01 hello")
ASKED = DnsQuery("www.example.com", "A", ("192.0.2.10",))
VIA_SOCKS5H = Expect(route="proxy", protocol="socks5", address_type="domain")
SCENARIO = Scenario("X-01.case", "X-01", "a case")


def test_a_caught_connection_fails_a_proxy_route() -> None:
    """Expected through a proxy, a caught connection is a line with its record."""
    lines = containment_lines(SCENARIO, Expect(route="proxy"), [CAUGHT], [])
    assert lines == [
        "route: the client went around its proxy: a connection to 203.0.113.80:443 was caught"
        " (first bytes: \\x16\\x03\\x01 hello)"
    ]


def test_a_caught_connection_is_only_recorded_elsewhere() -> None:
    """A direct route (or none expected) does not judge what was caught."""
    assert containment_lines(SCENARIO, Expect(route="direct"), [CAUGHT], []) == []


def test_resolving_the_name_a_socks5h_proxy_must_resolve_fails() -> None:
    """SOCKS-02: a query for the target's name when the proxy must resolve it."""
    lines = containment_lines(SCENARIO, VIA_SOCKS5H, [], [ASKED, ASKED])
    assert lines == [
        "SOCKS-02: the client resolved www.example.com itself (DNS A) "
        "instead of leaving it to the proxy"
    ]
    other = DnsQuery("proxy.example", "A", ("192.0.2.10",))
    assert containment_lines(SCENARIO, VIA_SOCKS5H, [], [other]) == []
    assert containment_lines(SCENARIO, Expect(route="proxy", protocol="socks5"), [], [ASKED]) == []


def test_judge_containment_turns_a_pass_into_a_fail_with_the_evidence() -> None:
    """The observation gets ``caught`` and ``dns_queries``; a line makes PASS a FAIL."""
    passed = Judgement(Verdict.PASS, {}, {"route": "proxy"}, ())
    judged = judge_containment(
        passed, SCENARIO, Expect(route="proxy"), [CAUGHT], [ASKED], frozenset()
    )
    assert judged.verdict is Verdict.FAIL
    assert judged.observed["caught"] == [CAUGHT.to_dict()]
    assert judged.observed["dns_queries"] == [ASKED.to_dict()]
    clean = judge_containment(passed, SCENARIO, Expect(route="proxy"), [], [], frozenset())
    assert clean.verdict is Verdict.PASS
    assert clean.observed["caught"] == []


def test_an_info_case_stays_info_and_passwords_are_redacted() -> None:
    """Informational rules keep INFO; a password in the first bytes never shows."""
    leaked = CaughtConnection("203.0.113.80", 80, b"GET / HTTP/1.1\r\nAuthorization: s3cret\r\n")
    info = Judgement(Verdict.INFO, {}, {}, (), "informational")
    judged = judge_containment(
        info, SCENARIO, Expect(route="proxy"), [leaked], [], frozenset({"s3cret"})
    )
    assert judged.verdict is Verdict.INFO
    assert "s3cret" not in repr(judged)
    assert REDACTED in judged.observed["caught"][0]["first_bytes"]
