"""Interop fixtures: programs we did not write, skipped when missing unless CI requires them.

With ``PROXYHARNESS_REQUIRE_INTEROP=1`` (CI sets it) a missing program fails the test
instead of skipping it, so a broken CI image cannot pass by skipping everything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import NoReturn, TypeVar

import pytest

from proxyharness.fixtures.external import ProgramMissing

T = TypeVar("T", bound=contextlib.AbstractContextManager[object])


def _enter(stack: contextlib.ExitStack, proxy: T, missing: Callable[[str], NoReturn]) -> T:
    try:
        stack.enter_context(proxy)
    except ProgramMissing as exc:
        missing(str(exc))
    return proxy


@pytest.fixture
def launch(missing: Callable[[str], NoReturn]) -> Iterator[Callable[[T], T]]:
    """``launch(Squid(...))``: start a proxy for this test; skip if its program is missing."""
    with contextlib.ExitStack() as stack:
        yield lambda proxy: _enter(stack, proxy, missing)


@pytest.fixture(scope="module")
def launch_shared(missing: Callable[[str], NoReturn]) -> Iterator[Callable[[T], T]]:
    """Like ``launch``, for a proxy shared by the module's tests (squid stops slowly)."""
    with contextlib.ExitStack() as stack:
        yield lambda proxy: _enter(stack, proxy, missing)
