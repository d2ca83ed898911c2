"""Fixtures every test module may use."""

from __future__ import annotations

import os
import time
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


def _eventually(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="session")
def eventually() -> Callable[..., bool]:
    """``eventually(condition, timeout=30.0)``: poll until it holds; False after the timeout."""
    return _eventually
