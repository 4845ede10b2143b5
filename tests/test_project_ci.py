"""noxgraph's own CI: its GitHub workflow and its noxfile test every Python the project
declares, and the workflow is one GitHub accepts."""

from __future__ import annotations

import json
import subprocess
import sys

from ruamel.yaml import YAML

from noxgraph.workspace.toml import read_toml
from tests.helpers import REPO

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


def declared_pythons() -> list[str]:
    classifiers = read_toml(REPO / "pyproject.toml", "pyproject.toml")["project"]["classifiers"]
    prefix = "Programming Language :: Python :: 3."
    return [f"3.{c.removeprefix(prefix)}" for c in classifiers if c.startswith(prefix)]


def test_the_project_workflow_passes_github_s_schema() -> None:
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_ci_and_the_noxfile_test_every_python_the_project_declares() -> None:
    pythons = declared_pythons()
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    jobs = YAML(typ="safe").load(WORKFLOW.read_text())["jobs"]
    assert jobs["tests"]["strategy"]["matrix"]["python"] == pythons
    assert jobs["tests"]["steps"][-1]["run"].startswith("nox -s tests-${{ matrix.python }}")
    assert jobs["lint"]["steps"][-1]["run"] == "nox -s lint"
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json", "-s", "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    sessions = json.loads(listed.stdout)
    assert [s["session"] for s in sessions] == [f"tests-{p}" for p in pythons]
