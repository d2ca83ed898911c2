"""Tests for proxyharness.harness.selftest (the full run is the tox env ``selftest``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from proxyharness.harness import selftest
from proxyharness.harness.agents.broken import CLIENTS
from proxyharness.harness.selftest import Proof, caught_data
from proxyharness.reference_client import client, proxy_url, route, stream, tunnel
from proxyharness.scenarios import RULES

#: One quickly caught client per family of bugs (selection, urls, socks, http, tls, errors).
ONE_PER_FAMILY = [
    "no-bypass",
    "proxy-path-accepted",
    "socks5-no-auth",
    "only-200",
    "tunnel-sni-proxy-name",
    "bare-eof",
]


def _state() -> dict[str, object]:
    """Everything a broken client may patch in the reference client."""
    found: dict[str, object] = {}
    for module in (client, proxy_url, route, stream, tunnel):
        found.update({f"{module.__name__}.{k}": v for k, v in vars(module).items()})
    for cls in (proxy_url.ProxyURL, stream.ByteStream):
        found.update({f"{cls.__name__}.{k}": v for k, v in vars(cls).items()})
    return found


@pytest.fixture
def untouched() -> Iterator[None]:
    """Check that the reference client is as it was once the test is done."""
    before = _state()
    yield
    after = _state()
    assert {k for k in before if after.get(k) is not before[k]} == set()


@pytest.mark.usefixtures("untouched")
def test_clients_are_caught_and_restore_the_reference_client(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A client of each family FAILs its rule; the reference client is left unchanged."""
    arguments = [part for slug in ONE_PER_FAMILY for part in ("--client", slug)]
    assert selftest.main(arguments) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for slug in ONE_PER_FAMILY:
        for rule in CLIENTS[slug].breaks:
            wanted = (f"broken-{slug}", rule, "caught by")
            assert any(all(part in line for part in wanted) for line in lines)
    assert "selftest: passed" in out


#: A rule whose scenarios cannot catch merged trust: HTTP-08 is informational.
UNSEEING = ("HTTP-08",)


def test_escaping_client_does_not_fail(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client the catalog cannot see yet is reported as a defect of the catalog."""
    monkeypatch.setattr(CLIENTS["merged-trust"], "breaks", UNSEEING)
    monkeypatch.setattr(CLIENTS["merged-trust"], "expected_to_escape", "not seen by HTTP-08")
    assert selftest.main(["--client", "merged-trust"]) == 0
    assert "escapes the catalog (a defect of the catalog)" in capsys.readouterr().out


def test_a_client_that_is_not_caught_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client no scenario catches, not marked as escaping, fails the selftest."""
    monkeypatch.setattr(CLIENTS["merged-trust"], "breaks", UNSEEING)
    assert selftest.main(["--client", "merged-trust"]) == 1
    assert "NOT CAUGHT" in capsys.readouterr().out


def test_a_caught_client_marked_as_escaping_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client marked as escaping that a scenario catches must lose its mark."""
    monkeypatch.setattr(CLIENTS["merged-trust"], "expected_to_escape", "stale mark")
    assert selftest.main(["--client", "merged-trust"]) == 1
    assert "remove expected_to_escape" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments",
    [["--client", "no-such-bug"], ["--client", "no-bypass", "--write"]],
)
def test_bad_arguments(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown client, or --write on a partial run, is a usage error."""
    with pytest.raises(SystemExit) as raised:
        selftest.main(arguments)
    assert raised.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_caught_data_lists_every_gated_rule() -> None:
    """The data has every gated rule, empty when it caught nothing, and the escapes."""
    proofs = [
        Proof("broken-a", "SEL-03", "SEL-03.x", 1),
        Proof("broken-b", "SEL-03", "SEL-03.y", 2),
        Proof("broken-c", "HTTP-07", None, 8),
    ]
    data = caught_data(proofs)
    caught = data["caught_by_rule"]
    assert isinstance(caught, dict)
    assert set(caught) == {rule.id for rule in RULES if not rule.info}
    assert caught["SEL-03"] == ["broken-a", "broken-b"]
    assert caught["HTTP-07"] == []
    assert data["escaping"] == {"broken-c": ["HTTP-07"]}


def test_list_names_every_client(capsys: pytest.CaptureFixture[str]) -> None:
    """``--list`` prints each client's slug, the rules it breaks and its bug."""
    assert selftest.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CLIENTS)
    for line, (slug, broken) in zip(lines, CLIENTS.items(), strict=True):
        assert line.startswith(slug)
        assert broken.bug() in line
