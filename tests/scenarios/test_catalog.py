"""Tests for proxyharness.scenarios.catalog: the whole catalog, as data."""

from __future__ import annotations

import ipaddress
import re
import string
import subprocess
import sys
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proxyharness import scenarios as package
from proxyharness.reference_client.errors import KINDS
from proxyharness.scenarios import (
    ANY,
    CAPABILITIES,
    EXPLANATION_MENTIONS,
    OPTION_CAPABILITIES,
    RULES,
    RULES_BY_ID,
    Scenario,
    all_scenarios,
    rule_counts,
    scenarios_for,
)
from proxyharness.scenarios import catalog as catalog_module
from proxyharness.scenarios.families import os_profiles, selection
from proxyharness.scenarios.matrix import SPELLINGS
from proxyharness.scenarios.rules import rule_index

CATALOG = all_scenarios()
IDS_FILE = Path(__file__).with_name("catalog_ids.txt")
#: Kinds a scenario may expect: the client's, but "closed" (it comes after opening).
EXPECTED_KINDS = KINDS - {"closed"}
#: Client options the agents know (harness.agents); anything else would be N/A.
OPTIONS = {"open_timeout", "proxy_server_hostname", "additional_headers", "caller_socket"}
ENDPOINT_FIELDS = {"url", "netloc", "host", "port"}
FIXED_NAMES = {"server": {"host", "port", "url"}, "closed": {"port"}}
_FORMATTER = string.Formatter()


def by_id(scenario: Scenario) -> str:
    """pytest ID of a scenario."""
    return scenario.id


def templates(scenario: Scenario) -> Iterator[tuple[str, str]]:
    """Every template string of a scenario, with where it is."""
    given = scenario.given
    for name, value in given.env.items():
        yield f"env {name}", value
    if isinstance(given.proxy, str):
        yield "proxy", given.proxy
    yield from _strings("os", given.os.settings)
    yield from _strings("options", given.options)
    if isinstance(scenario.expect.target_host, str):
        yield "expect.target_host", scenario.expect.target_host
    for name, value in scenario.expect.connect_headers.items():
        yield f"expect header {name}", value


def _strings(where: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif hasattr(value, "items"):
        for key, item in value.items():
            yield from _strings(f"{where}.{key}", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(f"{where}[{index}]", item)


def fields(text: str) -> list[str]:
    """The replacement fields of a template (raises on a malformed one)."""
    return [name for _, name, _, _ in _FORMATTER.parse(text) if name is not None]


# -- coverage and identity ----------------------------------------------------------------


def test_every_rule_has_a_scenario(spec_rules: dict[str, tuple[bool, bool]]) -> None:
    """Every rule ID (DIAG-01 included) has at least one scenario."""
    counts = rule_counts()
    assert set(spec_rules) | {"DIAG-01"} <= {rule for rule, n in counts.items() if n}
    assert all(counts[rule.id] >= 1 for rule in RULES)
    assert sum(counts.values()) == len(CATALOG)


def test_size_is_in_the_low_hundreds() -> None:
    """The runner targets 100 scenarios/s: the catalog stays a few hundred."""
    assert 250 <= len(CATALOG) <= 600


def test_ids_are_unique_and_well_formed() -> None:
    """IDs are RULE.slug[labels], unique, and start with their rule."""
    pattern = re.compile(r"[A-Z]+-\d\d\.[a-z0-9][a-z0-9.-]*(\[[a-z0-9.-]+(,[a-z0-9.-]+)*\])?")
    duplicates = [i for i, n in Counter(s.id for s in CATALOG).items() if n > 1]
    assert duplicates == []
    for scenario in CATALOG:
        assert pattern.fullmatch(scenario.id), scenario.id
        assert scenario.id.startswith(scenario.rule + ".")


def test_ids_are_stable() -> None:
    """IDs match the committed list (baselines name them): update it on purpose.

    Regenerate with: python -c "from proxyharness.scenarios import all_scenarios;
    print('\\n'.join(s.id for s in all_scenarios()))" > tests/scenarios/catalog_ids.txt
    """
    assert [s.id for s in CATALOG] == IDS_FILE.read_text(encoding="utf-8").split()


def test_ids_do_not_depend_on_the_python_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flipping the version-dependent facts changes expectations, never IDs."""
    before = [s.id for family in catalog_module.FAMILY_CATALOGS for s in family()]
    for module, name in (
        (selection, "MACOS_REPORTS_SOCKS"),
        (os_profiles, "MACOS_REPORTS_SOCKS"),
        (os_profiles, "WINDOWS_OVERRIDE_FNMATCH"),
    ):
        monkeypatch.setattr(module, name, not getattr(module, name))
    after = [s.id for family in catalog_module.FAMILY_CATALOGS for s in family()]
    assert after == before


def test_sorted_by_rule() -> None:
    """Scenarios come in the rules' order."""
    indexes = [rule_index(s.rule) for s in CATALOG]
    assert indexes == sorted(indexes)


def test_scenarios_for() -> None:
    """scenarios_for filters by rule; an unknown rule is a KeyError."""
    assert all(s.rule == "SOCKS-04" for s in scenarios_for("SOCKS-04"))
    assert len(scenarios_for("SOCKS-04")) == rule_counts()["SOCKS-04"]
    with pytest.raises(KeyError):
        scenarios_for("NOPE-01")


def test_public_api() -> None:
    """The package exports what it lists."""
    for name in package.__all__:
        assert hasattr(package, name), name


def test_importing_scenarios_loads_no_other_part() -> None:
    """scenarios is pure data: it imports neither fixtures, reference_client nor harness."""
    code = (
        "import sys, proxyharness.scenarios as s; s.all_scenarios();"
        "print(sorted(m for m in sys.modules if m.startswith('proxyharness.')"
        " and not m.startswith('proxyharness.scenarios')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


# -- the data -----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_templates_use_declared_names(scenario: Scenario) -> None:
    """Templates name only declared proxies (url/netloc/host/port), server and closed."""
    for where, text in templates(scenario):
        for name in fields(text):
            owner, _, attribute = name.partition(".")
            assert "[" not in name, f"{where}: {name}"
            assert "!" not in name, f"{where}: {name}"
            if owner in FIXED_NAMES:
                assert attribute in FIXED_NAMES[owner], f"{where}: {name}"
            else:
                assert owner in scenario.proxies, f"{where}: undeclared proxy {owner}"
                assert attribute in ENDPOINT_FIELDS, f"{where}: {name}"


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_every_declared_proxy_is_used(scenario: Scenario) -> None:
    """Each proxy a scenario starts appears in its configuration."""
    used = {
        name.partition(".")[0]
        for where, text in templates(scenario)
        if not where.startswith("expect")
        for name in fields(text)
    }
    assert set(scenario.proxies) <= used
    for name in scenario.proxies:
        assert name.isidentifier(), name
        assert name not in FIXED_NAMES


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_expectations_are_consistent(scenario: Scenario) -> None:
    """Expected proxies are declared; error kinds are known; a route says who saw what."""
    expect = scenario.expect
    if expect.proxy is not ANY and expect.proxy is not None:
        assert expect.proxy in scenario.proxies
    if expect.route == "proxy":
        assert isinstance(expect.proxy, str)
    if expect.route in ("direct", "nowhere"):
        assert expect.proxy is None
    if expect.error is ANY:  # any error will do (a lone 1xx, a resetting proxy): never success
        assert not expect.echo
    else:
        assert expect.error is None or expect.error in EXPECTED_KINDS
    if expect.error is None:
        assert expect.route is not ANY, "a success must say its route"
    if expect.error == "invalid-proxy":
        assert expect.route == "nowhere", "an invalid proxy URL reaches nowhere (URL-01)"


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_info_matches_the_rule(scenario: Scenario) -> None:
    """A scenario is info exactly when its rule is (URL-04's SOCKS part aside)."""
    rule = RULES_BY_ID[scenario.rule]
    if rule.partly_info:
        return
    assert scenario.info is rule.info


def test_partly_info_rules_have_both_kinds() -> None:
    """URL-04: gated default ports, and an info SOCKS default port."""
    for rule in RULES:
        if rule.partly_info:
            kinds = {s.info for s in scenarios_for(rule.id)}
            assert kinds == {True, False}
    (socks,) = [s for s in scenarios_for("URL-04") if s.info]
    assert "socks" in socks.id


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_requirements_and_options_are_known(scenario: Scenario) -> None:
    """Requirements are documented capabilities; options are ones agents know."""
    assert scenario.requires <= set(CAPABILITIES)
    assert set(scenario.given.options) <= OPTIONS
    assert {OPTION_CAPABILITIES[option] for option in scenario.given.options} <= scenario.requires
    if isinstance(scenario.given.proxy, str):
        assert "explicit-proxy" in scenario.requires
    if scenario.given.proxy is None:
        assert "no-proxy" in scenario.requires
    if scenario.given.hide_python_socks:
        assert "without-python-socks" in scenario.requires


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_descriptions_are_one_plain_sentence(scenario: Scenario) -> None:
    """One line, a capital first, a full stop last."""
    text = scenario.description
    assert "\n" not in text
    first = text.split()[0]
    assert text[0].isupper() or re.search(r"[_=]", first) or first.startswith("ws"), text
    assert text.endswith("."), text
    assert len(text) <= 170, text


# -- nothing fixed, nothing outside ---------------------------------------------------------


class _Endpoint:
    def __init__(self, host: str) -> None:
        self.host = host
        self.port = 65000
        self.netloc = f"[{host}]:65000" if ":" in host else f"{host}:65000"
        self.url = f"http://{self.netloc}"


def rendered(scenario: Scenario, text: str) -> str:
    """``text`` with every field replaced by placeholders on port 65000."""
    names: dict[str, Any] = {
        "server": _Endpoint(scenario.target.host),
        "closed": _Endpoint("127.0.0.1"),
    }
    for name, spec in scenario.proxies.items():
        names[name] = _Endpoint(spec.url_host or "127.0.0.1")
    return text.format_map(names)


def allowed_host(scenario: Scenario, host: str) -> bool:
    """Loopback, localhost, or a virtual name the scenario declares."""
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        pass
    virtual = {scenario.target.host.lower(), *(n.lower() for n in scenario.names)}
    return text.lower() in virtual | {"localhost"}


def addresses(value: str) -> Iterator[tuple[str | None, int | None]]:
    """(host, port) of every URL or host:port in a rendered value (IP literals alone skipped)."""
    for token in re.split(r"[;,\s]", value):
        key, equals, rest = token.partition("=")
        address = rest if equals and "://" not in key else token
        if not address or address in ("<local>", "*"):
            continue
        try:
            ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            pass
        else:
            continue
        parsed = urllib.parse.urlsplit(address if "://" in address else f"//{address}")
        yield parsed.hostname, parsed.port


@pytest.mark.parametrize("scenario", CATALOG, ids=by_id)
def test_no_fixed_port_and_no_outside_host(scenario: Scenario) -> None:
    """Every port comes from a template; every host is loopback or a virtual name."""
    for where, text in templates(scenario):
        if where.startswith(("expect", "options")):
            continue
        value = rendered(scenario, text)
        checks_hosts = where.lower().endswith("_proxy") and where.lower() != "env no_proxy"
        checks_hosts |= where in ("proxy", "os.ProxyServer") or where.endswith(".host")
        for host, port in addresses(value):
            assert port in (None, 65000), f"{where}: fixed port in {text!r}"
            if checks_hosts and host is not None:
                assert allowed_host(scenario, host), f"{where}: host {host!r} in {text!r}"
    target = scenario.target.host
    if re.fullmatch(r"[\d.:]+", target):
        assert ipaddress.ip_address(target).is_loopback
    for name in scenario.names:
        assert not re.fullmatch(r"[\d.:]+", name) or ipaddress.ip_address(name).is_loopback
    for spec in scenario.proxies.values():
        if spec.url_host is not None:
            assert allowed_host(scenario, spec.url_host)


def test_no_proxy_url_without_a_port_unless_the_runner_binds_it() -> None:
    """A proxy URL without a port exists only where a bind-port capability is required."""
    for scenario in CATALOG:
        for _, text in templates(scenario):
            if "{" in text and ".host}" in text and ".netloc}" not in text and "://" in text:
                assert any(r.startswith("bind-port-") for r in scenario.requires), scenario.id


# -- the matrix, as promised --------------------------------------------------------------


def _sel_axes(predicate: Any) -> set[tuple[str, str]]:
    axes: set[tuple[str, str]] = set()
    for scenario in CATALOG:
        if scenario.rule.startswith("SEL") and predicate(scenario):
            match = re.search(r"\[([^\]]*)\]", scenario.id)
            labels = match.group(1).split(",") if match else []
            spelling = next((label for label in labels if label in SPELLINGS), "lower")
            axes.add((scenario.target.scheme, spelling))
    return axes


def test_sel_runs_for_ws_wss_and_every_spelling() -> None:
    """SEL scenarios exist for ws and wss in every spelling of the variable names."""
    assert _sel_axes(lambda s: True) == {(a, b) for a in ("ws", "wss") for b in SPELLINGS}


@pytest.mark.parametrize("rule", [r.id for r in RULES if r.family == "SEL"])
def test_each_sel_rule_runs_for_its_schemes(rule: str) -> None:
    """Each SEL rule runs for ws and wss, except the scheme-specific ones."""
    only = {"SEL-03": {"wss"}, "SEL-04": {"ws"}, "SEL-05": {"wss"}, "SEL-10": {"ws"}}
    found = {s.target.scheme for s in scenarios_for(rule)}
    assert found == only.get(rule, {"ws", "wss"})


@pytest.mark.parametrize(
    "rule", [r.id for r in RULES if r.family in ("SEL", "OS") and r.id != "SEL-13"]
)
def test_sel_and_os_rules_run_under_each_profile_that_applies(rule: str) -> None:
    """SEL rules run under Linux, macOS and Windows; OS rules under macOS and Windows."""
    found = {s.given.os.os for s in scenarios_for(rule)}
    if rule in ("SEL-02", "OS-02", "OS-03", "OS-04"):
        assert found == {"macos", "windows"}
    else:
        assert found == {"linux", "macos", "windows"}


PROTOCOL_FAMILIES = ("SOCKS", "HTTP", "ERR")


def _configured_sibling(twin: Scenario) -> Scenario:
    """The scenario an ``explicit`` twin was made from (its ID without the label)."""
    sibling_id = twin.id.replace(",explicit]", "]")
    (sibling,) = [s for s in CATALOG if s.id == sibling_id]
    return sibling


def test_protocol_scenarios_have_explicit_twins() -> None:
    """Every SOCKS, HTTP and ERR scenario with a proxy variable has a proxy=URL twin.

    Only SOCKS-01's OS-configured proxy and direct connection have none.
    """
    ids = {s.id for s in CATALOG}
    untwinned = []
    for scenario in CATALOG:
        if RULES_BY_ID[scenario.rule].family not in PROTOCOL_FAMILIES:
            continue
        assert scenario.id.endswith("]"), scenario.id
        if "explicit" not in scenario.id and scenario.id[:-1] + ",explicit]" not in ids:
            untwinned.append(scenario.id)
    assert untwinned == [
        "SOCKS-01.os-socks-selected[ws,windows]",
        "SOCKS-01.direct-works[ws]",
        "SOCKS-01.direct-works[wss]",
    ]


@pytest.mark.parametrize("twin", [s for s in CATALOG if s.id.endswith(",explicit]")], ids=by_id)
def test_explicit_twins_differ_only_in_where_the_proxy_comes_from(twin: Scenario) -> None:
    """A twin passes its sibling's one proxy variable as proxy=URL; all else is equal."""
    sibling = _configured_sibling(twin)
    (name,) = [n for n in sibling.given.env if n.lower().endswith("_proxy")]
    assert RULES_BY_ID[twin.rule].family in PROTOCOL_FAMILIES
    assert twin.given.proxy == sibling.given.env[name]
    assert twin.given.env == {k: v for k, v in sibling.given.env.items() if k != name}
    assert twin.expect == sibling.expect
    assert twin.requires == sibling.requires | {"explicit-proxy"}
    assert (twin.target, twin.proxies, twin.names, twin.info) == (
        sibling.target,
        sibling.proxies,
        sibling.names,
        sibling.info,
    )


def test_explanation_mentions_name_real_scenarios() -> None:
    """Every DIAG scenario has words its explanation must contain."""
    ids = {s.id for s in scenarios_for("DIAG-01")}
    assert set(EXPLANATION_MENTIONS) == ids
    assert all(s.requires >= {"explain"} for s in scenarios_for("DIAG-01"))
