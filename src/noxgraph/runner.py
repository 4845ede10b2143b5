"""``noxgraph run``: choose the sessions, hand them to nox, read back its report.

nox does the work. noxgraph picks ``<task>-all``, or for ``--affected`` the
affected sessions plus the upstream ones ``requires=`` pulls in, which skip
through the same marker the ``<task>-affected`` session uses (passed in the
environment, because ``-j`` runs every session in its own nox process).
Afterwards nox's ``--report`` JSON becomes one row per session, and an
aborted session names the failed package it waited for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noxgraph.errors import UsageError
from noxgraph.sessions import (
    AGGREGATES,
    ENV_NOT_AFFECTED,
    SessionSpec,
    affected_plan,
    not_affected_reason,
    session_name,
)

__all__ = ["ReportRow", "RunPlan", "plan_run", "read_report"]

_PREREQUISITE = ("Prerequisite session ", " was not successful")


@dataclass(frozen=True)
class RunPlan:
    """The nox command to run, and which of its sessions only skip."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    sessions: tuple[str, ...]
    skipped: Mapping[str, str]


def plan_run(
    specs: Sequence[SessionSpec],
    task: str,
    *,
    noxfile: Path,
    report: Path,
    jobs: int | None = None,
    affected: Sequence[str] | None = None,
    bases: Sequence[str | None] = (),
    nox_args: Sequence[str] = (),
) -> RunPlan | None:
    """The plan, or ``None`` when ``--affected`` finds nothing to do."""
    tasks = {spec.task for spec in specs}
    if task not in tasks:
        raise UsageError(
            f"no sessions for task {task!r}; the tasks are {', '.join(sorted(tasks)) or 'none'}"
        )
    skipped: dict[str, str] = {}
    if affected is None:
        sessions: list[str] = [session_name(task, "all")]
    else:
        plan = affected_plan(specs, task, affected, not_affected_reason(bases))
        if not plan:
            return None
        sessions = [name for name, _ in plan]
        skipped = {name: reason for name, reason in plan if reason is not None}
    argv = [sys.executable, "-m", "nox", "--noxfile", str(noxfile), "--report", str(report)]
    if jobs is not None and jobs > 1:
        argv += ["--parallel", str(jobs)]
    argv += ["--sessions", *sessions, *nox_args]
    env = {ENV_NOT_AFFECTED: json.dumps(skipped, sort_keys=True)} if skipped else {}
    return RunPlan(tuple(argv), env, tuple(sessions), skipped)


def invoke(plan: RunPlan) -> int:
    """Run nox as planned, its output going straight to the terminal; its exit status."""
    return subprocess.run(plan.argv, env={**os.environ, **plan.env}, check=False).returncode


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


def read_report(path: Path) -> list[ReportRow]:
    """nox's ``--report`` JSON as rows; an empty list when nox wrote none."""
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
                note = f"waited for {failed.split('-', 1)[-1]} ({failed}), which failed"
        elif reason:
            note = str(reason)
        package = name.split("-", 1)[1] if "-" in name else name
        if package in AGGREGATES:
            package = "-"
        rows.append(ReportRow(name, package, result, float(entry.get("duration") or 0), note))
    return rows
