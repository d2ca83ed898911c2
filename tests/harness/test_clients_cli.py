"""Tests for proxyharness.harness.clients_cli: ``proxyharness clients list|install``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proxyharness.cli import main
from proxyharness.harness.agents import bundled


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bundled.Bundle:
    """One fake bundle (a Python build step) in an empty cache, instead of the real ones."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "agent.py").write_text("print('{}')\n")
    bundle = bundled.Bundle("fake", "fake", run=("{python}", "{dir}/agent.py"))
    broken = bundled.Bundle("broken", "other", run=("x",), build_needs=("no-such-program-x",))
    monkeypatch.setattr(bundled, "BUNDLES", {"fake": bundle, "broken": broken})
    monkeypatch.setattr(bundled, "_source_dir", lambda bundle: source)
    monkeypatch.setenv(bundled.CACHE_VARIABLE, str(tmp_path / "cache"))
    return bundle


def test_list_and_install(fake: bundled.Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    """list says what is missing and how to install it; install fixes that."""
    assert main(["clients", "list"]) == 0
    assert "fake    fake is not installed: run 'proxyharness clients install fake'" in (
        capsys.readouterr().out
    )
    assert main(["clients", "install", "fake"]) == 0
    assert f"fake: installed in {bundled.installed_path(fake)}" in capsys.readouterr().out
    assert main(["clients", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {
        "name": "fake",
        "path": str(bundled.installed_path(fake)),
        "unavailable": None,
    }


def test_install_errors(fake: bundled.Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown name is exit 2, a failed install exit 1: one line each, no traceback."""
    assert main(["clients", "install", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == "proxyharness clients: no client named 'nope' (known: fake, broken, all)\n"
    assert main(["clients", "install", "all"]) == 1
    err = capsys.readouterr().err
    assert "proxyharness clients: broken: no-such-program-x not found" in err
    assert "Traceback" not in err
