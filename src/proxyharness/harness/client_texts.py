"""Every text an exception of the client holds, to be searched for passwords (URL-05).

An error can show a secret in more places than its message: its ``repr``, its
``args``, its notes, and every exception chained to it (``__cause__`` and
``__context__``, suppressed or not, since a debugger or a log shows them all).
"""

from __future__ import annotations

__all__ = ["exception_texts"]

#: Characters kept of one text (a huge ``repr`` is cut, not searched whole).
_LIMIT = 20_000


def exception_texts(exc: BaseException) -> tuple[tuple[str, str], ...]:
    """``(where, text)`` for ``exc`` and each exception chained to it."""
    texts: list[tuple[str, str]] = []
    seen: set[int] = set()
    pending: list[tuple[BaseException, str]] = [(exc, "error")]
    while pending:
        current, where = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if where != "error":
            texts.append((where, _text(str, current)))
        texts.append((f"{where} repr", _text(repr, current)))
        texts.append((f"{where} args", _text(repr, current.args)))
        notes = getattr(current, "__notes__", None)
        if isinstance(notes, list):
            texts.extend((f"{where} notes", _text(str, note)) for note in notes)
        for chained in (current.__cause__, current.__context__):
            if chained is not None:
                pending.append((chained, "chained exception"))
    return tuple(texts)


def _text(show: object, value: object) -> str:
    try:
        return str(show(value))[:_LIMIT]  # type: ignore[operator]
    except Exception as exc:  # a broken __repr__ is the client's, not ours
        return f"<cannot show: {type(exc).__name__}>"
