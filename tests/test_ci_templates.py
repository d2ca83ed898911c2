"""The CI templates of ci/: valid YAML that installs proxyharness and runs the documented
command, both of which work."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from proxyharness.cli import build_parser

yaml = pytest.importorskip("yaml")

CI = Path(__file__).parent.parent / "ci"
REPORT = "proxyharness-report"
BASELINE = "proxyharness-baseline.txt"
TIMEOUT = 180
INSTALL = 'python -m pip install "$PROXYHARNESS" .'
#: Where the templates get proxyharness before a release: OWNER is the user's to set.
REPOSITORY = "git+https://github.com/OWNER/proxyharness@main"


def documented() -> str:
    """The command ci/README.md shows."""
    match = re.search(r"^\$ (proxyharness run .*)$", (CI / "README.md").read_text(), re.M)
    assert match, "ci/README.md shows no proxyharness run command"
    return match.group(1)


def load(name: str) -> Any:
    """A template, parsed."""
    return yaml.safe_load((CI / name).read_text("utf-8"))


def github_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = load("github-actions.yml")["jobs"]["conformance"]["steps"]
    return steps


def gitlab_job() -> dict[str, Any]:
    job: dict[str, Any] = load("gitlab-ci.yml")["proxyharness"]
    return job


def variables() -> dict[str, dict[str, str]]:
    """The variables each template sets for its job."""
    return {
        "github-actions.yml": load("github-actions.yml")["jobs"]["conformance"]["env"],
        "gitlab-ci.yml": gitlab_job()["variables"],
    }


def commands() -> dict[str, list[str]]:
    """Every shell line of each template."""
    github = [line for step in github_steps() for line in step.get("run", "").splitlines()]
    return {"github-actions.yml": github, "gitlab-ci.yml": list(gitlab_job()["script"])}


def run_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "proxyharness", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_runs_the_documented_command(name: str) -> None:
    """Each template installs proxyharness and the project, then runs the README's command."""
    lines = commands()[name]
    assert lines.index(INSTALL) < lines.index(documented())


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_installs_from_the_repository_until_released(name: str) -> None:
    """PROXYHARNESS is a requirement on the repository, as ci/README.md shows, with the
    released form in the comment beside it."""
    value = variables()[name]["PROXYHARNESS"]
    requirement = Requirement(value)
    assert (requirement.name, requirement.url) == ("proxyharness", REPOSITORY)
    assert f'PROXYHARNESS: "{value}"' in (CI / "README.md").read_text()
    assert 'PROXYHARNESS: "proxyharness==X.Y"' in (CI / name).read_text()
    released = Requirement("proxyharness==1.0")
    assert (released.name, released.url) == (requirement.name, None)


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_every_proxyharness_command_parses(name: str) -> None:
    """Each proxyharness line the template runs is accepted by the CLI's own parser."""
    agent = variables()[name]["AGENT"]
    lines = [line for line in commands()[name] if line.startswith("proxyharness ")]
    assert lines
    for line in lines:
        tokens = [agent if token == "$AGENT" else token for token in shlex.split(line)[1:]]
        try:
            build_parser().parse_args(tokens)
        except SystemExit:
            pytest.fail(f"{name}: proxyharness refuses {line!r}")


def test_the_install_line_installs_proxyharness() -> None:
    """The template's requirement, with this checkout for the repository, is proxyharness."""
    value = variables()["github-actions.yml"]["PROXYHARNESS"]
    local = value.replace(REPOSITORY, CI.parent.resolve().as_uri())
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "-q"]
    done = subprocess.run(
        [*pip, "--report", "-", local],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (install,) = json.loads(done.stdout)["install"]
    assert install["metadata"]["name"] == "proxyharness"


def test_github_workflow() -> None:
    """Checkout, Python 3.11+, and the report uploaded even when the gate fails."""
    workflow = load("github-actions.yml")
    assert workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    steps = github_steps()
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    version = tuple(map(int, str(steps[1]["with"]["python-version"]).split(".")))
    assert version >= (3, 11)
    upload = steps[uses.index("actions/upload-artifact")]
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == REPORT


def test_gitlab_job() -> None:
    """Artifacts kept always, with the JUnit report wired in."""
    job = gitlab_job()
    assert re.fullmatch(r"python:3\.(1[1-9]|[2-9]\d)", job["image"])
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert [p.rstrip("/") for p in artifacts["paths"]] == [REPORT]
    assert artifacts["reports"]["junit"] == f"{REPORT}/junit.xml"


def test_flags_exist() -> None:
    """Every flag the command passes is one ``proxyharness run --help`` lists."""
    known = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", run_help()))
    flags = [token for token in shlex.split(documented()) if token.startswith("-")]
    assert flags == ["--agent", "--baseline", "--report"]
    assert set(flags) <= known


def test_command_works(tmp_path: Path) -> None:
    """The command, with the reference agent, a -k selection and the example baseline."""
    shutil.copy(CI / BASELINE, tmp_path / BASELINE)
    tokens = shlex.split(documented())
    assert tokens[:2] == ["proxyharness", "run"]
    arguments = ["reference" if token == "$AGENT" else token for token in tokens[1:]]
    assert not [a for a in arguments if "$" in a], "a variable the test does not set"
    result = subprocess.run(
        [sys.executable, "-m", "proxyharness", *arguments, "-k", "SEL-06 and wss"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gate: passed" in result.stdout
    files = {path.name for path in (tmp_path / REPORT).iterdir()}
    assert {"index.json", "junit.xml", "index.html"} <= files
