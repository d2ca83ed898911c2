"""A scenario's fault, as written (``"reply:403"``), turned into a :class:`Fault`.

On its own so that it can go once the fixtures parse this spelling themselves.
"""

from __future__ import annotations

from ...fixtures import Fault
from .errors import StagingError

__all__ = ["parse_fault"]


def parse_fault(text: str) -> Fault:
    """Parse a scenario's fault string (``"reply:403"``, ``"close_after:0"``, ``"silence"``)."""
    kind, _, argument = text.strip().partition(":")
    try:
        if kind == "silence":
            return Fault.silence()
        if kind == "close_after":
            return Fault.close_after(int(argument or 0))
        if kind == "reply":
            return Fault.reply(int(argument))
        if kind == "garbage":
            return Fault.garbage(argument.encode()) if argument else Fault.garbage()
        if kind == "http_version":
            return Fault.http_version(argument or "HTTP/1.0")
        if kind == "dial_fails":
            return Fault.dial_fails()
        if kind == "delay":
            return Fault.delay(float(argument))
    except ValueError as exc:
        raise StagingError(f"bad fault {text!r}: {exc}") from None
    raise StagingError(f"unknown fault {text!r}")
