"""Child processes for benchmarks: start one and read its first line, and measure the
CPU time and memory of a process or of its whole process group (Linux ``/proc``)."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

_TICK = os.sysconf("SC_CLK_TCK")


def first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line ``process`` prints, waiting at most ``timeout`` seconds."""
    stream: IO[str] | None = process.stdout
    assert stream is not None
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"{process.args!r} printed nothing in {timeout:g} s")
    line = stream.readline()
    if not line:
        raise RuntimeError(f"{process.args!r} exited with status {process.wait(timeout)}")
    return line.strip()


class Started(NamedTuple):
    """A running child: its process id and the first line it printed."""

    pid: int
    line: str


@contextlib.contextmanager
def started(
    argv: list[str],
    timeout: float = 20.0,
    *,
    grace: float = 0.0,
    env: dict[str, str] | None = None,
) -> Iterator[Started]:
    """Run ``argv`` in a new session until the block ends; yield its first line.

    At the end its stdin is closed; after ``grace`` seconds it gets SIGTERM.
    """
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    assert process.stdin is not None
    try:
        yield Started(process.pid, first_line(process, timeout))
    finally:
        process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()


@contextlib.contextmanager
def served_process(kind: str, src: Path | None = None) -> Iterator[tuple[tuple[str, int], int]]:
    """Run ``proxyharness serve KIND`` in its own process; yield its address and pid.

    ``src``: run the package found there instead of the installed one.
    """
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    with started([sys.executable, "-m", "proxyharness", "serve", kind], env=env) as child:
        host, port = child.line.split("//")[1].rsplit(":", 1)
        yield (host, int(port)), child.pid


@contextlib.contextmanager
def served(kind: str) -> Iterator[tuple[str, int]]:
    """Run ``proxyharness serve KIND`` in its own process; yield its address."""
    with served_process(kind) as (address, _pid):
        yield address


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the fields after "pid (comm)"


class Group:
    """The processes of one process group, e.g. a proxy and the helpers it forks."""

    def __init__(self, leader: int) -> None:
        self.leader = leader

    def members(self) -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if int(_stat(int(entry))[2]) == self.leader:
                        found.append(int(entry))
        return found

    def cpu_seconds(self) -> float:
        """User + system time of the members, their threads and their reaped children."""
        ticks = 0
        for pid in self.members():
            with contextlib.suppress(OSError):
                fields = _stat(pid)
                ticks += sum(int(value) for value in fields[11:15])
        return ticks / _TICK

    def rss_bytes(self) -> int:
        """Resident memory of the members, summed."""
        total = 0
        for pid in self.members():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total
