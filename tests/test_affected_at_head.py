"""``--head REF`` reads the packages as REF holds them, not from the work tree."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import cli, commit_all, git, init_repo, package, pyproject, write


def _names(root: Path, *args: str) -> list[str]:
    run = cli("affected", "--root", root, "--format", "names", *args)
    assert run.code == 0, run.err
    return run.out.split()


def test_packages_that_head_has_and_the_work_tree_lost_are_affected(tmp_path: Path) -> None:
    """X adds b (on a) and changes a; a later commit, checked out, deletes b."""
    root = init_repo(tmp_path / "repo")
    package(root, "a", "a")
    package(root, "c", "c")
    commit_all(root, "start")
    package(root, "b", "b", "a")
    write(root / "a/src/a.py", "X = 1\n")
    x = commit_all(root, "X")
    git(root, "rm", "-rq", "b")
    commit_all(root, "b goes")
    assert _names(root, "--base", f"{x}^", "--head", x) == ["a", "b"]
    run = cli("affected", "--root", root, "--base", f"{x}^", "--head", x, "--json")
    [b] = [entry for entry in json.loads(run.out)["affected"] if entry["name"] == "b"]
    assert (b["path"], b["reason"]) == ("b", "changed")


def test_head_s_own_member_list_and_edges_decide(tmp_path: Path) -> None:
    """At X, the member list holds extra/* and d depends on a; the work tree since
    dropped both."""
    root = init_repo(tmp_path / "repo")
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*", "extra/*"]\n')
    package(root, "libs/a", "a")
    package(root, "extra/d", "d", "a")
    commit_all(root, "start")
    write(root / "libs/a/src/a.py", "X = 1\n")
    x = commit_all(root, "X")
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "extra/d", "d")
    commit_all(root, "later")
    assert _names(root, "--base", f"{x}^") == ["a"]
    assert _names(root, "--base", f"{x}^", "--head", x) == ["a", "d"]


def test_a_head_git_cannot_read_is_one_line(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    package(root, "a", "a")
    commit_all(root)
    run = cli("affected", "--root", root, "--base", "HEAD", "--head", "nothing-here")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "head 'nothing-here'" in run.err


def test_a_broken_pyproject_at_head_says_it_is_head_s(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    package(root, "a", "a")
    commit_all(root, "start")
    write(root / "a/pyproject.toml", "[project\n")
    x = commit_all(root, "broken")
    package(root, "a", "a")
    commit_all(root, "mended")
    run = cli("affected", "--root", root, "--base", f"{x}^", "--head", x)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert f"a/pyproject.toml: as {x} holds it: invalid TOML" in run.err


def test_a_submodule_is_read_at_the_commit_head_records(tmp_path: Path) -> None:
    """At X the superproject records a kit commit whose package depends on core; the
    submodule's checkout has since moved on and dropped that dependency."""
    kit = init_repo(tmp_path / "kit")
    package(kit, ".", "kit", "core")
    old = commit_all(kit, "kit on core")
    package(kit, ".", "kit")
    commit_all(kit, "kit alone")
    root = init_repo(tmp_path / "repo")
    package(root, "core", "core")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(kit), "kit")
    git(root / "kit", "checkout", "-q", old)
    commit_all(root, "start")
    write(root / "core/src/core.py", "X = 1\n")
    git(root, "add", "-A")
    x = commit_all(root, "X")
    git(root / "kit", "checkout", "-q", "main")
    assert _names(root, "--base", f"{x}^", "--head", x) == ["core", "kit"]
    assert _names(root, "--base", f"{x}^", "--no-uncommitted") == ["core"]


def test_an_uninitialised_submodule_is_still_reported_with_head(tmp_path: Path) -> None:
    kit = init_repo(tmp_path / "kit")
    package(kit, ".", "kit")
    commit_all(kit)
    origin = init_repo(tmp_path / "origin")
    package(origin, "app", "app", "kit")
    git(origin, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(kit), "kit")
    commit_all(origin)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    run = cli("affected", "--root", clone, "--base", "HEAD", "--head", "HEAD", cwd=clone)
    assert run.code == 0, run.err
    assert "noxgraph: warning: kit: is a git submodule that is not initialised" in run.err
