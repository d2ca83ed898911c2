"""Route resolution: direct or through which proxy, with the rules that decided.

:func:`resolve_route` applies the rules (SEL, URL, OS-01) without any I/O and records
each decision as a :class:`TraceStep`; :func:`explain` turns that into text and
:meth:`Resolution.to_dict` into JSON. Passwords appear as ``****`` everywhere (URL-05).

Decisions where the rules are silent (``proxyharness rules RULE-ID`` says what each
leaves open):

* ``proxy=False`` means the same as ``proxy=None``.
* ``caller_socket=True`` (a caller-supplied or Unix socket, SEL-13) wins over any
  ``proxy`` argument, which is then not even parsed.
* Under key ``socks``, ``http://``, ``socks://`` and scheme-less values mean SOCKS5h
  (OS-01); SOCKS schemes are kept; any other scheme (``https://``) is taken at its
  word (SEL-08). Under other keys a scheme-less value means ``http://``.
* An invalid proxy URL in the configuration is an error (:exc:`InvalidProxyURL`
  naming the key), not a reason to try the next key. The trace up to that point is
  attached to the exception as a note.
* With the default ``getproxies``, the trace also notes what urllib does with the
  environment variable names (SEL-02, SEL-07, SEL-10); only names are read, no values.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from .errors import InvalidProxyURL, redact_url
from .proxy_url import ProxyURL, parse_authority, parse_proxy_url, split_after_scheme, split_scheme
from .uri import WebSocketURI, parse_ws_uri

__all__ = [
    "Direct",
    "Resolution",
    "Route",
    "TraceStep",
    "ViaProxy",
    "WebSocketURI",
    "explain",
    "parse_ws_uri",
    "resolve_route",
]

GetProxies = Callable[[], Mapping[str, str]]
ProxyBypass = Callable[[str], object]

WSS_ORDER = ("wss", "socks", "https")
WS_ORDER = ("ws", "socks", "https", "http")
SOCKS_SCHEMES = ("socks4", "socks4a", "socks5", "socks5h")
_LOCATIONS = {
    "wss": "wss_proxy",
    "ws": "ws_proxy",
    "socks": "the OS SOCKS proxy or socks_proxy",
    "https": "https_proxy or the OS HTTPS proxy",
    "http": "http_proxy or the OS HTTP proxy",
}


@dataclasses.dataclass(frozen=True)
class TraceStep:
    """One decision: which rule, what it looked at, what it decided."""

    rule: str
    looked_at: str
    decided: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.looked_at}: {self.decided}"


@dataclasses.dataclass(frozen=True)
class Direct:
    """Connect to the server directly."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"type": "direct"}


@dataclasses.dataclass(frozen=True)
class ViaProxy:
    """Connect through ``proxy``; ``source`` says where it came from."""

    proxy: ProxyURL
    source: str
    """``"explicit"`` or ``"env/os key <key>"`` (a key of ``getproxies()``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, password redacted."""
        return {"type": "proxy", "source": self.source, "proxy": self.proxy.to_dict()}


Route = Direct | ViaProxy


@dataclasses.dataclass(frozen=True)
class Resolution:
    """The route chosen for ``uri`` and the trace of rules that chose it."""

    uri: WebSocketURI
    route: Route
    trace: tuple[TraceStep, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, passwords redacted."""
        return {
            "uri": str(self.uri),
            "route": self.route.to_dict(),
            "trace": [dataclasses.asdict(step) for step in self.trace],
        }


def resolve_route(
    uri: str,
    proxy: str | bool | None = True,
    *,
    getproxies: GetProxies | None = None,
    proxy_bypass: ProxyBypass | None = None,
    caller_socket: bool = False,
) -> Resolution:
    """Choose how to reach ``uri``.

    ``proxy``: True reads the configuration, None (or False) connects directly, a
    string is an explicit proxy URL. ``getproxies`` and ``proxy_bypass`` default to
    :mod:`urllib.request`'s functions as they are when this is called, so patching
    ``urllib.request`` takes effect. ``caller_socket`` says the caller supplies the
    socket (or a Unix socket): no proxy applies.
    """
    target = parse_ws_uri(uri)
    steps: list[TraceStep] = []
    route: Route
    if caller_socket:
        ignored = "" if proxy is True or not proxy else "; the proxy argument is ignored"
        steps.append(TraceStep("SEL-13", "caller-supplied socket", f"no proxy applies{ignored}"))
        route = Direct()
    elif proxy is None or proxy is False:
        steps.append(
            TraceStep("SEL-12", f"proxy={proxy!r}", "connect directly whatever is configured")
        )
        route = Direct()
    elif proxy is True:
        route = _from_configuration(target, steps, getproxies, proxy_bypass)
    elif isinstance(proxy, str):
        steps.append(
            TraceStep(
                "SEL-11",
                f"proxy={redact_url(proxy)!r}",
                "an explicit proxy overrides the configuration; "
                "bypass lists and getproxies() are not consulted",
            )
        )
        route = ViaProxy(_parse(proxy, None, "explicit", steps), "explicit")
    else:
        raise TypeError(f"proxy must be a str, True or None, not {type(proxy).__name__}")
    return Resolution(target, route, tuple(steps))


def explain(resolution: Resolution) -> str:
    """Human-readable account of the route and of each rule's decision."""
    route = resolution.route
    if isinstance(route, Direct):
        chosen = "connect directly"
    else:
        chosen = f"through {route.proxy.description} {route.proxy} (from {route.source})"
    lines = [f"{resolution.uri}: {chosen}"]
    lines.extend(f"  {step.rule:<7} {step.looked_at}: {step.decided}" for step in resolution.trace)
    return "\n".join(lines)


def _from_configuration(
    target: WebSocketURI,
    steps: list[TraceStep],
    getproxies: GetProxies | None,
    proxy_bypass: ProxyBypass | None,
) -> Route:
    """SEL-01 to SEL-09 and OS-01: the bypass check, then the lookup order."""
    bypass = urllib.request.proxy_bypass if proxy_bypass is None else proxy_bypass
    looked_at = f"proxy_bypass({target.bypass_key!r})"
    if bypass(target.bypass_key):
        steps.append(
            TraceStep(
                "SEL-01",
                looked_at,
                "true: the server is in a bypass list (no_proxy or the OS list); "
                "connect directly without consulting any proxy setting",
            )
        )
        return Direct()
    steps.append(TraceStep("SEL-01", looked_at, "false: not in a bypass list"))

    read = urllib.request.getproxies if getproxies is None else getproxies
    proxies = dict(read())
    steps.append(TraceStep("SEL-02", "getproxies()", f"keys: {', '.join(proxies) or 'none'}"))
    if getproxies is None:
        steps.extend(_environment_steps(os.environ))

    scheme = target.scheme
    order, rule = (WSS_ORDER, "SEL-03") if target.secure else (WS_ORDER, "SEL-04")
    _note_unused_keys(proxies, order, rule, scheme, steps)

    chosen = next((key for key in order if proxies.get(key)), None)
    for key in order:
        if key == chosen:
            break
        state = "empty: skipped" if key in proxies else "not set"
        steps.append(TraceStep(rule, f"key {key} ({_LOCATIONS[key]})", state))
    if chosen is None:
        steps.append(
            TraceStep(
                "SEL-06",
                f"locations for {scheme}://: {', '.join(order)}",
                "none holds a proxy: connect directly",
            )
        )
        return Direct()

    value = proxies[chosen]
    steps.append(
        TraceStep(
            rule,
            f"key {chosen} ({_LOCATIONS[chosen]}) = {redact_url(value)!r}",
            f"set: the first location for {scheme}:// that holds a proxy",
        )
    )
    source = f"env/os key {chosen}"
    url = _parse(value, chosen, source, steps)
    for key in order[order.index(chosen) + 1 :]:
        if proxies.get(key):
            steps.append(
                TraceStep(
                    rule,
                    f"key {key} = {redact_url(proxies[key])!r}",
                    f"not consulted: key {chosen} comes first",
                )
            )
    return ViaProxy(url, source)


def _note_unused_keys(
    proxies: Mapping[str, str],
    order: tuple[str, ...],
    rule: str,
    scheme: str,
    steps: list[TraceStep],
) -> None:
    """Say why keys that are present play no part in the lookup."""
    if "no" in proxies:
        steps.append(
            TraceStep(
                "SEL-01",
                f"key no = {redact_url(proxies['no'])!r}",
                "the no_proxy bypass list: applied through proxy_bypass()",
            )
        )
    if "all" in proxies:
        steps.append(
            TraceStep(
                "SEL-09",
                f"key all = {redact_url(proxies['all'])!r}",
                "never used: all_proxy is not one of the locations",
            )
        )
    if scheme == "wss" and "http" in proxies:
        steps.append(
            TraceStep(
                "SEL-05",
                f"key http = {redact_url(proxies['http'])!r}",
                "never used for wss://",
            )
        )
    others = [key for key in proxies if key not in (*order, "no", "all", "http")]
    if others:
        steps.append(TraceStep(rule, f"keys {', '.join(others)}", f"not locations for {scheme}://"))


def _parse(value: str, key: str | None, source: str, steps: list[TraceStep]) -> ProxyURL:
    """Parse a proxy URL from ``key`` (None: explicit), tracing OS-01, SEL-08 and URL."""
    text = value.strip()
    written, rest = split_scheme(text)
    scheme = None if written is None else written.lower()
    if key == "socks" and scheme in (None, "http", "socks"):
        shape = {
            None: "a value without a scheme",
            "http": "http://host:port, as macOS reports its SOCKS proxy",
            "socks": "socks://host:port, as the Windows registry reports its SOCKS proxy",
        }[scheme]
        steps.append(TraceStep("OS-01", f"key socks holds {shape}", "means SOCKS5h"))
        text = f"socks5h://{rest}"
    elif key == "socks" and scheme in SOCKS_SCHEMES:
        steps.append(TraceStep("OS-01", f"key socks holds a {scheme} URL", "scheme kept"))
    elif scheme is None:
        steps.append(
            TraceStep("URL-01", "a value without a scheme", "read as http://, as curl does")
        )
    try:
        url = parse_proxy_url(text)
    except InvalidProxyURL as exc:
        error = InvalidProxyURL(value, exc.reason, source)
    else:
        _trace_url(url, text, key, steps)
        return url
    error.add_note("route trace:\n" + "\n".join(f"  {step}" for step in steps))
    raise error


def _trace_url(url: ProxyURL, text: str, key: str | None, steps: list[TraceStep]) -> None:
    """Record URL-01 to URL-05 (and SEL-08 for a configured value) for a valid URL."""
    steps.append(TraceStep("URL-01", f"scheme {url.scheme}", f"supported: {url.description}"))
    if key is not None and key != "socks":
        steps.append(
            TraceStep(
                "SEL-08",
                f"key {key} holds a {url.scheme} URL",
                f"the URL's scheme decides the protocol, not the key: {url.description}",
            )
        )
    steps.append(
        TraceStep("URL-02", f"host {url.host}", "no path, query or fragment: the URL is valid")
    )
    authority = split_after_scheme(split_scheme(text)[1])[0]
    if parse_authority(authority)[2] is not None:
        steps.append(TraceStep("URL-04", "port", f"{url.port}, as written"))
    elif url.kind == "socks":
        steps.append(
            TraceStep(
                "URL-04",
                "port",
                "none written: 1080, as curl (URL-04 leaves the SOCKS default open)",
            )
        )
    else:
        steps.append(
            TraceStep("URL-04", "port", f"none written: {url.port}, the default for {url.scheme}")
        )
    if url.username is None:
        steps.append(TraceStep("URL-03", "credentials", "none: no authentication"))
        return
    if url.socks_version == 4:
        how = "the user name as SOCKS4 USERID; the password is not used"
    elif url.socks_version == 5:
        how = "SOCKS5 username/password authentication (RFC 1929)"
    else:
        how = "HTTP Basic in Proxy-Authorization, to the proxy only"
    steps.append(
        TraceStep("URL-03", f"credentials of user {url.username!r}", f"percent-decoded; {how}")
    )
    steps.append(TraceStep("URL-05", "the password", "shown as **** in traces and errors"))


def _environment_steps(environ: Mapping[str, str]) -> list[TraceStep]:
    """What urllib's getproxies() makes of the environment variable names."""
    names = sorted(name for name in environ if name.lower().endswith("_proxy"))
    if not names:
        return [
            TraceStep(
                "SEL-02",
                "environment",
                "no *_proxy variable: getproxies() reads the OS configuration, if any",
            )
        ]
    steps = [
        TraceStep(
            "SEL-02",
            f"environment: {', '.join(names)}",
            "getproxies() reads these and ignores the OS configuration",
        )
    ]
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.lower(), []).append(name)
    for lower, group in groups.items():
        preferred = [name for name in group if name.endswith("_proxy")]
        if len(group) > 1 and preferred:
            steps.append(
                TraceStep(
                    "SEL-07",
                    " and ".join(group),
                    f"several spellings: {' / '.join(preferred)} (lower-case _proxy) wins",
                )
            )
        steps.extend(
            TraceStep("SEL-07", f"{name} is empty", f"removes key {lower[:-6]}")
            for name in preferred
            if not environ[name]
        )
    dropped = [name for name in groups.get("http_proxy", []) if not name.endswith("_proxy")]
    if "REQUEST_METHOD" in environ and dropped:
        steps.append(
            TraceStep(
                "SEL-10",
                f"REQUEST_METHOD and {', '.join(dropped)}",
                "urllib ignores an upper-case HTTP_PROXY under CGI",
            )
        )
    return steps
