"""What every broken client shares: the base class and the temporary patch.

A broken client is the reference agent with one seam changed for the duration of a
call: :meth:`BrokenAgent.adjust` rewrites the call before the reference client sees
it, and :meth:`BrokenAgent.patches` replaces functions of the reference client while
the call runs. :func:`patched` always restores what it replaced.

A temporary patch is safe because the harness runs one scenario at a time per
process (:class:`~proxyharness.harness.runner.Runner`); a broken client is never run
next to another client in the same process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from ..base import Call
from ..reference import ReferenceAgent

__all__ = ["BrokenAgent", "no_hostname_check", "patched", "with_options"]


@contextlib.contextmanager
def patched(owner: Any, attribute: str, value: object) -> Iterator[None]:
    """Set ``owner.attribute`` to ``value`` for the block; always put the original back."""
    original = vars(owner)[attribute] if isinstance(owner, type) else getattr(owner, attribute)
    setattr(owner, attribute, value)
    try:
        yield
    finally:
        setattr(owner, attribute, original)


class BrokenAgent(ReferenceAgent):
    """The reference agent with one bug; subclasses say which (see the module doc)."""

    #: ``broken-<slug>``: the name reports and baselines show.
    name = "broken"
    #: The rules whose scenarios must catch the bug.
    breaks: ClassVar[tuple[str, ...]] = ()
    #: Why no scenario of today's catalog can see the bug (a defect of the catalog).
    expected_to_escape: ClassVar[str | None] = None

    @classmethod
    def slug(cls) -> str:
        """The name without ``broken-``, as ``--agent broken:SLUG`` takes it."""
        return cls.name.removeprefix("broken-")

    @classmethod
    def bug(cls) -> str:
        """The bug, in one line (the class docstring)."""
        return (cls.__doc__ or "").strip().splitlines()[0]

    def adjust(self, call: Call) -> Call:
        """The call as the buggy client makes it (default: unchanged)."""
        return call

    def patches(self, call: Call) -> contextlib.AbstractContextManager[None]:
        """Patches of the reference client while ``call`` runs (default: none)."""
        return contextlib.nullcontext()

    async def exchange(self, call: Call) -> str | bytes:
        with self.patches(call):
            return await super().exchange(self.adjust(call))


def with_options(call: Call, **options: object) -> Call:
    """``call`` with ``options`` added or replaced."""
    return dataclasses.replace(call, options={**call.options, **options})


def no_hostname_check(cafile: Path | None) -> ssl.SSLContext:
    """A context trusting ``cafile`` (None: the system's trust) that checks no host name."""
    context = ssl.create_default_context(cafile=None if cafile is None else str(cafile))
    context.check_hostname = False
    return context
