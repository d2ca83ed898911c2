"""Tests for proxyharness.reference_client.route."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Mapping

import pytest

from proxyharness.reference_client.errors import InvalidProxyURL, InvalidURI
from proxyharness.reference_client.route import (
    Direct,
    Resolution,
    ViaProxy,
    explain,
    resolve_route,
)
from proxyharness.reference_client.uri import parse_ws_uri

SECRET = "Zq7-hunter2-secret"


class FakeConfig:
    """Fake getproxies/proxy_bypass that record their calls."""

    def __init__(self, proxies: Mapping[str, str], bypass: bool = False) -> None:
        self.proxies = dict(proxies)
        self.bypass = bypass
        self.bypass_calls: list[str] = []
        self.getproxies_calls = 0

    def getproxies(self) -> dict[str, str]:
        self.getproxies_calls += 1
        return dict(self.proxies)

    def proxy_bypass(self, host: str) -> bool:
        self.bypass_calls.append(host)
        return self.bypass

    def resolve(self, uri: str, proxy: str | bool | None = True) -> Resolution:
        return resolve_route(uri, proxy, getproxies=self.getproxies, proxy_bypass=self.proxy_bypass)


def chosen(resolution: Resolution) -> tuple[str, str] | None:
    """(redacted proxy URL, source), or None for a direct route."""
    route = resolution.route
    if isinstance(route, Direct):
        return None
    return str(route.proxy), route.source


def rules(resolution: Resolution) -> list[str]:
    """Rule IDs of the trace, in order."""
    return [step.rule for step in resolution.trace]


def shown(resolution: Resolution) -> list[str]:
    """Every text a user can see of a resolution."""
    return [
        explain(resolution),
        json.dumps(resolution.to_dict()),
        repr(resolution),
        str(resolution.route),
        *map(str, resolution.trace),
    ]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment without any *_proxy variable nor REQUEST_METHOD."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    return monkeypatch


# --- the WebSocket URI ---------------------------------------------------------------

WS_URIS = [
    # uri, secure, host, port, resource name
    ("ws://example.com", False, "example.com", 80, "/"),
    ("wss://example.com", True, "example.com", 443, "/"),
    ("WSS://Example.COM:8443/chat?room=1", True, "example.com", 8443, "/chat?room=1"),
    ("ws://[::1]:8765/", False, "::1", 8765, "/"),
    ("wss://[2001:DB8::1]", True, "2001:db8::1", 443, "/"),
    ("ws://127.0.0.1:9000/a/b", False, "127.0.0.1", 9000, "/a/b"),
    ("wss://bücher.example/é", True, "xn--bcher-kva.example", 443, "/%C3%A9"),
    ("ws://example.com?x", False, "example.com", 80, "/?x"),
    ("ws://example.com:", False, "example.com", 80, "/"),
]

BAD_WS_URIS = [
    ("http://example.com", "scheme must be ws:// or wss://"),
    ("example.com", "scheme must be ws:// or wss://"),
    ("ws://", "host is missing"),
    ("ws://example.com/#frag", "fragment isn't allowed"),
    ("ws://example.com:99999", "port isn't a number"),
    ("ws://::1:8765", "IPv6 address must be written in brackets"),
    ("ws://[::1", "closing ]"),
    ("ws://exa mple.com", "whitespace or control characters"),
    ("ws://user@example.com", "user name without a password"),
]


@pytest.mark.parametrize(("uri", "secure", "host", "port", "resource"), WS_URIS)
def test_parse_ws_uri(uri: str, secure: bool, host: str, port: int, resource: str) -> None:
    """WebSocket URIs parse with default ports, lower-case IDNA hosts, bare IPv6."""
    parsed = parse_ws_uri(uri)
    assert (parsed.secure, parsed.host, parsed.port) == (secure, host, port)
    assert parsed.resource_name == resource


@pytest.mark.parametrize(("uri", "reason"), BAD_WS_URIS)
def test_parse_ws_uri_invalid(uri: str, reason: str) -> None:
    """Bad WebSocket URIs raise InvalidURI with a reason, before any configuration."""
    config = FakeConfig({"ws": "http://proxy:3128"})
    with pytest.raises(InvalidURI, match=reason):
        config.resolve(uri)
    assert config.bypass_calls == []
    assert config.getproxies_calls == 0


def test_ws_uri_credentials_hidden() -> None:
    """Credentials of the WebSocket URI are decoded but never shown."""
    parsed = parse_ws_uri(f"wss://bob:{SECRET}@[::1]/x")
    assert (parsed.username, parsed.password) == ("bob", SECRET)
    assert str(parsed) == "wss://bob:****@[::1]:443/x"
    assert SECRET not in repr(parsed)
    with pytest.raises(InvalidURI) as info:
        parse_ws_uri(f"wss://bob:{SECRET}@[::1]/#f")
    assert SECRET not in str(info.value)


def test_ws_uri_addresses() -> None:
    """address brackets IPv6 (CONNECT form); bypass_key does not (SEL-01 form)."""
    parsed = parse_ws_uri("ws://[::1]:8765")
    assert (parsed.address, parsed.bypass_key, parsed.scheme) == ("[::1]:8765", "::1:8765", "ws")


# --- SEL-01: the bypass check --------------------------------------------------------

BYPASS_KEYS = [
    ("ws://example.com", "example.com:80"),
    ("wss://example.com", "example.com:443"),
    ("ws://example.com:80/", "example.com:80"),
    ("wss://Example.COM:8443/path?q", "example.com:8443"),
    ("ws://[::1]:8765", "::1:8765"),
    ("wss://[::1]", "::1:443"),
    ("wss://bücher.example", "xn--bcher-kva.example:443"),
    ("ws://BÜCHER.example:81", "xn--bcher-kva.example:81"),
    ("ws://10.0.0.1", "10.0.0.1:80"),
]


@pytest.mark.parametrize(("uri", "key"), BYPASS_KEYS)
def test_bypass_receives_host_port(uri: str, key: str) -> None:
    """SEL-01: proxy_bypass receives exactly host:port, lower-case, IDNA, bare IPv6."""
    config = FakeConfig({"ws": "http://p:1", "wss": "http://p:1"})
    config.resolve(uri)
    assert config.bypass_calls == [key]


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_bypass_wins(scheme: str) -> None:
    """SEL-01: a bypassed server is reached directly, configuration not consulted."""
    config = FakeConfig({scheme: "http://p:1", "socks": "http://s:1080"}, bypass=True)
    resolution = config.resolve(f"{scheme}://example.com")
    assert resolution.route == Direct()
    assert config.getproxies_calls == 0
    assert rules(resolution) == ["SEL-01"]
    assert "true" in resolution.trace[0].decided


# --- SEL-03 to SEL-09: the lookup order ----------------------------------------------

P = {
    "wss": "http://wss-proxy:1",
    "ws": "http://ws-proxy:2",
    "socks": "socks5://socks-proxy:3",
    "https": "http://https-proxy:4",
    "http": "http://http-proxy:5",
    "all": "http://all-proxy:6",
}

ORDER = [
    # scheme, keys configured, expected proxy (None: direct), rule that decides
    ("wss", ["wss", "ws", "socks", "https", "http", "all"], "http://wss-proxy:1", "SEL-03"),
    ("wss", ["ws", "socks", "https", "http", "all"], "socks5://socks-proxy:3", "SEL-03"),
    ("wss", ["ws", "https", "http", "all"], "http://https-proxy:4", "SEL-03"),
    ("wss", ["ws", "http", "all"], None, "SEL-05"),
    ("wss", ["http"], None, "SEL-05"),
    ("wss", ["ws"], None, "SEL-06"),
    ("wss", [], None, "SEL-06"),
    ("wss", ["all"], None, "SEL-09"),
    ("ws", ["wss", "ws", "socks", "https", "http", "all"], "http://ws-proxy:2", "SEL-04"),
    ("ws", ["wss", "socks", "https", "http", "all"], "socks5://socks-proxy:3", "SEL-04"),
    ("ws", ["wss", "https", "http", "all"], "http://https-proxy:4", "SEL-04"),
    ("ws", ["wss", "http", "all"], "http://http-proxy:5", "SEL-04"),
    ("ws", ["http"], "http://http-proxy:5", "SEL-04"),
    ("ws", ["wss"], None, "SEL-06"),
    ("ws", [], None, "SEL-06"),
    ("ws", ["all"], None, "SEL-09"),
]


@pytest.mark.parametrize(("scheme", "keys", "expected", "rule"), ORDER)
def test_lookup_order(scheme: str, keys: list[str], expected: str | None, rule: str) -> None:
    """SEL-03/04/05/06/09: keys are looked up in order; http never for wss, all never."""
    config = FakeConfig({key: P[key] for key in keys})
    resolution = config.resolve(f"{scheme}://example.com")
    assert config.getproxies_calls == 1
    if expected is None:
        assert resolution.route == Direct()
    else:
        key = next(k for k, v in P.items() if v == expected)
        assert chosen(resolution) == (expected, f"env/os key {key}")
    assert rule in rules(resolution)


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_nothing_configured(scheme: str) -> None:
    """SEL-06: nothing found means direct, and the trace lists the locations tried."""
    resolution = FakeConfig({}).resolve(f"{scheme}://example.com")
    assert resolution.route == Direct()
    assert rules(resolution)[-1] == "SEL-06"
    order = "wss, socks, https" if scheme == "wss" else "ws, socks, https, http"
    assert order in resolution.trace[-1].looked_at


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_empty_value_skipped(scheme: str) -> None:
    """An empty value from getproxies() counts as not set."""
    config = FakeConfig({scheme: "", "https": "http://https-proxy:4"})
    resolution = config.resolve(f"{scheme}://example.com")
    assert chosen(resolution) == ("http://https-proxy:4", "env/os key https")
    assert any(step.decided == "empty: skipped" for step in resolution.trace)


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_later_keys_reported(scheme: str) -> None:
    """Keys that are set but come later are reported as not consulted."""
    resolution = FakeConfig(P).resolve(f"{scheme}://example.com")
    text = explain(resolution)
    assert f"not consulted: key {scheme} comes first" in text
    assert "all_proxy is not one of the locations" in text


@pytest.mark.parametrize(
    ("scheme", "key", "value", "expected"),
    [
        ("wss", "https", "socks5h://proxy:1080/", "socks5h://proxy:1080"),
        ("ws", "https", "socks5h://proxy:1080/", "socks5h://proxy:1080"),
        ("ws", "http", "socks4://proxy", "socks4://proxy:1080"),
        ("wss", "wss", "http://proxy:8080/", "http://proxy:8080"),
        ("ws", "ws", "https://proxy", "https://proxy:443"),
        ("wss", "wss", "socks4a://proxy:9", "socks4a://proxy:9"),
        ("ws", "ws", "socks5://proxy:9", "socks5://proxy:9"),
    ],
)
def test_scheme_decides(scheme: str, key: str, value: str, expected: str) -> None:
    """SEL-08: the proxy URL's scheme decides the protocol, not the key."""
    resolution = FakeConfig({key: value}).resolve(f"{scheme}://example.com")
    assert chosen(resolution) == (expected, f"env/os key {key}")
    assert "SEL-08" in rules(resolution)


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_other_keys_ignored(scheme: str) -> None:
    """Keys that are no location (ftp, gopher) are reported and ignored."""
    resolution = FakeConfig({"ftp": "http://f:1", "gopher": "http://g:1"}).resolve(
        f"{scheme}://example.com"
    )
    assert resolution.route == Direct()
    assert f"not locations for {scheme}://" in explain(resolution)


# --- OS-01: the OS-configured SOCKS proxy --------------------------------------------

SOCKS_VALUES = [
    ("http://socks.local:1080", "socks5h://socks.local:1080"),
    ("HTTP://socks.local:1081", "socks5h://socks.local:1081"),
    ("socks://socks.local:1080", "socks5h://socks.local:1080"),
    ("socks.local:1080", "socks5h://socks.local:1080"),
    ("socks.local", "socks5h://socks.local:1080"),
    ("http://u:pw@socks.local:1080", "socks5h://u:****@socks.local:1080"),
    ("socks4://socks.local:1080", "socks4://socks.local:1080"),
    ("socks4a://socks.local:1080", "socks4a://socks.local:1080"),
    ("socks5://socks.local:1080", "socks5://socks.local:1080"),
    ("socks5h://socks.local:1080", "socks5h://socks.local:1080"),
    ("https://socks.local:8443", "https://socks.local:8443"),
]


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(("value", "expected"), SOCKS_VALUES)
def test_os_socks(scheme: str, value: str, expected: str) -> None:
    """OS-01: http://, socks:// and scheme-less socks values mean SOCKS5h."""
    resolution = FakeConfig({"socks": value}).resolve(f"{scheme}://example.com")
    assert chosen(resolution) == (expected, "env/os key socks")
    assert ("OS-01" in rules(resolution)) == expected.startswith("socks")


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_windows_shape(scheme: str) -> None:
    """OS-01: Windows' socks=host:port with socks4:// http/https keys gives SOCKS5h."""
    proxies = {
        "socks": "socks://s:1080",
        "http": "socks4://s:1080",
        "https": "socks4://s:1080",
    }
    resolution = FakeConfig(proxies).resolve(f"{scheme}://example.com")
    assert chosen(resolution) == ("socks5h://s:1080", "env/os key socks")


# --- URL rules through the route -----------------------------------------------------


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(
    ("value", "rule", "decided"),
    [
        ("proxy.local:3128", "URL-01", "read as http://, as curl does"),
        ("socks5h://proxy", "URL-04", "none written: 1080"),
        ("https://proxy", "URL-04", "none written: 443, the default for https"),
        ("http://proxy:8080", "URL-04", "8080, as written"),
        ("http://proxy", "URL-03", "none: no authentication"),
        ("http://u:p%40ss@proxy", "URL-03", "percent-decoded; HTTP Basic"),
        ("socks5://u:pw@proxy", "URL-03", "RFC 1929"),
        ("socks4://u:pw@proxy", "URL-03", "SOCKS4 USERID"),
        ("http://u:pw@proxy", "URL-05", "shown as ****"),
        ("http://proxy/", "URL-02", "no path, query or fragment"),
    ],
)
def test_url_rules_traced(scheme: str, value: str, rule: str, decided: str) -> None:
    """URL-01 to URL-05 decisions appear in the trace of a configured proxy."""
    key = "wss" if scheme == "wss" else "ws"
    resolution = FakeConfig({key: value}).resolve(f"{scheme}://example.com")
    assert any(s.rule == rule and decided in s.decided for s in resolution.trace)


def test_percent_decoded_credentials() -> None:
    """URL-03: credentials from the configuration are percent-decoded."""
    resolution = FakeConfig({"ws": "http://us%3Aer:p%40ss@proxy"}).resolve("ws://example.com")
    assert isinstance(resolution.route, ViaProxy)
    assert resolution.route.proxy.user_info == ("us:er", "p@ss")


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (f"ftp://u:{SECRET}@proxy", "scheme 'ftp' isn't supported"),
        (f"http://u:{SECRET}@proxy/path", "path isn't allowed"),
        (f"http://u:{SECRET}@proxy?q", "query isn't allowed"),
        (f"http://u:{SECRET}@proxy#f", "fragment isn't allowed"),
        (f"http://u:{SECRET}@", "host is missing"),
        ("http://user@proxy", "user name without a password"),
        (f"http://u:{SECRET}@proxy:http", "port isn't a number"),
        (f"socks://u:{SECRET}@proxy:99999", "port isn't a number"),
    ],
)
def test_invalid_configured_proxy(scheme: str, value: str, reason: str) -> None:
    """URL-01/02/03: a bad configured proxy is an error naming the key, never the password."""
    key = "socks" if value.startswith("socks") else scheme
    with pytest.raises(InvalidProxyURL) as info:
        FakeConfig({key: value, "https": "http://fallback:1"}).resolve(f"{scheme}://h")
    error = info.value
    assert reason in error.reason
    assert error.source == f"env/os key {key}"
    notes = "\n".join(getattr(error, "__notes__", []))
    assert "route trace:" in notes
    for text in (str(error), repr(error), notes, *map(str, error.args)):
        assert SECRET not in text


# --- SEL-11, SEL-12, SEL-13: the proxy argument --------------------------------------


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        ("http://explicit:3128", "http://explicit:3128"),
        ("socks5h://explicit", "socks5h://explicit:1080"),
        ("explicit:3128", "http://explicit:3128"),
        ("HTTPS://U:pw@Explicit", "https://U:****@explicit:443"),
    ],
)
def test_explicit_proxy(scheme: str, proxy: str, expected: str) -> None:
    """SEL-11: an explicit proxy overrides the configuration and the bypass lists."""
    config = FakeConfig({scheme: "http://configured:1"}, bypass=True)
    resolution = config.resolve(f"{scheme}://example.com", proxy)
    assert chosen(resolution) == (expected, "explicit")
    assert config.bypass_calls == []
    assert config.getproxies_calls == 0
    assert rules(resolution)[0] == "SEL-11"


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize("proxy", [None, False])
def test_no_proxy_argument(scheme: str, proxy: bool | None) -> None:
    """SEL-12: proxy=None (or False) connects directly whatever is configured."""
    config = FakeConfig({scheme: "http://configured:1", "socks": "http://s:1"})
    resolution = config.resolve(f"{scheme}://example.com", proxy)
    assert resolution.route == Direct()
    assert (config.bypass_calls, config.getproxies_calls) == ([], 0)
    assert rules(resolution) == ["SEL-12"]


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize("proxy", [True, None, "http://explicit:1", "not a url//"])
def test_caller_socket(scheme: str, proxy: str | bool | None) -> None:
    """SEL-13: with a caller-supplied socket no proxy applies, explicit or configured."""
    config = FakeConfig({scheme: "http://configured:1"})
    resolution = resolve_route(
        f"{scheme}://example.com",
        proxy,
        getproxies=config.getproxies,
        proxy_bypass=config.proxy_bypass,
        caller_socket=True,
    )
    assert resolution.route == Direct()
    assert (config.bypass_calls, config.getproxies_calls) == ([], 0)
    assert rules(resolution) == ["SEL-13"]


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(
    ("proxy", "reason"),
    [
        ("ftp://proxy", "scheme 'ftp' isn't supported"),
        ("socks://proxy", "scheme 'socks' isn't supported"),
        ("", "empty"),
        (f"http://u:{SECRET}@proxy/x", "path isn't allowed"),
    ],
)
def test_explicit_invalid(scheme: str, proxy: str, reason: str) -> None:
    """URL-01/02: an invalid explicit proxy is an error from the source explicit."""
    with pytest.raises(InvalidProxyURL) as info:
        FakeConfig({}).resolve(f"{scheme}://example.com", proxy)
    assert reason in str(info.value)
    assert info.value.source == "explicit"
    assert SECRET not in str(info.value)


def test_proxy_type_checked() -> None:
    """A proxy argument of another type is a TypeError."""
    with pytest.raises(TypeError, match="proxy must be"):
        resolve_route("ws://example.com", 1)  # type: ignore[arg-type]


# --- URL-05 everywhere ---------------------------------------------------------------

SECRET_CASES = [
    # proxy argument, getproxies() result
    (f"http://alice:{SECRET}@explicit:3128", {}),
    (f"socks5h://alice:{SECRET}@explicit", {}),
    (True, {"ws": f"http://alice:{SECRET}@p:1", "wss": f"https://alice:{SECRET}@p:2"}),
    (True, {"socks": f"http://alice:{SECRET}@s:1080", "all": f"http://a:{SECRET}@a:1"}),
    (True, {"https": f"socks4://alice:{SECRET}@s", "http": f"http://alice:{SECRET}@h"}),
    (True, {"wss": f"alice:{SECRET}@p:1", "ws": f"alice:{SECRET}@p:1", "no": "x"}),
]


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize(("proxy", "proxies"), SECRET_CASES)
def test_password_never_shown(scheme: str, proxy: str | bool, proxies: dict[str, str]) -> None:
    """URL-05: no trace, explanation, repr or dict shows the password."""
    resolution = FakeConfig(proxies).resolve(f"{scheme}://example.com", proxy)
    assert isinstance(resolution.route, ViaProxy)
    assert resolution.route.proxy.password == SECRET
    for text in shown(resolution):
        assert SECRET not in text
    assert "****" in explain(resolution)


# --- explain() and to_dict() ---------------------------------------------------------


def test_explain() -> None:
    """explain() states the route, then one line per rule decision."""
    resolution = FakeConfig({"https": "socks5h://proxy:1080"}).resolve("wss://example.com")
    lines = explain(resolution).splitlines()
    assert lines[0] == (
        "wss://example.com:443/: through SOCKS5 proxy (the proxy resolves names) "
        "socks5h://proxy:1080 (from env/os key https)"
    )
    assert len(lines) == 1 + len(resolution.trace)
    assert [line.split()[0] for line in lines[1:]] == rules(resolution)
    assert rules(resolution)[:5] == ["SEL-01", "SEL-02", "SEL-03", "SEL-03", "SEL-03"]


def test_explain_direct() -> None:
    """explain() of a direct route says so."""
    resolution = FakeConfig({}).resolve("ws://example.com", None)
    assert explain(resolution).splitlines()[0] == "ws://example.com:80/: connect directly"


def test_to_dict() -> None:
    """to_dict() is JSON-able and holds the URI, the route and the trace."""
    resolution = FakeConfig({"ws": "http://u:pw@proxy:3128"}).resolve("ws://[::1]:8765/x")
    data = json.loads(json.dumps(resolution.to_dict()))
    assert data["uri"] == "ws://[::1]:8765/x"
    assert data["route"]["type"] == "proxy"
    assert data["route"]["source"] == "env/os key ws"
    assert data["route"]["proxy"]["url"] == "http://u:****@proxy:3128"
    assert data["trace"][0] == {
        "rule": "SEL-01",
        "looked_at": "proxy_bypass('::1:8765')",
        "decided": "false: not in a bypass list",
    }
    direct = FakeConfig({}).resolve("ws://h", None).to_dict()
    assert direct["route"] == {"type": "direct"}


# --- real urllib with a patched environment ------------------------------------------

ENV_CASES = [
    # scheme, environment, expected proxy (None: direct)
    ("wss", {"wss_proxy": "http://wss:1"}, "http://wss:1"),
    ("wss", {"ws_proxy": "http://ws:1"}, None),
    ("wss", {"https_proxy": "http://https:1"}, "http://https:1"),
    ("wss", {"http_proxy": "http://http:1"}, None),
    ("wss", {"socks_proxy": "socks5://s:1", "https_proxy": "http://https:1"}, "socks5://s:1"),
    ("wss", {"socks_proxy": "s:1"}, "socks5h://s:1"),
    ("wss", {"https_proxy": "socks5h://s:1080/"}, "socks5h://s:1080"),
    ("wss", {"all_proxy": "http://all:1", "ALL_PROXY": "http://all:1"}, None),
    ("wss", {"WSS_PROXY": "http://upper:1"}, "http://upper:1"),
    ("wss", {"WSS_PROXY": "http://upper:1", "wss_proxy": "http://lower:1"}, "http://lower:1"),
    ("wss", {"HTTPS_PROXY": "http://upper:1", "https_proxy": ""}, None),
    ("ws", {"ws_proxy": "http://ws:1"}, "http://ws:1"),
    ("ws", {"wss_proxy": "http://wss:1"}, None),
    ("ws", {"https_proxy": "http://https:1", "http_proxy": "http://http:1"}, "http://https:1"),
    ("ws", {"http_proxy": "http://http:1"}, "http://http:1"),
    ("ws", {"http_proxy": "proxy.local:3128"}, "http://proxy.local:3128"),
    ("ws", {"HTTP_PROXY": "http://upper:1"}, "http://upper:1"),
    ("ws", {"HTTP_PROXY": "http://upper:1", "REQUEST_METHOD": "GET"}, None),
    ("ws", {"http_proxy": "http://lower:1", "REQUEST_METHOD": ""}, "http://lower:1"),
    ("ws", {"HTTP_PROXY": "http://upper:1", "http_proxy": ""}, None),
    ("ws", {"ALL_PROXY": "socks5h://all:1"}, None),
    ("ws", {"http_proxy": "http://http:1", "no_proxy": "example.com"}, None),
    ("ws", {"http_proxy": "http://http:1", "no_proxy": "*"}, None),
    ("ws", {"http_proxy": "http://http:1", "no_proxy": "other.com"}, "http://http:1"),
    ("ws", {"http_proxy": "http://http:1", "no_proxy": "example.com:80"}, None),
    ("ws", {"http_proxy": "http://http:1", "no_proxy": "example.com:81"}, "http://http:1"),
    ("wss", {"https_proxy": "http://h:1", "NO_PROXY": ".example.com"}, None),
    ("wss", {"https_proxy": "http://h:1", "no_proxy": "*.example.com"}, "http://h:1"),
]


@pytest.mark.parametrize(("scheme", "env", "expected"), ENV_CASES)
def test_environment(
    clean_env: pytest.MonkeyPatch, scheme: str, env: dict[str, str], expected: str | None
) -> None:
    """SEL-01..SEL-10 through the real urllib, driven by environment variables."""
    for name, value in env.items():
        clean_env.setenv(name, value)
    resolution = resolve_route(f"{scheme}://example.com")
    if expected is None:
        assert resolution.route == Direct()
    else:
        assert chosen(resolution) is not None
        assert str(resolution.route.proxy) == expected  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "no_proxy", "bypassed"),
    [
        ("ws://[::1]:8765", "::1", True),
        ("ws://[::1]:8765", "[::1]", False),
        ("wss://bücher.example", "xn--bcher-kva.example", True),
        ("wss://bücher.example", "bücher.example", False),
        ("wss://EXAMPLE.com", "example.COM", True),
        ("ws://example.com:8080", "example.com:8080", True),
        ("ws://example.com:8080", "example.com:9090", False),
    ],
)
def test_environment_bypass(
    clean_env: pytest.MonkeyPatch, uri: str, no_proxy: str, bypassed: bool
) -> None:
    """SEL-01 with urllib's no_proxy matching: IPv6 without brackets, IDNA, port."""
    clean_env.setenv("ws_proxy", "http://ws:1")
    clean_env.setenv("wss_proxy", "http://wss:1")
    clean_env.setenv("no_proxy", no_proxy)
    resolution = resolve_route(uri)
    assert (resolution.route == Direct()) is bypassed


@pytest.mark.parametrize(
    ("env", "rule", "text"),
    [
        ({}, "SEL-02", "no *_proxy variable"),
        ({"no_proxy": "x"}, "SEL-02", "ignores the OS configuration"),
        ({"HTTPS_PROXY": "http://a:1", "https_proxy": "http://b:1"}, "SEL-07", "wins"),
        ({"HTTPS_PROXY": "http://a:1", "https_proxy": ""}, "SEL-07", "removes key https"),
        ({"HTTP_PROXY": "http://a:1", "REQUEST_METHOD": "GET"}, "SEL-10", "CGI"),
    ],
)
def test_environment_notes(
    clean_env: pytest.MonkeyPatch, env: dict[str, str], rule: str, text: str
) -> None:
    """SEL-02/07/10: the trace says what urllib does with the variable names."""
    for name, value in env.items():
        clean_env.setenv(name, value)
    for scheme in ("ws", "wss"):
        resolution = resolve_route(f"{scheme}://example.com")
        assert any(s.rule == rule and text in s.decided for s in resolution.trace)


def test_environment_password(clean_env: pytest.MonkeyPatch) -> None:
    """URL-05 with the real urllib: environment passwords never show."""
    clean_env.setenv("HTTPS_PROXY", f"http://alice:{SECRET}@a:1")
    clean_env.setenv("https_proxy", f"socks5://alice:{SECRET}@b:1")
    clean_env.setenv("ALL_PROXY", f"http://alice:{SECRET}@c:1")
    clean_env.setenv("http_proxy", f"http://alice:{SECRET}@d:1")
    for scheme in ("ws", "wss"):
        resolution = resolve_route(f"{scheme}://example.com")
        assert chosen(resolution) == ("socks5://alice:****@b:1", "env/os key https")
        for text in shown(resolution):
            assert SECRET not in text


def test_urllib_looked_up_at_call_time(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """Patching urllib.request after import takes effect (emulations rely on it)."""
    config = FakeConfig({"socks": "http://mac-socks:1080"})
    clean_env.setattr(urllib.request, "getproxies", config.getproxies)
    clean_env.setattr(urllib.request, "proxy_bypass", config.proxy_bypass)
    resolution = resolve_route("wss://[::1]")
    assert chosen(resolution) == ("socks5h://mac-socks:1080", "env/os key socks")
    assert config.bypass_calls == ["::1:443"]
    config.bypass = True
    assert resolve_route("ws://h").route == Direct()
