"""Finding members: configuration, uv, wrknv, and a scan that honours git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from noxgraph.errors import (
    DuplicateNameError,
    NoxgraphError,
    PyprojectError,
    UsageError,
    WorkspaceError,
)
from noxgraph.workspace.load import load_workspace
from tests.helpers import commit_all, git, init_repo, package, pyproject, write


def _names(root: Path) -> tuple[str, ...]:
    return load_workspace(root).names


def test_noxgraph_members_and_exclude_choose_the_members(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        """
        [tool.noxgraph]
        members = ["libs/*", "tools/cli"]
        exclude = ["libs/legacy"]
    """,
    )
    package(tmp_path, "libs/a", "a")
    package(tmp_path, "libs/legacy", "legacy")
    package(tmp_path, "tools/cli", "cli")
    package(tmp_path, "tools/other", "other")
    (tmp_path / "libs" / "docs").mkdir()
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("a", "cli")
    assert workspace.discovery == "pyproject.toml: [tool.noxgraph].members"


def test_noxgraph_toml_holds_the_configuration_at_top_level(tmp_path: Path) -> None:
    write(tmp_path / "noxgraph.toml", 'members = ["pkgs/*"]\nwheelhouse = "wheels"\n')
    package(tmp_path, "pkgs/a", "a")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("a",)
    assert workspace.config.wheelhouse == "wheels"
    assert "noxgraph.toml" in workspace.inputs


def test_configuration_in_two_places_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "noxgraph.toml", "")
    pyproject(tmp_path, ".", "[tool.noxgraph]\n")
    with pytest.raises(WorkspaceError, match=r"both noxgraph\.toml and"):
        load_workspace(tmp_path)


def test_a_literal_member_without_pyproject_is_an_error(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/gone"]\n')
    with pytest.raises(PyprojectError, match=r"\[tool.noxgraph\].members: member 'libs/gone'"):
        load_workspace(tmp_path)


def test_uv_workspace_members_and_exclude(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        """
        [project]
        name = "root-app"
        version = "1"
        [tool.uv.workspace]
        members = ["packages/*"]
        exclude = ["packages/scratch"]
    """,
    )
    package(tmp_path, "packages/a", "a")
    package(tmp_path, "packages/scratch", "scratch")
    package(tmp_path, "elsewhere/x", "x")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("a", "root-app")
    assert workspace.discovery == "pyproject.toml: [tool.uv.workspace]"


def test_wrknv_workspace_lists_sibling_repositories(tmp_path: Path) -> None:
    write(
        tmp_path / ".wrknv" / "workspace.toml",
        """
        root = "."
        [[repos]]
        path = "provide-foundation"
        name = "provide-foundation"
        type = "foundation"
        [[repos]]
        path = "pyvider"
        name = "pyvider"
        [[repos]]
        path = "docs-site"
        name = "docs-site"
    """,
    )
    package(tmp_path, "provide-foundation", "provide-foundation")
    package(tmp_path, "pyvider", "pyvider", "provide-foundation>=1")
    package(tmp_path, "not-listed", "not-listed")
    (tmp_path / "docs-site").mkdir()
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("provide-foundation", "pyvider")
    assert [s.path for s in workspace.skipped] == ["docs-site/pyproject.toml"]


def test_scan_honours_gitignore_and_never_enters_tool_folders(tmp_path: Path) -> None:
    init_repo(tmp_path)
    write(tmp_path / ".gitignore", "generated/\n")
    package(tmp_path, "a", "a")
    package(tmp_path, "generated/copy", "copy")
    for folder in (".nox/x", ".tox/x", "node_modules/x", "build/x", "dist/x", "venv/lib/x"):
        package(tmp_path, folder, folder.replace("/", "-").strip(".-"))
    write(tmp_path / "venv" / "pyvenv.cfg", "home = /usr\n")
    commit_all(tmp_path)
    package(tmp_path, "untracked", "untracked")
    assert _names(tmp_path) == ("a", "untracked")


def test_scan_of_sibling_repositories_each_with_its_own_git(tmp_path: Path) -> None:
    for name in ("foundation", "testkit", "app"):
        repo = init_repo(tmp_path / name)
        write(repo / ".gitignore", "scratch/\n")
        package(repo, ".", name)
        package(repo, "scratch", f"{name}-scratch")
        commit_all(repo)
    package(tmp_path, "loose", "loose")
    assert _names(tmp_path) == ("app", "foundation", "loose", "testkit")


def test_scan_follows_submodules_and_nested_repositories(tmp_path: Path) -> None:
    source = init_repo(tmp_path / "source")
    package(source, ".", "vendored")
    commit_all(source)
    meta = init_repo(tmp_path / "meta")
    package(meta, "app", "app", "vendored")
    commit_all(meta)
    git(meta, "submodule", "add", "-q", str(source), "deps/vendored")
    commit_all(meta, "add submodule")
    nested = init_repo(meta / "nested")
    package(nested, ".", "nested")
    workspace = load_workspace(meta)
    assert workspace.names == ("app", "nested", "vendored")


def test_scan_without_git_walks_and_skips_symlinks(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("a",)
    assert [s.path for s in workspace.skipped] == ["loop"]


def test_root_pyproject_naming_a_package_is_a_member(tmp_path: Path) -> None:
    package(tmp_path, ".", "root")
    package(tmp_path, "sub", "sub", "root")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("root", "sub")
    root = workspace.get("root")
    assert root is not None and root.relpath == "."


def test_pyprojects_that_name_no_package_are_skipped_with_a_reason(tmp_path: Path) -> None:
    pyproject(tmp_path, "config-only", "[tool.ruff]\nline-length = 100\n")
    pyproject(tmp_path, "template", '[project]\nname = "$pkg"\n')
    pyproject(tmp_path, "nameless", '[project]\nversion = "1"\n')
    write(tmp_path / "jinja" / "pyproject.toml", '{%- if x %}\n[project]\nname = "{{ name }}"\n')
    write(tmp_path / "{{cookiecutter.slug}}" / "pyproject.toml", "[project\n")
    package(tmp_path, "real", "real")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("real",)
    reasons = {s.path: s.reason for s in workspace.skipped}
    assert reasons == {
        "config-only/pyproject.toml": (
            "names no package (no [project] or [tool.poetry] name): configuration only"
        ),
        "jinja/pyproject.toml": "is a template (Jinja markup), not TOML",
        "nameless/pyproject.toml": (
            "[project] has no 'name': the package and its edges are left out"
        ),
        "template/pyproject.toml": (
            "[project].name '$pkg' is not a valid package name (a template?)"
        ),
        "{{cookiecutter.slug}}/pyproject.toml": "is inside a template folder ({{ ... }})",
    }


def test_duplicate_names_among_declared_members_are_an_error_naming_every_path(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["a", "b"]\n')
    package(tmp_path, "a", "Same.Name")
    package(tmp_path, "b", "same_name")
    with pytest.raises(WorkspaceError) as info:
        load_workspace(tmp_path)
    message = str(info.value)
    assert "'same-name' is declared by 2 files" in message
    assert "a/pyproject.toml ('Same.Name')" in message
    assert "b/pyproject.toml ('same_name')" in message


def test_projects_a_scan_finds_under_one_name_are_each_left_out_with_a_warning(
    tmp_path: Path,
) -> None:
    package(tmp_path, "examples/one/agent", "agent")
    package(tmp_path, "examples/two/agent", "Agent")
    package(tmp_path, "real", "real", "agent")
    for tolerant in (False, True):
        workspace = load_workspace(tmp_path, tolerant=tolerant)
        assert workspace.names == ("real",)
        assert workspace.problems == ()
        left_out = [s for s in workspace.skipped if s.code == "duplicate-name"]
        assert [(s.path, s.name) for s in left_out] == [
            ("examples/one/agent/pyproject.toml", "agent"),
            ("examples/two/agent/pyproject.toml", "agent"),
        ]
        assert all(s.may_hide_packages(workspace.source) for s in left_out)
        assert left_out[1].reason.startswith(
            "names package 'Agent', as examples/one/agent/pyproject.toml does: a scan cannot"
            " tell which is meant, so each is left out, and real takes 'Agent' from the"
            " package index;"
        )


def test_three_projects_of_one_name_are_each_left_out_and_a_dependent_is_told(
    tmp_path: Path,
) -> None:
    for folder in ("ex/a", "ex/b", "ex/c"):
        package(tmp_path, f"{folder}/agent", "agent")
    package(tmp_path, "real", "real", "agent>=1")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("real",)
    reasons = [s.reason for s in workspace.skipped if s.code == "duplicate-name"]
    assert len(reasons) == 3
    assert reasons[0] == (
        "names package 'agent', as ex/b/agent/pyproject.toml and ex/c/agent/pyproject.toml do:"
        " a scan cannot tell which is meant, so each is left out, and real takes 'agent' from"
        " the package index; leave out what is no package with [tool.noxgraph].exclude, or"
        " list the members"
    )


def test_the_project_a_package_takes_by_its_path_is_the_one_a_scan_keeps(
    tmp_path: Path,
) -> None:
    package(tmp_path, "ex/a/agent", "agent")
    package(tmp_path, "ex/b/agent", "agent")
    package(
        tmp_path,
        "real",
        "real",
        "agent",
        extra='[tool.uv.sources]\nagent = { path = "../ex/b/agent" }\n',
    )
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("agent", "real")
    assert workspace.get("agent").relpath == "ex/b/agent"
    [left_out] = [s for s in workspace.skipped if s.code == "duplicate-name"]
    assert left_out.path == "ex/a/agent/pyproject.toml"
    assert "ex/b/agent/pyproject.toml, the one a package takes by its path, is the package" in (
        left_out.reason
    )


def test_a_folder_of_nothing_but_projects_of_one_name_is_still_the_error(tmp_path: Path) -> None:
    package(tmp_path, "a", "agent")
    package(tmp_path, "b", "agent")
    with pytest.raises(DuplicateNameError) as raised:
        load_workspace(tmp_path)
    assert raised.value.files == ["a/pyproject.toml", "b/pyproject.toml"]


def test_a_scan_keeps_the_lock_of_the_project_it_keeps(tmp_path: Path) -> None:
    package(tmp_path, ".", "tool")
    write(tmp_path / "uv.lock", "version = 1\n")
    package(tmp_path, "docs/example", "tool")
    write(tmp_path / "docs/example/uv.lock", "version = 1\n")
    workspace = load_workspace(tmp_path)
    assert workspace.lock_roots == {"tool": tmp_path}
    (tmp_path / "uv.lock").unlink()
    assert load_workspace(tmp_path).lock_roots == {}


def test_the_root_package_stays_when_a_scanned_project_has_its_name(tmp_path: Path) -> None:
    package(tmp_path, ".", "tool")
    package(tmp_path, "docs/example", "tool")
    workspace = load_workspace(tmp_path)
    assert workspace.names == ("tool",)
    assert workspace.get("tool").relpath == "."
    [left_out] = [s for s in workspace.skipped if s.code == "duplicate-name"]
    assert left_out.path == "docs/example/pyproject.toml"
    assert "pyproject.toml, the root's own, is the package" in left_out.reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'[project\nname = "a"\n',
            "a/pyproject.toml: invalid TOML: Expected ']' at the end of a table declaration"
            " (at line 1, column 9)",
        ),
        (
            b'[project]\nname = "a"\ndependencies = ["b >> 1"]\n',
            "a/pyproject.toml: [project].dependencies: invalid requirement 'b >> 1'",
        ),
        (
            b'[project]\nname = "a"\ndependencies = "b"\n',
            "a/pyproject.toml: [project].dependencies: expected an array of strings,"
            " got string 'b'",
        ),
        (b"[project]\nname = 3\n", "a/pyproject.toml: [project].name: expected a string"),
        (
            b"\xef\xbb\xbf[project]\nname = 'a'\n",
            "a/pyproject.toml: starts with a UTF-8 byte-order",
        ),
        (b"[project]\nname = '\xff'\n", "a/pyproject.toml: is not UTF-8 text (byte 0xff"),
        (
            b"[tool.poetry]\nname = 'a'\n[tool.poetry.dependencies]\nb = 3\n",
            "[tool.poetry.dependencies].b: expected a version string or a table, got integer 3",
        ),
        (
            b"[tool.poetry]\nname = 'a'\n[tool.poetry.dependencies]\nb = '^^1'\n",
            "[tool.poetry.dependencies].b: invalid version constraint '^^1'",
        ),
    ],
)
def test_bad_pyproject_is_one_line_naming_file_table_and_value(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_bytes(content)
    with pytest.raises(NoxgraphError) as info:
        load_workspace(tmp_path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('memebrs = ["x"]', "unknown key 'memebrs'; did you mean 'members'?"),
        ('order-kinds = ["runtime", "sideways"]', "unknown edge kind 'sideways'"),
        ('venv-backend = "uv|pipenv"', "unknown backend 'pipenv'"),
        ('[tool.noxgraph.tasks]\n"build-all" = ["x"]', "must be lower case letters"),
        ('[tool.noxgraph.tasks]\nlint = ["ruff check {pkg}"]', "uses {pkg}; the placeholders"),
        ('[tool.noxgraph.tasks]\nlint = ["pytest -k{posargs}"]', "must be a whole argument"),
        ('[tool.noxgraph.tasks]\nlint = ["echo \'unbalanced"]', "cannot be split"),
        ('[tool.noxgraph.tasks.lint]\ncommand = ["x"]', "unknown key 'command'; did you mean"),
    ],
)
def test_bad_configuration_names_the_key_and_the_file(
    tmp_path: Path, config: str, message: str
) -> None:
    header = "" if config.startswith("[") else "[tool.noxgraph]\n"
    pyproject(tmp_path, ".", header + config + "\n")
    with pytest.raises(PyprojectError) as info:
        load_workspace(tmp_path)
    assert str(info.value).startswith("pyproject.toml: [tool.noxgraph")
    assert message in str(info.value)


def test_a_member_may_override_tasks_but_not_workspace_keys(tmp_path: Path) -> None:
    package(
        tmp_path,
        "a",
        "a",
        extra="""
        [tool.noxgraph.tasks]
        build = ["uv build --wheel --out-dir {wheelhouse} {package}"]
        lint = { commands = ["ruff check ."], install = ["ruff"], package = false }
    """,
    )
    package(tmp_path, "b", "b", extra='[tool.noxgraph]\nbase = "develop"\n')
    with pytest.raises(PyprojectError, match=r"b/pyproject.toml: \[tool.noxgraph\]: unknown key"):
        load_workspace(tmp_path)
    (tmp_path / "b" / "pyproject.toml").unlink()
    workspace = load_workspace(tmp_path)
    tasks = workspace.tasks_of("a")
    assert sorted(tasks) == ["build", "lint"]
    assert tasks["build"].commands[0][:3] == ("uv", "build", "--wheel")
    assert tasks["build"].package is False  # the rest of the built-in task stays
    assert tasks["lint"].package is False


def test_the_test_task_applies_only_to_packages_with_tests(tmp_path: Path) -> None:
    package(tmp_path, "tested", "tested")
    write(tmp_path / "tested" / "tests" / "test_it.py", "def test(): pass\n")
    package(tmp_path, "flat", "flat")
    write(tmp_path / "flat" / "test_flat.py", "def test(): pass\n")
    package(tmp_path, "untested", "untested")
    workspace = load_workspace(tmp_path)
    assert sorted(workspace.tasks_of("tested")) == ["build", "test"]
    assert sorted(workspace.tasks_of("flat")) == ["build", "test"]
    assert sorted(workspace.tasks_of("untested")) == ["build"]


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        load_workspace(tmp_path / "nope")


def test_every_command_repeats_three_warnings_of_a_kind_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    from tests.helpers import cli

    patterns = ", ".join(f'"gone{n}/*"' for n in range(5))
    pyproject(tmp_path, ".", f'[tool.noxgraph]\nmembers = ["libs/*", {patterns}]\n')
    package(tmp_path, "libs/a", "a")
    run = cli("affected", "--files", "libs/a/x.py", "--format", "names", cwd=tmp_path)
    assert (run.code, run.out) == (0, "a\n")
    warnings = [line for line in run.err.splitlines() if line.startswith("noxgraph: warning:")]
    assert len(warnings) == 4
    assert warnings[-1] == (
        "noxgraph: warning: and 2 more such (no-match); `noxgraph check` lists every one"
    )
    checked = cli("check", "--root", tmp_path, "--json")
    assert sum(f["code"] == "no-match" for f in json.loads(checked.out)["findings"]) == 5
