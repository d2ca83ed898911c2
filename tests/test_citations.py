"""No docstring or comment in src/ cites a file the repository lacks.

The rule catalog ships inside the package (``proxyharness rules RULE-ID``); the spec
files it was written from (``RULES.md``, ``FACTS.md``, ``proxies.rst``) do not. A
citation names a rule ID or a file of the repository (``docs/harness.md``).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "proxyharness"
#: Citations of the spec outside the repository, by their usual spellings.
OUTSIDE = re.compile(r"\bRULES\.md\b|\bFACTS\b|\bproxies\.rst\b|\bRULES [A-Z]+-\d")
#: A document named in the text: it must be one of the repository's.
DOCUMENT = re.compile(r"[\w./-]*\b\w+\.(?:md|rst)\b")


@functools.cache
def _documents() -> frozenset[str]:
    """File names of the repository's documents (hidden and build folders pruned)."""
    skip = {"node_modules", "build", "dist"}
    found = set()
    for _folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in skip]
        found.update(name for name in files if name.endswith((".md", ".rst")))
    return frozenset(found)


def _sources() -> list[object]:
    files = sorted(p for p in SRC.rglob("*") if p.suffix in {".py", ".toml"})
    return [pytest.param(path, id=str(path.relative_to(SRC))) for path in files]


@pytest.mark.parametrize("path", _sources())
def test_no_citation_of_a_missing_file(path: Path) -> None:
    """Every line cites rule IDs or the repository's own documents only."""
    documents = _documents()
    bad = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        named = [m.group(0) for m in DOCUMENT.finditer(line)]
        if OUTSIDE.search(line) or any(Path(n).name not in documents for n in named):
            bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "\n".join(bad)


def test_the_check_finds_citations() -> None:
    """The patterns catch each spelling in use, and not a repository document."""
    for text in ("RULES.md SEL-01", "FACTS §3", "see proxies.rst", "(RULES URL-05)"):
        assert OUTSIDE.search(text), text
    assert not OUTSIDE.search("rule URL-05; the RULES table")
    assert {Path(m.group(0)).name for m in DOCUMENT.finditer("docs/harness.md")} <= _documents()
