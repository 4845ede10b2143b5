"""Issue 11 items fixed before, that had no test of their own: empty configuration values
are honoured or rejected (14), and ``noxgraph run`` keeps its exit codes and rejects
``-j`` below 1 (22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, package, pyproject


@pytest.mark.parametrize("key", ["base", "wheelhouse"])
def test_an_empty_string_value_is_rejected_naming_the_key(tmp_path: Path, key: str) -> None:
    pyproject(tmp_path, ".", f'[tool.noxgraph]\nmembers = ["a"]\n{key} = " "\n')
    package(tmp_path, "a", "a")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert f"pyproject.toml: [tool.noxgraph].{key}: must not be empty" in run.err


def test_empty_affected_kinds_are_honoured_not_replaced_by_defaults(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["core", "app"]\naffected-kinds = []\n')
    package(tmp_path, "core", "core")
    package(tmp_path, "app", "app", "core")
    run = cli("affected", "--root", tmp_path, "--files", "core/x.py", "--json", cwd=tmp_path)
    assert run.code == 0, run.err
    assert [entry["name"] for entry in json.loads(run.out)["affected"]] == ["core"]


def test_empty_order_kinds_order_nothing(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["core", "app"]\norder-kinds = []\n')
    package(tmp_path, "core", "core")
    package(tmp_path, "app", "app", "core")
    document = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert document["levels"] == [["app", "core"]]


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_run_rejects_fewer_than_one_job(tmp_path: Path, jobs: str) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    run = cli("run", "build", "--root", tmp_path, "-j", jobs)
    assert run.code == 2
    assert run.err.startswith(f"noxgraph: error: -j {jobs}:")
    assert len(run.err.splitlines()) == 1
