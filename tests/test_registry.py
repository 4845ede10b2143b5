"""What nox loads: the registry's own decisions, apart from a nox run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from noxgraph.sessions.registry import Sessions
from noxgraph.sessions.session_cache import Artifact, Entry


def _sessions(tmp_path: Path) -> Sessions:
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text("")
    return Sessions(str(noxfile), folders={"core": "core"})


def test_a_worker_takes_what_the_first_process_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _sessions(tmp_path)
    first.bare = {"build-core"}
    first.keys = {"build-core": "0" * 20}
    entry = Entry("build-core", "0" * 20, (Artifact("core-1.0.tar.gz", "a" * 64, 10),))
    first.cached = {"build-core": entry}
    first._wheelhouse = tmp_path / "dist"
    # Set, so that the plan _keep_plan puts in os.environ is taken away after the test.
    monkeypatch.setenv("NOXGRAPH_PLANNED", "")
    first._keep_plan()
    worker = _sessions(tmp_path)
    assert worker._planned_by_the_first_process()
    assert (worker.bare, worker.keys, worker.cached) == (first.bare, first.keys, first.cached)
    assert worker._wheelhouse == tmp_path / "dist"


def test_another_workspace_s_plan_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOXGRAPH_PLANNED", "")
    (tmp_path / "other").mkdir()
    other = _sessions(tmp_path / "other")
    other.bare = {"build-core"}
    other._keep_plan()
    mine = _sessions(tmp_path)
    assert not mine._planned_by_the_first_process()
    assert mine.bare == set()
    monkeypatch.setenv("NOXGRAPH_PLANNED", json.dumps({"noxfile": str(mine.noxfile)}))
    assert not mine._planned_by_the_first_process()  # damaged: plan afresh
