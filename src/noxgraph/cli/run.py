"""``noxgraph run``: hand a task to nox, then read back its report.

nox does the work: ``noxgraph run TASK`` runs ``nox -s TASK-all``, and with
``--affected`` ``nox -s TASK-affected`` with the change options as its posargs,
so the affected sessions are chosen, and unaffected upstream ones skipped, by
the very mechanism ``nox -s TASK-affected`` uses (:mod:`noxgraph.sessions.selection`).
Afterwards nox's ``--report`` JSON becomes one row per session, and an aborted
session names the failed package it waited for.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from noxgraph.changes.options import ChangeOptions
from noxgraph.sessions.declarations import session_name
from noxgraph.sessions.selection import NO_CACHE

__all__ = ["ReportRow", "cached_sessions", "invoke", "nox_command", "read_report"]

_PREREQUISITE = ("Prerequisite session ", " was not successful")


def _change_posargs(options: ChangeOptions) -> list[str]:
    args: list[str] = []
    if options.base is not None:
        args += ["--base", options.base]
    if options.head is not None:
        args += ["--head", options.head]
    if options.files is not None:
        args += ["--files", *(str(Path(f).resolve()) for f in options.files)]
    if options.uncommitted is not None:
        args.append("--uncommitted" if options.uncommitted else "--no-uncommitted")
    if options.if_base_missing != "error":
        args += ["--if-base-missing", options.if_base_missing]
    return args


def nox_command(
    task: str,
    *,
    noxfile: Path,
    report: Path | None,
    jobs: int | None = None,
    affected: ChangeOptions | None = None,
    nox_args: Sequence[str] = (),
    cache: bool = True,
) -> list[str]:
    """The nox command line that runs ``task`` for every package, or the affected ones;
    with ``report``, writing nox's report there; without ``cache``, with the session
    cache off (the ``--no-cache`` posarg)."""
    session = session_name(task, "affected" if affected is not None else "all")
    argv = [sys.executable, "-m", "nox", "--noxfile", str(noxfile)]
    if report is not None:
        argv += ["--report", str(report)]
    if jobs is not None and jobs > 1:
        argv += ["--parallel", str(jobs)]
    argv += ["--sessions", session, *nox_args]
    posargs = _change_posargs(affected) if affected is not None else []
    if not cache:
        posargs.append(NO_CACHE)
    if affected is not None or posargs:
        argv += ["--", *posargs]
    return argv


def _in_the_foreground() -> bool:
    """Whether this process is in the terminal's foreground job: Ctrl-C reaches every
    process of its group, and a session may read the terminal (a debugger)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False  # no terminal, or stdin closed or replaced


def invoke(
    argv: Sequence[str],
    *,
    stdout_to_stderr: bool = False,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run nox, its output going straight to the terminal (or to stderr); its exit
    status, 0 or 1.

    nox stops a session on SIGINT, not on SIGTERM (which ends nox alone, the session's
    command running on as an orphan). So SIGTERM stops nox as Ctrl-C does: SIGINT to
    nox's process group, which holds the session's command and what it started (and
    so does SIGHUP); then noxgraph waits for nox, and ends as the signal says. Outside a terminal's
    foreground job, nox runs in a process group of its own, so SIGINT reaches it only
    through noxgraph; in the foreground it stays in the job, which Ctrl-C reaches
    whole, and the terminal stays the session's to read."""
    foreground = _in_the_foreground()
    # fd 2, not sys.stderr: the caller may have replaced that object.
    process = subprocess.Popen(
        argv, stdout=2 if stdout_to_stderr else None, env=env, start_new_session=not foreground
    )
    received: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if not foreground:
                os.killpg(process.pid, signal.SIGINT)
            elif os.getpgrp() == os.getpid():
                # The job is this command's: Ctrl-C, sent to it whole (this process
                # included, which waits).
                os.killpg(os.getpgrp(), signal.SIGINT)
            else:
                process.send_signal(signal.SIGINT)  # nox ends its session's command

    # SIGHUP (a supervisor's, or the session's end) would end noxgraph alone, nox
    # running on unwatched: it stops nox as SIGTERM does.
    handled = [signal.SIGTERM, signal.SIGHUP]
    if not foreground:
        handled.append(signal.SIGINT)
    previous = {signum: signal.signal(signum, forward) for signum in handled}
    try:
        while True:
            try:
                code = process.wait()
                break
            except KeyboardInterrupt:
                continue  # nox has it too, and ends its session first
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received and not foreground:
            # What ignored SIGINT in nox's group goes now, nox being done.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
    if received:
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + received[0])
    return 0 if code == 0 else 1


@dataclass(frozen=True)
class ReportRow:
    """One session of nox's report, as the summary table shows it."""

    session: str
    package: str
    result: str
    duration: float
    note: str


def _waited_for(reason: str | None, results: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The failed session an aborted one waited for, following aborted prerequisites."""
    seen: set[str] = set()
    while reason and reason.startswith(_PREREQUISITE[0]) and reason.endswith(_PREREQUISITE[1]):
        name = reason[len(_PREREQUISITE[0]) : -len(_PREREQUISITE[1])]
        entry = results.get(name)
        if entry is None or name in seen or entry.get("result") != "aborted":
            return name
        seen.add(name)
        reason = entry.get("reason")
    return None


def cached_sessions(folder: Path) -> dict[str, str]:
    """The sessions that left a file in ``folder`` (:data:`ENV_CACHED_REPORT`) because
    they came from the session cache, each with its key."""
    found: dict[str, str] = {}
    try:
        for path in folder.iterdir():
            found[path.name] = path.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    return found


def read_report(
    path: Path, packages: Mapping[str, str], cached: Mapping[str, str] | None = None
) -> list[ReportRow]:
    """nox's ``--report`` JSON as rows (``packages``: session -> package; ``cached``:
    the sessions taken from the session cache, with their keys); an empty list when
    nox wrote none."""
    cached = cached or {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = [e for e in data.get("sessions", []) if isinstance(e, dict)]
    results = {str(e.get("name")): e for e in entries}
    rows: list[ReportRow] = []
    for entry in entries:
        name = str(entry.get("name"))
        result = str(entry.get("result", "?"))
        reason = entry.get("reason")
        note = ""
        if result == "aborted":
            failed = _waited_for(reason, results)
            if failed is not None:
                note = f"waited for {packages.get(failed, failed)} ({failed}), which failed"
        elif result == "skipped" and name in cached:
            result, note = "cached", f"inputs {cached[name]}"
        elif reason:
            note = str(reason)
        package = packages.get(name, "-")
        rows.append(ReportRow(name, package, result, float(entry.get("duration") or 0), note))
    return rows
