"""Whether a noxfile still declares the sessions its workspace gives, and what changed
(``noxgraph.sessions.staleness``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxgraph import _files
from noxgraph.graph import build_graph
from noxgraph.sessions import staleness
from noxgraph.sessions.declarations import Declarations, PackageSession, declare
from noxgraph.sessions.staleness import changes_since, compare
from noxgraph.workspace.load import load_workspace
from tests.helpers import init_repo, package, pyproject, write


def _declared(root: Path) -> Declarations:
    workspace = load_workspace(root)
    return declare(workspace, build_graph(workspace))


def _build(folders: dict[str, str], *sessions: PackageSession) -> Declarations:
    return Declarations(folders=folders, tasks={"build": sessions})


def test_each_change_is_one_phrase() -> None:
    before = _build(
        {"core": "core", "lib": "lib", "old": "old", "app": "app"},
        PackageSession("build", "core"),
        PackageSession("build", "lib", ("core",)),
        PackageSession("build", "old"),
        PackageSession("build", "app"),
    )
    after = _build(
        {"core": "core", "lib": "libs/lib", "new": "old", "extra": "extra", "app": "app"},
        PackageSession("build", "core"),
        PackageSession("build", "lib"),
        PackageSession("build", "new"),
        PackageSession("build", "extra"),
        PackageSession("build", "app", ("core",)),
    )
    assert compare(before, after) == [
        "package old renamed to new",
        "new package extra (extra)",
        "package lib moved to libs/lib",
        "build-app now after build-core",
        "build-lib no longer after build-core",
    ]
    assert compare(before, before) == []


def _workspace(root: Path) -> Path:
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(root, "libs/app", "app", "core")
    write(root / "noxfile.py", "# the noxfile\n")
    return root


def test_a_current_noxfile_has_no_changes_and_a_new_member_is_named(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    declared = _declared(root)
    assert changes_since(root, declared, root / "noxfile.py") == []
    package(root, "libs/util", "util")
    assert changes_since(root, declared, root / "noxfile.py") == ["new package util (libs/util)"]


def test_the_answer_is_remembered_while_no_watched_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_files, "RACY_NS", 0)
    root = _workspace(tmp_path)
    declared = _declared(root)
    assert changes_since(root, declared, root / "noxfile.py") == []

    def refuse(root: object) -> None:
        raise AssertionError("the workspace was read again")

    monkeypatch.setattr(staleness, "_current", refuse)
    assert changes_since(root, declared, root / "noxfile.py") == []
    package(root, "libs/util", "util")  # a new folder beside the others: libs/ changed
    with pytest.raises(AssertionError, match="read again"):
        changes_since(root, declared, root / "noxfile.py")


def test_a_racy_answer_is_not_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _workspace(tmp_path)  # written just now: every fingerprint is racy
    declared = _declared(root)
    assert changes_since(root, declared, root / "noxfile.py") == []
    calls = []
    real = staleness._current
    monkeypatch.setattr(staleness, "_current", lambda found: calls.append(1) or real(found))
    assert changes_since(root, declared, root / "noxfile.py") == []
    assert calls == [1]


def _scanned(root: Path, in_git: bool) -> Path:
    """A workspace with no member list: its packages are found by a scan."""
    if in_git:
        init_repo(root)
        write(root / ".gitignore", "ignored/\n")
    package(root, "libs/core", "core")
    package(root, "libs/app", "app", "core")
    write(root / "libs/app/src/app/__init__.py")
    write(root / "noxfile.py", "# the noxfile\n")
    return root


@pytest.mark.parametrize("in_git", [True, False], ids=["in-git", "outside-git"])
def test_a_scanned_workspace_is_remembered_until_a_package_comes_goes_or_is_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool
) -> None:
    monkeypatch.setattr(_files, "RACY_NS", 0)
    root = _scanned(tmp_path, in_git)
    declared = _declared(root)
    noxfile = root / "noxfile.py"
    assert changes_since(root, declared, noxfile) == []
    real = staleness._current
    reads: list[int] = []
    monkeypatch.setattr(staleness, "_current", lambda found: reads.append(1) or real(found))
    # What a build or a test run leaves, and a new source file, change no package.
    write(root / "libs/app/build/lib/app/__init__.py")
    write(root / "libs/app/src/app.egg-info/PKG-INFO")
    write(root / "libs/app/src/app/__pycache__/x.pyc")
    write(root / "libs/app/src/app/more.py", "X = 1\n")
    assert changes_since(root, declared, noxfile) == []
    assert reads == []
    # A folder made empty first, then given a pyproject.toml (the answer was remembered
    # in between), is a new package all the same.
    (root / "tools/hook").mkdir(parents=True)
    assert changes_since(root, declared, noxfile) == []
    package(root, "tools/hook", "hook")
    assert changes_since(root, declared, noxfile) == ["new package hook (tools/hook)"]
    (root / "tools/hook/pyproject.toml").unlink()
    (root / "libs/app").rename(root / "libs/application")
    assert changes_since(root, declared, noxfile) == ["package app moved to libs/application"]
    (root / "libs/application").rename(root / "libs/app")
    assert changes_since(root, declared, noxfile) == []
    (root / "libs/core/pyproject.toml").unlink()
    assert changes_since(root, declared, noxfile) == [
        "package core removed",
        "build-app no longer after build-core",
    ]


def test_a_scan_in_git_hears_of_a_package_that_an_ignore_file_lets_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_files, "RACY_NS", 0)
    root = _scanned(tmp_path, in_git=True)
    package(root, "ignored/extra", "extra")
    declared = _declared(root)
    assert changes_since(root, declared, root / "noxfile.py") == []
    with (root / ".gitignore").open("w") as handle:  # in place: the root folder stays
        handle.write("# nothing ignored now\n")
    assert changes_since(root, declared, root / "noxfile.py") == [
        "new package extra (ignored/extra)"
    ]


def test_a_relock_of_a_nested_uv_workspace_is_heard_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Members whose dependencies are dynamic take their edges from the uv.lock of their
    # own uv workspace, however the members were found.
    monkeypatch.setattr(_files, "RACY_NS", 0)
    root = init_repo(tmp_path)
    pyproject(root, "w1", '[tool.uv.workspace]\nmembers = ["core", "app"]\n')
    package(root, "w1/core", "core")
    package(root, "w1/other", "other")
    pyproject(
        root, "w1/app", '[project]\nname = "app"\nversion = "1"\ndynamic = ["dependencies"]\n'
    )
    entry = '[[package]]\nname = "{name}"\nversion = "1"\nsource = {{ editable = "{name}" }}\n'
    lock = "version = 1\n" + "".join(entry.format(name=n) for n in ("core", "other"))
    lock += entry.format(name="app") + "\n[package.metadata]\n"
    write(root / "w1/uv.lock", lock + 'requires-dist = [{ name = "core" }]\n')
    declared = _declared(root)
    assert changes_since(root, declared, root / "noxfile.py") == []
    write(root / "w1/uv.lock", lock + 'requires-dist = [{ name = "other" }]\n')
    assert changes_since(root, declared, root / "noxfile.py") == [
        "build-app now after build-other; no longer after build-core"
    ]
