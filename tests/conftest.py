"""Fixtures every test module may use."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NoReturn

import pytest

#: CI sets it: a program or runtime a test needs and does not find fails the test.
REQUIRE_VARIABLE = "PROXYHARNESS_REQUIRE_INTEROP"


def _missing(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing() -> Callable[[str], NoReturn]:
    """``missing(reason)``: skip the test (with the install hint in ``reason``), or fail it
    when ``PROXYHARNESS_REQUIRE_INTEROP=1``, so that CI cannot pass by skipping."""
    return _missing
