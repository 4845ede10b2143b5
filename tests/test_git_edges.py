"""``noxgraph affected`` where git is awkward: repositories, submodules, refs and
environments where a wrong answer, a traceback or git's usage text would be easy.

Real repositories made in tmp_path, real git processes, no mocks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from noxgraph import _git
from noxgraph.changes.changed_files import PendingChanges
from noxgraph.errors import NoxgraphError
from tests.helpers import (
    cli,
    cli_process,
    commit_all,
    git,
    git_env,
    init_repo,
    package,
    pyproject,
    write,
)


def _affected(root: Path, *args: str) -> dict[str, Any]:
    run = cli("affected", "--root", root, "--json", *args, cwd=root)
    assert run.code == 0, run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


def _names(document: dict[str, Any]) -> list[str]:
    return [a["name"] for a in document["affected"]]


def _error(root: Path, *args: str) -> str:
    run = cli("affected", "--root", root, *args)
    assert run.code == 2, (run.out, run.err)
    assert run.out == ""
    assert run.err.count("\n") == 1 and "Traceback" not in run.err, run.err
    return run.err


# -- a member in no repository -----------------------------------------------------------


@pytest.mark.parametrize("listing", ["noxgraph", "wrknv"])
def test_a_member_in_no_repository_is_an_error_naming_it(tmp_path: Path, listing: str) -> None:
    root = tmp_path / "ws"
    tracked = init_repo(root / "tracked")
    package(tracked, ".", "tracked")
    commit_all(tracked)
    package(root, "loose", "loose", "tracked")
    if listing == "noxgraph":
        pyproject(root, ".", '[tool.noxgraph]\nmembers = ["tracked", "loose"]\n')
    else:
        write(
            root / ".wrknv/workspace.toml",
            '[[repos]]\npath = "tracked"\n[[repos]]\npath = "loose"\n',
        )
    write(root / "loose/src/loose.py", "X = 1\n")
    message = _error(root)
    assert "member loose" in message and "is in no git repository" in message
    assert _names(_affected(root, "--files", "loose/src/loose.py")) == ["loose"]


# -- git missing or refusing the repository ----------------------------------------------


def _members_repo(root: Path) -> Path:
    init_repo(root)
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["core"]\n')
    package(root, "core", "core")
    commit_all(root)
    return root


def test_git_missing_is_one_line_error(tmp_path: Path) -> None:
    root = _members_repo(tmp_path / "repo")
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PATH"} | {"PATH": str(empty)}
    run = cli_process("affected", "--root", root, env=env)
    assert run.code == 2 and run.out == ""
    assert run.err == (
        "noxgraph: error: git is not installed (or not on PATH); install git, or pass --files\n"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_git_refusing_a_repository_is_its_own_reason_not_a_missing_base(tmp_path: Path) -> None:
    root = _members_repo(tmp_path / "repo")
    subprocess.run(["chown", "-R", "nobody", str(root)], check=True)
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_GLOBAL": str(empty), "GIT_CONFIG_NOSYSTEM": "1"}
    run = cli_process("affected", "--root", root, env=env)
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    assert "detected dubious ownership in repository" in run.err
    assert "neither 'main' nor 'master'" not in run.err
    assert "safe.directory" not in run.err  # git's own advice lines are not one line


# -- submodules holding several packages -------------------------------------------------


def _meta_with_submodule(tmp_path: Path) -> tuple[Path, Path]:
    upstream = init_repo(tmp_path / "upstream")
    package(upstream, "a", "sub-a")
    package(upstream, "b", "sub-b")
    write(upstream / "a/src/a.py", "A = 1\n")
    write(upstream / "b/src/b.py", "B = 1\n")
    commit_all(upstream)
    meta = init_repo(tmp_path / "meta")
    pyproject(meta, ".", '[tool.noxgraph]\nmembers = ["app", "deps/up/*"]\n')
    package(meta, "app", "app", "sub-b")
    commit_all(meta)
    git(meta, "submodule", "add", "-q", str(upstream), "deps/up")
    commit_all(meta, "add submodule")
    return meta, meta / "deps" / "up"


def test_a_change_in_a_submodule_affects_exactly_its_packages(tmp_path: Path) -> None:
    meta, sub = _meta_with_submodule(tmp_path)
    write(sub / "b/src/b.py", "B = 2\n")
    commit_all(sub, "move the submodule on")
    document = _affected(meta)
    assert _names(document) == ["sub-b", "app"]
    assert [(f["path"], f["package"]) for f in document["changed_files"]] == [
        ("deps/up/b/src/b.py", "sub-b")
    ]
    git(meta, "checkout", "-q", "-b", "bump")
    commit_all(meta, "bump the submodule")
    committed = _affected(meta, "--head", "HEAD")
    assert _names(committed) == ["sub-b", "app"]
    assert [r["path"] for r in committed["repositories"]] == ["."]


def test_untracked_files_inside_a_submodule_count_without_head(tmp_path: Path) -> None:
    meta, sub = _meta_with_submodule(tmp_path)
    write(sub / "a/src/new.py", "NEW = 1\n")
    document = _affected(meta)
    assert _names(document) == ["sub-a"]
    assert document["changed_files"] == [
        {"path": "deps/up/a/src/new.py", "status": "untracked", "package": "sub-a"}
    ]
    assert _affected(meta, "--head", "HEAD")["affected"] == []


# -- a package renamed in place ----------------------------------------------------------


def test_a_package_renamed_in_place_affects_those_that_declare_its_old_name(
    tmp_path: Path,
) -> None:
    root = init_repo(tmp_path)
    package(root, "libs/core", "core")
    package(root, "apps/app", "app", "core>=1")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "rename")
    package(root, "libs/core", "kernel")
    commit_all(root, "core is now kernel")
    document = _affected(root)
    assert {a["name"]: (a["reason"], a["via"]) for a in document["affected"]} == {
        "kernel": ("changed", []),
        "app": ("deleted-dependency", ["core"]),
    }
    assert document["deleted_packages"] == [{"name": "core", "path": "libs/core"}]


# -- a history with two merge bases -------------------------------------------------------


@pytest.mark.parametrize("head", [None, "feature"])
def test_a_branch_with_two_merge_bases_with_the_base_still_gets_its_changes(
    tmp_path: Path, head: str | None
) -> None:
    # A criss-cross merge: main and feature each merged the other's first commit, so
    # they have two merge bases; git's diff --merge-base refuses such a pair.
    root = _members_repo(tmp_path / "repo")
    package(root, "app", "app", "core")
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["core", "app"]\n')
    write(root / "core/src/core/extra.py", "X = 1\n")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "notes/feature.md", "feature\n")
    on_feature = commit_all(root)
    git(root, "checkout", "-q", "main")
    write(root / "notes/main.md", "main\n")
    on_main = commit_all(root)
    git(root, "merge", "-q", "--no-edit", on_feature)
    git(root, "checkout", "-q", "feature")
    git(root, "merge", "-q", "--no-edit", on_main)
    assert len(git(root, "merge-base", "--all", "main", "feature").split()) == 2
    write(root / "core/src/core/extra.py", "X = 2\n")
    if head is not None:
        commit_all(root)
    args = ("--base", "main") if head is None else ("--base", "main", "--head", head)
    assert _names(_affected(root, *args)) == ["core", "app"]


# -- refs that look like options ---------------------------------------------------------


def test_a_base_that_looks_like_an_option_is_an_error(tmp_path: Path) -> None:
    root = _members_repo(tmp_path)
    message = _error(root, "--base=--fork-point")
    assert "'--fork-point'" in message and "may not start with '-'" in message
    assert "'--output=x'" in _error(root, "--head=--output=x")
    with pytest.raises(NoxgraphError, match=r"\[tool.noxgraph\].base '--octopus'"):
        PendingChanges(root, [root / "core"], configured_base="--octopus")
    config = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(config + 'base = "--octopus"\n')
    configured = _error(root)
    assert "'--octopus'" in configured and "may not start with '-'" in configured
    assert "pyproject.toml" in configured


# -- sibling repositories inside an outer repository -------------------------------------


def test_an_outer_repository_around_the_root_is_not_asked(tmp_path: Path) -> None:
    home = init_repo(tmp_path / "home", branch="trunk")
    write(home / ".profile", "x\n")
    commit_all(home)
    root = home / "ws"
    first = init_repo(root / "first")
    package(first, ".", "first")
    commit_all(first)
    second = init_repo(root / "second")
    package(second, ".", "second", "first")
    commit_all(second)
    write(first / "src/first.py", "X = 1\n")
    document = _affected(root)
    assert [r["path"] for r in document["repositories"]] == ["first", "second"]
    assert _names(document) == ["first", "second"]


# -- members outside the root, uninitialised submodules ----------------------------------


def test_a_member_outside_the_root_is_asked_in_its_own_repository(tmp_path: Path) -> None:
    other = init_repo(tmp_path / "other")
    package(other, ".", "other")
    commit_all(other)
    root = tmp_path / "ws"
    app = init_repo(root / "app")
    package(app, ".", "app", "other")
    commit_all(app)
    write(root / ".wrknv/workspace.toml", '[[repos]]\npath = "app"\n[[repos]]\npath = "../other"\n')
    write(other / "src/other.py", "X = 1\n")
    document = _affected(root)
    assert _names(document) == ["other", "app"]
    assert [f["path"] for f in document["changed_files"]] == ["../other/src/other.py"]
    assert sorted(r["path"] for r in document["repositories"]) == sorted(["app", str(other)])


@pytest.mark.parametrize("branch", ["main", "master"])
def test_a_folder_outside_the_root_that_is_no_member_is_limited_alike_whichever_base_serves(
    tmp_path: Path, branch: str
) -> None:
    # "master" alone: the base noxgraph tries first ("main") is missing, and the
    # changes are worked out the slow way, which must list the same files.
    repo = init_repo(tmp_path / "repo", branch=branch)
    root = repo / "ws"
    package(root, "core", "core")
    pyproject(repo, "skipped", "[tool.other]\nx = 1\n")
    write(repo / "skipped/x.py", "X = 1\n")
    write(
        root / ".wrknv/workspace.toml", '[[repos]]\npath = "core"\n[[repos]]\npath = "../skipped"\n'
    )
    commit_all(repo)
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo / "skipped/x.py", "X = 2\n")
    write(repo / "skipped/z.py", "Z = 1\n")
    write(root / "core/src/core/extra.py", "E = 1\n")
    document = _affected(root)
    assert [(f["path"], f["status"]) for f in document["changed_files"]] == [
        ("../skipped/x.py", "modified"),
        ("../skipped/z.py", "untracked"),
        ("core/src/core/extra.py", "untracked"),
    ]


def test_an_uninitialised_submodule_is_reported_not_a_usage_text(tmp_path: Path) -> None:
    meta, _ = _meta_with_submodule(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(meta), str(clone))
    assert not any((clone / "deps/up").iterdir())
    pyproject(clone, ".", '[tool.noxgraph]\nmembers = ["app"]\n')
    git(clone, "checkout", "-q", "-b", "bump")
    commit_all(clone)
    git(clone, "update-index", "--cacheinfo", f"160000,{'1' * 40},deps/up")
    commit_all(clone, "move the uninitialised submodule's pointer")
    document = _affected(clone, "--head", "HEAD")
    assert [(f["path"], f["status"]) for f in document["changed_files"]] == [
        ("deps/up", "modified"),
        ("pyproject.toml", "modified"),
    ]
    assert "usage:" not in json.dumps(document)


# -- the caller's git environment --------------------------------------------------------


_LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)


def test_repository_locating_variables_never_reach_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init_repo(tmp_path / "real")
    package(root, "core", "core")
    package(root, "app", "app", "core")
    commit_all(root)
    write(root / "core/src/core.py", "X = 1\n")
    bogus = init_repo(tmp_path / "bogus")
    package(bogus, "other", "other")
    commit_all(bogus)
    dot_git = bogus / ".git"
    values = {
        "GIT_DIR": dot_git,
        "GIT_WORK_TREE": bogus,
        "GIT_INDEX_FILE": dot_git / "index",
        "GIT_PREFIX": "other/",
        "GIT_OBJECT_DIRECTORY": dot_git / "objects",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": dot_git / "objects",
        "GIT_COMMON_DIR": dot_git,
        "GIT_NAMESPACE": "bogus",
        "GIT_CEILING_DIRECTORIES": tmp_path,
        "GIT_DISCOVERY_ACROSS_FILESYSTEM": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    environment = _git._environment()
    assert [key for key in _LOCATING if key in environment] == []
    document = _affected(root, "--files", "core/src/core.py")
    assert _names(document) == ["core", "app"]
    from_git = _affected(root)
    assert _names(from_git) == ["core", "app"]
    assert [f["path"] for f in from_git["changed_files"]] == ["core/src/core.py"]


# -- messages that name the real cause ---------------------------------------------------


def test_a_repository_without_commits_says_so(tmp_path: Path) -> None:
    root = _members_repo(tmp_path / "fresh")
    shutil.rmtree(root / ".git")
    init_repo(root)
    message = _error(root)
    assert "neither 'main' nor 'master'" not in message
    assert "has no commits yet" in message and "'main'" in message


def test_head_on_an_unborn_branch_says_so(tmp_path: Path) -> None:
    root = _members_repo(tmp_path / "repo")
    git(root, "checkout", "-q", "--orphan", "fresh")
    message = _error(root)
    assert "no commits yet" in message and "'fresh'" in message
    assert "neither 'main' nor 'master'" not in message


def _follow(repo: Path, message: str) -> str | None:
    """Run the git commands ``message`` quotes in ``repo``; the base it says to pass."""
    import re

    for command in re.findall(r"'(git fetch[^']*)'", message)[:1]:
        git(repo, *command.split()[1:])
    base = re.search(r"pass --base (\S+?)\)", message)
    return base.group(1) if base else None


def test_fetch_hints_work_in_the_repository(tmp_path: Path) -> None:
    origin = _members_repo(tmp_path / "origin")
    git(origin, "branch", "develop")
    git(origin, "branch", "other")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", str(origin), str(clone))
    message = _error(clone, "--base", "develop")
    assert "develop:develop" not in message
    assert _follow(clone, message) == "origin/develop"
    assert cli("affected", "--root", clone, "--base", "origin/develop").code == 0
    checked_out = _error(clone, "--base", "origin/other")
    assert _follow(clone, checked_out) == "origin/other"
    assert cli("affected", "--root", clone, "--base", "origin/other").code == 0
    local = _members_repo(tmp_path / "local")
    alone = _error(local, "--base", "develop")
    assert "git fetch" not in alone and "develop:develop" not in alone
    assert "git fetch" not in _error(local, "--base", "HEAD~3")


def _shallow_clone(tmp_path: Path) -> Path:
    """A clone of one commit of branch feature, three commits past main."""
    origin = _members_repo(tmp_path / "origin")
    git(origin, "checkout", "-q", "-b", "feature")
    for number in range(3):
        write(origin / f"core/src/mod{number}.py", "X = 1\n")
        commit_all(origin, f"change {number}")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature", f"file://{origin}", str(clone))
    git(clone, "remote", "set-head", "origin", "--delete")  # as CI's checkout sets none
    return clone


@pytest.mark.parametrize("base", ["main", "HEAD~2", None])
def test_shallow_clone_hints_work(tmp_path: Path, base: str | None) -> None:
    clone = _shallow_clone(tmp_path)
    message = _error(clone, *(["--base", base] if base else []))
    assert "is a shallow clone" in message
    if base == "HEAD~2":
        assert "'git fetch --deepen=N' for N more commits" in message
        git(clone, "fetch", "-q", "--deepen=2")
        told = base
    else:
        told = _follow(clone, message)
    assert told is not None
    run = cli("affected", "--root", clone, "--base", told, "--format", "names")
    assert run.code == 0, run.err
    assert run.out.split() == ["core"]


# -- DOT line breaks ---------------------------------------------------------------------


def test_dot_labels_carry_a_real_line_break(tmp_path: Path) -> None:
    package(tmp_path, "core", "core")
    run = cli("graph", "--root", tmp_path, "--format", "dot")
    assert run.code == 0, run.err
    assert '  "core" [label="core\\n1.0.0"];' in run.out.splitlines()
    dot = shutil.which("dot")
    if dot is None:
        return
    svg = subprocess.run(
        [dot, "-Tsvg"], input=run.out, capture_output=True, text=True, check=True
    ).stdout
    assert ">core</text>" in svg and ">1.0.0</text>" in svg
    assert "\\n" not in svg


def test_a_root_inside_a_repository_sees_only_its_part_of_it(tmp_path: Path) -> None:
    mono = init_repo(tmp_path)
    package(mono, "python/core", "core")
    package(mono, "python/app", "app", "core")
    write(mono / "js/index.js", "1\n")
    commit_all(mono)
    git(mono, "checkout", "-q", "-b", "feature")
    write(mono / "js/index.js", "2\n")
    write(mono / "python/core/src/core.py", "X = 1\n")
    commit_all(mono, "both halves")
    write(mono / "js/new.js", "3\n")
    document = _affected(mono / "python")
    assert [f["path"] for f in document["changed_files"]] == ["core/src/core.py"]
    assert _names(document) == ["core", "app"]
    assert [r["path"] for r in document["repositories"]] == [str(mono)]


def test_a_package_deleted_inside_a_submodule_affects_its_dependents(tmp_path: Path) -> None:
    meta, sub = _meta_with_submodule(tmp_path)
    shutil.rmtree(sub / "b")
    commit_all(sub, "drop sub-b")
    document = _affected(meta)
    assert document["deleted_packages"] == [{"name": "sub-b", "path": "deps/up/b"}]
    assert {a["name"]: a["reason"] for a in document["affected"]} == {"app": "deleted-dependency"}


# -- a merge in progress -----------------------------------------------------------------


def test_a_pyproject_with_merge_conflict_markers_says_so(tmp_path: Path) -> None:
    root = _members_repo(tmp_path / "repo")
    git(root, "checkout", "-q", "-b", "other")
    package(root, "core", "core", "requests")
    commit_all(root, "other")
    git(root, "checkout", "-q", "main")
    package(root, "core", "core", "httpx")
    commit_all(root, "main")
    merged = subprocess.run(
        ["git", "merge", "other"], cwd=root, capture_output=True, check=False, env=git_env()
    )
    assert merged.returncode != 0, "the merge was meant to conflict"
    message = _error(root)
    assert "core/pyproject.toml: holds merge-conflict markers (line 4); resolve the conflict" in (
        message
    )
