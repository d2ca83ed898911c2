"""Why a scenario cannot be staged: a mistake in it, or this machine."""

from __future__ import annotations

__all__ = ["StagingError", "Unavailable"]


class StagingError(Exception):
    """The scenario cannot be staged (a mistake in the scenario, not in the agent)."""


class Unavailable(Exception):
    """This machine cannot stage the scenario (e.g. port 80 is taken): the case is N/A."""
