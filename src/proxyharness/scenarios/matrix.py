"""Expansion dimensions: one base scenario in, its variants out.

A :class:`Variant` is a label and a transform; a dimension is a tuple of variants;
:func:`expand` takes the product of dimensions and appends the labels to the base ID:
``SEL-03.wss-proxy-first`` by ``schemes("wss")`` by ``spellings()`` gives
``SEL-03.wss-proxy-first[wss,upper]``. A transform may return None: that combination
does not exist (e.g. two spellings of one name under the Windows profile). Empty
labels are left out of the ID: the ``linux`` profile, the default, has none.

Dimensions, in the order their labels appear: :func:`schemes`, :func:`proxy_sources`,
:func:`spellings`, row tables such as :func:`no_proxy_forms`, :func:`os_profiles`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .model import Expect, OsProfile, ProxySpec, Scenario, Scheme

__all__ = [
    "DECOY_OS_SETTINGS",
    "NO_PROXY_FORMS",
    "OS_NAMES",
    "SPELLINGS",
    "Dimension",
    "NoProxyForm",
    "OsName",
    "ProxySource",
    "Spelling",
    "Variant",
    "environment_proxies",
    "expand",
    "explicit_twin",
    "no_proxy_forms",
    "os_profiles",
    "own_os",
    "proxy_sources",
    "respell",
    "schemes",
    "spell",
    "spellings",
]

Spelling = Literal["lower", "upper", "mixed", "both"]
OsName = Literal["linux", "macos", "windows"]
ProxySource = Literal["configured", "explicit"]
#: ``both``: the lower-case name holds the base's value, the upper-case one a decoy.
SPELLINGS: tuple[Spelling, ...] = ("lower", "upper", "mixed", "both")
OS_NAMES: tuple[OsName, ...] = ("linux", "macos", "windows")

Transform = Callable[[Scenario], Scenario | None]


@dataclass(frozen=True)
class Variant:
    """One point of a dimension: a label for the ID and what it changes."""

    label: str
    apply: Transform


Dimension = tuple[Variant, ...]


def expand(base: Scenario, *dimensions: Dimension) -> list[Scenario]:
    """Every combination of ``dimensions`` applied to ``base``, in order; IDs labelled."""
    results = []
    for combination in itertools.product(*dimensions):
        scenario: Scenario | None = base
        for variant in combination:
            assert scenario is not None
            scenario = variant.apply(scenario)
            if scenario is None:
                break
        if scenario is None:
            continue
        labels = [variant.label for variant in combination if variant.label]
        suffix = f"[{','.join(labels)}]" if labels else ""
        results.append(dataclasses.replace(scenario, id=base.id + suffix))
    return results


# -- ws / wss ---------------------------------------------------------------------------


def schemes(*which: Scheme) -> Dimension:
    """The target's scheme: ``ws`` and ``wss`` unless narrowed."""
    return tuple(Variant(scheme, _with_scheme(scheme)) for scheme in which or ("ws", "wss"))


def _with_scheme(scheme: Scheme) -> Transform:
    def apply(scenario: Scenario) -> Scenario:
        return dataclasses.replace(
            scenario, target=dataclasses.replace(scenario.target, scheme=scheme)
        )

    return apply


# -- where the proxy comes from: the configuration or proxy=URL -------------------------


def explicit_twin(scenario: Scenario) -> Scenario | None:
    """``scenario`` with its one proxy variable passed as an explicit ``proxy=URL``.

    The variable is removed and its value (a template such as ``{P.url}``) becomes
    the proxy argument, so the client's selection plays no part and the check is the
    protocol alone; the expectation is unchanged. None when there is nothing to pass:
    no proxy variable (a direct connection, an OS configuration). A ValueError where
    the expectation would not carry over: an explicit proxy argument already, several
    proxy variables, ``no_proxy`` (an explicit proxy overrides it, SEL-11).
    """
    given = scenario.given
    names = [n for n, value in given.env.items() if _is_proxy_name(n) and value]
    if not any(name.lower() != "no_proxy" for name in names):
        return None
    if given.proxy is not True or len(names) > 1 or given.os.settings:
        raise ValueError(f"{scenario.id}: an explicit twin needs one proxy variable, alone")
    (name,) = names
    env = {key: value for key, value in given.env.items() if key != name}
    return dataclasses.replace(
        scenario,
        description=scenario.description.removesuffix(".") + "; the proxy is given as proxy=URL.",
        given=dataclasses.replace(given, env=env, proxy=given.env[name]),
        requires=scenario.requires | {"explicit-proxy"},
    )


def proxy_sources(*which: ProxySource) -> Dimension:
    """Where the client gets the proxy: both unless narrowed.

    ``configured`` (no label: IDs of the base stay as they are) keeps the scenario's
    configuration; ``explicit`` is its :func:`explicit_twin`, for clients that
    ignore a variable but take ``proxy=URL`` (the ``explicit-proxy`` capability).
    """
    transforms: dict[ProxySource, tuple[str, Transform]] = {
        "configured": ("", lambda scenario: scenario),
        "explicit": ("explicit", explicit_twin),
    }
    return tuple(Variant(*transforms[source]) for source in which or ("configured", "explicit"))


# -- variable-name spelling -------------------------------------------------------------

#: The decoy proxy a ``both`` spelling puts in the upper-case variables.
DECOY = "DECOY"


def spell(name: str, spelling: Literal["lower", "upper", "mixed"]) -> str:
    """``https_proxy`` as ``https_proxy``, ``HTTPS_PROXY`` or ``Https_Proxy``."""
    if spelling == "upper":
        return name.upper()
    if spelling == "mixed":
        return "_".join(part.capitalize() for part in name.split("_"))
    return name.lower()


def _is_proxy_name(name: str) -> bool:
    return name.lower().endswith("_proxy")


def respell(scenario: Scenario, spelling: Spelling) -> Scenario | None:
    """Rewrite every ``*_proxy`` variable of the given in ``spelling``.

    ``both`` keeps the lower-case name with the base's value and adds the upper-case
    name with a value that must lose (SEL-07: the lower-case name wins): a ``DECOY``
    proxy, or for ``no_proxy`` an entry that flips the outcome (``*`` where the base
    expects a proxy, a name that matches nothing where it expects a direct route).
    None for ``both`` under the Windows profile (see :func:`os_profiles`).
    """
    if spelling == "both" and scenario.given.os.os == "windows":
        return None  # Windows upper-cases names: see os_profiles()
    env: dict[str, str] = {}
    decoy_used = False
    for name, value in scenario.given.env.items():
        if not _is_proxy_name(name):
            env[name] = value
            continue
        if name != name.lower():
            raise ValueError(f"{scenario.id}: spell base variables in lower case, not {name}")
        if spelling != "both":
            env[spell(name, spelling)] = value
            continue
        if not value:
            raise ValueError(f"{scenario.id}: 'both' needs a value in {name}")
        env[name] = value
        if name == "no_proxy":
            env[name.upper()] = "decoy.invalid" if scenario.expect.route == "direct" else "*"
        else:
            env[name.upper()] = "{" + DECOY + ".url}"
            decoy_used = True
    proxies: Mapping[str, ProxySpec] = scenario.proxies
    if decoy_used:
        proxies = {**proxies, DECOY: ProxySpec("http")}
    given = dataclasses.replace(scenario.given, env=env)
    return dataclasses.replace(scenario, given=given, proxies=proxies)


def spellings(*which: Spelling) -> Dimension:
    """The spelling of every ``*_proxy`` variable: all four unless narrowed."""
    return tuple(Variant(spelling, _respelled(spelling)) for spelling in which or SPELLINGS)


def _respelled(spelling: Spelling) -> Transform:
    def apply(scenario: Scenario) -> Scenario | None:
        return respell(scenario, spelling)

    return apply


# -- what urllib reads from the environment ---------------------------------------------


def environment_proxies(env: Mapping[str, str], *, windows: bool = False) -> dict[str, str]:
    """``getproxies_environment()`` for ``env`` set in this order (SEL-07).

    Two passes: every ``*_proxy`` name lower-cased, then only names whose suffix is
    literally ``_proxy`` (those win; an empty value there removes the key).
    ``REQUEST_METHOD`` drops the first pass's ``http``. On Windows names are
    upper-cased (the one set last wins) and ``REQUEST_METHOD`` drops every ``http``.
    """
    if windows:
        upper: dict[str, str] = {}
        for name, value in env.items():
            upper.pop(name.upper(), None)
            upper[name.upper()] = value
        proxies = {n[:-6].lower(): v for n, v in upper.items() if v and n.endswith("_PROXY")}
        if "REQUEST_METHOD" in upper:
            proxies.pop("http", None)
        return proxies
    proxies = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            proxies[name[:-6].lower()] = value
    if "REQUEST_METHOD" in env:
        proxies.pop("http", None)
    for name, value in env.items():
        if name.endswith("_proxy"):
            if value:
                proxies[name[:-6].lower()] = value
            else:
                proxies.pop(name[:-6].lower(), None)
    return proxies


# -- OS profiles ------------------------------------------------------------------------

#: The proxy a decoy OS configuration points at.
OS_DECOY = "OS"
#: An OS configuration that must play no part: the environment switches it off (SEL-02).
DECOY_OS_SETTINGS: Mapping[OsName, Mapping[str, object]] = {
    "linux": {},
    "macos": {
        "http": {"host": "{OS.host}", "port": "{OS.port}"},
        "https": {"host": "{OS.host}", "port": "{OS.port}"},
    },
    "windows": {"ProxyEnable": 1, "ProxyServer": "{OS.netloc}"},
}


def _case_collision(env: Mapping[str, str]) -> bool:
    return len({name.upper() for name in env}) < len(env)


def _on_os(os_name: OsName) -> Transform:
    def apply(scenario: Scenario) -> Scenario | None:
        if scenario.given.os.os != "linux" or scenario.given.os.settings:
            raise ValueError(f"{scenario.id}: os_profiles() needs a base without OS settings")
        if os_name == "linux":
            return scenario
        env = scenario.given.env
        # Windows upper-cases names: of two spellings, the one set last wins, an
        # artefact of the order of assignment rather than of the client. Skipped.
        if os_name == "windows" and _case_collision(env):
            return None
        # No proxy key from the environment: the OS configuration applies, which
        # changes the expectation. SEL-02 has scenarios for that; skipped here.
        if scenario.given.proxy is True and not environment_proxies(
            env, windows=os_name == "windows"
        ):
            return None
        given = dataclasses.replace(
            scenario.given, os=OsProfile(os_name, DECOY_OS_SETTINGS[os_name])
        )
        proxies = {**scenario.proxies, OS_DECOY: ProxySpec("http")}
        return dataclasses.replace(scenario, given=given, proxies=proxies)

    return apply


def os_profiles(*which: OsName) -> Dimension:
    """Run an environment-only scenario under each OS profile (all three unless narrowed).

    Under ``macos`` and ``windows`` an OS proxy (``OS``) is configured too, and must
    not be used: any ``*_proxy`` variable switches the OS configuration off (SEL-02).
    The expectation is unchanged; combinations where it would change are skipped.
    """
    return tuple(
        Variant("" if os_name == "linux" else os_name, _on_os(os_name))
        for os_name in which or OS_NAMES
    )


def own_os(profile: OsProfile) -> Dimension:
    """A one-variant dimension that sets ``profile`` and labels the ID with its OS.

    Like :func:`os_profiles`, it drops two spellings of one name under Windows.
    """

    def apply(scenario: Scenario) -> Scenario | None:
        if profile.os == "windows" and _case_collision(scenario.given.env):
            return None
        given = dataclasses.replace(scenario.given, os=profile)
        return dataclasses.replace(scenario, given=given)

    return (Variant("" if profile.os == "linux" else profile.os, apply),)


# -- no_proxy forms ---------------------------------------------------------------------


@dataclass(frozen=True)
class NoProxyForm:
    """One ``no_proxy`` case (SEL-01): a target host, a value, and whether it bypasses."""

    label: str
    host: str
    no_proxy: str
    bypass: bool
    #: Only for ``ws://`` (a name with a trailing dot makes no valid SNI).
    ws_only: bool = False


# urllib's no_proxy matching (``proxy_bypass_environment``), over the hosts a WebSocket
# client passes ("host:port", IPv6 without brackets, lower-cased, IDNA-encoded: SEL-01).
# The port is the server's.
# fmt: off
NO_PROXY_FORMS: tuple[NoProxyForm, ...] = (
    #          label                 target host         no_proxy                      bypass
    NoProxyForm("exact-host",        "www.example.com",  "www.example.com",            True),
    NoProxyForm("dot-suffix",        "www.example.com",  "example.com",                True),
    NoProxyForm("not-a-suffix",      "notexample.com",   "example.com",                False),
    NoProxyForm("leading-dot",       "example.com",      ".example.com",               True),
    NoProxyForm("glob",              "www.example.com",  "*.example.com",              False),
    NoProxyForm("star",              "www.example.com",  "*",                          True),
    NoProxyForm("star-in-list",      "www.example.com",  "other.example,*",            False),
    NoProxyForm("star-spaced",       "www.example.com",  " * ",                        False),
    NoProxyForm("list",              "www.example.com",  "other.example, example.com", True),
    NoProxyForm("space-separated",   "www.example.com",  "other.example example.com",  False),
    NoProxyForm("upper-case-entry",  "www.example.com",  "WWW.EXAMPLE.COM",            True),
    NoProxyForm("upper-case-target", "WWW.Example.COM",  "www.example.com",            True),
    NoProxyForm("host-port",         "www.example.com",  "www.example.com:{server.port}", True),
    NoProxyForm("other-port",        "www.example.com",  "www.example.com:{closed.port}", False),
    NoProxyForm("ipv4",              "127.0.0.1",        "127.0.0.1",                  True),
    NoProxyForm("ipv4-cidr",         "127.0.0.1",        "127.0.0.0/8",                False),
    NoProxyForm("ipv4-suffix",       "127.0.0.1",        "0.0.1",                      True),
    NoProxyForm("ipv6",              "::1",              "::1",                        True),
    NoProxyForm("ipv6-brackets",     "::1",              "[::1]",                      False),
    NoProxyForm("idna",              "bücher.example",   "xn--bcher-kva.example",      True),
    NoProxyForm("trailing-dot",      "example.com.",     "example.com",                False, True),
)
# fmt: on


def _with_no_proxy(form: NoProxyForm, bypassed: Expect) -> Transform:
    def apply(scenario: Scenario) -> Scenario | None:
        if form.ws_only and scenario.target.scheme != "ws":
            return None
        env = {**scenario.given.env, "no_proxy": form.no_proxy}
        outcome = "bypasses" if form.bypass else "does not bypass"
        return dataclasses.replace(
            scenario,
            description=f"no_proxy={form.no_proxy!r} {outcome} the proxy for {form.host}.",
            given=dataclasses.replace(scenario.given, env=env),
            target=dataclasses.replace(scenario.target, host=form.host),
            expect=bypassed if form.bypass else scenario.expect,
        )

    return apply


def no_proxy_forms(bypassed: Expect, forms: Sequence[NoProxyForm] = NO_PROXY_FORMS) -> Dimension:
    """Set ``no_proxy`` and the target per row; a bypassing row expects ``bypassed``."""
    return tuple(Variant(form.label, _with_no_proxy(form, bypassed)) for form in forms)
