"""Tests for proxyharness.reference_client.proxy_url."""

from __future__ import annotations

import json

import pytest

from proxyharness.reference_client.errors import InvalidProxyURL
from proxyharness.reference_client.proxy_url import (
    DEFAULT_PORTS,
    ProxyURL,
    format_address,
    parse_proxy_url,
    split_scheme,
)

SECRET = "Zq7-hunter2-secret"

VALID = [
    # text, scheme, host, port, username, password
    ("http://proxy:3128", "http", "proxy", 3128, None, None),
    ("http://proxy:3128/", "http", "proxy", 3128, None, None),
    ("https://proxy", "https", "proxy", 443, None, None),
    ("http://proxy", "http", "proxy", 80, None, None),
    ("http://proxy:", "http", "proxy", 80, None, None),
    ("socks4://proxy", "socks4", "proxy", 1080, None, None),
    ("socks4a://proxy", "socks4a", "proxy", 1080, None, None),
    ("socks5://proxy", "socks5", "proxy", 1080, None, None),
    ("socks5h://proxy:9050", "socks5h", "proxy", 9050, None, None),
    ("HTTP://PROXY.Example:8080", "http", "proxy.example", 8080, None, None),
    ("SOCKS5H://proxy", "socks5h", "proxy", 1080, None, None),
    ("proxy.local:3128", "http", "proxy.local", 3128, None, None),
    ("proxy.local", "http", "proxy.local", 80, None, None),
    ("  http://proxy:3128\n", "http", "proxy", 3128, None, None),
    ("http://[::1]:3128", "http", "::1", 3128, None, None),
    ("socks5h://[2001:DB8::1]", "socks5h", "2001:db8::1", 1080, None, None),
    ("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, None, None),
    ("http://bücher.example:1", "http", "xn--bcher-kva.example", 1, None, None),
    ("http://my_proxy:65535", "http", "my_proxy", 65535, None, None),
    ("http://user:pass@proxy", "http", "proxy", 80, "user", "pass"),
    ("http://user:p%40ss@proxy", "http", "proxy", 80, "user", "p@ss"),
    ("http://us%3Aer:p%3Ass%2F@proxy", "http", "proxy", 80, "us:er", "p:ss/"),
    ("http://user:p@ss@proxy", "http", "proxy", 80, "user", "p@ss"),
    ("http://user:pa:ss@proxy", "http", "proxy", 80, "user", "pa:ss"),
    ("http://user:@proxy", "http", "proxy", 80, "user", ""),
    ("http://%C3%A9l%C3%A8ve:mot@proxy", "http", "proxy", 80, "élève", "mot"),
    ("user:pass@proxy:3128", "http", "proxy", 3128, "user", "pass"),
    ("socks5://user:pass@[::1]:1080", "socks5", "::1", 1080, "user", "pass"),
]

INVALID = [
    # text, words the reason contains (URL-01, URL-02, URL-03, ports, hosts)
    ("ftp://proxy", "scheme 'ftp' isn't supported"),
    ("socks://proxy", "scheme 'socks' isn't supported"),
    ("SOCKS6://proxy", "scheme 'SOCKS6' isn't supported"),
    ("ws://proxy", "scheme 'ws' isn't supported"),
    ("", "empty"),
    ("   ", "empty"),
    ("http://", "host is missing"),
    ("http://:3128", "host is missing"),
    ("http://user:pass@", "host is missing"),
    ("http://user:pass@:80", "host is missing"),
    ("http://proxy/path", "path isn't allowed"),
    ("http://proxy//", "path isn't allowed"),
    ("http://proxy?x=1", "query isn't allowed"),
    ("http://proxy/?", "query isn't allowed"),
    ("http://proxy#frag", "fragment isn't allowed"),
    ("http://proxy/#", "fragment isn't allowed"),
    ("http://user@proxy", "user name without a password"),
    ("http://@proxy", "user name without a password"),
    ("http://:pass@proxy", "user name is empty"),
    ("http://user:p%FFss@proxy", "password isn't valid percent-encoded UTF-8"),
    ("http://us%FFer:pass@proxy", "user name isn't valid percent-encoded UTF-8"),
    ("http://proxy:abc", "port isn't a number"),
    ("http://proxy:0", "port isn't a number"),
    ("http://proxy:65536", "port isn't a number"),
    ("http://proxy:-1", "port isn't a number"),
    ("http://proxy:+80", "port isn't a number"),
    ("http://proxy:\u0663", "port isn't a number"),
    ("http://::1:3128", "IPv6 address must be written in brackets"),
    ("http://[::1", "closing ]"),
    ("http://[proxy]:80", "isn't an IPv6 address"),
    ("http://[::1]x", "unexpected text after the IPv6 address"),
    ("http://pro xy:80", "whitespace or control characters"),
    ("http://proxy\t:80", "whitespace or control characters"),
    ("http://pro%78y", "characters that aren't allowed"),
    ("http://pro<xy", "characters that aren't allowed"),
    ("http://b\u00fccher..example", "valid internationalized domain name"),
]

WITH_PASSWORD = [
    f"http://alice:{SECRET}@proxy",
    f"socks5h://alice:{SECRET}@proxy:1080",
    f"https://alice:{SECRET}@[::1]",
    f"alice:{SECRET}@proxy:3128",
]

INVALID_WITH_PASSWORD = [
    f"ftp://alice:{SECRET}@proxy",
    f"http://alice:{SECRET}@proxy/path",
    f"http://alice:{SECRET}@proxy?q",
    f"http://alice:{SECRET}@proxy#f",
    f"http://alice:{SECRET}@proxy:port",
    f"http://alice:{SECRET}@",
    f"http://alice:{SECRET}/x@proxy",
    f"http://alice:{SECRET}#x@proxy",
    f"http://alice:{SECRET}?@proxy",
    f"http://alice:{SECRET}%FF@proxy",
    f"http://alice:{SECRET} @proxy",
    f"http://alice:{SECRET}@[zz]",
]

PROPERTIES = [
    # scheme, kind, tls, socks_version, remote_dns
    ("http", "http", False, None, True),
    ("https", "http", True, None, True),
    ("socks4", "socks", False, 4, False),
    ("socks4a", "socks", False, 4, True),
    ("socks5", "socks", False, 5, False),
    ("socks5h", "socks", False, 5, True),
]


@pytest.mark.parametrize(("text", "scheme", "host", "port", "username", "password"), VALID)
def test_parse_valid(
    text: str, scheme: str, host: str, port: int, username: str | None, password: str | None
) -> None:
    """Valid proxy URLs parse into normalised fields."""
    url = parse_proxy_url(text)
    assert (url.scheme, url.host, url.port) == (scheme, host, port)
    assert (url.username, url.password) == (username, password)


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_parse_invalid(text: str, reason: str) -> None:
    """Unusable proxy URLs raise InvalidProxyURL with a reason that says why."""
    with pytest.raises(InvalidProxyURL) as info:
        parse_proxy_url(text)
    assert reason in info.value.reason
    assert reason in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


@pytest.mark.parametrize(("scheme", "kind", "tls", "version", "remote_dns"), PROPERTIES)
def test_properties(
    scheme: str, kind: str, tls: bool, version: int | None, remote_dns: bool
) -> None:
    """The scheme decides kind, TLS to the proxy, SOCKS version and remote DNS."""
    url = parse_proxy_url(f"{scheme}://proxy")
    assert (url.kind, url.tls, url.socks_version, url.remote_dns) == (
        kind,
        tls,
        version,
        remote_dns,
    )
    assert url.port == DEFAULT_PORTS[url.scheme]


def test_default_ports() -> None:
    """http uses 80, https 443, every SOCKS scheme 1080 (URL-04)."""
    assert DEFAULT_PORTS == {
        "http": 80,
        "https": 443,
        "socks4": 1080,
        "socks4a": 1080,
        "socks5": 1080,
        "socks5h": 1080,
    }


@pytest.mark.parametrize("text", WITH_PASSWORD)
def test_password_hidden(text: str) -> None:
    """str, repr, redacted() and to_dict() never show the password (URL-05)."""
    url = parse_proxy_url(text)
    assert url.password == SECRET
    shown = [str(url), repr(url), url.redacted(), json.dumps(url.to_dict()), url.description]
    for text_shown in shown:
        assert SECRET not in text_shown
    assert ":****@" in url.redacted()
    assert url.to_dict()["password"] == "****"


@pytest.mark.parametrize("text", INVALID_WITH_PASSWORD)
def test_password_hidden_in_errors(text: str) -> None:
    """Errors on malformed URLs never show the password (URL-05)."""
    with pytest.raises(InvalidProxyURL) as info:
        parse_proxy_url(text)
    for shown in (str(info.value), repr(info.value), info.value.url):
        assert SECRET not in shown


def test_redacted_form() -> None:
    """The redacted form is normalised: scheme, quoted user, host and port."""
    url = parse_proxy_url("SOCKS5H://us%40er:pw@[::1]")
    assert url.redacted() == "socks5h://us%40er:****@[::1]:1080"
    assert repr(url) == "ProxyURL('socks5h://us%40er:****@[::1]:1080')"
    assert str(parse_proxy_url("http://proxy")) == "http://proxy:80"


def test_to_dict() -> None:
    """to_dict() gives JSON-able fields with the password redacted."""
    assert parse_proxy_url("socks4a://bob:pw@proxy:1081").to_dict() == {
        "url": "socks4a://bob:****@proxy:1081",
        "scheme": "socks4a",
        "kind": "socks",
        "tls": False,
        "socks_version": 4,
        "remote_dns": True,
        "host": "proxy",
        "port": 1081,
        "username": "bob",
        "password": "****",
    }


def test_user_info_and_address() -> None:
    """user_info pairs the credentials; address brackets IPv6 hosts."""
    url = parse_proxy_url("http://user:@[::1]:8080")
    assert url.user_info == ("user", "")
    assert url.address == "[::1]:8080"
    assert parse_proxy_url("http://proxy").user_info is None


def test_equality() -> None:
    """Equivalent spellings give equal ProxyURL values."""
    assert parse_proxy_url("HTTP://Proxy:80/") == parse_proxy_url("proxy")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "ftp", "host": "h", "port": 1}, "unsupported proxy scheme"),
        ({"scheme": "http", "host": "h", "port": 1, "username": "u"}, "go together"),
        ({"scheme": "http", "host": "h", "port": 1, "password": "p"}, "go together"),
    ],
)
def test_construct_invalid(kwargs: dict[str, object], message: str) -> None:
    """ProxyURL refuses inconsistent fields when built directly."""
    with pytest.raises(ValueError, match=message):
        ProxyURL(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://proxy", ("http", "proxy")),
        ("SOCKS5H://proxy", ("SOCKS5H", "proxy")),
        ("proxy.local:3128", (None, "proxy.local:3128")),
        ("user:pw@proxy", (None, "user:pw@proxy")),
        ("://proxy", (None, "://proxy")),
    ],
)
def test_split_scheme(text: str, expected: tuple[str | None, str]) -> None:
    """split_scheme only recognises a scheme followed by ://."""
    assert split_scheme(text) == expected


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [("proxy", 80, "proxy:80"), ("::1", 1080, "[::1]:1080"), ("10.0.0.1", 1, "10.0.0.1:1")],
)
def test_format_address(host: str, port: int, expected: str) -> None:
    """format_address puts IPv6 hosts in brackets."""
    assert format_address(host, port) == expected
