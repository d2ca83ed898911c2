"""The import graph of ``src/proxyharness``: no cycles, layers as designed, public seams.

Every module is parsed with :mod:`ast`; each import is kept with where it sits:

- ``module``: runs when the module is imported (module level, class bodies);
- ``function``: runs when a function is called (inside ``def``);
- ``typing``: under ``if TYPE_CHECKING:``, never runs.

Cycles are looked for among ``module`` and ``function`` imports: an import inside a
function still needs its target, so hiding a cycle there does not remove it. A
``typing`` import never runs, so it cannot close a cycle; it does count for the layer
arrows and the public seams, since it couples the code all the same. Importing
``a.b.c`` from outside ``a.b`` also runs ``a/b/__init__``: that counts as an import of
``a.b``. A package ``__init__`` loading its own submodules lazily through
:mod:`importlib` is not seen, and need not be.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "proxyharness"
#: The parts below the top-level CLI and plugin: independent of each other.
PARTS = ("fixtures", "reference_client", "scenarios")
#: What sits on top of everything: no part may import these.
TOP = ("proxyharness.cli", "proxyharness.pytest_plugin", "proxyharness.__main__")


@dataclass(frozen=True)
class Import:
    """One import of one module: the module it names, the names it takes, how it runs."""

    source: str
    target: str
    names: tuple[str, ...]
    where: str  # "module", "function" or "typing"
    line: int

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.source}:{self.line} imports {self.target}{names} [{self.where}]"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(path): path for path in sorted((SRC / ROOT).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, where: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, where
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, "typing" if where == "typing" else "function")
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), "typing")
            for statement in child.orelse:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), where)
        else:
            yield from _walk(child, where)


def _resolve(source: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative ones resolved)."""
    if node.level == 0:
        return node.module or ""
    is_package = modules()[source].name == "__init__.py"
    package = source.split(".")
    if not is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _explicit(source: str) -> Iterator[Import]:
    tree = ast.parse(modules()[source].read_text(), str(modules()[source]))
    for node, where in _walk(tree, "module"):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(source, alias.name, (), where, node.lineno)
            continue
        base = _resolve(source, node)
        names = tuple(alias.name for alias in node.names)
        submodules = [name for name in names if f"{base}.{name}" in modules()]
        for name in submodules:
            yield Import(source, f"{base}.{name}", (), where, node.lineno)
        rest = tuple(name for name in names if name not in submodules)
        if rest or not submodules:
            yield Import(source, base, rest, where, node.lineno)


@cache
def imports_of(source: str) -> tuple[Import, ...]:
    """Every import ``source`` makes, with the package ``__init__`` s each one runs."""
    found: list[Import] = []
    for item in _explicit(source):
        found.append(item)
        parts = item.target.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            inside = source == package or source.startswith(package + ".")
            if package in modules() and not inside:
                found.append(Import(source, package, (), item.where, item.line))
    return tuple(found)


def every_import() -> list[Import]:
    return [item for source in modules() for item in imports_of(source)]


def internal(item: Import) -> bool:
    return item.target == ROOT or item.target.startswith(ROOT + ".")


def within(name: str, *prefixes: str) -> bool:
    """Tell whether module ``name`` is one of ``prefixes`` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def find_cycle() -> list[str] | None:
    """A cycle among the imports that run (module level and inside functions), or None."""
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for item in every_import():
        if item.where != "typing" and item.target in modules() and item.target != item.source:
            graph[item.source].add(item.target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == 1:
                return [*path[path.index(successor) :], successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_is_seen() -> None:
    """The walk finds every part, imports at every level, and relative imports resolved."""
    assert {f"{ROOT}.{part}" for part in (*PARTS, "harness")} <= set(modules())
    kinds = {item.where for item in every_import()}
    assert kinds == {"module", "function", "typing"}
    assert any(
        item.source == f"{ROOT}.harness.runner" and item.target == f"{ROOT}.harness.staging"
        for item in every_import()
    )


def test_no_cycle() -> None:
    """No import cycle, counting imports inside functions."""
    cycle = find_cycle()
    assert cycle is None, " -> ".join(cycle or ())


F = f"{ROOT}.fixtures"


@dataclass(frozen=True)
class Layer:
    """What the modules under ``source`` may import of proxyharness, and of the rest."""

    source: str
    #: proxyharness modules it may import (None: any but ``forbidden``).
    allowed: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    #: Only the standard library, plus these distributions, outside proxyharness.
    stdlib_plus: tuple[str, ...] | None = None
    #: Standard modules it must not import.
    banned: tuple[str, ...] = ()


LAYERS = [
    *(
        Layer(
            f"{ROOT}.{part}",
            forbidden=(
                *(f"{ROOT}.{other}" for other in PARTS if other != part),
                f"{ROOT}.harness",
                *TOP,
            ),
        )
        for part in PARTS
    ),
    Layer(f"{ROOT}.harness", forbidden=TOP),
    Layer(f"{F}.records", allowed=(), stdlib_plus=()),
    Layer(f"{F}.names", allowed=(), stdlib_plus=()),
    Layer(
        f"{F}.protocols",
        allowed=(f"{F}.protocols", f"{F}.records"),
        stdlib_plus=("h11", "spnego"),
        banned=("asyncio",),
    ),
    Layer(
        f"{F}.servers",
        allowed=(f"{F}.servers", f"{F}.protocols", f"{F}.records", f"{F}.names", f"{F}.certs"),
    ),
    *(
        Layer(
            f"{F}.{upper}",
            forbidden=(f"{F}.plugin", f"{F}.plugin_config", f"{F}.cli"),
        )
        for upper in ("config", "external")
    ),
]


def _third_party(name: str) -> bool:
    top = name.split(".")[0]
    return top not in sys.stdlib_module_names and top != "__future__"


@pytest.mark.parametrize("layer", LAYERS, ids=[layer.source for layer in LAYERS])
def test_layer(layer: Layer) -> None:
    """The modules of a layer import only what lies below it."""
    wrong = []
    for item in every_import():
        if not within(item.source, layer.source):
            continue
        if internal(item):
            if within(item.target, layer.source) and layer.allowed is not None:
                continue  # a layer's own modules
            refused = within(item.target, *layer.forbidden) or (
                layer.allowed is not None and not within(item.target, *layer.allowed)
            )
        else:
            refused = within(item.target, *layer.banned) or (
                layer.stdlib_plus is not None
                and _third_party(item.target)
                and not within(item.target, *layer.stdlib_plus)
            )
        if refused:
            wrong.append(str(item))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("part", PARTS)
def test_harness_uses_public_names(part: str) -> None:
    """The harness imports no ``_``-prefixed module or name of another part."""
    wrong = [
        str(item)
        for item in every_import()
        if within(item.source, f"{ROOT}.harness")
        and within(item.target, f"{ROOT}.{part}")
        and any(piece.startswith("_") for piece in (*item.target.split("."), *item.names))
    ]
    assert not wrong, "\n".join(wrong)


def test_harness_reaches_fixtures_through_the_facade() -> None:
    """The harness imports the fixtures only from ``proxyharness.fixtures`` itself."""
    wrong = [
        str(item)
        for item in every_import()
        if within(item.source, f"{ROOT}.harness") and within(item.target, F) and item.target != F
    ]
    assert not wrong, "\n".join(wrong)


def test_harness_takes_only_declared_names_of_a_facade() -> None:
    """What the harness imports from a part's package is in its ``__all__`` and resolves."""
    wrong = []
    for item in every_import():
        if within(item.source, f"{ROOT}.harness") and item.target in {
            f"{ROOT}.{part}" for part in PARTS
        }:
            package = importlib.import_module(item.target)
            for name in item.names:
                if name not in package.__all__ or getattr(package, name, None) is None:
                    wrong.append(f"{item}: {name}")
    assert not wrong, "\n".join(wrong)


#: The longest a module of ``src/`` may be: one job per module.
MAX_MODULE_LINES = 400


def test_no_module_is_over_the_line_limit() -> None:
    """Every module of ``src/`` has at most ``MAX_MODULE_LINES`` lines."""
    long = {
        str(path.relative_to(SRC)): count
        for path in sorted((SRC / ROOT).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
