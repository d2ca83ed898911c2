"""Tests for proxyharness.cli (the top-level command and ``explain --os``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from proxyharness import __version__
from proxyharness.cli import main

MACOS = {
    "os": "macos",
    "https": {"host": "proxy.example", "port": 3128},
    "exceptions": ["*.local*", "10.1"],
    "exclude_simple": True,
}
WINDOWS = {"os": "windows", "ProxyEnable": 1, "ProxyServer": "socks=proxy.example:1080"}


@pytest.fixture
def clean_env(proxy_env: object) -> None:
    """No proxy variable from the machine running the tests."""


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """Run ``proxyharness explain --json ARGS``; return the status and the JSON."""
    status = main(["explain", "--json", *args])
    out = capsys.readouterr().out
    return status, json.loads(out) if status == 0 else {}


def proxy_host(result: dict[str, Any]) -> str | None:
    """The proxy host of an explain result, None for a direct route."""
    route = result["route"]
    if route["type"] == "direct":
        return None
    host: str = route["proxy"]["host"]
    return host


def write(tmp_path: Path, data: dict[str, object]) -> str:
    """Write ``data`` as JSON and return the path."""
    path = tmp_path / "os.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("uri", "via"),
    [
        ("wss://www.example.com/", "proxy.example"),
        ("wss://printer.local/", None),  # macOS exceptions
        ("wss://intranet/", None),  # exclude_simple
        ("wss://10.1.2.3/", None),  # IPv4 prefix
    ],
)
def test_explain_under_macos(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uri: str, via: str | None
) -> None:
    """explain --os-config evaluates a URL under an emulated macOS configuration."""
    status, result = explain(capsys, "--os-config", write(tmp_path, MACOS), uri)
    assert status == 0
    assert proxy_host(result) == via


@pytest.mark.usefixtures("clean_env")
def test_explain_under_windows_socks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A Windows socks= entry is reported as SOCKS5h (OS-01)."""
    config = write(tmp_path, WINDOWS)
    status, result = explain(capsys, "--os", "windows", "--os-config", config, "ws://a.example/")
    assert status == 0
    assert proxy_host(result) == "proxy.example"
    assert result["route"]["proxy"]["scheme"] == "socks5h"


@pytest.mark.usefixtures("clean_env")
def test_os_without_file_means_nothing_configured(capsys: pytest.CaptureFixture[str]) -> None:
    """--os alone emulates that OS with no proxy configured: direct."""
    status, result = explain(capsys, "--os", "windows", "ws://a.example/")
    assert status == 0
    assert proxy_host(result) is None


@pytest.mark.parametrize(
    ("data", "extra", "message"),
    [
        ({"socks": {"host": "h", "port": 1}}, [], '"os" key'),
        (MACOS, ["--os", "windows"], "disagrees"),
        ({"os": "macos", "ProxyEnable": 1}, [], "ProxyEnable"),
    ],
)
def test_bad_os_config(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    data: dict[str, object],
    extra: list[str],
    message: str,
) -> None:
    """A bad --os-config exits 2 naming the problem."""
    assert main(["explain", *extra, "--os-config", write(tmp_path, data), "ws://a/"]) == 2
    assert message in capsys.readouterr().err


def test_environment_still_wins_under_an_os(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any *_proxy variable switches the emulated OS configuration off (SEL-02)."""
    monkeypatch.setenv("no_proxy", "nothing.example")
    config = write(tmp_path, MACOS)
    status, result = explain(capsys, "--os-config", config, "wss://www.example.com/")
    assert status == 0
    assert proxy_host(result) is None


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the version; no command prints help and exits 2."""
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_help_imports_no_client_and_no_server() -> None:
    """Building the parser (``--help``) loads no client, server, catalog, report, ssl or asyncio."""
    code = (
        "import json, sys\n"
        "from proxyharness.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    heavy = ("asyncio", "proxyharness.fixtures.servers", "proxyharness.fixtures.config")
    heavy += ("proxyharness.reference_client.client", "proxyharness.reference_client.route")
    heavy += ("ssl", "proxyharness.scenarios", "proxyharness.harness.publish")
    heavy += ("proxyharness.harness.report_html", "proxyharness.harness.agents")
    assert [m for m in loaded if m.startswith(heavy)] == []
    assert "proxyharness.reference_client.cli" in loaded


def test_python_dash_m() -> None:
    """``python -m proxyharness`` is the same command."""
    result = subprocess.run(
        [sys.executable, "-m", "proxyharness", "rules"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "SEL-01" in result.stdout


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_closed_stdout_is_one_line_and_status_2(unbuffered: str) -> None:
    """``proxyharness rules | head -1``: no traceback, one line on stderr, exit 2."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "proxyharness", "rules"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    os.close(write_end)
    os.close(read_end)  # long before the interpreter has started: the first write fails
    _, error = process.communicate(timeout=60)
    assert (process.returncode, error) == (2, "proxyharness rules: output closed early\n")


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "https", "--ca-out", "/nonexistent-dir/ca.pem"],
        ["run", "--report", "/proc/proxyharness-report", "-k", "SEL-06"],
    ],
)
def test_unwritable_path_is_one_line_and_status_2(command: list[str]) -> None:
    """A path that cannot be written is named in one line, exit 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "proxyharness", *command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"proxyharness {command[0]}: ")
    assert command[3 if command[0] == "serve" else 2] in result.stderr
