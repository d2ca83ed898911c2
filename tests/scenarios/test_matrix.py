"""Tests for proxyharness.scenarios.matrix: dimensions, expansion, the no_proxy table."""

from __future__ import annotations

import dataclasses
import os
import urllib.request
from collections.abc import Iterator, Mapping, MutableMapping

import pytest

from proxyharness.scenarios.matrix import (
    DECOY_OS_SETTINGS,
    NO_PROXY_FORMS,
    NoProxyForm,
    Variant,
    environment_proxies,
    expand,
    explicit_twin,
    no_proxy_forms,
    os_profiles,
    own_os,
    proxy_sources,
    respell,
    schemes,
    spell,
    spellings,
)
from proxyharness.scenarios.model import Expect, Given, OsProfile, ProxySpec, Scenario

PROXY = Expect(route="proxy", proxy="P")
DIRECT = Expect(route="direct", proxy=None)


LINUX = OsProfile("linux")


def scenario(env: Mapping[str, str], expect: Expect = PROXY, os: OsProfile = LINUX) -> Scenario:
    """A base scenario with proxy P and ``env``."""
    return Scenario(
        id="SEL-03.base",
        rule="SEL-03",
        description="A base.",
        given=Given(env=dict(env), os=os),
        expect=expect,
        proxies={"P": ProxySpec("http")},
    )


def test_expand_without_dimensions_keeps_the_id() -> None:
    """No dimension: one scenario, the base ID."""
    base = scenario({"https_proxy": "{P.url}"})
    assert expand(base) == [base]


def test_expand_counts_and_labels() -> None:
    """2 schemes x 4 spellings x 3 profiles, minus Windows with two spellings: 22."""
    base = scenario({"https_proxy": "{P.url}"})
    expanded = expand(base, schemes(), spellings(), os_profiles())
    ids = [s.id for s in expanded]
    assert len(expanded) == 2 * 4 * 3 - 2
    assert len(set(ids)) == len(ids)
    assert "SEL-03.base[wss,upper]" in ids
    assert "SEL-03.base[ws,mixed,windows]" in ids
    assert "SEL-03.base[ws,both,windows]" not in ids
    assert "SEL-03.base[ws,both,macos]" in ids


def test_a_transform_returning_none_drops_the_combination() -> None:
    """A variant that returns None removes that combination only."""
    drop = Variant("gone", lambda s: None)
    keep = Variant("kept", lambda s: s)
    assert [s.id for s in expand(scenario({}), (drop, keep))] == ["SEL-03.base[kept]"]


def test_schemes() -> None:
    """schemes() sets the target scheme; it can be narrowed."""
    base = scenario({})
    assert [(s.id, s.target.scheme) for s in expand(base, schemes())] == [
        ("SEL-03.base[ws]", "ws"),
        ("SEL-03.base[wss]", "wss"),
    ]
    assert [v.label for v in schemes("wss")] == ["wss"]


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("lower", "https_proxy"), ("upper", "HTTPS_PROXY"), ("mixed", "Https_Proxy")],
)
def test_spell(spelling: str, expected: str) -> None:
    """The three single spellings of a name."""
    assert spell("https_proxy", spelling) == expected  # type: ignore[arg-type]
    assert spell("no_proxy", "mixed") == "No_Proxy"


def test_respell_both_adds_a_decoy() -> None:
    """both: the lower-case name keeps the value, the upper-case one gets a decoy proxy."""
    base = scenario({"https_proxy": "{P.url}", "REQUEST_METHOD": "GET"})
    both = respell(base, "both")
    assert both is not None
    assert dict(both.given.env) == {
        "https_proxy": "{P.url}",
        "HTTPS_PROXY": "{DECOY.url}",
        "REQUEST_METHOD": "GET",
    }
    assert both.proxies["DECOY"] == ProxySpec("http")


@pytest.mark.parametrize(
    ("expect", "decoy"), [(PROXY, "*"), (DIRECT, "decoy.invalid")], ids=["proxy", "direct"]
)
def test_respell_both_no_proxy_decoy_flips_the_outcome(expect: Expect, decoy: str) -> None:
    """An upper-case NO_PROXY decoy would change the route if it were used."""
    both = respell(scenario({"no_proxy": "example.com"}, expect), "both")
    assert both is not None
    assert both.given.env["NO_PROXY"] == decoy
    assert "DECOY" not in both.proxies


def test_respell_rejects_upper_case_bases() -> None:
    """Base scenarios spell their variables in lower case."""
    with pytest.raises(ValueError, match="lower case"):
        respell(scenario({"HTTPS_PROXY": "{P.url}"}), "upper")


def test_respell_both_is_skipped_under_windows() -> None:
    """Windows keeps one spelling per name: both does not exist there."""
    base = scenario({"https_proxy": "{P.url}"}, os=OsProfile("windows"))
    assert respell(base, "both") is None


def test_os_profiles_add_a_decoy_os_proxy() -> None:
    """macOS and Windows get an OS proxy that the environment switches off."""
    base = scenario({"https_proxy": "{P.url}"})
    linux, mac, win = expand(base, os_profiles())
    assert linux == base
    assert mac.id == "SEL-03.base[macos]"
    assert win.id == "SEL-03.base[windows]"
    assert mac.given.os == OsProfile("macos", DECOY_OS_SETTINGS["macos"])
    assert win.given.os == OsProfile("windows", DECOY_OS_SETTINGS["windows"])
    assert mac.proxies["OS"] == win.proxies["OS"] == ProxySpec("http")
    assert mac.expect == base.expect


def test_os_profiles_skip_when_the_environment_gives_no_proxy() -> None:
    """An environment that yields no key leaves the OS configuration on: skipped."""
    base = scenario({"HTTPS_PROXY": "{P.url}", "https_proxy": ""}, DIRECT)
    assert [s.id for s in expand(base, os_profiles())] == ["SEL-03.base"]


def test_own_os_labels_and_sets_the_profile() -> None:
    """own_os sets the profile and labels non-Linux profiles."""
    base = scenario({})
    (mac,) = expand(base, own_os(OsProfile("macos", {"exceptions": ["x"]})))
    assert mac.id == "SEL-03.base[macos]"
    assert mac.given.os.settings == {"exceptions": ["x"]}
    assert [s.id for s in expand(base, own_os(OsProfile("linux")))] == ["SEL-03.base"]


@pytest.fixture
def environ() -> Iterator[MutableMapping[str, str]]:
    """A clean proxy environment, restored afterwards."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name.upper() == "REQUEST_METHOD":
            del os.environ[name]
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"https_proxy": "a"},
        {"HTTPS_PROXY": "a", "https_proxy": "b"},
        {"HTTPS_PROXY": "a", "https_proxy": ""},
        {"https_proxy": "a", "HTTPS_PROXY": ""},
        {"Https_Proxy": "a"},
        {"REQUEST_METHOD": "GET", "HTTP_PROXY": "a"},
        {"REQUEST_METHOD": "", "HTTP_PROXY": "a", "http_proxy": "b"},
        {"all_proxy": "a", "no_proxy": "b", "ftp_proxy": ""},
    ],
)
def test_environment_proxies_is_urllibs(
    environ: MutableMapping[str, str], env: dict[str, str]
) -> None:
    """environment_proxies agrees with urllib's getproxies_environment (Linux)."""
    environ.update(env)
    assert environment_proxies(env) == urllib.request.getproxies_environment()


def test_environment_proxies_windows() -> None:
    """Windows: names upper-cased, the one set last wins, CGI drops every http."""
    assert environment_proxies({"https_proxy": "a", "HTTPS_PROXY": "b"}, windows=True) == {
        "https": "b"
    }
    assert environment_proxies({"REQUEST_METHOD": "GET", "http_proxy": "a"}, windows=True) == {}
    assert environment_proxies({"https_proxy": ""}, windows=True) == {}


def _bypass_key(form: NoProxyForm, port: int) -> str:
    host = form.host.lower().encode("idna").decode("ascii")
    return f"{host}:{port}"


@pytest.mark.parametrize("form", NO_PROXY_FORMS, ids=lambda f: f.label)
def test_no_proxy_forms_follow_urllib(form: NoProxyForm) -> None:
    """Each row's bypass column is what urllib answers for host:port (SEL-01)."""
    server_port, other_port = 8080, 9090
    value = form.no_proxy.format_map({"server": _Port(server_port), "closed": _Port(other_port)})
    bypass = vars(urllib.request)["proxy_bypass_environment"]
    got = bypass(_bypass_key(form, server_port), {"no": value})
    assert bool(got) is form.bypass


class _Port:
    def __init__(self, port: int) -> None:
        self.port = port


def test_no_proxy_forms_dimension() -> None:
    """A bypassing row expects the given expectation; trailing-dot is ws only."""
    base = scenario({"https_proxy": "{P.url}"})
    expanded = {s.id: s for s in expand(base, schemes(), no_proxy_forms(DIRECT))}
    assert len(expanded) == 2 * len(NO_PROXY_FORMS) - 1
    star = expanded["SEL-03.base[wss,star]"]
    assert star.given.env == {"https_proxy": "{P.url}", "no_proxy": "*"}
    assert star.expect == DIRECT
    assert expanded["SEL-03.base[ws,glob]"].expect == PROXY
    assert expanded["SEL-03.base[ws,ipv6]"].target.host == "::1"
    assert "SEL-03.base[wss,trailing-dot]" not in expanded


def test_proxy_sources_label_only_the_explicit_twin() -> None:
    """The configured variant keeps the ID; the twin is labelled after the scheme."""
    base = scenario({"https_proxy": "{P.url}"})
    expanded = expand(base, schemes(), proxy_sources())
    assert [s.id for s in expanded] == [
        "SEL-03.base[ws]",
        "SEL-03.base[ws,explicit]",
        "SEL-03.base[wss]",
        "SEL-03.base[wss,explicit]",
    ]
    assert [v.label for v in proxy_sources("explicit")] == ["explicit"]


def test_explicit_twin_moves_the_variable_to_the_proxy_argument() -> None:
    """The variable's template becomes proxy=; the expectation is unchanged."""
    base = scenario({"https_proxy": "{P.url}", "REQUEST_METHOD": "GET"})
    twin = explicit_twin(base)
    assert twin is not None
    assert twin.given.proxy == "{P.url}"
    assert twin.given.env == {"REQUEST_METHOD": "GET"}
    assert twin.expect == base.expect
    assert twin.requires == base.requires | {"explicit-proxy"}
    assert twin.description == "A base; the proxy is given as proxy=URL."


def test_explicit_twin_of_nothing_to_pass_is_dropped() -> None:
    """No proxy variable (a direct connection, an empty value): no twin."""
    assert explicit_twin(scenario({}, DIRECT)) is None
    assert explicit_twin(scenario({"https_proxy": ""}, DIRECT)) is None


@pytest.mark.parametrize(
    "env",
    [
        {"https_proxy": "{P.url}", "http_proxy": "{P.url}"},
        {"https_proxy": "{P.url}", "no_proxy": "*"},
    ],
)
def test_explicit_twin_refuses_what_would_change_the_expectation(env: dict[str, str]) -> None:
    """Several proxy variables, or no_proxy (an explicit proxy overrides it): ValueError."""
    with pytest.raises(ValueError, match="explicit twin"):
        explicit_twin(scenario(env))


def test_explicit_twin_refuses_an_os_configuration_or_a_proxy_argument() -> None:
    """OS settings or an explicit proxy already: ValueError."""
    windows = OsProfile("windows", {"ProxyEnable": 1, "ProxyServer": "{P.netloc}"})
    with pytest.raises(ValueError, match="explicit twin"):
        explicit_twin(scenario({"https_proxy": "{P.url}"}, os=windows))
    base = scenario({"https_proxy": "{P.url}"})
    argument = dataclasses.replace(base, given=dataclasses.replace(base.given, proxy="{P.url}"))
    with pytest.raises(ValueError, match="explicit twin"):
        explicit_twin(argument)
