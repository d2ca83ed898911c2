"""What installing proxyharness adds to a one-test pytest run, side by side.

    python benchmarks/bench_startup.py [--runs 31] [--source DIR] [--clean]

A virtual environment holding only pytest and proxyharness (installed from ``--source``,
the checkout by default, as a wheel, with its dependencies) is built once and kept under
the system temporary directory, one per source tree content; ``--clean`` removes them.
In an empty project with one trivial test, ``python -m pytest -q -p no:cacheprovider
test_one.py`` runs with the plugin and with it off (``-p no:proxyharness``; every
``pytest11`` entry point of the installed tree, since older ones had two), in interleaved
pairs (each pair in alternating order), twice: with bytecode caching (after a warm-up run),
and with ``PYTHONDONTWRITEBYTECODE=1`` and no cached bytecode of the environment's
packages. Printed: median and spread of the wall time of each side, and of the added
milliseconds (the pairs' differences); the same for the CPU time (user + system) of the
pytest process, steadier than wall time on a busy machine. The target is <= 10 ms of
wall time added in both modes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

CACHE = Path(tempfile.gettempdir()) / "proxyharness-bench-startup"
ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 10.0
TIMEOUT = 120
ONE_TEST = "def test_one():\n    assert 1 + 1 == 2\n"
PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_one.py"]
#: Variables that would change what pytest loads or where Python finds modules.
CLEARED = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPATH",
    "PYTHONSTARTUP",
)


def source_digest(source: Path) -> str:
    """A digest of what the wheel is built from: pyproject.toml and every file under src/."""
    digest = hashlib.sha256(platform.python_version().encode())
    for path in sorted([source / "pyproject.toml", *(source / "src").rglob("*")]):
        skipped = any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts)
        if path.is_file() and not skipped:
            digest.update(str(path.relative_to(source)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build_venv(source: Path) -> Path:
    """The cached environment for ``source``: pytest, proxyharness and its dependencies."""
    venv = CACHE / f"venv-{source_digest(source)}"
    if venv_python(venv).exists() and (venv / "complete").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    print(f"building {venv} from {source} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    python = str(venv_python(venv))
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *project["dependencies"]], check=True, timeout=600)
    subprocess.run([*pip, "--no-deps", str(source)], check=True, timeout=600)
    # What venv itself may bring besides pip: setuptools' .pth hook runs in every process.
    uninstall = [python, "-m", "pip", "uninstall", "-y", "-q", "setuptools"]
    subprocess.run(uninstall, check=False, timeout=600, stderr=subprocess.DEVNULL)
    (venv / "complete").write_text("", encoding="utf-8")
    return venv


def disabling_arguments(python: Path) -> list[str]:
    """``-p no:NAME`` for every pytest11 entry point of the installed proxyharness.

    One today (``proxyharness``); older trees had a second one, which must be off too
    for the comparison to hold.
    """
    code = (
        "import importlib.metadata as m\n"
        "for ep in m.distribution('proxyharness').entry_points:\n"
        "    if ep.group == 'pytest11': print(ep.name)\n"
    )
    names = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=TIMEOUT
    ).stdout.split()
    return [argument for name in names for argument in ("-p", f"no:{name}")]


def drop_bytecode(venv: Path) -> None:
    """Remove every cached bytecode file of the environment's packages."""
    for cache in list(venv.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def clean_environ(*, write_bytecode: bool) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far, 0 if unknown."""
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    python: Path, extra: Sequence[str], project: Path, env: Mapping[str, str]
) -> tuple[float, float]:
    """Wall time and CPU time in ms of one pytest run; exit on any failure."""
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [str(python), *PYTEST, *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    elapsed = (time.perf_counter() - start) * 1000
    if result.returncode != 0 or "1 passed" not in result.stdout:
        sys.exit(f"pytest failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed, (children_cpu() - cpu) * 1000


def measure(
    python: Path, project: Path, runs: int, env: Mapping[str, str], off: Sequence[str]
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``runs`` interleaved pairs: (with the plugin, with it off), each (wall, CPU) ms."""
    plugin: list[tuple[float, float]] = []
    disabled: list[tuple[float, float]] = []
    for index in range(runs):
        if index % 2 == 0:
            plugin.append(run_once(python, [], project, env))
            disabled.append(run_once(python, off, project, env))
        else:
            disabled.append(run_once(python, off, project, env))
            plugin.append(run_once(python, [], project, env))
    return plugin, disabled


def spread(values: Sequence[float]) -> str:
    """Median, interquartile range and extremes."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return f"{median:8.1f}   {q1:7.1f} - {q3:7.1f}   {min(values):7.1f} - {max(values):7.1f}"


def report(
    mode: str, off: str, plugin: list[tuple[float, float]], disabled: list[tuple[float, float]]
) -> float:
    """Print one mode's rows (wall time, then CPU time); return the median added wall ms."""
    print(f"\n{mode} ({len(plugin)} interleaved pairs), ms:")
    print(f"  {'':28} {'median':>8}   {'IQR':^17}   {'min - max':^17}")
    medians = []
    for column, name in ((0, "wall"), (1, "CPU")):
        if column == 1 and resource is None:
            break
        with_plugin = [times[column] for times in plugin]
        without = [times[column] for times in disabled]
        added = [a - b for a, b in zip(with_plugin, without, strict=True)]
        print(f"  {name + ', ' + off:28} {spread(without)}")
        print(f"  {name + ', with the plugin':28} {spread(with_plugin)}")
        print(f"  {name + ', added (paired)':28} {spread(added)}")
        medians.append(statistics.median(added))
    return medians[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=31, help="interleaved pairs per mode (31)")
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="the proxyharness tree to install (this one)"
    )
    parser.add_argument("--clean", action="store_true", help=f"remove {CACHE} and exit")
    args = parser.parse_args(argv)
    if args.clean:
        shutil.rmtree(CACHE, ignore_errors=True)
        print(f"removed {CACHE}")
        return 0
    if args.runs < 2:
        parser.error("--runs must be at least 2 (21 or more for a fair median)")
    venv = build_venv(args.source.resolve())
    python = venv_python(venv)
    versions = "import pytest, sys; print(sys.version.split()[0], pytest.__version__)"
    found = subprocess.run(
        [str(python), "-c", versions], capture_output=True, text=True, check=True, timeout=TIMEOUT
    ).stdout.split()
    print(f"python {found[0]}, pytest {found[1]}, source {args.source}, venv {venv}")
    off = disabling_arguments(python)
    print(f"plugin off: {' '.join(off)}")
    medians = []
    with tempfile.TemporaryDirectory(prefix="proxyharness-bench-") as directory:
        project = Path(directory)
        (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        (project / "test_one.py").write_text(ONE_TEST, encoding="utf-8")

        drop_bytecode(venv)
        env = clean_environ(write_bytecode=False)
        times = measure(python, project, args.runs, env, off)
        medians.append(report("PYTHONDONTWRITEBYTECODE=1", "plugin off", *times))

        env = clean_environ(write_bytecode=True)
        for extra in ([], off):  # warm-up: writes the bytecode, rewritten modules included
            run_once(python, extra, project, env)
        times = measure(python, project, args.runs, env, off)
        medians.append(report("bytecode cached", "plugin off", *times))
    worst = max(medians)
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    print(f"\ntarget <= {TARGET_MS:g} ms added in both modes: {verdict} (worst median {worst:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
