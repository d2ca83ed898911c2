"""Tests for proxyharness.harness.agents.curl_agent (no WebSocket-capable curl needed)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proxyharness.harness.agents import HOP_LOST, HOP_REFUSED, HOP_TLS, Call, NotSupported
from proxyharness.harness.agents.curl_agent import (
    MARKER,
    CurlAgent,
    CurlError,
    curl_error_kind,
    parse_version,
    unavailable_reason,
)
from proxyharness.harness.agents.registry import get_agent
from proxyharness.harness.results import Verdict
from proxyharness.harness.runner import Runner
from proxyharness.scenarios import all_scenarios

DEBIAN_12 = """\
curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13
Release-Date: 2023-02-20, security patched: 7.88.1-10+deb12u15
Protocols: dict file ftp ftps gopher gophers http https imap imaps ldap ldaps mqtt pop3
Features: alt-svc AsynchDNS brotli GSS-API HSTS HTTP2 HTTPS-proxy IDN IPv6 Kerberos
"""
RECEIVE_ONLY = "curl 8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0\nProtocols: http https ws wss\n"
SENDING = "curl 8.16.0 (x86_64-pc-linux-gnu) libcurl/8.16.0\nProtocols: http https ws wss\n"


def test_parse_version() -> None:
    """Version numbers and protocols come from curl --version."""
    found = parse_version(SENDING)
    assert found is not None
    assert (found.version, found.numbers) == ("8.16.0", (8, 16, 0))
    assert {"ws", "wss"} <= found.protocols
    assert parse_version("wget 1.21") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (DEBIAN_12, "curl 7.88.1 at /usr/bin/curl has no WebSocket support"),
        (RECEIVE_ONLY, "can receive WebSocket frames but not send them"),
        ("nonsense", "does not look like curl's"),
    ],
)
def test_unavailable_reason(text: str, reason: str) -> None:
    """Each curl that cannot be an agent says why."""
    assert reason in (unavailable_reason("/usr/bin/curl", parse_version(text)) or "")
    assert unavailable_reason("/usr/bin/curl", parse_version(SENDING)) is None


def fake_curl(tmp_path: Path, body: str, version: str = SENDING) -> str:
    """An executable answering --version with ``version`` and otherwise running ``body``."""
    path = tmp_path / "curl"
    path.write_text(
        f"#!{sys.executable}\nimport sys, time\n"
        f"if '--version' in sys.argv:\n    sys.stdout.write({version!r})\n    sys.exit()\n"
        f"{body}",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return str(path)


def test_available(tmp_path: Path) -> None:
    """available() runs the curl on PATH (or the one given) once."""
    assert isinstance(get_agent("curl"), CurlAgent)
    assert "is not on PATH" in (CurlAgent("no-such-curl-here").available() or "")
    assert CurlAgent(fake_curl(tmp_path, "", RECEIVE_ONLY)).available() is not None
    agent = CurlAgent(fake_curl(tmp_path, ""))
    assert (agent.available(), agent.version) == (None, "8.16.0")


def test_available_here() -> None:
    """This machine's curl: an agent only if it sends WebSocket frames."""
    agent = CurlAgent()
    if shutil.which("curl") is None:
        assert "not on PATH" in (agent.available() or "")
        return
    done = subprocess.run(["curl", "--version"], capture_output=True, text=True, check=False)
    version = parse_version(done.stdout)
    assert (agent.available() is None) == (unavailable_reason("curl", version) is None)


def test_arguments(tmp_path: Path) -> None:
    """Tunnel always, explicit or no proxy, both trusts, headers, names to resolve."""
    agent = CurlAgent(fake_curl(tmp_path, ""))
    call = Call(
        uri="wss://www.example.com:8443/",
        proxy="socks5h://u:p@proxy.example:1080",
        options={"open_timeout": 2, "additional_headers": {"X-A": "1"}},
        server_ca=Path("/s.pem"),
        proxy_ca=Path("/p.pem"),
    )
    names = [("www.example.com", 8443, "127.0.0.1"), ("proxy.example", 1080, "::1")]
    argv = agent.arguments(call, names)
    text = " ".join(argv)
    assert argv[0].endswith("curl")
    assert argv[-1] == "wss://www.example.com:8443/"
    for part in (
        "--upload-file . --proxytunnel --connect-timeout 2 --max-time 6",
        "--proxy socks5h://u:p@proxy.example:1080",
        "--cacert /s.pem --proxy-cacert /p.pem",
        "--header X-A: 1",
        "--resolve www.example.com:8443:127.0.0.1 --resolve proxy.example:1080:[::1]",
    ):
        assert part in text
    assert "--noproxy" not in argv
    no_proxy = agent.arguments(Call(uri="ws://h/", proxy=None))
    assert no_proxy[no_proxy.index("--noproxy") + 1] == "*"
    assert "--proxy" not in agent.arguments(Call(uri="ws://h/", proxy=True))
    with pytest.raises(NotSupported, match="server_hostname"):
        agent.arguments(Call(uri="ws://h/", proxy=None, options={"server_hostname": "x"}))


def error(code: int, line: str, **info: str) -> CurlError:
    values = " ".join(f"{k}={v}" for k, v in info.items())
    stderr = f"curl: ({code}) {line}\n{MARKER} {values}\n"
    return CurlError.from_stderr(code, stderr, target_port=8443)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (error(28, "Operation timed out after 1001 milliseconds"), "timeout"),
        (error(7, "Unsupported proxy scheme for 'ftp://p:1'"), "invalid-proxy"),
        (error(5, "Unsupported proxy syntax in 'http://:1'"), "invalid-proxy"),
        (error(56, "CONNECT tunnel failed, response 407", http_connect="407"), "proxy-rejected"),
        (error(7, "CONNECT tunnel failed, response 403", http_connect="403"), "proxy-rejected"),
        (
            error(97, "Can't complete SOCKS5 connection", proxy_error="CURLPX_REPLY_NOT_ALLOWED"),
            "proxy-rejected",
        ),
        (error(97, "SOCKS5 closed", proxy_error="CURLPX_CLOSED"), "proxy-answer"),
        (error(97, "Unable to receive initial SOCKS5 response."), "proxy-answer"),
        (error(56, "Proxy CONNECT aborted"), "proxy-answer"),
        (error(60, "SSL certificate problem", proxy_ssl_verify_result="20"), "proxy-tls"),
        (error(60, "SSL certificate problem", ssl_verify_result="20"), "server-tls"),
        (error(35, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL"), HOP_TLS),
        (error(5, "Could not resolve proxy: proxy.example"), "proxy-refused"),
        (error(6, "Could not resolve host: www.example.com"), "server-failed"),
        (error(7, "Failed to connect to 127.0.0.1 port 1080 after 0 ms"), "proxy-refused"),
        (error(7, "Failed to connect to www.example.com port 8443 after 0 ms"), "server-failed"),
        (error(7, "Couldn't connect to server"), HOP_REFUSED),
        (error(56, "Recv failure: Connection reset by peer"), HOP_LOST),
        (CurlError(0, "no echo"), "closed"),
        (error(43, "something else"), None),
    ],
)
def test_error_kind(exc: CurlError, kind: str | None) -> None:
    """curl's exit status, error line and write-out values give the kind and the hop."""
    assert curl_error_kind(exc) == kind


def test_exchange_with_fake_curl(tmp_path: Path) -> None:
    """The message goes to curl's input, the echo comes from its output, curl is stopped."""
    body = "sys.stdout.buffer.write(sys.stdin.buffer.read1(65536))\nsys.stdout.flush()\n"
    body += "sys.stdin.buffer.read()\n"  # until the agent closes curl's input
    agent = CurlAgent(fake_curl(tmp_path, body))
    call = Call(uri="ws://127.0.0.1:9/", proxy=None, message="ping", options={"open_timeout": 5})
    assert asyncio.run(agent.exchange(call)) == "ping"


def test_failure_with_fake_curl(tmp_path: Path) -> None:
    """curl's failure becomes a CurlError with its status, line and write-out values."""
    body = (
        "sys.stderr.write('curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms\\n')\n"
        f"sys.stderr.write('{MARKER} http_connect=000 proxy_error=\\n')\nsys.exit(7)\n"
    )
    agent = CurlAgent(fake_curl(tmp_path, body))
    with pytest.raises(CurlError) as caught:
        asyncio.run(agent.exchange(Call(uri="ws://127.0.0.1:9/", proxy=None)))
    assert (caught.value.returncode, caught.value.target_port) == (7, 9)
    assert agent.error_kind(caught.value) == "server-failed"


def test_not_available_is_na() -> None:
    """Without a WebSocket-capable curl every case is N/A, with the reason."""
    scenario = next(s for s in all_scenarios() if s.id == "SEL-06.nothing-configured[ws]")
    with Runner() as runner:
        case = runner.run_case(scenario, CurlAgent("no-such-curl-here"))
    assert case.verdict is Verdict.NA
    assert "is not on PATH" in case.reason
