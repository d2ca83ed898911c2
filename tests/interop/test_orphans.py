"""No orphans: a proxy program, its helpers and its directory die with their owner.

Each test runs an owner process that starts a launcher and prints where the
program listens, its processes and its directory; then kills the owner the hard
way and waits (bounded) until the port is closed, the processes are gone and the
directory is removed.
"""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from proxyharness.fixtures.external import (
    Dante,
    ExternalProxy,
    Microsocks,
    ProgramMissing,
    Squid,
    Tinyproxy,
    find_program,
)
from proxyharness.fixtures.external.process import running
from proxyharness.fixtures.external.supervised import namespace_command

pytestmark = pytest.mark.interop

LAUNCHERS = (Tinyproxy, Squid, Dante, Microsocks)
#: Generous: squid takes a second or two to stop; the waits end as soon as all is gone.
WAIT = 30.0

OWNER = """
import json, sys, time
from proxyharness.fixtures import external
from proxyharness.fixtures.external import supervised

if sys.argv[2] == "session":
    supervised.namespace_command = lambda: ()
auth = None if sys.argv[1] == "Dante" else ("alice", "secret")
proxy = getattr(external, sys.argv[1])(auth=auth).start()
print(json.dumps({"port": proxy.port, "pids": proxy.pids(), "directory": str(proxy.directory),
                  "mode": proxy._process.mode}), flush=True)
time.sleep(600)
"""


def listening(port: int) -> bool:
    """Tell whether something accepts connections on 127.0.0.1 ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def owner() -> Iterator[Callable[[str, str], tuple[subprocess.Popen[str], dict[str, Any]]]]:
    """``owner(launcher_name, mode)``: an owner process and what it printed."""
    started: list[subprocess.Popen[str]] = []

    def start(launcher: str, mode: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
        process = subprocess.Popen(
            [sys.executable, "-c", OWNER, launcher, mode],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], WAIT)
        assert ready, f"the owner of {launcher} printed nothing within {WAIT:g} s"
        line = process.stdout.readline()
        assert line, f"the owner of {launcher} ended without a word"
        return process, json.loads(line)

    yield start
    for process in started:
        process.kill()
        process.wait(WAIT)
        if process.stdout is not None:
            process.stdout.close()


def require(launcher: type[ExternalProxy], missing: Callable[[str], NoReturn]) -> None:
    """Skip the test when the program is missing (fail it when CI requires interop)."""
    try:
        find_program(launcher.program, launcher.package)
    except ProgramMissing as exc:
        missing(str(exc))


def modes() -> list[str]:
    """The watchdog's modes this machine has: the session one always."""
    return ["namespace", "session"] if namespace_command() else ["session"]


@pytest.mark.parametrize("mode", modes())
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("launcher", LAUNCHERS, ids=lambda c: c.__name__)
def test_program_dies_with_its_owner(
    launcher: type[Any],
    how: signal.Signals,
    mode: str,
    owner: Any,
    missing: Callable[[str], NoReturn],
    eventually: Callable[..., bool],
) -> None:
    """Killing the owner ends the listener, the program, its helpers and its directory."""
    require(launcher, missing)
    process, shown = owner(launcher.__name__, mode)
    port, pids, directory = shown["port"], shown["pids"], Path(shown["directory"])
    print(f"{launcher.__name__} ({shown['mode']}): port {port}, pids {pids}, {directory}")
    assert shown["mode"] == mode
    assert listening(port)
    assert directory.is_dir()
    assert len(pids) >= 2, "the watchdog and the program"
    process.send_signal(how)
    process.wait(WAIT)
    assert eventually(lambda: not listening(port)), f"port {port} still listens"
    assert eventually(lambda: not any(running(pid) for pid in pids)), (
        f"still running: {[pid for pid in pids if running(pid)]}"
    )
    assert eventually(lambda: not directory.exists()), f"{directory} is still there"
