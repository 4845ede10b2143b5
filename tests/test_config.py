"""The workspace configuration: every key parsed strictly into checked values, and
values that cannot work are errors naming the file, the table and the value when
the workspace is read (and in ``check``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from noxgraph.errors import PyprojectError
from noxgraph.workspace.config import DEFAULT_TASKS, Config, parse_config, parse_package_tasks
from noxgraph.workspace.toml import Table
from tests.helpers import cli, package, pyproject

# -- parsing ----------------------------------------------------------------------------


def _config(data: dict[str, object]) -> Config:
    return parse_config(Table(data, "pyproject.toml", "tool.noxgraph"), "pyproject.toml")


def test_an_empty_table_gives_every_default() -> None:
    config = _config({})
    assert config.members is None
    assert config.order_kinds == Config().order_kinds
    assert config.affected_kinds == Config().affected_kinds
    assert config.wheelhouse == "dist"
    assert dict(config.tasks) == dict(DEFAULT_TASKS)


def test_a_task_as_a_list_of_commands_keeps_the_built_in_defaults_it_overrides() -> None:
    config = _config({"tasks": {"test": ["pytest -x {posargs}"]}})
    test = config.tasks["test"]
    assert test.commands == (("pytest", "-x", "{posargs}"),)
    assert test.groups == DEFAULT_TASKS["test"].groups
    assert test.needs_tests is True


def test_a_new_task_table_takes_each_key() -> None:
    config = _config(
        {
            "tasks": {
                "lint": {
                    "commands": ["ruff check {package}"],
                    "install": ["ruff"],
                    "package": False,
                    "needs": ["^build", "build"],
                    "affected-kinds": ["runtime"],
                    "python": ["3.12", "3.13"],
                }
            }
        }
    )
    lint = config.tasks["lint"]
    assert lint.commands == (("ruff", "check", "{package}"),)
    assert lint.install == ("ruff",)
    assert lint.package is False
    assert lint.needs == ("^build", "build")
    assert lint.affected_kinds == ("runtime",)
    assert lint.python == ("3.12", "3.13")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"memebrs": ["*"]}, "unknown key 'memebrs'; did you mean 'members'?"),
        ({"order-kinds": ["runtime", "peer"]}, "unknown edge kind 'peer'"),
        ({"venv-backend": "uv|pipenv"}, "unknown backend 'pipenv'"),
        ({"environment": "docker"}, "unknown environment 'docker'"),
        ({"python": ["3"]}, "is not a version such as"),
        ({"tasks": {"Build": ["x"]}}, "must be lower case letters"),
        ({"tasks": {"lint": {"needs": ["lint"]}}}, "task 'lint' cannot need itself"),
        (
            {
                "tasks": {
                    "build": {"needs": ["lint"]},
                    "lint": {"needs": ["test"]},
                    "test": {"needs": ["build"]},
                }
            },
            ".needs: the tasks need each other in a cycle (",
        ),
        ({"tasks": {"lint": ["echo {pkg}"]}}, "uses {pkg}; the placeholders are"),
        ({"tasks": {"lint": ["echo x{posargs}"]}}, "{posargs} must be a whole argument"),
        ({"tasks": {"lint": ["echo 'open"]}}, "cannot be split"),
        ({"bases": {"vendor": " "}}, "vendor: must not be empty"),
    ],
)
def test_a_value_that_cannot_work_names_the_file_the_table_and_the_value(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(PyprojectError) as raised:
        _config(data)
    assert raised.value.message.startswith("pyproject.toml: [tool.noxgraph")
    assert message in raised.value.message


def test_a_member_s_task_that_closes_a_cycle_is_named() -> None:
    tasks = parse_package_tasks(
        {"tasks": {"lint": {"needs": ["build"]}}}, "libs/a/pyproject.toml", DEFAULT_TASKS
    )
    assert tasks["lint"].needs == ("build",)
    workspace = _config({"tasks": {"build": {"needs": ["lint"]}, "lint": ["ruff check"]}})
    with pytest.raises(PyprojectError) as raised:
        parse_package_tasks(
            {"tasks": {"lint": {"needs": ["build"]}}}, "libs/a/pyproject.toml", workspace.tasks
        )
    assert raised.value.message.startswith("libs/a/pyproject.toml: [tool.noxgraph.tasks.lint]")
    assert "(lint -> build -> lint)" in raised.value.message


def test_a_member_may_only_override_tasks() -> None:
    with pytest.raises(PyprojectError, match="may only override tasks"):
        parse_package_tasks({"members": ["*"]}, "libs/a/pyproject.toml", DEFAULT_TASKS)
    tasks = parse_package_tasks({"tasks": {"test": []}}, "libs/a/pyproject.toml", DEFAULT_TASKS)
    assert tasks["test"].commands == ()


def test_a_task_on_the_built_in_kinds_narrows_with_the_workspace() -> None:
    config = _config({"affected-kinds": ["runtime", "group"]})
    assert config.affected_kinds_of("build") == ("runtime",)
    assert config.affected_kinds_of("test") == ("runtime", "group")
    assert config.affected_kinds_of(None) == ("runtime", "group")


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


# -- values that cannot work are config errors when read -----------------------------------


@pytest.mark.parametrize("key", ["ignore", "global-files"])
@pytest.mark.parametrize(
    ("pattern", "why"),
    [("!", "Invalid git pattern"), ("[z-a]", "bad character range z-a")],
    ids=["bare-negation", "reversed-range"],
)
def test_an_invalid_gitignore_pattern_is_a_config_error(
    tmp_path: Path, key: str, pattern: str, why: str
) -> None:
    pyproject(
        tmp_path, ".", f'[tool.noxgraph]\nmembers = ["a"]\n{key} = ["docs/**", "{pattern}"]\n'
    )
    package(tmp_path, "a", "a")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert (
        f"pyproject.toml: [tool.noxgraph].{key}: '{pattern}' is not a valid gitignore pattern:"
        f" {why}"
    ) in run.err


def test_a_nul_in_a_task_command_is_a_config_error(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[project]\nname = "a"\nversion = "1"\n[tool.noxgraph.tasks]\nlint = ["ruff \\u0000"]\n',
    )
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert "[tool.noxgraph.tasks].lint" in run.err and "NUL" in run.err


# -- names generate refuses fail check too -------------------------------------------------


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


# -- a format spec in a command ------------------------------------------------------------


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
