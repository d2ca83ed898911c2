"""Tests for proxyharness.harness.staging.templates."""

from __future__ import annotations

import pytest

from proxyharness.harness.staging import Endpoint, StagingError, expand

A = Endpoint(
    url="http://u:p%40ss@127.0.0.1:3128", netloc="127.0.0.1:3128", host="127.0.0.1", port=3128
)


@pytest.mark.parametrize(
    ("value", "expanded"),
    [
        ("{A.url}", A.url),
        ("{A.port}", 3128),  # a whole field keeps its type
        ("host:{A.port}", "host:3128"),
        (
            {"http": {"host": "{A.host}", "port": "{A.port}"}},
            {"http": {"host": "127.0.0.1", "port": 3128}},
        ),
        (["{A.netloc}", 1, None], ["127.0.0.1:3128", 1, None]),
        ("no template", "no template"),
    ],
)
def test_expand(value: object, expanded: object) -> None:
    """Templates are expanded in strings, mappings and lists."""
    assert expand(value, {"A": A}) == expanded


def test_expand_unknown_name() -> None:
    """A template naming no staged object is a scenario mistake."""
    with pytest.raises(StagingError, match=r"cannot expand template '\{B\.url\}'"):
        expand("{B.url}", {"A": A})
