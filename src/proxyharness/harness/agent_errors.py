"""An agent's exception: as text for the case's record, then let go of with its frames."""

from __future__ import annotations

import traceback

__all__ = ["error_text", "forget_frames"]


def error_text(exc: BaseException) -> str:
    """The exception and its causes, one ``Type: message`` each."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append("".join(traceback.format_exception_only(current)).strip())
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return " <- caused by ".join(parts)


def forget_frames(exc: BaseException) -> None:
    """Drop the frames an exception chain keeps alive (and the sockets in them)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
            current.__traceback__ = None
        current = current.__cause__ or current.__context__
