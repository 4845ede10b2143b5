"""Affected where the tree is partial or indirect: a sparse checkout, a member
through a linked folder, and the affected session's --files, on real git and real nox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, commit_all, git, init_repo, package, pyproject, write


def _affected(root: Path, *args: str, cwd: Path | None = None) -> dict[str, object]:
    run = cli("affected", "--root", root, "--format", "json", *args, cwd=cwd)
    assert run.code == 0, run.err
    document: dict[str, object] = json.loads(run.out)
    return document


def _names(document: dict[str, object]) -> list[str]:
    affected = document["affected"]
    assert isinstance(affected, list)
    return [entry["name"] for entry in affected]


def _chain(root: Path) -> Path:
    """core <- mid <- app, committed on main, with a feature branch checked out."""
    init_repo(root)
    package(root, "core", "core")
    package(root, "mid", "mid", "core")
    package(root, "app", "app", "mid")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    return root


# -- sparse checkout ---------------------------------------------------------------------


def test_a_sparse_checkout_reports_what_it_leaves_out_and_spreads_through_it(
    tmp_path: Path,
) -> None:
    root = _chain(tmp_path / "repo")
    git(root, "sparse-checkout", "set", "core", "app")
    assert not (root / "mid").exists()
    write(root / "core/src/core.py", "X = 1\n")
    commit_all(root, "core changes")

    check = cli("check", "--root", root, "--format", "json")
    findings = json.loads(check.out)["findings"]
    assert {(f["code"], f["file"]) for f in findings} >= {("not-checked-out", "mid/pyproject.toml")}
    assert "sparse checkout" in cli("graph", "--root", root).out

    document = _affected(root)
    assert _names(document) == ["core", "mid", "app"]
    assert document["not_checked_out"] == ["mid"]
    assert "not checked out" in cli("affected", "--root", root).out


def _strict_findings(root: Path) -> set[tuple[str, str]]:
    check = cli("check", "--root", root, "--strict", "--format", "json")
    assert check.code == 1, check.out
    findings = json.loads(check.out)["findings"]
    return {(f["code"], f["file"]) for f in findings if f["severity"] == "warning"}


@pytest.mark.parametrize(
    "members",
    [
        '[tool.uv.workspace]\nmembers = ["core", "mid", "app"]\n',
        '[tool.uv.workspace]\nmembers = ["*"]\nexclude = ["gone"]\n',
        '[tool.noxgraph]\nmembers = ["core", "mid", "app"]\n',
    ],
    ids=["uv-literal", "uv-glob", "noxgraph"],
)
def test_a_member_list_on_a_sparse_checkout_reports_and_spreads_as_a_scan_does(
    tmp_path: Path, members: str
) -> None:
    root = init_repo(tmp_path / "repo")
    pyproject(root, ".", members)
    package(root, "core", "core")
    package(root, "mid", "mid", "core")
    package(root, "app", "app", "mid")
    package(root, "gone", "gone", "core")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "sparse-checkout", "set", "core", "app")
    write(root / "core/src/core.py", "X = 1\n")
    commit_all(root, "core changes")

    assert _strict_findings(root) == {("not-checked-out", "mid/pyproject.toml")}
    document = _affected(root)
    assert _names(document) == ["core", "mid", "app"]
    assert document["not_checked_out"] == ["mid"]
    generated = cli("generate", "--root", root)
    assert generated.code == 0
    assert "noxgraph: warning: " in generated.err and "mid/pyproject.toml" in generated.err


def test_a_sparse_linked_worktree_reports_and_spreads_too(tmp_path: Path) -> None:
    """git worktree add: the sparse patterns are the linked worktree's own."""
    root = init_repo(tmp_path / "repo")
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["core", "mid", "app"]\n')
    package(root, "core", "core")
    package(root, "mid", "mid", "core")
    package(root, "app", "app", "mid")
    commit_all(root)
    worktree = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "feature", str(worktree))
    git(worktree, "sparse-checkout", "set", "core", "app")
    write(worktree / "core/src/core.py", "X = 1\n")
    commit_all(worktree, "core changes")
    assert _strict_findings(worktree) == {("not-checked-out", "mid/pyproject.toml")}
    assert _names(_affected(worktree)) == ["core", "mid", "app"]
    assert cli("check", "--root", root).code == 0


def _with_submodule(tmp_path: Path) -> Path:
    """A clone whose submodule vendor/kit (holding package kit, on which app depends)
    was never initialised."""
    kit = init_repo(tmp_path / "kit")
    package(kit, "pkgs/kit", "kit")
    commit_all(kit)
    origin = init_repo(tmp_path / "origin")
    package(origin, "app", "app", "kit")
    git(origin, "submodule", "add", "-q", os.fspath(kit), "vendor/kit")
    commit_all(origin)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", os.fspath(origin), os.fspath(clone))
    assert not any((clone / "vendor/kit").iterdir())
    return clone


@pytest.mark.parametrize(
    "members",
    [None, '[tool.uv.workspace]\nmembers = ["app", "vendor/kit/pkgs/*"]\n'],
    ids=["scan", "uv"],
)
def test_an_uninitialised_submodule_holding_members_is_reported(
    tmp_path: Path, members: str | None
) -> None:
    clone = _with_submodule(tmp_path)
    if members is not None:
        pyproject(clone, ".", members)
    assert _strict_findings(clone) == {("not-initialised", "vendor/kit")}
    check = cli("check", "--root", clone)
    assert "git submodule update --init vendor/kit" in check.out


def test_an_uninitialised_submodule_the_scan_is_told_to_exclude_is_no_finding(
    tmp_path: Path,
) -> None:
    """As NeMo-Agent-Toolkit keeps its UI: a submodule that holds no package of the
    workspace, left out on purpose."""
    clone = _with_submodule(tmp_path)
    package(clone, "app", "app")
    pyproject(clone, ".", '[tool.noxgraph]\nexclude = ["vendor/*"]\n')
    check = cli("check", "--root", clone, "--strict", "--format", "json")
    assert check.code == 0, check.out
    assert cli("graph", "--root", clone).err == ""


def test_an_uninitialised_submodule_no_member_reaches_is_no_finding(tmp_path: Path) -> None:
    clone = _with_submodule(tmp_path)
    pyproject(clone, ".", '[tool.uv.workspace]\nmembers = ["app"]\n')
    check = cli("check", "--root", clone, "--strict", "--format", "json")
    assert check.code == 0, check.out


# -- a member reached through a linked folder --------------------------------------------


def test_a_member_through_a_linked_folder_counts_its_changes(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write(root / "noxgraph.toml", 'members = ["core", "libs/*"]\n')
    package(root, "core", "core")
    package(root, "real/app", "app", "core")
    (root / "libs").mkdir()
    (root / "libs/app").symlink_to("../real/app")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "real/app/src/app.py", "X = 1\n")
    commit_all(root, "app changes where git sees it")
    document = _affected(root, "--head", "HEAD")
    assert _names(document) == ["app"]


def test_a_member_linked_outside_the_root_is_refused_by_name(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write(root / "noxgraph.toml", 'members = ["libs/*"]\n')
    package(tmp_path, "elsewhere", "ext")
    (root / "libs").mkdir()
    (root / "libs/ext").symlink_to(tmp_path / "elsewhere")
    commit_all(root)
    run = cli("affected", "--root", root)
    assert run.code == 2
    assert "member libs/ext" in run.err and "symbolic link" in run.err
    assert "Traceback" not in run.err


# -- the affected session's --files ------------------------------------------------------


def _nox_workspace(root: Path) -> Path:
    _chain(root)
    pyproject(
        root,
        ".",
        """
        [tool.noxgraph]
        members = ["core", "mid", "app", "libs/*"]
        venv-backend = "none"

        [tool.noxgraph.tasks]
        build = []
        test = []
        hello = { commands = ["python -c pass"], package = false }
        """,
    )
    package(root, "libs/one", "one")
    package(root, "libs/two", "two", "one")
    (root / "ci").mkdir()
    assert cli("generate", "--root", root, "--output", root / "ci/noxfile.py").code == 0
    return root


def _nox(cwd: Path, noxfile: str, *posargs: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PWD": "/"}  # a stale PWD, as a program starting nox leaves it
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", noxfile, "-s", "hello-affected", "--", *posargs],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_affected_session_reads_files_from_where_nox_was_started(tmp_path: Path) -> None:
    root = _nox_workspace(tmp_path / "ws")
    done = _nox(root / "core", "../ci/noxfile.py", "--files", "src/core.py")
    assert done.returncode == 0, done.stderr
    assert "hello: 3 affected sessions" in done.stderr
    assert "hello-core: success" in done.stderr


@pytest.mark.parametrize(
    ("given", "answer"),
    [
        (["--files", "core/x.py", "--base", "main"], "--files names the changes itself"),
        (["--files", ""], "an empty path names no file"),
        (["--files", "."], "hello: 5 affected sessions"),
        (["--files", "libs"], "hello: 2 affected sessions"),
        (["--files", "LINK/libs/one/x.py"], "hello: 2 affected sessions"),
    ],
)
def test_the_affected_session_gives_a_clear_answer_for_every_files_value(
    tmp_path: Path, given: list[str], answer: str
) -> None:
    root = _nox_workspace(tmp_path / "ws")
    (tmp_path / "link").symlink_to(root)
    posargs = [g.replace("LINK", os.fspath(tmp_path / "link")) for g in given]
    done = _nox(root, "ci/noxfile.py", *posargs)
    assert answer in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert "no package is affected" not in done.stderr


def test_files_naming_a_folder_of_members_or_the_root_on_the_command_line(
    tmp_path: Path,
) -> None:
    root = _nox_workspace(tmp_path / "ws")
    assert _names(_affected(root, "--files", "libs", cwd=root)) == ["one", "two"]
    every = set(_names(_affected(root, "--files", ".", cwd=root)))
    assert every == {"core", "mid", "app", "one", "two"}
    (tmp_path / "link").symlink_to(root)
    through = _affected(root, "--files", os.fspath(tmp_path / "link/core/x.py"))
    assert _names(through) == ["core", "mid", "app"]


# -- known leftover: a sibling pin the sibling does not satisfy ---------------------------


def test_a_session_names_both_files_when_a_sibling_pin_cannot_be_met(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        """
        [tool.noxgraph]
        members = ["core", "app"]

        [tool.noxgraph.tasks]
        build = []
        test = []
        hello = ["python -c pass"]
        """,
    )
    package(tmp_path, "core", "core")
    package(tmp_path, "app", "app", "core==2.0")
    assert cli("generate", "--root", tmp_path).code == 0
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "hello-app"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    assert (
        "app/pyproject.toml: [project].dependencies: 'core==2.0' is not satisfied by sibling"
        " core 1.0.0 (core/pyproject.toml)"
    ) in done.stderr
