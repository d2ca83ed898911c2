"""A pytest plugin that breaks one scenario item the way a harness bug would."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The item for SEL-06.nothing-configured[ws] crashes before giving a verdict."""
    if item.nodeid.endswith("::SEL-06.nothing-configured[ws]"):
        raise RuntimeError("simulated crash inside the harness")
