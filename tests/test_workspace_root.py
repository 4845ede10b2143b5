"""Run from any folder inside a workspace, noxgraph answers for that workspace, as uv
finds its workspace root from a member; ``--root`` still wins."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import cli, commit_all, git, init_repo, package, pyproject, write


def _uv_workspace(root: Path) -> Path:
    """a <- b <- c in a uv workspace, committed on main, with a change to a on a branch."""
    init_repo(root)
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["tools/*"]\n')
    package(root, "packages/a", "a")
    package(root, "packages/b", "b", "a")
    package(
        root, "packages/c", "c", "b", extra='[tool.noxgraph.tasks.test]\ncommands = ["pytest"]\n'
    )
    package(root, "tools/x", "x")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "packages/a/src/a.py", "X = 1\n")
    commit_all(root, "a changes")
    return root


def test_affected_from_a_member_s_subfolder_answers_for_the_workspace(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path / "repo")
    (root / "packages/c/src").mkdir()
    run = cli("affected", "--format", "names", cwd=root / "packages/c/src")
    assert run.code == 0, run.err
    assert run.out.split() == ["a", "b", "c"]


def test_generate_from_a_member_writes_the_workspace_s_noxfile(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path / "repo")
    run = cli("generate", cwd=root / "packages/c")
    assert run.code == 0, run.err
    assert (root / "noxfile.py").is_file()
    assert not (root / "packages/c/noxfile.py").exists()
    assert run.out.startswith(f"wrote {root / 'noxfile.py'}: ")


def test_a_noxgraph_noxfile_marks_the_root_of_a_scanned_workspace(tmp_path: Path) -> None:
    package(tmp_path, "libs/a", "a")
    package(tmp_path, "libs/b", "b", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    run = cli("graph", "--json", cwd=tmp_path / "libs/b")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["root"] == "../.."
    assert [p["name"] for p in document["packages"]] == ["a", "b"]


def test_a_folder_in_the_root_package_s_own_tree_answers_for_the_workspace(
    tmp_path: Path,
) -> None:
    """The root is a package too (``src/`` beside its pyproject.toml), as uv sees it."""
    root = tmp_path / "repo"
    init_repo(root)
    pyproject(
        root,
        ".",
        '[project]\nname = "top"\nversion = "1"\n[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    )
    package(root, "packages/a", "a", "top")
    write(root / "src/top/__init__.py", "")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "src/top/__init__.py", "X = 1\n")
    commit_all(root, "top changes")
    run = cli("affected", "--format", "names", cwd=root / "src/top")
    assert run.code == 0, run.err
    assert run.out.split() == ["top", "a"]


def test_a_folder_the_uv_workspace_leaves_out_is_a_workspace_of_its_own(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path / "repo")
    run = cli("graph", "--json", cwd=root / "tools/x")
    assert run.code == 0, run.err
    assert [p["name"] for p in json.loads(run.out)["packages"]] == ["x"]


def test_root_still_wins(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path / "repo")
    run = cli("graph", "--json", "--root", ".", cwd=root / "packages/c")
    assert run.code == 0, run.err
    assert [p["name"] for p in json.loads(run.out)["packages"]] == ["c"]


def test_a_broken_workspace_file_above_is_one_line_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.noxgraph\nmembers = []\n")
    package(tmp_path, "libs/a", "a")
    run = cli("graph", cwd=tmp_path / "libs/a")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert f"{tmp_path / 'pyproject.toml'}: invalid TOML" in run.err


def test_a_folder_that_is_no_workspace_and_holds_no_package_is_an_error_not_an_answer(
    tmp_path: Path,
) -> None:
    """A repository of packages with no workspace declared anywhere, run from a
    package's ``src/`` before any noxfile marks the root: no empty graph, no "ok"."""
    root = init_repo(tmp_path / "repo")
    package(root, "client", "client")
    package(root, "common", "common", "client")
    (root / "client/src").mkdir()
    for command in (("graph",), ("generate",), ("affected", "--files", "x.py")):
        run = cli(*command, cwd=root / "client/src")
        assert run.code == 2, command
        assert run.out == ""
        assert run.err == (
            f"noxgraph: error: no package under {root / 'client/src'}: no pyproject.toml there"
            " names one, and nothing declares it a workspace ([tool.noxgraph],"
            " [tool.uv.workspace], noxgraph.toml, the noxfile noxgraph generated); run noxgraph"
            " in the workspace's root, or pass --root\n"
        )
    assert not (root / "client/src/noxfile.py").exists()
    checked = cli("check", "--json", cwd=root / "client/src")
    assert checked.code == 1
    [finding] = json.loads(checked.out)["findings"]
    assert finding["severity"] == "error"
    assert finding["message"].startswith("no package under ")
    assert cli("graph", cwd=root).code == 0
    assert cli("generate", cwd=root).code == 0
    # The noxfile marks the root: from the same folder, the workspace answers.
    assert cli("graph", cwd=root / "client/src").code == 0


def test_a_head_that_holds_no_package_is_an_answer_in_an_undeclared_repository(
    tmp_path: Path,
) -> None:
    root = init_repo(tmp_path / "repo")
    package(root, "a", "a")
    commit_all(root)
    git(root, "rm", "-q", "-r", "a")
    commit_all(root, "a goes")
    run = cli("affected", "--base", "HEAD~1", "--head", "HEAD", "--json", cwd=root)
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["affected"] == []
    assert [p["name"] for p in document["deleted_packages"]] == ["a"]
