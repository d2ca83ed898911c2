"""Tests for proxyharness.reference_client.cli: ``proxyharness explain`` and ``connect``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from proxyharness.cli import main
from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.names import VirtualDNS
from proxyharness.fixtures.servers.faults import Fault
from proxyharness.fixtures.servers.websocket import WsServer
from proxyharness.reference_client import cli as client_cli

SECRET = "s3cret-pw"
MakeProxy = Callable[..., Any]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable from the machine running the tests."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the top-level CLI; return status, stdout, stderr (never showing SECRET)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert SECRET not in out + err  # URL-05
    return status, out, err


# explain


def test_explain_configuration(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route chosen from the environment, with the rules that chose it."""
    monkeypatch.setenv("https_proxy", f"socks5h://alice:{SECRET}@127.0.0.1:1080")
    status, out, _ = run(capsys, "explain", "wss://www.example.com/")
    assert status == client_cli.EXIT_OK
    first = out.splitlines()[0]
    assert first.startswith("wss://www.example.com:443/: through SOCKS5 proxy")
    assert "socks5h://alice:****@127.0.0.1:1080" in first
    assert "SEL-03" in out
    assert "SEL-08" in out


def test_explain_explicit_none(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--proxy none connects directly whatever is configured (SEL-12)."""
    monkeypatch.setenv("ws_proxy", "http://127.0.0.1:3128")
    status, out, _ = run(capsys, "explain", "ws://www.example.com/", "--proxy", "none")
    assert status == 0
    assert "connect directly" in out
    assert "SEL-12" in out


def test_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the resolution as JSON, password redacted."""
    status, out, _ = run(
        capsys,
        "explain",
        "ws://www.example.com/",
        "--proxy",
        f"http://alice:{SECRET}@proxy.example:3128",
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    assert data["route"]["type"] == "proxy"
    assert data["route"]["source"] == "explicit"
    assert data["route"]["proxy"]["password"] == "****"
    assert data["trace"][0]["rule"] == "SEL-11"


@pytest.mark.parametrize(
    ("url", "proxy", "kind"),
    [
        ("ws://www.example.com/", f"ftp://alice:{SECRET}@proxy:21", "invalid-proxy"),
        ("ws://www.example.com/", f"http://alice:{SECRET}@proxy/path", "invalid-proxy"),
        ("http://www.example.com/", "none", "invalid-uri"),
    ],
)
def test_explain_invalid(
    url: str, proxy: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid URL or proxy URL: status 2 and the error kind on stderr."""
    status, out, err = run(capsys, "explain", url, "--proxy", proxy)
    assert status == client_cli.EXIT_USAGE
    assert out == ""
    assert kind in err


class FixedProxyEnvironment:
    """An Environment that sets ``ws_proxy`` while active, from its own ``--via`` option."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--via", metavar="HOST:PORT")

    def activate(self, args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
        if args.via is None:
            return contextlib.nullcontext()
        if ":" not in args.via:
            raise ValueError(f"--via wants HOST:PORT, not {args.via!r}")
        return mock.patch.dict(os.environ, {"ws_proxy": f"http://{args.via}"})


def explain_with(environment: client_cli.Environment, *argv: str) -> int:
    """Parse and run ``explain ARGV`` on a parser holding only the client's commands."""
    parser = argparse.ArgumentParser()
    client_cli.add_commands(parser.add_subparsers(), environment=environment)
    args = parser.parse_args(["explain", *argv])
    status: int = args.handler(args)
    return status


def test_explain_under_an_environment(capsys: pytest.CaptureFixture[str]) -> None:
    """The environment adds its options and is active exactly while explain resolves."""
    environment = FixedProxyEnvironment()
    assert explain_with(environment, "--json", "--via", "127.0.0.1:3128", "ws://a.example/") == 0
    route = json.loads(capsys.readouterr().out)["route"]
    assert (route["proxy"]["host"], route["proxy"]["port"]) == ("127.0.0.1", 3128)
    assert "ws_proxy" not in os.environ
    assert explain_with(environment, "--json", "ws://a.example/") == 0
    assert json.loads(capsys.readouterr().out)["route"]["type"] == "direct"


def test_explain_environment_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    """An environment's ValueError is a usage error printed on one line."""
    assert explain_with(FixedProxyEnvironment(), "--via", "nonsense", "ws://a/") == 2
    error = capsys.readouterr().err
    assert error == "proxyharness explain: --via wants HOST:PORT, not 'nonsense'\n"


# connect


def test_connect_direct(capsys: pytest.CaptureFixture[str], ws_server: WsServer) -> None:
    """Sends "hello" by default, prints the echo, exits 0."""
    status, out, _ = run(capsys, "connect", ws_server.ws_url())
    assert (status, out) == (0, "hello\n")
    (record,) = ws_server.wait_for_records(1)
    assert record.messages == ("hello",)


def test_connect_through_socks(
    capsys: pytest.CaptureFixture[str], make_proxy: MakeProxy, ws_server: WsServer
) -> None:
    """--proxy and --send; -v describes route and layers on stderr, no password."""
    proxy = make_proxy("socks5h", auth=True)
    url = proxy.proxy_url("socks5h")
    status, out, err = run(
        capsys,
        "connect",
        ws_server.ws_url("www.example.com"),
        "--proxy",
        url,
        "--send",
        "hi!",
        "-v",
    )
    assert (status, out) == (0, "hi!\n")
    assert "through SOCKS5 proxy" in err
    assert "layers: tcp" in err
    assert proxy.auth is not None
    assert proxy.auth[1] not in err
    (record,) = proxy.wait_for_records(1)
    assert (record.target_host, record.username) == ("www.example.com", "alice")


def test_connect_tls_in_tls_with_ca_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    make_proxy: MakeProxy,
    wss_server: WsServer,
    server_ca: CertificateAuthority,
    proxy_ca: CertificateAuthority,
    resolved: VirtualDNS,
) -> None:
    """--cafile trusts the server, --proxy-cafile the https:// proxy: each its own hop."""
    proxy = make_proxy("https")
    status, out, _ = run(
        capsys,
        "connect",
        wss_server.ws_url("www.example.com"),
        "--proxy",
        proxy.proxy_url(host="proxy.example"),
        "--cafile",
        str(server_ca.write_cert(tmp_path / "server.pem")),
        "--proxy-cafile",
        str(proxy_ca.write_cert(tmp_path / "proxy.pem")),
    )
    assert (status, out) == (0, "hello\n")
    (record,) = proxy.wait_for_records(1)
    assert record.proxy_tls is not None
    assert record.proxy_tls.sni == "proxy.example"
    assert record.inner_tls is not None
    assert record.inner_tls.sni == "www.example.com"


def test_connect_proxy_failures(
    capsys: pytest.CaptureFixture[str],
    make_proxy: MakeProxy,
    closed_port: int,
) -> None:
    """Refused, 407 and SOCKS refusals: status 3."""
    uri = "ws://www.example.com/"
    refused = f"http://alice:{SECRET}@127.0.0.1:{closed_port}"
    status, _, err = run(capsys, "connect", uri, "--proxy", refused)
    assert (status, "proxy-refused" in err) == (3, True)

    http = make_proxy("http", auth=True)
    wrong = http.proxy_url(credentials=False).replace("://", f"://alice:{SECRET}@")
    status, _, err = run(capsys, "connect", uri, "--proxy", wrong)
    assert (status, "HTTP 407" in err) == (3, True)

    socks = make_proxy("socks5h", faults=(Fault.reply(0x02),))
    status, _, err = run(capsys, "connect", uri, "--proxy", socks.proxy_url("socks5h"))
    assert (status, "reply 0x02" in err) == (3, True)


def test_connect_server_failures(
    capsys: pytest.CaptureFixture[str], wss_server: WsServer, closed_port: int
) -> None:
    """Refused server and an untrusted server certificate: status 4."""
    status, _, err = run(capsys, "connect", f"ws://127.0.0.1:{closed_port}/", "--proxy", "none")
    assert (status, "server-failed" in err) == (4, True)
    status, _, err = run(capsys, "connect", wss_server.ws_url(), "--proxy", "none")
    assert (status, "server-tls" in err) == (4, True)


def test_connect_timeout(capsys: pytest.CaptureFixture[str], make_proxy: MakeProxy) -> None:
    """A silent proxy: status 5 within --timeout."""
    proxy = make_proxy("http", faults=(Fault.silence(),))
    status, _, err = run(
        capsys, "connect", "ws://www.example.com/", "--proxy", proxy.proxy_url(), "--timeout", "0.3"
    )
    assert status == client_cli.EXIT_TIMEOUT
    assert "timeout: timed out during CONNECT handshake with the proxy" in err


def test_connect_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Bad proxy URL, unreadable CA file, bad option value: status 2."""
    status, _, err = run(
        capsys, "connect", "ws://www.example.com/", "--proxy", f"socks6://a:{SECRET}@h:1"
    )
    assert (status, "invalid-proxy" in err) == (2, True)
    missing = str(tmp_path / "missing.pem")
    status, _, err = run(capsys, "connect", "wss://www.example.com/", "--cafile", missing)
    assert (status, "--cafile" in err) == (2, True)
    with pytest.raises(SystemExit) as raised:
        main(["connect", "ws://www.example.com/", "--timeout", "-1"])
    assert raised.value.code == 2
