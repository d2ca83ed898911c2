"""Tests for proxyharness.harness.agents.bundled: shipped clients, installed and run."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from proxyharness.harness.agents import Agent, Call, NotSupported, bundled, command_agent
from proxyharness.harness.agents.bundled import (
    BUNDLES,
    Bundle,
    BundledAgent,
    InstallError,
    install,
    installed_path,
    source_digest,
)
from proxyharness.harness.agents.registry import get_agent

#: A command agent in Python that answers describe, and echoes (or reports what it got).
PROGRAM = """\
import json, sys
request = json.load(sys.stdin)
if request["request"] == "describe":
    print(json.dumps({"name": "fake-client", "version": "3", "capabilities": ["no-proxy"]}))
elif request["uri"].endswith("/na"):
    print(json.dumps({"unsupported": "cannot say"}))
else:
    print(json.dumps({"echo": request["message"] + " " + json.dumps(request["hosts"])}))
"""


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sources of a fake bundle, and a fresh cache directory."""
    directory = tmp_path / "sources"
    directory.mkdir()
    (directory / "agent.py").write_text(PROGRAM)
    (directory / "node_modules").mkdir()  # left by hand: neither copied nor hashed
    (directory / "node_modules" / "junk").write_text("junk")
    monkeypatch.setattr(bundled, "_source_dir", lambda bundle: directory)
    monkeypatch.setenv(bundled.CACHE_VARIABLE, str(tmp_path / "cache"))
    return directory


def fake_bundle(**changes: object) -> Bundle:
    fields: dict[str, object] = {
        "name": "fake-client",
        "source": "fake",
        "run": ("{python}", "{dir}/agent.py"),
        "build": (("{python}", "-c", "open('built', 'w').write('yes')"),),
        "build_needs": (Path(sys.executable).name,),
        "runtime_hint": "install it",
    }
    fields.update(changes)
    return Bundle(**fields)  # type: ignore[arg-type]


def test_cache_root() -> None:
    """$PROXYHARNESS_CACHE, else $XDG_CACHE_HOME/proxyharness, else ~/.cache/proxyharness."""
    assert bundled.cache_root({"PROXYHARNESS_CACHE": "/c"}) == Path("/c")
    assert bundled.cache_root({"XDG_CACHE_HOME": "/x"}) == Path("/x/proxyharness")
    assert bundled.cache_root({}) == Path.home() / ".cache" / "proxyharness"


def test_digest_follows_sources(sources: Path) -> None:
    """The install directory is named by the sources' hash: a change installs afresh."""
    bundle = fake_bundle()
    first = source_digest(bundle)
    (sources / "node_modules" / "junk").write_text("other junk")
    assert source_digest(bundle) == first
    (sources / "agent.py").write_text(PROGRAM + "\n")
    assert source_digest(bundle) != first
    assert installed_path(bundle).name == source_digest(bundle)


def test_install_once(sources: Path) -> None:
    """install copies the sources, builds, and marks the directory; a second call reuses it."""
    bundle = fake_bundle()
    path = install(bundle)
    assert (path / "built").read_text() == "yes"
    assert (path / "agent.py").is_file()
    assert not (path / "node_modules").exists()
    (path / "built").write_text("kept")
    assert install(bundle) == path
    assert (path / "built").read_text() == "kept"
    assert (install(bundle, force=True) / "built").read_text() == "yes"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"build_needs": ("no-such-program-x",)}, "no-such-program-x not found \\(install it\\)"),
        ({"build": (("{python}", "-c", "import sys; sys.exit('broken build')"),)}, "broken build"),
        ({"build": (("/no/such/tool",),)}, "cannot run /no/such/tool"),
    ],
)
def test_install_fails(sources: Path, changes: dict[str, object], message: str) -> None:
    """A missing program or a failing build is one line, and nothing looks installed."""
    bundle = fake_bundle(**changes)
    with pytest.raises(InstallError, match=message) as caught:
        install(bundle)
    assert "\n" not in str(caught.value)
    assert bundled.unavailable_reason(bundle) is not None


def test_agent_not_installed(sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before install the agent is N/A everywhere, with the command that installs it."""
    monkeypatch.setitem(BUNDLES, "fake-client", fake_bundle())
    agent = BundledAgent("fake-client")
    assert isinstance(agent, Agent)
    assert agent.available() == (
        "fake-client is not installed: run 'proxyharness clients install fake-client'"
    )
    assert (agent.name, agent.version, agent.capabilities) == (
        "fake-client",
        "not installed",
        frozenset(),
    )
    missing = fake_bundle(run_needs=("no-such-runtime-x",))
    assert bundled.unavailable_reason(missing) == "fake-client needs no-such-runtime-x: install it"


def test_agent_installed(sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once installed it runs the program through the command protocol."""
    monkeypatch.setitem(BUNDLES, "fake-client", fake_bundle())
    install(BUNDLES["fake-client"])
    agent = BundledAgent("fake-client")
    assert (agent.available(), agent.version, agent.capabilities) == (None, "3", {"no-proxy"})
    echo = asyncio.run(agent.exchange(Call(uri="ws://h/", proxy=None, message="hi")))
    assert echo == "hi {}"
    with pytest.raises(NotSupported, match="cannot say"):
        asyncio.run(agent.exchange(Call(uri="ws://h/na", proxy=None)))
    monkeypatch.setitem(BUNDLES, "other-name", fake_bundle(name="other-name"))
    install(BUNDLES["other-name"])
    assert "calls itself 'fake-client'" in (BundledAgent("other-name").available() or "")


def test_hosts_file(sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client without a resolver hook gets the hosts table as its own /etc/hosts."""
    bundle = fake_bundle(hosts_file=True)
    monkeypatch.setitem(BUNDLES, "fake-client", bundle)
    install(bundle)
    agent = BundledAgent("fake-client")
    seen: list[list[str]] = []

    async def answer(request: dict[str, object], timeout: float, argv: list[str]) -> str:
        seen.append(argv)
        hosts = Path(argv[argv.index("sh") + 3]).read_text()
        return hosts.splitlines()[0]

    monkeypatch.setattr(agent, "answer", answer)
    monkeypatch.setattr(command_agent, "virtual_hosts", lambda call, env: {"a.test": "127.0.0.9"})
    monkeypatch.setattr(bundled, "_unshare_prefix", lambda: ("unshare", "--mount"))
    call = Call(uri="ws://a.test/", proxy=None)
    assert asyncio.run(agent.exchange(call)) == "127.0.0.9 a.test"
    assert seen[0][:2] == ["unshare", "--mount"]
    assert seen[0][-2:] == [sys.executable, f"{installed_path(bundle)}/agent.py"]
    monkeypatch.setattr(bundled, "_unshare_prefix", lambda: "no namespaces")
    with pytest.raises(NotSupported, match="no namespaces"):
        asyncio.run(agent.exchange(call))


def test_shipped_sources() -> None:
    """Every built-in bundle ships its sources and a lock file, and is a registered agent."""
    for name, bundle in BUNDLES.items():
        directory = bundled._source_dir(bundle)
        # Pinned by a lock file, by Debian's Go packages (build.sh), by a PyPI extra (agent.py).
        pinned = ("package-lock.json", "go.mod", "build.sh", "agent.py")
        assert any((directory / name).is_file() for name in pinned), name
        lock = directory / "package-lock.json"
        if lock.is_file():
            declared = json.loads((directory / "package.json").read_text())["dependencies"]
            locked = json.loads(lock.read_text())["packages"][""]["dependencies"]
            assert declared == locked, name
        assert get_agent(name).name == name
