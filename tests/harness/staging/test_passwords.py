"""Tests for proxyharness.harness.staging.passwords."""

from __future__ import annotations

from proxyharness.harness.staging import Endpoint, passwords_in

A = Endpoint(
    url="http://u:p%40ss@127.0.0.1:3128", netloc="127.0.0.1:3128", host="127.0.0.1", port=3128
)


def test_passwords_in() -> None:
    """Passwords in URLs, raw and decoded, wherever they are."""
    found = passwords_in({"https_proxy": A.url}, ["socks5h://x:s3cret@h:1"], "plain", None)
    assert found == {"p%40ss", "p@ss", "s3cret"}
