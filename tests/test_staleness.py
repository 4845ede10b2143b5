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
from tests.helpers import package, pyproject, write


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
