"""The README's and the docs' Python examples are tests: each block runs as a test module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples() -> list[tuple[str, str]]:
    """Return (name, code) for every ``python`` block in README.md and docs/*.md."""
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
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
