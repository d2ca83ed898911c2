"""Staging: everything a scenario needs, set up before the agent runs and torn down after.

One module per job, from the bottom up:

- :mod:`.errors`: :class:`StagingError` (a mistake in the scenario) and
  :class:`Unavailable` (this machine cannot stage it: N/A);
- :mod:`.templates`: ``{A.url}``, ``{server.port}``... and their expansion;
- :mod:`.passwords`: the passwords a scenario writes in URLs;
- :mod:`.ports`: fixed proxy ports (``bind-port-N``), closed ports, resetting ports;
- :mod:`.resources`: the CAs and CA files a process shares;
- :mod:`.pool`: fake servers, reused across scenarios, with the scenario's faults;
- :mod:`.backends`: where proxies come from (the fakes, or mitmproxy);
- :mod:`.stager`: :class:`Stager`, which puts it all together for one scenario.
"""

from __future__ import annotations

from .backends import BACKENDS, Backend, RunningProxy
from .errors import StagingError, Unavailable
from .passwords import passwords_in
from .ports import BIND_PORT, ClosedPort, ResettingPort, bind_port_of, runner_capabilities
from .resources import Resources
from .stager import SETTLE_TIMEOUT, Staged, Stager, hidden_modules
from .templates import Endpoint, expand

__all__ = [
    "BACKENDS",
    "BIND_PORT",
    "SETTLE_TIMEOUT",
    "Backend",
    "ClosedPort",
    "Endpoint",
    "ResettingPort",
    "Resources",
    "RunningProxy",
    "Staged",
    "Stager",
    "StagingError",
    "Unavailable",
    "bind_port_of",
    "expand",
    "hidden_modules",
    "passwords_in",
    "runner_capabilities",
]
