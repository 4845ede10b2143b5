"""The run's timeline: real nox runs, serial and under ``-j``, written as Chrome traces.

Each trace is checked as Perfetto and chrome://tracing read it: a JSON object whose
``traceEvents`` hold one complete event (``X``) per session, on the worker that ran
it, never before the sessions it requires ended, never two at once on one worker.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from noxgraph.errors import UsageError
from noxgraph.graph import build_graph
from noxgraph.sessions.declarations import declare
from noxgraph.sessions.selection import split_profile
from noxgraph.sessions.timeline import Record, timeline, trace_document
from noxgraph.workspace.load import load_workspace
from tests.helpers import cli, write
from tests.test_noxfile import log, nox, recording_workspace

#: Every phase a trace of noxgraph's holds, and the keys each must carry.
_PHASE_KEYS = {
    "X": {"name", "ph", "ts", "dur", "pid", "tid"},
    "M": {"name", "ph", "pid", "tid", "args"},
    "s": {"name", "ph", "ts", "pid", "tid", "id"},
    "f": {"name", "ph", "ts", "pid", "tid", "id"},
}


def requirements(root: Path, task: str = "build") -> dict[str, set[str]]:
    """What each session of ``task`` requires, as noxgraph declares it to nox."""
    workspace = load_workspace(root)
    sessions = declare(workspace, build_graph(workspace)).nox_sessions(task)
    required = {s.name: set(s.requires) for s in sessions}
    required[f"{task}-all"] = set(required)
    return required


def checked_trace(path: Path, required: Mapping[str, set[str]], jobs: int) -> dict[str, Any]:
    """The trace at ``path``, checked; its complete events by session name."""
    trace = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(trace["traceEvents"], list)
    assert trace["displayTimeUnit"] in {"ms", "ns"}
    for event in trace["traceEvents"]:
        assert _PHASE_KEYS[event["ph"]] <= set(event), event
        if "ts" in event:
            assert isinstance(event["ts"], int) and event["ts"] >= 0
    slices = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    by_name = {e["name"]: e for e in slices}
    assert len(by_name) == len(slices), "one complete event per session"
    for event in slices:
        assert event["dur"] > 0
        for name in required.get(event["name"], ()):
            if name in by_name:
                before = by_name[name]
                assert before["ts"] + before["dur"] <= event["ts"], (name, event["name"])
    workers: dict[int, list[tuple[int, int]]] = {}
    for event in slices:
        workers.setdefault(event["tid"], []).append((event["ts"], event["ts"] + event["dur"]))
    assert 1 <= len(workers) <= jobs
    for spans in workers.values():
        spans.sort()
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    flows: dict[int, list[str]] = {}
    for event in trace["traceEvents"]:
        if event["ph"] in "sf":
            flows.setdefault(event["id"], []).append(event["ph"])
    assert all(sorted(pair) == ["f", "s"] for pair in flows.values())
    return by_name


def test_a_parallel_nox_run_writes_one_slice_per_session_on_two_workers(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-s", "build-all", "-j", "2", "--", "--profile", "run.json", "-x")
    assert run.code == 0, run.err
    # --profile FILE is noxgraph's; what follows it goes to each package's command.
    assert sorted(line for line in log(root) if line.startswith("start")) == [
        "start app -x",
        "start core -x",
        "start lonely -x",
        "start plugin -x",
        "start util -x",
    ]
    required = requirements(root)
    slices = checked_trace(root / "run.json", required, jobs=2)
    assert set(slices) == set(required)
    assert {e["args"]["result"] for e in slices.values()} == {"success"}
    assert sorted(slices["build-app"]["args"]["requires"]) == ["build-plugin", "build-util"]
    assert slices["build-app"]["args"]["waited_for"] in {"build-util", "build-plugin"}
    # core and lonely need nothing: two workers start them side by side.
    assert slices["build-core"]["tid"] != slices["build-lonely"]["tid"]
    trace = json.loads((root / "run.json").read_text())
    path = trace["otherData"]["critical_path"]
    assert path[0] == "build-core" and path[-1] == "build-all"
    assert all(a in required[b] for a, b in itertools.pairwise(path))
    assert "critical path" in run.err and "run.json" in run.err


def test_noxgraph_run_prints_the_critical_path_beside_the_wall_time(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    done = cli("run", "build", "--root", root, "--json", "--profile", root / "run.json")
    assert done.code == 0
    summary = json.loads(done.out)["timeline"]
    assert 0 < summary["critical_path_seconds"] <= summary["wall_seconds"]
    assert summary["workers"] == 1
    slices = checked_trace(root / "run.json", requirements(root), jobs=1)
    assert set(slices) == set(requirements(root))
    again = cli("run", "build", "--root", root)
    assert again.code == 0
    [line] = [line for line in again.out.splitlines() if "critical path" in line]
    assert line.startswith("wall time ")
    # The second run took every package session from the cache.
    assert "5 cached" in again.out


def test_a_failed_run_still_writes_its_timeline(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    write(root / "fail-plugin")
    done = cli("run", "build", "--root", root, "-j", "2", "--profile", root / "run.json")
    assert done.code == 1
    slices = checked_trace(root / "run.json", requirements(root), jobs=2)
    assert slices["build-plugin"]["args"]["result"] == "failed"
    assert slices["build-util"]["args"]["result"] == "success"
    trace = json.loads((root / "run.json").read_text())
    assert "build-app" not in slices
    assert trace["otherData"]["not_run"]["build-app"] == (
        "waited for plugin (build-plugin), which failed"
    )


def test_an_affected_run_marks_skipped_and_cached_sessions(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    assert nox(root, "-s", "build-all").code == 0  # each package's success is cached
    write(root / "libs/util/src/x.py", "X = 1\n")
    run = nox(root, "-s", "build-affected", "-j", "2", "--", "--profile", "run.json")
    assert run.code == 0, run.err
    required = requirements(root)
    required["build-affected"] = {"build-util", "build-app"}
    slices = checked_trace(root / "run.json", required, jobs=2)
    results = {name: (e["args"]["result"], e["args"]["cached"]) for name, e in slices.items()}
    assert results == {
        "build-core": ("skipped", False),
        "build-plugin": ("skipped", False),
        "build-util": ("success", False),
        "build-app": ("success", False),
        "build-affected": ("success", False),
    }
    run = nox(root, "-s", "build-all", "--", "--profile", "again.json")
    assert run.code == 0, run.err
    slices = checked_trace(root / "again.json", requirements(root), jobs=1)
    assert slices["build-lonely"]["args"]["cached"] is True
    assert slices["build-lonely"]["args"]["result"] == "cached"


def test_a_profile_with_no_file_is_one_line(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-s", "build-all", "--", "--profile")
    assert run.code != 0
    assert "noxgraph: --profile needs a FILE" in run.err
    assert "Traceback" not in run.err
    refused = cli("run", "build", "--root", root, "--profile", tmp_path / "none" / "run.json")
    assert refused.code == 2
    assert "no folder" in refused.err
    assert log(root) == []


def _record(name: str, start: float, end: float, *requires: str) -> Record:
    return Record(name, "build", name, requires, start, end, "success")


def test_workers_are_the_fewest_that_hold_the_slices_without_overlap() -> None:
    records = [
        _record("a", 0, 4),
        _record("b", 0, 1),
        _record("c", 1, 2, "b"),
        _record("d", 2, 6, "c"),
        _record("e", 4, 5, "a"),
    ]
    run = timeline(records, 0, 6)
    lanes = {piece.record.session: piece.lane for piece in run.slices}
    assert lanes == {"b": 1, "a": 2, "c": 1, "d": 1, "e": 2}
    assert run.lanes == 2
    # b -> c -> d takes 6 seconds, a -> e only 5.
    assert run.critical_path == ("b", "c", "d")
    assert run.critical_seconds == pytest.approx(6)
    waited = {piece.record.session: piece.waited_for for piece in run.slices}
    assert waited == {"a": None, "b": None, "c": "b", "d": "c", "e": "a"}


def test_the_trace_measures_from_the_run_s_start_in_microseconds() -> None:
    run = timeline([_record("a", 100.5, 101.0), _record("b", 101.25, 102.0, "a")], 100.0, 103.0)
    trace = trace_document(run, "a run")
    slices = {e["name"]: e for e in trace["traceEvents"] if e["ph"] == "X"}
    assert (slices["a"]["ts"], slices["a"]["dur"]) == (500_000, 500_000)
    assert (slices["b"]["ts"], slices["b"]["dur"]) == (1_250_000, 750_000)
    assert trace["otherData"]["wall_seconds"] == 3.0
    assert trace["otherData"]["critical_path_seconds"] == 1.25


def test_profile_is_noxgraph_s_only_where_its_own_options_are() -> None:
    assert split_profile(["--no-cache", "--profile", "a.json", "-k", "x"], affected=False) == (
        ["--no-cache", "-k", "x"],
        "a.json",
    )
    assert split_profile(["--profile=a.json"], affected=False) == ([], "a.json")
    # After a package posarg, --profile is the package command's (pytest-profiling's).
    assert split_profile(["-k", "x", "--profile", "a.json"], affected=False) == (
        ["-k", "x", "--profile", "a.json"],
        None,
    )
    assert split_profile(["--base", "main", "--profile", "a.json"], affected=True) == (
        ["--base", "main"],
        "a.json",
    )
    assert split_profile(["--base", "main", "--", "--profile", "a"], affected=True) == (
        ["--base", "main", "--", "--profile", "a"],
        None,
    )
    with pytest.raises(UsageError, match="needs a FILE"):
        split_profile(["--base", "main", "--profile", "--", "x"], affected=True)
    with pytest.raises(UsageError, match="empty path"):
        split_profile(["--profile="], affected=False)
