"""The README's and the docs' examples are tests.

Every ``python`` block runs as a test module. A ``console`` block right after the line
``<!-- runnable -->`` (an HTML comment: GitHub shows nothing of it) runs too, in a
temporary directory that sees the repository's files, with a clean proxy environment
and ``proxyharness`` taken from the running interpreter's environment:

- each ``$ `` line is one command, run by the shell;
- the lines after a command, up to the next ``$ ``, are what it prints (stdout and
  stderr), compared loosely: each must match an output line, in order, where ``...``
  stands for any text (so ``...`` alone skips lines); other output is allowed;
- a command must exit 0, unless its last expected line is ``(exit status N)``.

Console blocks left unmarked are synopses (``[--option]``), need root, a network, a
program that is not installed, or serve until stopped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = "<!-- runnable -->"
CONSOLE = re.compile(rf"^{re.escape(MARKER)}\n```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
STATUS = re.compile(r"\(exit status (\d+)\)")
COMMAND_TIMEOUT = 300


def examples() -> list[tuple[str, str]]:
    """Return (name, code) for every ``python`` block in README.md and docs/*.md."""
    found = []
    for path in PAGES:
        for number, match in enumerate(BLOCK.finditer(path.read_text()), start=1):
            found.append((f"{path.stem}-{number}", match.group(1)))
    return found


@pytest.mark.parametrize(("name", "code"), examples(), ids=[n for n, _ in examples()])
def test_example_runs(pytester: pytest.Pytester, name: str, code: str) -> None:
    """The example's tests pass as written, with warnings as errors."""
    pytester.makepyfile(**{f"test_{name.replace('-', '_')}": code})
    args = [
        "-W",
        "error",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    ]
    result = pytester.runpytest_subprocess(*args, timeout=120)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert set(outcomes) <= {"passed"}, result.stdout.str()


@dataclass(frozen=True)
class Command:
    """One ``$ `` line of a runnable console block and what it should print."""

    line: str
    expected: tuple[str, ...] = ()

    @property
    def status(self) -> int:
        """The exit status the block shows, 0 when it shows none."""
        found = STATUS.fullmatch(self.expected[-1]) if self.expected else None
        return int(found.group(1)) if found else 0

    @property
    def output(self) -> tuple[str, ...]:
        """The expected output lines, without the exit status line."""
        return self.expected[:-1] if self.expected and self.status else self.expected


def parse_console(text: str) -> list[Command]:
    """Split a console block into its commands and their expected output."""
    commands: list[Command] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append(Command(line[2:]))
        elif not commands:
            raise ValueError(f"output before the first command: {line!r}")
        elif line.strip():
            last = commands[-1]
            commands[-1] = Command(last.line, (*last.expected, line))
    return commands


def console_examples() -> list[tuple[str, list[Command]]]:
    """Return (name, commands) for every runnable console block."""
    found = []
    for path in PAGES:
        for number, match in enumerate(CONSOLE.finditer(path.read_text()), start=1):
            found.append((f"{path.stem}-console-{number}", parse_console(match.group(1))))
    return found


def first_mismatch(expected: tuple[str, ...], printed: list[str]) -> str | None:
    """The first expected line no later printed line matches (``...``: any text), or None."""
    lines = iter(line.rstrip() for line in printed)
    for want in expected:
        pattern = re.compile(".*".join(re.escape(part) for part in want.rstrip().split("...")))
        if not any(pattern.fullmatch(line) for line in lines):
            return want
    return None


def clean_environment() -> dict[str, str]:
    """This process's environment without proxy settings, the venv's scripts first."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("REQUEST_METHOD", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def test_runnable_markers_precede_console_blocks() -> None:
    """Every marker line stands right before a console block (a typo runs nothing)."""
    for path in PAGES:
        text = path.read_text()
        markers = re.findall(rf"^{re.escape(MARKER)}$", text, re.MULTILINE)
        assert len(markers) == len(CONSOLE.findall(text)), path.name


def test_loose_comparison() -> None:
    """Expected lines match in order, ``...`` matching any text; a missing one is named."""
    printed = ["wss://a:443/: connect directly", "  SEL-01  x", "gate: FAILED"]
    assert first_mismatch(("...: connect directly", "...", "gate: FAILED"), printed) is None
    assert first_mismatch(("gate: FAILED", "...: connect directly"), printed) == (
        "...: connect directly"
    )
    assert first_mismatch(("gate: passed",), printed) == "gate: passed"
    assert Command("x", ("out", "(exit status 4)")).status == 4
    assert Command("x", ("out", "(exit status 4)")).output == ("out",)


@pytest.mark.parametrize(
    ("name", "commands"), console_examples(), ids=[n for n, _ in console_examples()]
)
def test_console_example_runs(tmp_path: Path, name: str, commands: list[Command]) -> None:
    """Each command of a runnable block exits as shown and prints the lines shown."""
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    env = clean_environment()
    for command in commands:
        done = subprocess.run(
            command.line,
            shell=True,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        where = f"{name}: $ {command.line}\n{done.stdout}"
        assert done.returncode == command.status, where
        missing = first_mismatch(command.output, done.stdout.splitlines())
        assert missing is None, f"{where}\nno line matches {missing!r}"
