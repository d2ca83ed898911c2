"""Built-in agents backed by a client program shipped with proxyharness.

A bundled client is a small program speaking the command protocol
(:mod:`.command_agent`) whose sources ship as package data under
``proxyharness/clients/`` (``clients/node/``: a ``package.json``, its lock file and
the programs). :func:`install` copies them into a cache directory named after the
sources' hash (``$PROXYHARNESS_CACHE/clients/SOURCE/HASH``, by default under
``~/.cache/proxyharness``) and runs the :class:`Bundle`'s build commands there
(``npm ci``, ``go build``...), so that the same sources are installed once and a
changed source installs afresh. ``proxyharness clients install NAME`` does it from the
command line.

:class:`BundledAgent` then runs the installed program as a :class:`CommandAgent`;
its ``available()`` says, in one line with the hint, when the runtime is missing or the
client is not installed yet (every case is then N/A, and ``run --agent`` fails its gate).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .base import Call, NotSupported
from .command_agent import CommandAgent
from .process import require_own_process_view

__all__ = [
    "BUNDLES",
    "CACHE_VARIABLE",
    "INSTALL_TIMEOUT",
    "Bundle",
    "BundledAgent",
    "InstallError",
    "cache_root",
    "hosts_file_command",
    "install",
    "installed_path",
    "missing_programs",
    "source_digest",
    "unavailable_reason",
]

#: Where installed clients go (default: ``$XDG_CACHE_HOME/proxyharness``, ``~/.cache/...``).
CACHE_VARIABLE = "PROXYHARNESS_CACHE"
#: Seconds one build command may take (a runtime download included).
INSTALL_TIMEOUT = 900.0
#: Written last into an installed directory: its presence means "complete".
_MARKER = ".proxyharness-installed"
#: Directories never copied nor hashed (left by a build run in the sources by hand).
_SKIPPED = frozenset({"node_modules", "__pycache__", ".deno", "vendor-build"})
_TAIL = 800


class InstallError(Exception):
    """A bundled client could not be installed; the message says why, in one line."""


@dataclass(frozen=True)
class Bundle:
    """A shipped client: where its sources are, how to build and how to run it.

    In ``build`` and ``run``, ``{dir}`` stands for the installed directory and
    ``{python}`` for this Python interpreter.
    """

    #: The agent's name (node IDs, baselines, ``clients install NAME``).
    name: str
    #: Sources: a directory under ``proxyharness/clients/`` (``node``).
    source: str
    #: The command protocol's command line.
    run: tuple[str, ...]
    #: Commands run, in order, in the installed directory.
    build: tuple[tuple[str, ...], ...] = ()
    #: Programs needed on PATH to build, and to run.
    build_needs: tuple[str, ...] = ()
    run_needs: tuple[str, ...] = ()
    #: Extra environment variables for the build commands.
    build_env: Mapping[str, str] = field(default_factory=dict)
    #: How to get the programs of ``build_needs`` / ``run_needs`` (one line).
    runtime_hint: str = ""
    #: The client's resolver has no hook (Deno, Bun): a call's ``hosts`` table becomes
    #: the process's own ``/etc/hosts``, bound over the real one in a private mount
    #: namespace (:func:`hosts_file_command`); without a ``hosts`` table it runs as is.
    hosts_file: bool = False

    def expand(self, argv: tuple[str, ...], directory: Path) -> list[str]:
        """``argv`` with ``{dir}`` and ``{python}`` replaced."""
        return [
            a.replace("{dir}", str(directory)).replace("{python}", sys.executable) for a in argv
        ]


_NPM_CI = ("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
_NODE_HINT = "install Node.js and npm (Debian: apt-get install nodejs npm)"
#: Go builds offline against Debian's packaged libraries (clients/go/build.sh).
_GO_HINT = "install Go and the library (Debian: apt-get install golang-go"

#: Node.js reads ``SSL_CERT_FILE`` (the default trust staging sets) with this flag only.
_NODE = ("--use-openssl-ca",)

#: Deno: no update check (no connection but the test's), the system's trust (SSL_CERT_FILE).
_DENO_ENV = ("env", "DENO_NO_UPDATE_CHECK=1", "DENO_TLS_CA_STORE=system")
_DENO_RUN = ("run", "--quiet", "--no-config", "--allow-all")

#: The shipped clients, by agent name.
BUNDLES: dict[str, Bundle] = {
    bundle.name: bundle
    for bundle in (
        Bundle(
            "node-ws",
            "node",
            run=("node", *_NODE, "{dir}/ws.mjs"),
            build=(_NPM_CI,),
            build_needs=("node", "npm"),
            run_needs=("node",),
            runtime_hint=_NODE_HINT,
        ),
        Bundle(
            "node-undici",
            "node",
            run=("{dir}/node_modules/node/bin/node", *_NODE, "{dir}/undici.mjs"),
            build=(_NPM_CI,),
            build_needs=("node", "npm"),
            runtime_hint=_NODE_HINT + "; npm brings Node.js 22 from the npm registry",
        ),
        Bundle(
            "deno",
            "deno",
            run=(*_DENO_ENV, "{dir}/node_modules/.bin/deno", *_DENO_RUN, "{dir}/agent.ts"),
            build=(_NPM_CI,),
            hosts_file=True,
            build_needs=("node", "npm"),
            runtime_hint=_NODE_HINT + "; npm brings Deno from the npm registry",
        ),
        Bundle(
            "bun",
            "bun",
            run=("{dir}/node_modules/.bin/bun", "--use-openssl-ca", "{dir}/agent.ts"),
            build=(_NPM_CI,),
            hosts_file=True,
            build_needs=("node", "npm"),
            runtime_hint=_NODE_HINT + "; npm brings Bun from the npm registry",
        ),
        Bundle(
            "go-gorilla",
            "go",
            run=("{dir}/go-gorilla",),
            build=(("sh", "{dir}/build.sh", "gorilla"),),
            build_needs=("go",),
            runtime_hint=_GO_HINT + " golang-github-gorilla-websocket-dev)",
        ),
        Bundle(
            "go-nhooyr",
            "go",
            run=("{dir}/go-nhooyr",),
            build=(("sh", "{dir}/build.sh", "nhooyr"),),
            build_needs=("go",),
            runtime_hint=_GO_HINT + " golang-nhooyr-websocket-dev)",
        ),
        Bundle(
            "curl-cffi",
            "curl-cffi",
            run=("{python}", "{dir}/agent.py"),  # needs the extra proxyharness[curl-cffi]
        ),
    )
}


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """The directory installed clients live under (``.../clients/NAME/HASH``)."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_VARIABLE):
        return Path(env[CACHE_VARIABLE])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "proxyharness"


def _source_dir(bundle: Bundle) -> Path:
    root = importlib.resources.files("proxyharness") / "clients" / bundle.source
    return Path(str(root))


def _source_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and not _SKIPPED.intersection(relative.parts):
            yield path


def source_digest(bundle: Bundle) -> str:
    """A short hash of the bundle's sources (names and contents) and build commands."""
    directory = _source_dir(bundle)
    digest = hashlib.sha256(repr((bundle.build, sorted(bundle.build_env.items()))).encode())
    for path in _source_files(directory):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def installed_path(bundle: Bundle, environ: Mapping[str, str] | None = None) -> Path:
    """Where the bundle's current sources are (or would be) installed.

    Bundles sharing their sources (``node-ws``, ``node-undici``) share the directory.
    """
    name = bundle.source.replace("/", "-")
    return cache_root(environ) / "clients" / name / source_digest(bundle)


def missing_programs(programs: tuple[str, ...]) -> list[str]:
    """Those of ``programs`` not found on PATH."""
    return [program for program in programs if shutil.which(program) is None]


def install(bundle: Bundle, *, force: bool = False) -> Path:
    """Install ``bundle`` (if not installed yet); return its directory.

    The build runs in a temporary directory beside the final one, renamed into place
    when complete, so an interrupted or concurrent install never leaves a half-built
    client that looks installed. InstallError says why it failed, in one line.
    """
    target = installed_path(bundle)
    if (target / _MARKER).is_file() and not force:
        return target
    missing = missing_programs(bundle.build_needs)
    if missing:
        raise InstallError(f"{bundle.name}: {', '.join(missing)} not found ({bundle.runtime_hint})")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _copy_sources(_source_dir(bundle), work)
        for argv in bundle.build:
            _build_step(bundle, bundle.expand(argv, work), work)
        (work / _MARKER).write_text(f"{bundle.name} {target.name}\n")
        if force and target.exists():
            shutil.rmtree(target)
        try:
            work.rename(target)
        except OSError:  # installed meanwhile by another process: keep that one
            if not (target / _MARKER).is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


def _copy_sources(source: Path, work: Path) -> None:
    for path in _source_files(source):
        destination = work / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        if os.access(path, os.X_OK):
            destination.chmod(0o755)


def _build_step(bundle: Bundle, argv: list[str], work: Path) -> None:
    env = {**os.environ, **bundle.build_env}
    try:
        done = subprocess.run(
            argv, cwd=work, env=env, capture_output=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise InstallError(
            f"{bundle.name}: {argv[0]} took more than {INSTALL_TIMEOUT:g} s"
        ) from None
    except OSError as exc:
        raise InstallError(f"{bundle.name}: cannot run {argv[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        last = " | ".join(output.splitlines()[-4:])[-_TAIL:]
        raise InstallError(
            f"{bundle.name}: {' '.join(argv[:2])} failed (exit status {done.returncode}): {last}"
        )


def unavailable_reason(bundle: Bundle) -> str | None:
    """Why the bundle cannot run here, with the hint; None once it is installed."""
    missing = missing_programs(bundle.run_needs)
    if missing:
        return f"{bundle.name} needs {', '.join(missing)}: {bundle.runtime_hint}"
    if not (installed_path(bundle) / _MARKER).is_file():
        missing = missing_programs(bundle.build_needs)
        if missing:
            return f"{bundle.name} needs {', '.join(missing)} to install: {bundle.runtime_hint}"
        return f"{bundle.name} is not installed: run 'proxyharness clients install {bundle.name}'"
    return None


class BundledAgent(CommandAgent):
    """The agent of a shipped client (:data:`BUNDLES`): a command agent named by its bundle.

    Out of process like any command, so the harness judges its delays from the wire,
    not from the program's start-up.
    """

    def __init__(self, name: str) -> None:
        self.bundle = BUNDLES[name]
        self._reason = unavailable_reason(self.bundle)
        super().__init__(self.bundle.expand(self.bundle.run, installed_path(self.bundle)))

    @property
    def name(self) -> str:
        return self.bundle.name

    @property
    def version(self) -> str:
        return "not installed" if self._reason else super().version

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset() if self._reason else super().capabilities

    def available(self) -> str | None:
        if self._reason is not None:
            return self._reason
        described, reason = self._description()
        if described is not None and described.get("name") != self.bundle.name:
            return f"{self.bundle.name}: its program calls itself {described.get('name')!r}"
        return reason

    async def exchange(self, call: Call) -> str | bytes:
        if not self.bundle.hosts_file:
            return await super().exchange(call)
        require_own_process_view(self.name)
        request = self.request(call)
        if not request["hosts"]:
            return await self.answer(request, call.open_timeout)
        with tempfile.TemporaryDirectory(prefix="proxyharness-hosts-") as directory:
            hosts = Path(directory) / "hosts"
            hosts.write_text(_hosts_text(request["hosts"]))
            argv = hosts_file_command(hosts, self.command)
            return await self.answer(request, call.open_timeout, argv)


#: Seconds the probe of mount namespaces may take.
_PROBE_TIMEOUT = 10.0
_BIND = 'mount --bind "$0" /etc/hosts && exec "$@"'


@functools.cache
def _unshare_prefix() -> tuple[str, ...] | str:
    """The ``unshare`` command line that gives a private mount namespace, or why none."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) not found"
    prefixes = [("unshare", "--mount", "--propagation", "private")]
    if os.geteuid() != 0:  # an unprivileged user namespace, where the kernel allows it
        prefixes.insert(0, ("unshare", "--user", "--map-root-user", "--mount"))
    for prefix in prefixes:
        try:
            done = subprocess.run(
                [*prefix, "true"], capture_output=True, timeout=_PROBE_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return prefix
    return "no private mount namespace here (neither root nor unprivileged user namespaces)"


def hosts_file_command(hosts: Path, argv: list[str]) -> list[str]:
    """``argv`` run with ``hosts`` bound over ``/etc/hosts`` in a private mount namespace.

    Raises NotSupported (the case is N/A) where no such namespace can be made.
    """
    prefix = _unshare_prefix()
    if isinstance(prefix, str):
        raise NotSupported(f"the harness's names cannot be handed to this client: {prefix}")
    return [*prefix, "sh", "-c", _BIND, str(hosts), *argv]


def _hosts_text(table: Mapping[str, str]) -> str:
    """The ``hosts`` table first, then this machine's own ``/etc/hosts``."""
    lines = [f"{address} {name}" for name, address in table.items()]
    try:
        system = Path("/etc/hosts").read_text()
    except OSError:
        system = "127.0.0.1 localhost\n::1 localhost\n"
    return "\n".join(lines) + "\n" + system
