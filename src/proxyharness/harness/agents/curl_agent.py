"""curl (the command-line tool) as an agent, when a curl that can speak WebSocket is on PATH.

curl speaks WebSocket when built with it (``ws`` among the Protocols of ``curl
--version``, from 7.86, by default from 8.11), and sends what it reads on its
standard input as WebSocket frames from 8.16 (``--upload-file .``); before that the
tool can only receive. :meth:`CurlAgent.available` says which is missing (Debian 12's
curl 7.88 has no WebSocket at all: every case is N/A there).

One call is one ``curl`` run, driven as a person would:

- ``--proxytunnel`` always: without it curl sends ``ws://`` through an HTTP proxy as
  a forward request instead of a CONNECT tunnel (docs/agents.md);
- an explicit proxy is ``--proxy URL``, no proxy is ``--noproxy '*'``, and with
  neither curl reads the environment itself (its own rules: ``WS_PROXY`` and
  ``WSS_PROXY`` upper-case only, ``http_proxy``, ``https_proxy``, ``all_proxy``,
  ``no_proxy``); the environment is the scenario's;
- ``--cacert`` / ``--proxy-cacert`` carry the two trusts; ``--resolve`` the scenario's
  virtual names (the target's, and those of the proxies it may reach by name), except
  in the private network stage, where curl runs unchanged inside the namespace;
- ``--connect-timeout`` is the opening timeout, ``--max-time`` bounds the run;
- the message goes to curl's input, the echo is read from its output (curl sends a
  BINARY frame and writes the payload it receives), then curl is stopped.

curl's failure is read from its exit status, its ``curl: (N) ...`` line and a
``--write-out`` line on standard error: the CONNECT status (``%{http_connect}``), the
detailed proxy error (``%{proxy_error}``) and both certificate checks, which tell the
hop of a TLS failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .base import HOP_LOST, HOP_REFUSED, HOP_TLS, Call, check_options
from .process import inside, require_own_process_view, stop_child, virtual_names

__all__ = [
    "MIN_SENDING_VERSION",
    "CurlAgent",
    "CurlError",
    "CurlVersion",
    "curl_error_kind",
    "parse_version",
]

#: The first curl that sends its standard input as WebSocket frames (``-T .``).
MIN_SENDING_VERSION = (8, 16)
#: What ``--write-out`` prints on standard error when curl ends by itself.
MARKER = "proxyharness-curl:"
WRITE_OUT = (
    "%{stderr}" + MARKER + " http_connect=%{http_connect} proxy_error=%{proxy_error}"
    " proxy_ssl_verify_result=%{proxy_ssl_verify_result}"
    " ssl_verify_result=%{ssl_verify_result}\\n"
)
#: curl exit statuses (``CURLE_*``).
_RESOLVE_PROXY, _RESOLVE_HOST, _CONNECT, _TIMEOUT, _PROXY = 5, 6, 7, 28, 97
_TLS = frozenset({35, 51, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})
_LOST = frozenset({52, 55, 56})
#: ``%{proxy_error}`` values meaning the proxy said no (the others: it broke off or spoke nonsense).
_PROXY_REFUSALS = (
    "CURLPX_REPLY_",
    "CURLPX_REQUEST_FAILED",
    "CURLPX_NO_AUTH",
    "CURLPX_USER_",
    "CURLPX_GSSAPI",
)
_LINE = re.compile(r"curl: \((\d+)\) (.*)")
_PORT = re.compile(r" port (\d+)\b")
_STATUS = re.compile(r"CONNECT tunnel failed, response (\d+)")


@dataclass(frozen=True)
class CurlVersion:
    """What ``curl --version`` says."""

    version: str
    numbers: tuple[int, ...]
    protocols: frozenset[str]


def parse_version(text: str) -> CurlVersion | None:
    """Parse ``curl --version``; None if it does not look like curl."""
    first = re.match(r"curl (\d+(?:\.\d+)*)\S*", text)
    if first is None:
        return None
    protocols = re.search(r"^Protocols:(.*)$", text, re.MULTILINE)
    names = frozenset(protocols.group(1).split()) if protocols else frozenset()
    numbers = tuple(int(part) for part in first.group(1).split("."))
    return CurlVersion(first.group(1), numbers, names)


def unavailable_reason(path: str, version: CurlVersion | None) -> str | None:
    """Why the curl at ``path`` cannot be an agent, or None."""
    if version is None:
        return f"{path} --version does not look like curl's"
    needs = "the curl agent needs curl >= 8.16 built with WebSockets"
    if "ws" not in version.protocols:
        return (
            f"curl {version.version} at {path} has no WebSocket support "
            f"(no 'ws' among its Protocols): {needs}"
        )
    if version.numbers[:2] < MIN_SENDING_VERSION:
        return (
            f"curl {version.version} at {path} can receive WebSocket frames but not send "
            f"them from the command line (--upload-file . came in 8.16): {needs}"
        )
    return None


class CurlError(Exception):
    """curl ended without the echo: its exit status, error line and write-out values."""

    def __init__(
        self,
        returncode: int,
        message: str,
        info: Mapping[str, str] | None = None,
        target_port: int | None = None,
    ) -> None:
        super().__init__(returncode, message)
        self.returncode = returncode
        self.message = message
        #: ``--write-out`` values (``http_connect``, ``proxy_error``...), if curl printed them.
        self.info = dict(info or {})
        #: The port of the ``ws://`` / ``wss://`` server, to tell the hop of a refusal.
        self.target_port = target_port

    def __str__(self) -> str:
        return f"curl exit status {self.returncode}: {self.message}"

    @classmethod
    def from_stderr(cls, returncode: int, stderr: str, target_port: int | None) -> CurlError:
        """Read curl's error line and write-out line."""
        message = ""
        info: dict[str, str] = {}
        for line in stderr.splitlines():
            found = _LINE.match(line.strip())
            if found:
                message = found.group(2)
            elif line.startswith(MARKER):
                for part in line[len(MARKER) :].split():
                    key, _, value = part.partition("=")
                    info[key] = value
        if not message:
            message = stderr.strip()[-300:] or "no echo"
        return cls(returncode, message, info, target_port)


def curl_error_kind(exc: CurlError) -> str | None:
    """The kind of curl's failure (see the module docstring)."""
    code, message, info = exc.returncode, exc.message, exc.info
    connect = info.get("http_connect", "000")
    proxy_error = info.get("proxy_error", "")
    if code == _TIMEOUT:
        return "timeout"
    if "Unsupported proxy" in message:
        return "invalid-proxy"  # scheme (exit 7), syntax (exit 5), no HTTPS-proxy support
    if connect.isdigit() and int(connect) and int(connect) // 100 != 2:
        return "proxy-rejected"
    if proxy_error.startswith(_PROXY_REFUSALS):
        return "proxy-rejected"
    if proxy_error and proxy_error not in ("CURLPX_OK", "CURLPX_RESOLVE_HOST"):
        return "proxy-answer"
    if code in _TLS:
        if info.get("proxy_ssl_verify_result", "0") != "0":
            return "proxy-tls"
        if info.get("ssl_verify_result", "0") != "0":
            return "server-tls"
        return HOP_TLS
    if code == _RESOLVE_PROXY:
        return "proxy-refused"
    if code == _RESOLVE_HOST or proxy_error == "CURLPX_RESOLVE_HOST":
        return "server-failed"
    if code == _CONNECT:
        port = _PORT.search(message)
        if port is None or exc.target_port is None:
            return HOP_REFUSED
        return "server-failed" if int(port.group(1)) == exc.target_port else "proxy-refused"
    if code == _PROXY or "Proxy CONNECT" in message:
        return "proxy-answer"
    if _STATUS.search(message):
        return "proxy-rejected"
    if code in _LOST:
        return HOP_LOST
    if code == 0:
        return "closed"  # curl ended normally, with no echo
    return None


def _ip(address: str) -> str:
    return f"[{address}]" if ":" in address else address


class CurlAgent:
    """The ``curl`` tool (>= 8.16, with WebSockets), one run per call."""

    name = "curl"
    #: curl runs unchanged inside the private network stage, where there is one.
    network = "private"
    capabilities = frozenset(
        {"explicit-proxy", "no-proxy", "proxy-ssl", "open-timeout", "additional-headers"}
    )

    def __init__(self, executable: str = "curl") -> None:
        self.executable = executable
        self._probed: tuple[str | None, CurlVersion | None] | None = None

    def _probe(self) -> tuple[str | None, CurlVersion | None]:
        """(path, version) of the curl on PATH, once."""
        if self._probed is None:
            path = shutil.which(self.executable)
            version = None
            if path is not None:
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    done = subprocess.run(
                        [path, "--version"], capture_output=True, text=True, timeout=10
                    )
                    version = parse_version(done.stdout)
            self._probed = (path, version)
        return self._probed

    @property
    def version(self) -> str:
        path, version = self._probe()
        if path is None:
            return "not installed"
        return version.version if version is not None else "unknown"

    def available(self) -> str | None:
        path, version = self._probe()
        if path is None:
            return f"{self.executable} is not on PATH (the curl agent needs curl >= 8.16)"
        return unavailable_reason(path, version)

    def arguments(self, call: Call, names: Sequence[tuple[str, int, str]] = ()) -> list[str]:
        """The curl command line for ``call``; ``names`` are (name, port, address) to resolve."""
        check_options(call, self.capabilities)
        timeout = call.open_timeout
        path = self._probe()[0] or self.executable
        argv = [path, "--silent", "--show-error", "--no-buffer", "--upload-file", "."]
        argv += ["--proxytunnel", "--connect-timeout", f"{timeout:g}"]
        argv += ["--max-time", f"{2 * timeout + 2:g}", "--write-out", WRITE_OUT]
        if isinstance(call.proxy, str):
            argv += ["--proxy", call.proxy]
        elif call.proxy is None:
            argv += ["--noproxy", "*"]
        if call.server_ca is not None:
            argv += ["--cacert", str(call.server_ca)]
        if call.proxy_ca is not None:
            argv += ["--proxy-cacert", str(call.proxy_ca)]
        headers = call.options.get("additional_headers")
        if isinstance(headers, Mapping):
            for header, value in headers.items():
                argv += ["--header", f"{header}: {value}"]
        for host, port, address in names:
            argv += ["--resolve", f"{host}:{port}:{_ip(address)}"]
        return [*argv, call.uri]

    async def exchange(self, call: Call) -> str | bytes:
        require_own_process_view(self.name)
        argv = self.arguments(call, virtual_names(call))
        expected = call.message.encode()
        process = await asyncio.create_subprocess_exec(
            *inside(argv),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        received = b""
        try:
            process.stdin.write(expected)
            with contextlib.suppress(ConnectionError):
                await process.stdin.drain()
            with contextlib.suppress(TimeoutError):  # --max-time should have ended it
                async with asyncio.timeout(2 * call.open_timeout + 3):
                    while len(received) < len(expected):
                        chunk = await process.stdout.read(len(expected) - len(received))
                        if not chunk:
                            break
                        received += chunk
        finally:
            await stop_child(process)
            await process.stdout.read()
            stderr = await process.stderr.read()
        if received and len(received) >= len(expected):
            return received.decode("utf-8", "replace")
        returncode = process.returncode if process.returncode is not None else -1
        raise CurlError.from_stderr(returncode, stderr.decode("utf-8", "replace"), _port(call.uri))

    def error_kind(self, exc: BaseException) -> str | None:
        return curl_error_kind(exc) if isinstance(exc, CurlError) else None


def _port(uri: str) -> int | None:
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(uri)
        return parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        return None
