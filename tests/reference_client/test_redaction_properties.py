"""Property tests: no proxy value, however written, shows its password (URL-05)."""

from __future__ import annotations

import json

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from proxyharness.reference_client.errors import InvalidProxyURL, redact_url
from proxyharness.reference_client.proxy_url import SCHEMES
from proxyharness.reference_client.route import explain, resolve_route

URI = "wss://www.example.com/"
#: What a password is made of: URL delimiters, percent escapes, non-ASCII.
FRAGMENTS = ["://", ":", "/", "//", "@", "?", "#", "%", "%3A", "[", "]", ".", " ", "a", "é", "€"]
_pieces = st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join)
#: A password: special characters around a core that no ordinary text contains.
passwords = st.builds(lambda a, b: f"{a}Qx7{b}", _pieces, _pieces).filter(lambda p: p.strip() == p)
users = st.text(alphabet=st.sampled_from("abz09._-"), min_size=1, max_size=8)
hosts = st.sampled_from(["proxy.local", "127.0.0.1", "[::1]", "proxy.local:3128"])
schemes = st.sampled_from(["", *(f"{s}://" for s in SCHEMES), "HTTP://", "ftp://"])


def _value(scheme: str, user: str, password: str, host: str) -> str:
    # A user named like a scheme, with a password starting //, reads as a scheme and a
    # user name only ("http://x@host"): the text itself holds no password then.
    assume(not (scheme == "" and user.lower() in SCHEMES and password.startswith("//")))
    return f"{scheme}{user}:{password}@{host}"


def _texts(outcome: BaseException | str) -> list[str]:
    if isinstance(outcome, str):
        return [outcome, json.dumps(outcome)]
    return [str(outcome), repr(outcome), repr(outcome.args), *getattr(outcome, "__notes__", [])]


@settings(max_examples=300, deadline=None)
@given(scheme=schemes, user=users, password=passwords, host=hosts)
@example(scheme="", user="u", password="a://Qx7", host="proxy.local")
def test_redact_url_hides_password(scheme: str, user: str, password: str, host: str) -> None:
    """redact_url removes the password from any user:password@ value, and is idempotent."""
    value = _value(scheme, user, password, host)
    shown = redact_url(value)
    assert password not in shown
    assert redact_url(shown) == shown


@settings(max_examples=200, deadline=None)
@given(scheme=schemes, user=users, password=passwords, host=hosts, key=st.sampled_from("ea"))
@example(scheme="", user="u", password="a://Qx7", host="proxy.local", key="a")
def test_explicit_and_configured_values(
    scheme: str, user: str, password: str, host: str, key: str
) -> None:
    """Neither the error nor the trace of a route shows the password: explicit or all_proxy."""
    value = _value(scheme, user, password, host)
    outcomes: list[BaseException | str] = []
    try:
        if key == "e":
            resolution = resolve_route(URI, value)
        else:  # all_proxy is never used: the route is direct, the value only traced
            resolution = resolve_route(
                URI, True, getproxies=lambda: {"all": value}, proxy_bypass=lambda host: False
            )
    except InvalidProxyURL as exc:
        outcomes.append(exc)
    else:
        outcomes.append(explain(resolution))
        outcomes.append(json.dumps(resolution.to_dict(), ensure_ascii=False))
    for outcome in outcomes:
        for text in _texts(outcome):
            assert password not in text
