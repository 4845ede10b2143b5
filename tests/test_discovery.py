"""Discovery at its worst: git that refuses, patterns that match nothing, files that are
no files. Each case gets a clear answer, never a silently dropped package."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from noxgraph.errors import UsageError
from noxgraph.workspace.discovery import discover
from tests.helpers import (
    cli,
    cli_process,
    commit_all,
    git_env,
    init_repo,
    package,
    pyproject,
    write,
)


def _two_packages(root: Path) -> Path:
    package(root, "a", "a")
    package(root, "b", "b", "a")
    return root


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
def test_a_repository_git_refuses_is_an_error_with_gits_reason(tmp_path: Path) -> None:
    root = init_repo(_two_packages(tmp_path / "ws"))
    write(root / ".gitignore", "b/\n")
    commit_all(root)
    os.chown(root, 12345, 12345)
    env = {**git_env(), "HOME": str(tmp_path)}
    run = cli_process("graph", "--root", root, "--format", "json", env=env)
    assert run.code == 2
    assert run.err.startswith("noxgraph: error: git ls-files -z --stage")
    assert "detected dubious ownership" in run.err
    assert len(run.err.splitlines()) == 1


def test_a_repository_without_git_on_path_is_an_error_not_a_walk(tmp_path: Path) -> None:
    root = init_repo(_two_packages(tmp_path / "ws"))
    write(root / ".gitignore", "b/\n")
    commit_all(root)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    run = cli_process("graph", "--root", root, "--format", "json", env=env)
    assert run.code == 2
    assert run.err == (
        f"noxgraph: error: {root} is a git repository, but git is not installed (or not on PATH)\n"
    )


def test_outside_any_repository_the_scan_walks_without_git(tmp_path: Path) -> None:
    root = _two_packages(tmp_path / "ws")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    run = cli_process("graph", "--root", root, "--format", "json", env=env)
    assert run.code == 0, run.err
    assert [p["name"] for p in json.loads(run.out)["packages"]] == ["a", "b"]


def test_a_member_pattern_that_matches_nothing_fails_check_strict(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*", "apps/*"]\n')
    package(tmp_path, "libs/a", "a")
    graph = json.loads(cli("graph", "--root", tmp_path, "--format", "json").out)
    assert [p["name"] for p in graph["packages"]] == ["a"]
    assert cli("check", "--root", tmp_path).code == 0
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    warnings = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert warnings == [
        {
            "severity": "warning",
            "code": "no-match",
            "file": "pyproject.toml",
            "message": (
                "[tool.uv.workspace].members: pattern 'apps/*' matches no folder with a"
                " pyproject.toml"
            ),
        }
    ]


def test_a_declared_member_that_names_no_package_is_a_warning(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    pyproject(tmp_path, "libs/tools", "[tool.ruff]\nline-length = 90\n")
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert (warning["code"], warning["file"]) == ("no-package", "libs/tools/pyproject.toml")


def test_a_scan_from_above_a_uv_workspace_says_where_to_read_it_as_one(tmp_path: Path) -> None:
    """A repository whose uv workspace sits in a subfolder (``python/``), run from the
    top: the scan still finds the members, and the workspace's root says to run there."""
    pyproject(
        tmp_path,
        "python",
        '[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/sample"]\n',
    )
    package(tmp_path, "python/packages/a", "a")
    package(tmp_path, "python/packages/sample", "sample")
    checked = json.loads(cli("check", "--root", tmp_path, "--json").out)
    [found] = [f for f in checked["findings"] if f["file"] == "python/pyproject.toml"]
    assert (found["severity"], found["code"]) == ("note", "uv-workspace")
    assert found["message"] == (
        "declares a uv workspace ([tool.uv.workspace]) and no package; this run reads its"
        " projects without its member list and its [tool.noxgraph]: run noxgraph in its folder"
        " to read them as that workspace"
    )
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == ["a", "sample"]
    inside = json.loads(cli("graph", "--root", tmp_path / "python", "--json").out)
    assert [p["name"] for p in inside["packages"]] == ["a"]
    # The workspace's exclude leaves sample out on purpose: nothing to report.
    inside = json.loads(cli("check", "--root", tmp_path / "python", "--json").out)
    assert [f["code"] for f in inside["findings"]] == ["no-package"]


def test_a_member_pattern_that_matches_a_nested_uv_workspace_is_a_warning(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    pyproject(tmp_path, "libs/inner", '[tool.uv.workspace]\nmembers = ["*"]\n')
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert (warning["code"], warning["file"]) == ("uv-workspace", "libs/inner/pyproject.toml")


def test_an_unparseable_pyproject_outside_the_member_list_is_reported(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    write(tmp_path / "tools/x/pyproject.toml", "[project\nname = 'x'\n")
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert (warning["code"], warning["file"]) == ("invalid", "tools/x/pyproject.toml")
    assert warning["message"].startswith("invalid TOML")
    assert warning["message"].endswith("(and it is no member: pyproject.toml: [tool.uv.workspace])")
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert "tools/x/pyproject.toml" in {entry["path"] for entry in graph["skipped"]}


@pytest.mark.parametrize("name", ["noxgraph.toml", "pyproject.toml", ".wrknv/workspace.toml"])
def test_a_workspace_file_linked_to_nothing_is_an_error_not_a_scan(
    tmp_path: Path, name: str
) -> None:
    """A shared configuration moved away: the workspace is never read without it."""
    package(tmp_path, "a", "a")
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).symlink_to(tmp_path / "moved.toml")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2, run.out
    assert run.err.count("\n") == 1
    assert f"{name}: is a symbolic link to {tmp_path / 'moved.toml'}, which is not there" in (
        run.err
    )


def test_a_project_without_a_name_is_a_warning_naming_the_likely_key(tmp_path: Path) -> None:
    package(tmp_path, "a", "a", "b")
    pyproject(tmp_path, "b", '[project]\nnme = "b"\nversion = "1"\n')
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert (warning["code"], warning["file"]) == ("nameless", "b/pyproject.toml")
    assert "'nme' is likely a misspelling of 'name'" in warning["message"]
    # From the root, as a user runs it: a file is shown from the current folder.
    generated = cli("generate", "--root", tmp_path, cwd=tmp_path)
    assert generated.code == 0
    assert generated.err == (
        "noxgraph: warning: b/pyproject.toml: [project] has no 'name' ('nme' is"
        " likely a misspelling of 'name'): the package and its edges are left out\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_a_matched_folder_that_cannot_be_entered_is_a_warning(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    package(tmp_path, "libs/locked", "locked")
    (tmp_path / "libs" / "locked").chmod(0)
    try:
        strict = cli("check", "--root", tmp_path, "--strict", "--json")
    finally:
        (tmp_path / "libs" / "locked").chmod(0o755)
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert (warning["code"], warning["file"]) == ("unreadable", "libs/locked/pyproject.toml")


def test_a_pyproject_that_is_a_fifo_is_reported_and_never_opened_for_good(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    (tmp_path / "libs" / "pipe").mkdir()
    os.mkfifo(tmp_path / "libs" / "pipe" / "pyproject.toml")
    run = cli_process("check", "--root", tmp_path, "--strict", "--json", timeout=20)
    [warning] = [f for f in json.loads(run.out)["findings"] if f["severity"] == "warning"]
    assert warning == {
        "severity": "warning",
        "code": "not-regular",
        "file": "libs/pipe/pyproject.toml",
        "message": "is not a regular file",
    }


def test_a_dangling_pyproject_link_under_a_member_glob_is_reported(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    (tmp_path / "libs/gone").mkdir()
    (tmp_path / "libs/gone/pyproject.toml").symlink_to("../../moved/pyproject.toml")
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [warning] = [f for f in json.loads(strict.out)["findings"] if f["severity"] == "warning"]
    assert warning == {
        "severity": "warning",
        "code": "broken-link",
        "file": "libs/gone/pyproject.toml",
        "message": "is a symbolic link to ../../moved/pyproject.toml, which is not there",
    }
    generated = cli("generate", "--root", tmp_path)
    assert generated.code == 0
    assert "libs/gone/pyproject.toml: is a symbolic link" in generated.err
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/a", "libs/gone"]\n')
    named = cli("graph", "--root", tmp_path)
    assert named.code == 2
    assert "member 'libs/gone': pyproject.toml is a symbolic link to" in named.err


def test_a_tracked_pyproject_replaced_by_a_fifo_or_a_device_link_is_an_error(
    tmp_path: Path,
) -> None:
    root = init_repo(_two_packages(tmp_path / "ws"))
    commit_all(root)
    (root / "b" / "pyproject.toml").unlink()
    os.mkfifo(root / "b" / "pyproject.toml")
    expected = "noxgraph: error: b/pyproject.toml: cannot be read: not a regular file\n"
    run = cli_process("graph", "--root", ".", cwd=root, timeout=20)
    assert (run.code, run.err) == (2, expected)
    (root / "b" / "pyproject.toml").unlink()
    (root / "b" / "pyproject.toml").symlink_to("/dev/zero")
    run = cli_process("graph", "--root", ".", cwd=root, timeout=20)
    assert (run.code, run.err) == (2, expected)


def test_broken_toml_with_braces_is_invalid_toml_not_a_template(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    pyproject(tmp_path, "b", '[project]\nname = "b"\noptions = {{ "x" = 1 }}\n')
    run = cli("graph", "--root", ".", cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("noxgraph: error: b/pyproject.toml: invalid TOML: ")


def test_an_error_under_format_json_is_one_json_document(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    pyproject(tmp_path, "b", "[project\n")
    for args in (
        ("graph", "--format", "json"),
        ("affected", "--format", "json"),
    ):
        run = cli(*args, "--root", ".", cwd=tmp_path)
        assert run.code == 2, args
        document = json.loads(run.out)
        assert document["schema"] == 1
        assert document["error"]["message"].startswith("b/pyproject.toml: invalid TOML"), args
    missing = cli("graph", "--format", "json", "--root", tmp_path / "nowhere")
    assert (
        json.loads(missing.out)["error"]["message"] == f"--root {tmp_path}/nowhere: no such folder"
    )


def test_the_library_states_the_fact_and_the_command_line_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        discover(tmp_path / "nowhere")
    assert raised.value.message == f"workspace root {tmp_path}/nowhere: no such folder"
    assert "--root" not in raised.value.message
    assert cli("graph", "--root", tmp_path / "nowhere").err == (
        f"noxgraph: error: --root {tmp_path}/nowhere: no such folder\n"
    )


def test_a_template_the_member_list_leaves_out_is_reported_as_hiding_nothing(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    pyproject(tmp_path, "_template", '[project]\nname = "<REPLACE ME>"\nversion = "1"\n')
    checked = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    [found] = [f for f in checked["findings"] if f["file"] == "_template/pyproject.toml"]
    assert (found["severity"], found["code"]) == ("note", "unlisted-no-package")
    assert found["message"] == (
        "[project].name '<REPLACE ME>' is not a valid package name (a template?)"
        " (and it is no member: pyproject.toml: [tool.uv.workspace])"
    )
    assert checked["ok"] is True


def test_a_template_that_is_no_toml_outside_the_member_list_hides_nothing(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    write(
        tmp_path / "cli/templates/crew/pyproject.toml",
        '[project]\nname = "{{folder_name}}"\n\n[project.scripts]\n'
        '{{folder_name}} = "{{folder_name}}.main:run"\n',
    )
    checked = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    [found] = [f for f in checked["findings"] if f["file"].startswith("cli/")]
    assert (found["severity"], found["code"]) == ("note", "unlisted-no-package")
    assert found["message"].startswith("is a template (Jinja markup), not TOML")
    assert checked["ok"] is True


def test_discovery_reports_its_source_as_data(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/a", "a")
    found = discover(tmp_path)
    assert found.source == "uv"
    assert [folder.name for folder in found.folders] == [tmp_path.name, "a"]
    shutil.rmtree(tmp_path / "libs")
    assert [s.code for s in discover(tmp_path).skipped] == ["no-match"]


def test_check_says_nothing_of_a_package_that_exclude_leaves_out(tmp_path: Path) -> None:
    write(tmp_path / "noxgraph.toml", 'members = ["libs/*"]\nexclude = ["libs/cli"]\n')
    package(tmp_path, "libs/a", "a")
    package(tmp_path, "libs/cli", "cli")
    package(tmp_path, "libs/cli/examples/demo", "demo")
    package(tmp_path, "tools/stray", "stray")
    strict = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    unlisted = [f for f in strict["findings"] if f["code"] == "not-a-member"]
    assert [(f["file"], f["message"]) for f in unlisted] == [
        (
            "tools/stray/pyproject.toml",
            "names package 'stray' but is no member (noxgraph.toml: members); list it among the"
            " members, or leave it out with [tool.noxgraph].exclude",
        )
    ]
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [s["path"] for s in graph["skipped"] if s["path"].startswith("libs/")] == []


def test_check_says_nothing_of_a_project_a_uv_workspace_excludes(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.uv.workspace]\nmembers = ["plugins/*"]\nexclude = ["plugins/blockguard"]\n',
    )
    package(tmp_path, "plugins/a", "a")
    # A setup.py package whose pyproject.toml only configures tools, as livekit's.
    write(tmp_path / "plugins/blockguard/pyproject.toml", "[tool.ruff]\nline-length = 99\n")
    package(tmp_path, "plugins/durable", "durable")

    def reported() -> list[str]:
        run = cli("check", "--root", tmp_path, "--json")
        return [f["file"] for f in json.loads(run.out)["findings"] if f["file"] != "pyproject.toml"]

    assert reported() == []
    write(
        tmp_path / "pyproject.toml",
        '[tool.uv.workspace]\nmembers = ["plugins/*"]\n'
        'exclude = ["plugins/blockguard", "plugins/durable"]\n',
    )
    assert reported() == []
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == ["a"]
    assert [s["path"] for s in graph["skipped"] if s["path"] != "pyproject.toml"] == []


def test_a_project_in_another_project_s_tests_is_a_fixture_not_a_package(
    tmp_path: Path,
) -> None:
    """As hatch keeps a downstream project in hatchling's tests; a package in the root's
    own tests folder (opentelemetry-test-utils) stays one."""
    package(tmp_path, ".", "hatch", "hatchling")
    package(tmp_path, "backend", "hatchling")
    package(tmp_path, "backend/tests/downstream/datadogpy", "datadog", "hatchling")
    package(tmp_path, "tests/test-utils", "test-utils")
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == ["hatch", "hatchling", "test-utils"]
    [fixture] = [s for s in graph["skipped"] if s["path"].startswith("backend/")]
    assert fixture == {
        "path": "backend/tests/downstream/datadogpy/pyproject.toml",
        "reason": "is in backend/tests, the tests of the project in backend: a test fixture,"
        " not a package",
    }
    strict = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    assert [(f["severity"], f["code"]) for f in strict["findings"]] == [("note", "test-fixture")]
    # A fixture may be no TOML at all; a test plugin the project installs by its path is a
    # package all the same.
    write(tmp_path / "backend/tests/broken/pyproject.toml", "[project\n")
    package(
        tmp_path,
        "backend",
        "hatchling",
        extra='[dependency-groups]\ntest = ["myplugin"]\n'
        '[tool.uv.sources]\nmyplugin = { path = "tests/plugins/myplugin" }\n',
    )
    package(tmp_path, "backend/tests/plugins/myplugin", "myplugin")
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == [
        "hatch",
        "hatchling",
        "myplugin",
        "test-utils",
    ]
    assert ("hatchling", "myplugin", "group") in {
        (e["from"], e["to"], e["kind"]) for e in graph["edges"]
    }
    assert sorted(s["path"] for s in graph["skipped"]) == [
        "backend/tests/broken/pyproject.toml",
        "backend/tests/downstream/datadogpy/pyproject.toml",
    ]
    (tmp_path / "backend/tests/broken/pyproject.toml").unlink()
    # Declared members leave it out too, where it was a package the list forgot.
    write(
        tmp_path / "noxgraph.toml",
        'members = [".", "backend", "backend/tests/plugins/myplugin", "tests/*"]\n',
    )
    strict = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    assert [(f["severity"], f["code"]) for f in strict["findings"]] == [("note", "test-fixture")]


def test_check_warns_when_environment_lock_finds_no_lock(tmp_path: Path) -> None:
    # A user who asked for the lock is told where there is none, instead of getting
    # other versions; a project's own uv.lock is its lock, as uv reads it.
    write(tmp_path / "noxgraph.toml", 'environment = "lock"\n')
    package(tmp_path, "a", "a")
    write(tmp_path / "a" / "uv.lock", "version = 1\n")
    package(tmp_path, "b", "b")
    strict = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    assert [(f["code"], f["file"]) for f in strict["findings"]] == [("no-lock", "b/pyproject.toml")]
    assert strict["findings"][0]["message"] == (
        "environment = 'lock' (noxgraph.toml), but no uv.lock covers b (its own, or its uv"
        " workspace's): its sessions install from folders"
    )


def test_a_duplicate_name_error_names_the_other_clashes_too(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["one/*", "two/*"]\n')
    for name in ("agent", "shared"):
        package(tmp_path, f"one/{name}", name)
        package(tmp_path, f"two/{name}", name)
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert run.err.startswith("noxgraph: error: package name 'agent' is declared by 2 files: ")
    assert run.err.endswith("or members (1 more name is declared twice: shared)\n")
    check = json.loads(cli("check", "--root", tmp_path, "--json").out)
    assert [f["code"] for f in check["findings"] if f["severity"] == "error"] == [
        "duplicate-name",
        "duplicate-name",
    ]


def test_the_copy_setuptools_makes_while_it_builds_an_sdist_is_no_package(
    tmp_path: Path,
) -> None:
    """While ``nox -j`` builds the root's sdist, setuptools copies the project, with
    every project below it, into ``<name>-<version>/`` at the root; a session that starts
    then scans the copies beside the originals."""
    package(tmp_path, ".", "nvidia-nat", "nvidia-nat-core")
    package(tmp_path, "packages/core", "nvidia-nat-core")
    package(tmp_path, "plugin-3d", "plugin-3d")  # a project named so is a package
    # Named as a copy would be, members of their own: 3d is no version, and the other
    # names another project.
    package(tmp_path, "nvidia-nat-3d", "nvidia-nat-3d")
    package(tmp_path, "nvidia_nat-2.0", "nat-two")
    tree = "nvidia_nat-1.9.0.dev37+g28bfe57f4"
    package(tmp_path, tree, "nvidia-nat", "nvidia-nat-core")
    package(tmp_path, f"{tree}/packages/core", "nvidia-nat-core")
    write(tmp_path / f"{tree}/plugin-3d/pyproject.toml", "[project\n")  # half copied
    package(tmp_path, "packages/core/nvidia_nat_core-1.0", "nvidia-nat-core")
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == [
        "nat-two",
        "nvidia-nat",
        "nvidia-nat-3d",
        "nvidia-nat-core",
        "plugin-3d",
    ]
    assert sorted(s["path"] for s in graph["skipped"]) == [
        f"{tree}/packages/core/pyproject.toml",
        f"{tree}/plugin-3d/pyproject.toml",
        f"{tree}/pyproject.toml",
        "packages/core/nvidia_nat_core-1.0/pyproject.toml",
    ]
    assert graph["skipped"][0]["reason"].endswith(
        "the copy setuptools makes of the project in . while it builds its sdist: not a package"
    )
    check = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    assert check["ok"]
    # Where a uv workspace lists its members, the copies are no forgotten members either.
    write(
        tmp_path / "pyproject.toml",
        (tmp_path / "pyproject.toml").read_text()
        + '[tool.uv.workspace]\nmembers = ["packages/*", "plugin-3d", "nvidia*-[23]*"]\n',
    )
    check = json.loads(cli("check", "--root", tmp_path, "--strict", "--json").out)
    assert check["ok"], check["findings"]


def test_a_setuptools_project_noxgraph_cannot_read_is_reported_not_dropped(
    tmp_path: Path,
) -> None:
    """As kubeflow/pipelines keeps its SDK: a setup.py and no pyproject.toml."""
    package(tmp_path, "release", "kfpr")
    calls_setup = "from setuptools import setup\nsetup()\n"
    files = {
        "sdk/python/setup.py": calls_setup,
        "backend/client/setup.cfg": "[metadata]\nname = kfp-server-api\n",
        "backend/client/setup.py": calls_setup,
        "legacy/setup.py": calls_setup,
        "legacy/pyproject.toml": "[tool.ruff]\nline-length = 99\n",
        # A module called setup.py, and fixtures in tests, are no projects;
        "release/kfpr/__init__.py": "",
        "release/kfpr/setup.py": "",
        "tests/data/old/setup.py": calls_setup,
        "tests/data/built/setup.py": calls_setup,  # as pip keeps them
        "tests/data/built/pyproject.toml": "[build-system]\nrequires = ['setuptools']\n",
        # nor are tools' configuration, and a script called setup.py.
        "docs/setup.cfg": "[flake8]\nmax-line-length = 99\n",
        "tools/setup.py": "print('set up the machine')\n",
        "lint/pyproject.toml": "[tool.ruff]\n",
        "lint/setup.cfg": "[tool:pytest]\n",
    }
    for path, text in files.items():
        write(tmp_path / path, text)
    graph = json.loads(cli("graph", "--root", tmp_path, "--json").out)
    assert [p["name"] for p in graph["packages"]] == ["kfpr"]
    setuptools = "is a setuptools project"
    assert sorted((s["path"], s["reason"].startswith(setuptools)) for s in graph["skipped"]) == [
        ("backend/client/setup.py", True),
        ("legacy/pyproject.toml", True),
        ("lint/pyproject.toml", False),
        ("sdk/python/setup.py", True),
        ("tests/data/built/pyproject.toml", False),
    ]
    assert graph["skipped"][0]["reason"].startswith(
        "is a setuptools project that keeps its metadata in setup.py or setup.cfg, which"
        " noxgraph does not read"
    )
    strict = cli("check", "--root", tmp_path, "--strict")
    assert strict.code == 1
    shown = cli("show", "kfp", "--root", tmp_path)
    assert shown.err == (
        f"noxgraph: error: no package named 'kfp' in {tmp_path}; did you mean 'kfpr'? (3"
        " setuptools projects noxgraph does not read may name it: backend/client/setup.py,"
        " legacy/pyproject.toml, sdk/python/setup.py)\n"
    )
    affected = cli("affected", "--root", tmp_path, "--files", tmp_path / "sdk/python/kfp.py")
    assert "noxgraph: warning: " in affected.err
    assert "sdk/python/setup.py: is a setuptools project" in affected.err
    # The answer says where the change went, whatever warnings were cut short.
    assert affected.out.splitlines()[1:] == [
        "No package is affected.",
        "1 changed file in setuptools projects noxgraph does not read (setup.py, setup.cfg),"
        " counted for nothing: sdk/python/kfp.py",
    ]
    document = json.loads(
        cli("affected", "--root", tmp_path, "--files", tmp_path / "sdk/python/kfp.py", "--json").out
    )
    assert (document["unread_files"], document["unowned_files"]) == (["sdk/python/kfp.py"], [])
    # Left out on purpose, they are no longer reported.
    write(
        tmp_path / "pyproject.toml",
        '[tool.noxgraph]\nexclude = ["sdk/python", "backend/*", "legacy", "lint"]\n',
    )
    assert cli("check", "--root", tmp_path, "--strict").code == 0
