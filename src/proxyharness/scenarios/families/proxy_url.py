"""URL: the proxy's address (URL-01 to URL-05).

Every invalid URL still points at a running proxy (``P``), so a client that uses it
anyway is seen: an invalid proxy URL must reach nowhere.

URL-04 (default ports) cannot be observed on an ephemeral port: a client's choice
of port 80 is only visible to a proxy listening on port 80. "Nothing listens on
127.0.0.1:80, so expect proxy-refused" would be neither sound (a client that picks
8080 or 1080 fails the same way) nor robust (anything on port 80 changes the error).
So these scenarios require a runner capability, ``bind-port-80`` / ``bind-port-443``
/ ``bind-port-1080``: the runner grants it only when it can bind the scenario's one
proxy on 127.0.0.1 at that port, and the URL carries no port (``{P.host}`` only).
Without it the case is N/A, never a false PASS or FAIL.

URL-05 needs no field: the runner searches every error text and log line for every
password a scenario uses (raw and percent-decoded). The URL-05 scenarios give it a
distinctive password in each way a client can fail.
"""

from __future__ import annotations

import urllib.parse

from ..build import PROXY_HOST, SPEC, fails, make, nowhere, socks_fields, via
from ..model import ProxyKind, ProxySpec, Scenario

__all__ = ["scenarios"]

#: A password no error text contains by chance (URL-05).
SECRET = "URL05-s3cret-pw"
#: A password with non-ASCII characters and a ``:`` (its escaped forms differ from it).
NON_ASCII_SECRET = "URL05-pä:ss€"


def scenarios() -> list[Scenario]:
    """Every URL scenario."""
    return [*_url01(), *_url02(), *_url03(), *_url04(), *_url05()]


def _url01() -> list[Scenario]:
    supported = []
    for scheme, spec in SPEC.items():
        if scheme == "https":
            spec = ProxySpec("https", url_host=PROXY_HOST)
            expect = via("P", protocol="http", proxy_sni=PROXY_HOST)
        elif scheme == "http":
            expect = via("P", protocol="http")
        else:
            expect = via("P", **socks_fields(scheme))
        supported.append(
            make(
                "URL-01",
                f"scheme-{scheme}",
                f"A {scheme}:// proxy URL is supported.",
                expect,
                proxies={"P": spec},
                env={"https_proxy": "{P.url}"},
                names=(PROXY_HOST,) if scheme == "https" else (),
            )
        )
    # fmt: off
    unsupported: list[tuple[str, ProxyKind, str, bool]] = [
        # slug,             proxy kind, scheme written, explicit argument?
        ("scheme-ftp",      "http",     "ftp",          False),
        ("scheme-socks6",   "socks5",   "socks6",       False),
        ("scheme-socks",    "socks5",   "socks",        True),
    ]
    # fmt: on
    for slug, kind, scheme, explicit in unsupported:
        supported.append(
            make(
                "URL-01",
                slug,
                f"A {scheme}:// proxy URL is an invalid-proxy error and nothing is sent.",
                nowhere("invalid-proxy"),
                proxies={"P": ProxySpec(kind, url_scheme=scheme)},
                env={} if explicit else {"https_proxy": "{P.url}"},
                proxy="{P.url}" if explicit else True,
            )
        )
    return supported


def _url02() -> list[Scenario]:
    # fmt: off
    rows = [
        ("no-host",  "http://:{P.port}", "A proxy URL without a host"),
        ("path",     "{P.url}/x",        "A proxy URL with the path /x"),
        ("query",    "{P.url}?a=b",      "A proxy URL with a query"),
        ("fragment", "{P.url}#top",      "A proxy URL with a fragment"),
    ]
    # fmt: on
    result = [
        make(
            "URL-02",
            slug,
            f"{what} is an invalid-proxy error and nothing is sent.",
            nowhere("invalid-proxy"),
            proxies={"P": SPEC["http"]},
            env={"https_proxy": value},
        )
        for slug, value, what in rows
    ]
    result.append(
        make(
            "URL-02",
            "trailing-slash",
            "A proxy URL whose path is just / is valid.",
            via("P"),
            proxies={"P": SPEC["http"]},
            env={"https_proxy": "{P.url}/"},
        )
    )
    return result


def _url03() -> list[Scenario]:
    result = []
    kinds: dict[str, ProxyKind] = {"http": "http", "socks5h": "socks5"}
    for scheme, kind in kinds.items():
        result.append(
            make(
                "URL-03",
                f"percent-decoded-{scheme}",
                f"The {scheme} proxy receives the password p%40ss decoded as p@ss.",
                via("P", credentials=("user", "p@ss")),
                proxies={
                    "P": ProxySpec(
                        kind,
                        auth=("user", "p@ss"),
                        url_scheme=scheme,
                        url_credentials="user:p%40ss",
                    )
                },
                env={"https_proxy": "{P.url}"},
            )
        )
        result.append(
            make(
                "URL-03",
                f"user-without-password-{scheme}",
                f"A {scheme} proxy URL with a user name and no password is an invalid-proxy error.",
                nowhere("invalid-proxy"),
                proxies={
                    "P": ProxySpec(
                        kind,
                        url_scheme=scheme,
                        url_credentials="user",
                    )
                },
                env={"https_proxy": "{P.url}"},
            )
        )
    return result


def _url04() -> list[Scenario]:
    # The URL is written without a port; the runner binds P on the port required.
    http = make(
        "URL-04",
        "http-default-port",
        "An http:// proxy URL without a port means port 80.",
        via("P", protocol="http"),
        proxies={"P": SPEC["http"]},
        env={"https_proxy": "http://{P.host}"},
        requires={"bind-port-80"},
    )
    https = make(
        "URL-04",
        "https-default-port",
        "An https:// proxy URL without a port means port 443.",
        via("P", protocol="http", proxy_sni=PROXY_HOST),
        proxies={"P": ProxySpec("https", url_host=PROXY_HOST)},
        names=(PROXY_HOST,),
        env={"https_proxy": "https://{P.host}"},
        requires={"bind-port-443"},
    )
    socks = make(
        "URL-04",
        "socks-default-port",
        "Which port a socks5h:// proxy URL without a port means (1080 as curl, or else).",
        via("P", **socks_fields("socks5h")),
        proxies={"P": SPEC["socks5h"]},
        env={"https_proxy": "socks5h://{P.host}"},
        requires={"bind-port-1080"},
        info=True,
    )
    return [http, https, socks]


def _url05() -> list[Scenario]:
    credentials = f"user:{SECRET}"
    # fmt: off
    rows: list[tuple[str, str, ProxySpec, str]] = [
        ("invalid-scheme", "an unsupported scheme",
         ProxySpec("http", url_scheme="ftp", url_credentials=credentials), "{P.url}"),
        ("invalid-path", "a path in the URL",
         ProxySpec("http", url_credentials=credentials), "{P.url}/x"),
        ("refused", "a refused connection",
         ProxySpec("http", url_credentials=credentials, closed=True), "{P.url}"),
        ("http-407", "a 407 for a wrong password",
         ProxySpec("http", auth=("user", "URL05-right-pw"), url_credentials=credentials),
         "{P.url}"),
        ("socks5-auth-failed", "a failed SOCKS5 authentication",
         ProxySpec("socks5", auth=("user", "URL05-right-pw"), url_scheme="socks5h",
                   url_credentials=credentials), "{P.url}"),
        ("percent-encoded", "a 403 with a percent-encoded password",
         ProxySpec("http", url_credentials="user:URL05%2Fs3cret%40pw", fault="reply:403"),
         "{P.url}"),
        ("non-ascii-403", "a 403 with a non-ASCII password holding ':'",
         ProxySpec("http", auth=("user", NON_ASCII_SECRET), fault="reply:403",
                   url_credentials="user:" + urllib.parse.quote(NON_ASCII_SECRET, safe="")),
         "{P.url}"),
    ]
    # fmt: on
    kinds = {
        "invalid-scheme": nowhere("invalid-proxy"),
        "invalid-path": nowhere("invalid-proxy"),
        "refused": nowhere("proxy-refused"),
        "http-407": fails("proxy-rejected", route="proxy", proxy="P"),
        "socks5-auth-failed": fails("proxy-rejected", route="proxy", proxy="P"),
        "percent-encoded": fails("proxy-rejected", route="proxy", proxy="P"),
        "non-ascii-403": fails("proxy-rejected", route="proxy", proxy="P"),
    }
    return [
        make(
            "URL-05",
            slug,
            f"The error for {what} never shows the proxy password.",
            kinds[slug],
            proxies={"P": spec},
            env={"https_proxy": value},
        )
        for slug, what, spec, value in rows
    ]
