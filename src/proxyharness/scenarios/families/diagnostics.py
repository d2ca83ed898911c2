"""DIAG: explaining the choice (``DIAG-01``).

The route is judged from the wire like any other. The explanation is the client's
own account, so it is checked only for substance: :data:`EXPLANATION_MENTIONS`
lists, per scenario ID, words it must contain (case-insensitive), namely the
configuration item that decided the route.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..build import SPEC, direct, make, via
from ..matrix import expand, schemes
from ..model import Scenario

__all__ = ["EXPLANATION_MENTIONS", "scenarios"]

#: Scenario ID → words the client's explanation must contain.
EXPLANATION_MENTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "DIAG-01.names-the-winning-variable[wss]": ("wss_proxy",),
        "DIAG-01.names-the-bypass[wss]": ("no_proxy",),
    }
)


def scenarios() -> list[Scenario]:
    """Every DIAG scenario."""
    winner = make(
        "DIAG-01",
        "names-the-winning-variable",
        "The client explains that wss_proxy picked the proxy, ahead of https_proxy.",
        via("WSS"),
        proxies={"WSS": SPEC["http"], "HTTPS": SPEC["http"]},
        env={"wss_proxy": "{WSS.url}", "https_proxy": "{HTTPS.url}"},
        requires={"explain"},
    )
    bypass = make(
        "DIAG-01",
        "names-the-bypass",
        "The client explains that no_proxy made the connection direct.",
        direct(),
        proxies={"P": SPEC["http"]},
        env={"https_proxy": "{P.url}", "no_proxy": "example.com"},
        requires={"explain"},
    )
    return [*expand(winner, schemes("wss")), *expand(bypass, schemes("wss"))]
