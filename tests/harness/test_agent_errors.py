"""Tests for proxyharness.harness.agent_errors."""

from __future__ import annotations

import pytest

from proxyharness.harness.agent_errors import error_text, forget_frames


def raised(error: BaseException, cause: BaseException | None = None) -> BaseException:
    """``error`` as it is once raised (from ``cause``, if any) and caught."""
    try:
        raise error from cause
    except BaseException as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (raised(ValueError("bad")), "ValueError: bad"),
        (
            raised(ConnectionError("lost"), raised(OSError("reset"))),
            "ConnectionError: lost <- caused by OSError: reset",
        ),
        (raised(TimeoutError()), "TimeoutError"),
    ],
)
def test_error_text(error: BaseException, text: str) -> None:
    """Each exception of the chain, one ``Type: message`` each, the cause last."""
    assert error_text(error) == text


def fail_while_handling() -> None:
    try:
        raise KeyError("first")
    except KeyError:
        raise RuntimeError("second")  # noqa: B904 - the implicit context is the point


def test_error_text_of_an_implicit_context() -> None:
    """An exception raised while handling another names it too."""
    with pytest.raises(RuntimeError) as caught:
        fail_while_handling()
    assert error_text(caught.value) == "RuntimeError: second <- caused by KeyError: 'first'"


def test_forget_frames() -> None:
    """Every exception of the chain lets go of its traceback."""
    error = raised(ConnectionError("lost"), raised(OSError("reset")))
    forget_frames(error)
    assert error.__traceback__ is None
    assert error.__cause__ is not None
    assert error.__cause__.__traceback__ is None
