"""A run's timeline: each session's record, and the trace they are assembled into.

``noxgraph run TASK --profile FILE`` and ``nox -s TASK-all -- --profile FILE`` name a
folder in :data:`ENV_PROFILE` before nox starts its sessions. Every session that runs
writes one record there (:class:`Timed`): when it started and ended, its result, and
the sessions it required. Under ``-j`` nox runs each session in a nox process of its own,
so no single process sees the run: the one that named the folder (``noxgraph run``, or
the nox process the command was given to, as it exits) reads the records back and
writes the run in the Chrome trace event format that Perfetto and chrome://tracing
open (:func:`trace_document`).

nox does not say which of its workers ran a session, so the workers are worked out from
the records: each record spans no more than the worker was busy with its session (a
session's process starts after its worker took it and ends before the worker is free
again), so at no moment do more records overlap than nox ran sessions side by side, and
placing each on the first worker free at its start uses at most ``-j`` workers, never
two records on one at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from noxgraph._files import write_atomic

__all__ = [
    "ENV_PROFILE",
    "Record",
    "Recorder",
    "Timed",
    "Timeline",
    "process_started",
    "read_records",
    "timeline",
    "trace_document",
    "write_trace",
]

#: The folder each session of a profiled run writes its record to.
ENV_PROFILE = "NOXGRAPH_PROFILE"

#: Microseconds: the trace event format's unit of time.
_US = 1_000_000


@dataclass(frozen=True)
class Record:
    """One session as it ran: wall-clock start and end (seconds since the epoch), its
    result (``success``, ``failed``, ``skipped`` or ``cached``), and what it required."""

    session: str
    task: str
    package: str | None
    requires: tuple[str, ...]
    start: float
    end: float
    result: str
    reason: str | None = None

    def encode(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "task": self.task,
            "package": self.package,
            "requires": list(self.requires),
            "start": self.start,
            "end": self.end,
            "result": self.result,
            "reason": self.reason,
        }

    @classmethod
    def decode(cls, value: Mapping[str, Any]) -> Record:
        package = value["package"]
        reason = value["reason"]
        return cls(
            str(value["session"]),
            str(value["task"]),
            None if package is None else str(package),
            tuple(map(str, value["requires"])),
            float(value["start"]),
            float(value["end"]),
            str(value["result"]),
            None if reason is None else str(reason),
        )


def process_started() -> float | None:
    """When this process started, in ``time.time()``'s terms; ``None`` where the system
    does not say (Linux says in ``/proc``)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # The name in parentheses may hold spaces; the start time is the 22nd field.
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        hertz = os.sysconf("SC_CLK_TCK")
        # The end of the clock tick it started in: a record never begins before the
        # process did, so it stays within the time its worker was busy.
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - (ticks + 1) / hertz
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.time() - max(age, 0.0)


class Recorder:
    """Where the sessions of one nox process write their records (``folder``), and when
    each starts: the first when the process was ready for it (``first``), each later one
    when the one before it ended, as nox runs them back to back (a session's virtualenv
    is made inside that time)."""

    def __init__(self, folder: str, first: float) -> None:
        self.folder = folder
        self._next = first

    def start(self) -> float:
        return self._next

    def write(self, record: Record) -> None:
        self._next = record.end
        name = f"{os.getpid()}-{time.monotonic_ns()}.json"
        # A record that cannot be written costs the trace this slice, never the session.
        with contextlib.suppress(OSError):
            write_atomic(Path(self.folder, name), json.dumps(record.encode()).encode())


class Timed:
    """A context around one session that, on the way out, has ``recorder`` (when the run
    is profiled) write the session's record. ``result`` may be set inside (``skipped``,
    ``cached``); otherwise it is ``success``, or ``failed`` when the session raised."""

    def __init__(
        self,
        recorder: Recorder | None,
        session: str,
        task: str,
        package: str | None,
        requires: Sequence[str],
    ) -> None:
        self.recorder = recorder
        self.session = session
        self.task = task
        self.package = package
        self.requires = tuple(requires)
        self.result: str | None = None
        self.reason: str | None = None
        self._start = 0.0

    def __enter__(self) -> Timed:
        if self.recorder is not None:
            self._start = self.recorder.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.recorder is None:
            return
        self.recorder.write(
            Record(
                self.session,
                self.task,
                self.package,
                self.requires,
                self._start,
                time.time(),
                self.result or ("success" if kind is None else "failed"),
                self.reason,
            )
        )


def read_records(folder: Path) -> list[Record]:
    """The records in ``folder``, by start; a record that cannot be read is left out."""
    records: list[Record] = []
    try:
        paths = sorted(folder.iterdir())
    except OSError:
        return []
    for path in paths:
        try:
            records.append(Record.decode(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    records.sort(key=lambda r: (r.start, r.end, r.session))
    return records


@dataclass(frozen=True)
class Slice:
    """A record on the worker (``lane``, from 1) that ran it; ``waited_for``: the session
    it required that ended last, the one it could not start before."""

    record: Record
    lane: int
    waited_for: str | None
    critical: bool


@dataclass(frozen=True)
class Timeline:
    """A run: its slices, from ``start`` to ``end`` (wall clock), on ``lanes`` workers;
    the critical path is the chain of required sessions whose durations add up to the
    most, the least time the run could take with as many workers as it liked."""

    slices: tuple[Slice, ...]
    start: float
    end: float
    lanes: int
    critical_path: tuple[str, ...]
    critical_seconds: float

    @property
    def wall_seconds(self) -> float:
        return self.end - self.start


def _lanes(records: Sequence[Record]) -> list[int]:
    """Each record's worker: the first one free when it starts (records by start)."""
    free_at: list[float] = []
    lanes: list[int] = []
    for record in records:
        for lane, free in enumerate(free_at):
            if free <= record.start:
                free_at[lane] = record.end
                lanes.append(lane + 1)
                break
        else:
            free_at.append(record.end)
            lanes.append(len(free_at))
    return lanes


def _critical_path(records: Sequence[Record]) -> tuple[list[str], float]:
    """The chain of required sessions with the greatest total duration, first to last."""
    by_name = {r.session: r for r in records}
    longest: dict[str, float] = {}
    before: dict[str, str | None] = {}
    # A required session ends before the session that requires it starts, so by start
    # every session comes after what it requires.
    for record in records:
        required = [name for name in record.requires if name in longest]
        previous = max(required, key=lambda name: longest[name], default=None)
        base = longest[previous] if previous is not None else 0.0
        longest[record.session] = base + (record.end - record.start)
        before[record.session] = previous
    if not longest:
        return [], 0.0
    last: str | None = max(longest, key=lambda name: (longest[name], by_name[name].end))
    total = longest[last] if last is not None else 0.0
    chain: list[str] = []
    while last is not None:
        chain.append(last)
        last = before[last]
    return chain[::-1], total


def timeline(
    records: Sequence[Record], start: float | None = None, end: float | None = None
) -> Timeline:
    """The records laid out on workers, with the critical path; ``start`` and ``end``:
    the run's own, when the caller timed it (else the records' first start and last end)."""
    ordered = sorted(records, key=lambda r: (r.start, r.end, r.session))
    lanes = _lanes(ordered)
    chain, total = _critical_path(ordered)
    on_path = set(chain)
    ends = {r.session: r.end for r in ordered}
    slices = []
    for record, lane in zip(ordered, lanes, strict=True):
        required = [name for name in record.requires if name in ends]
        waited = max(required, key=lambda name: ends[name], default=None)
        slices.append(Slice(record, lane, waited, record.session in on_path))
    first = min((r.start for r in ordered), default=time.time())
    last = max((r.end for r in ordered), default=first)
    return Timeline(
        tuple(slices),
        min(first, start) if start is not None else first,
        max(last, end) if end is not None else last,
        max(lanes, default=0),
        tuple(chain),
        total,
    )


def _us(seconds: float) -> int:
    return round(seconds * _US)


def trace_document(
    run: Timeline, title: str, not_run: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The run in the Chrome trace event format (JSON object form): one complete event
    (``X``) per session on its worker's thread, a flow arrow from the session each one
    waited for, and the run's figures in ``otherData``. ``not_run``: sessions nox
    queued that never started (aborted), with the reason."""
    pid = 1
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": pid, "tid": 0, "name": "process_name", "args": {"name": title}},
    ]
    for lane in range(1, run.lanes + 1):
        events.append(
            {
                "ph": "M",
                "pid": pid,
                "tid": lane,
                "name": "thread_name",
                "args": {"name": f"worker {lane}"},
            }
        )
        events.append(
            {
                "ph": "M",
                "pid": pid,
                "tid": lane,
                "name": "thread_sort_index",
                "args": {"sort_index": lane},
            }
        )
    lane_of = {s.record.session: s.lane for s in run.slices}
    end_of = {s.record.session: s.record.end for s in run.slices}
    for number, piece in enumerate(run.slices, start=1):
        record = piece.record
        # Both ends from the run's start, so a session that starts as another ends
        # starts on the very microsecond that one ends.
        start = _us(record.start - run.start)
        duration = max(_us(record.end - run.start) - start, 1)
        events.append(
            {
                "ph": "X",
                "pid": pid,
                "tid": piece.lane,
                "name": record.session,
                "cat": "critical" if piece.critical else "session",
                "ts": start,
                "dur": duration,
                "args": {
                    "result": record.result,
                    "cached": record.result == "cached",
                    "reason": record.reason,
                    "package": record.package,
                    "task": record.task,
                    "requires": list(record.requires),
                    "waited_for": piece.waited_for,
                    "critical_path": piece.critical,
                },
            }
        )
        if piece.waited_for is not None:
            # The arrow leaves the required slice at its last microsecond and binds to the
            # slice that starts after it.
            leaves = max(_us(end_of[piece.waited_for] - run.start) - 1, 0)
            flow = {"name": "waited for", "cat": "requires", "id": number, "pid": pid}
            events.append({**flow, "ph": "s", "tid": lane_of[piece.waited_for], "ts": leaves})
            events.append({**flow, "ph": "f", "bp": "e", "tid": piece.lane, "ts": start})
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "tool": "noxgraph",
            "wall_seconds": round(run.wall_seconds, 3),
            "critical_path_seconds": round(run.critical_seconds, 3),
            "critical_path": list(run.critical_path),
            "workers": run.lanes,
            "not_run": dict(not_run or {}),
        },
    }


def write_trace(
    path: Path, run: Timeline, title: str, not_run: Mapping[str, str] | None = None
) -> None:
    """Write the trace of ``run`` to ``path`` (atomically, as every file noxgraph writes)."""
    text = json.dumps(trace_document(run, title, not_run), indent=1, ensure_ascii=False)
    write_atomic(path, (text + "\n").encode())
