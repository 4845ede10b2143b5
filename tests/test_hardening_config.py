"""Issue 11: configuration values that cannot work, and package names generate
refuses, are errors when the workspace is read (and in check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, package, pyproject

# -- 14. values that cannot work are config errors when read -----------------------------


@pytest.mark.parametrize("key", ["ignore", "global-files"])
def test_an_invalid_gitignore_pattern_is_a_config_error(tmp_path: Path, key: str) -> None:
    pyproject(tmp_path, ".", f'[tool.noxgraph]\nmembers = ["a"]\n{key} = ["docs/**", "!"]\n')
    package(tmp_path, "a", "a")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert f"pyproject.toml: [tool.noxgraph].{key}: '!' is not a valid gitignore" in run.err
    assert "Traceback" not in run.err


def test_a_nul_in_a_task_command_is_a_config_error(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[project]\nname = "a"\nversion = "1"\n[tool.noxgraph.tasks]\nlint = ["ruff \\u0000"]\n',
    )
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert "[tool.noxgraph.tasks].lint" in run.err and "NUL" in run.err


# -- 15. names generate refuses fail check too -------------------------------------------


@pytest.mark.parametrize("name", ["All", "affected", "AFFECTED"])
def test_check_fails_on_a_name_generate_refuses(tmp_path: Path, name: str) -> None:
    package(tmp_path, "odd", name)
    package(tmp_path, "b", "b")
    generated = cli("generate", "--root", tmp_path)
    assert generated.code == 2
    check = cli("check", "--root", tmp_path, "--format", "json")
    assert check.code == 1
    findings = json.loads(check.out)["findings"]
    [reserved] = [f for f in findings if f["code"] == "reserved-name"]
    assert reserved["severity"] == "error"
    assert reserved["file"] == "odd/pyproject.toml"
    assert f"{reserved['file']}: {reserved['message']}" in generated.err


# -- 23. a format spec in a command ------------------------------------------------------


@pytest.mark.parametrize("field", ["{package:>10}", "{package!r}"])
def test_a_format_spec_in_a_command_is_named_as_such(tmp_path: Path, field: str) -> None:
    pyproject(
        tmp_path,
        ".",
        f'[project]\nname = "a"\nversion = "1"\n[tool.noxgraph.tasks]\nlint = ["echo {field}"]\n',
    )
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert "pyproject.toml: [tool.noxgraph.tasks].lint" in run.err
    assert f"{field} has a format spec or conversion" in run.err


def test_a_listed_member_without_a_pyproject_says_so_once(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["gone"]\n')
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert run.err.rstrip().endswith(
        "[tool.noxgraph].members: member 'gone': has no pyproject.toml"
    )
