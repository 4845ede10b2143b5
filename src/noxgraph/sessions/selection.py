"""Which sessions an affected run queues, and which of them only skip.

This module owns the one way a session is marked as skipping. When nox is asked
for ``<task>-affected`` (``nox -s build-affected [-j N] [-- --base REF ...]``,
which is also what ``noxgraph run TASK --affected`` runs), the noxfile works out
the affected set while nox loads it, before nox builds its queue:
``<task>-affected`` then ``requires=`` exactly the affected sessions, so nox's own
scheduler (serial, or ``-j``) runs them in dependency order and pulls in the
upstream sessions they need; those are registered without a virtualenv and
skip at once with their reason. The answer is kept in :data:`ENV_SELECTION` for
the rest of that nox run, because under ``-j`` every session runs in its own
nox process that loads the noxfile again.

nox does not tell a noxfile which sessions were asked for, so this module reads
nox's command line (``-s``/``-e``/``--sessions`` and ``NOXSESSION``) for them, and
``-f``/``--noxfile`` to know the folder nox was started in, against which
``--files`` are resolved.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from noxgraph._text import some
from noxgraph.changes.options import ChangeOptions, add_change_options, options_from
from noxgraph.errors import UsageError

if TYPE_CHECKING:
    from noxgraph.sessions.declarations import Declarations
    from noxgraph.sessions.nox_command import NoxCommand
    from noxgraph.workspace.load import Workspace

__all__ = [
    "ENV_SELECTION",
    "Selection",
    "affected_options",
    "asked_for",
    "select",
    "split_profile",
    "undeclared",
    "without_no_cache",
]

#: JSON of the :class:`Selection` of the running nox command, for its worker processes.
ENV_SELECTION = "NOXGRAPH_SELECTION"


class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Refused(message)


#: The posarg of ``<task>-all`` and ``<task>-affected`` that turns the session cache off.
NO_CACHE = "--no-cache"


def affected_options(session: str, posargs: Sequence[str]) -> tuple[ChangeOptions, list[str], bool]:
    """Split an affected session's posargs into its options, the posargs for the
    package sessions (after a second ``--``), and whether ``--no-cache`` was given."""
    mine, rest = list(posargs), []
    if "--" in mine:
        cut = mine.index("--")
        mine, rest = mine[:cut], mine[cut + 1 :]
    parser = _Parser(prog=f"nox -s {session} --", add_help=False)
    add_change_options(parser)
    parser.add_argument(NO_CACHE, action="store_true", dest="no_cache")
    try:
        parsed = parser.parse_args(mine)
        return options_from(parsed), rest, bool(parsed.no_cache)
    except _Refused as exc:
        raise UsageError(
            f"{session}: {exc} (its posargs are --base REF, --head REF, --files PATH ...,"
            " --no-cache; posargs for the package sessions go after a second --)"
        ) from None


#: The posarg of ``<task>-all`` and ``<task>-affected`` that writes the run's timeline to a file.
PROFILE = "--profile"


def split_profile(posargs: Sequence[str], *, affected: bool) -> tuple[list[str], str | None]:
    """``posargs`` without ``--profile FILE``, and FILE (``None`` when not given).

    It is noxgraph's where noxgraph's own options are: for ``<task>-affected``
    anywhere before a second ``--``, for ``<task>-all`` among the leading ones
    (``--no-cache``, ``--profile FILE``); elsewhere it belongs to the package sessions.
    """
    rest = list(posargs)
    end = rest.index("--") if affected and "--" in rest else len(rest)
    at = 0
    while at < end:
        arg = rest[at]
        if arg == PROFILE or arg.startswith(PROFILE + "="):
            value = arg[len(PROFILE) + 1 :] if "=" in arg else None
            taken = 1
            if value is None:
                if at + 1 >= end:
                    raise UsageError(f"{PROFILE} needs a FILE to write the run's timeline to")
                value, taken = rest[at + 1], 2
            if not value.strip():
                raise UsageError(f"{PROFILE}: an empty path names no file")
            del rest[at : at + taken]
            return rest, value
        if not affected and arg != NO_CACHE:
            break
        at += 1
    return rest, None


def without_no_cache(posargs: Sequence[str]) -> tuple[list[str], bool]:
    """The posargs of a run that names no affected session, without a leading
    ``--no-cache`` (noxgraph's, for ``nox -s build-all -- --no-cache``), and whether
    it was there."""
    if posargs and posargs[0] == NO_CACHE:
        return list(posargs[1:]), True
    return list(posargs), False


@dataclass(frozen=True)
class Selection:
    """What an affected run of one task queues.

    ``run``: the affected sessions, in dependency order. ``skip``: upstream
    sessions ``requires=`` pulls in that are not affected, with the reason
    each gives. ``posargs``: what the package sessions get. ``error``: why
    there is no answer (the affected session fails with it, and nothing else runs).
    ``cache``: whether sessions may be taken from the session cache (no ``--no-cache``).
    """

    task: str
    run: tuple[str, ...] = ()
    skip: Mapping[str, str] = field(default_factory=dict)
    posargs: tuple[str, ...] = ()
    summary: str = ""
    error: str | None = None
    cache: bool = True

    def encode(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "run": list(self.run),
            "skip": dict(self.skip),
            "posargs": list(self.posargs),
            "summary": self.summary,
            "error": self.error,
            "cache": self.cache,
        }

    @classmethod
    def decode(cls, value: Mapping[str, Any]) -> Selection:
        return cls(
            str(value["task"]),
            tuple(map(str, value["run"])),
            {str(k): str(v) for k, v in value["skip"].items()},
            tuple(map(str, value["posargs"])),
            str(value.get("summary", "")),
            value.get("error"),
            bool(value.get("cache", True)),
        )


def save(selections: Iterable[Selection], environ: MutableMapping[str, str]) -> None:
    """Keep the selections for the worker processes of this nox run."""
    environ[ENV_SELECTION] = json.dumps([s.encode() for s in selections], separators=(",", ":"))


def saved(environ: Mapping[str, str]) -> list[Selection] | None:
    """The selections a parent nox process kept, or ``None`` when there are none."""
    raw = environ.get(ENV_SELECTION)
    if not raw:
        return None
    try:
        return [Selection.decode(item) for item in json.loads(raw)]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def asked_for(command: NoxCommand, tasks: Iterable[str]) -> list[str]:
    """The tasks whose ``<task>-affected`` session the command names."""
    # Only a noxfile asks: `noxgraph affected` reads its options here, and no session.
    from noxgraph.sessions.declarations import session_name

    names = set(command.sessions)
    return [task for task in tasks if session_name(task, "affected") in names]


def _nox_invoked_from() -> Path | None:
    """The folder nox itself records it was started in (``invoked_from`` of its
    configuration), from the frame of nox's loader that is loading the noxfile now.
    ``PWD`` may be stale (a process started from another program), and the ``-f``
    path alone cannot say where ``..`` led from."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith("nox."):
            where = getattr(frame.f_locals.get("global_config"), "invoked_from", None)
            if isinstance(where, str):
                return Path(where)
        frame = frame.f_back
    return None


def invoked_from(command: NoxCommand, noxfile: Path, environ: Mapping[str, str]) -> Path:
    """The folder nox was started in: nox changes into the noxfile's folder before
    loading it, so it is found from the ``-f`` path that leads from there to here."""
    recorded = _nox_invoked_from()
    if recorded is not None:
        return recorded
    given = command.noxfile or "noxfile.py"
    here = noxfile.resolve().parent
    relative = Path(os.path.expandvars(given)).parent
    candidates = []
    if environ.get("PWD"):
        candidates.append(Path(environ["PWD"]))
    if not relative.is_absolute() and ".." not in relative.parts:
        stripped = here
        for _ in relative.parts:
            stripped = stripped.parent
        candidates.append(stripped)
    for candidate in candidates:
        if (candidate / relative).resolve() == here:
            return candidate
    return here


def select(
    declarations: Declarations,
    task: str,
    affected: Iterable[str],
    reason: str,
    posargs: Sequence[str] = (),
    *,
    cache: bool = True,
    unread: Sequence[str] = (),
) -> Selection:
    """The ``task`` sessions to queue for the ``affected`` packages, in dependency order.

    Sessions of affected packages run; the upstream sessions ``requires=`` pulls in
    for them whose packages are not affected skip with ``reason``.
    """
    from noxgraph.sessions.declarations import start_order

    every = declarations.nox_sessions()
    sessions = {s.name: s for s in every}
    chosen = set(affected)
    needed: set[str] = set()
    stack = [s.name for s in every if s.session.task == task and s.session.package in chosen]
    while stack:
        name = stack.pop()
        if name not in needed and name in sessions:
            needed.add(name)
            stack.extend(sessions[name].requires)
    run = tuple(
        start_order(
            every, [s.name for s in every if s.name in needed and s.session.package in chosen]
        )
    )
    skip = {s.name: reason for s in every if s.name in needed and s.session.package not in chosen}
    summary = f"{task}: no package is affected; nothing to do"
    if chosen and not run:
        names = sorted(chosen)
        summary = (
            f"{task}: {_count(len(names), 'package')} affected ({some(names)}),"
            f" none with a {task} session; nothing to do"
        )
    if run:
        summary = f"{task}: {_count(len(run), 'affected session')}"
        if skip:
            summary += f", {_count(len(skip), 'upstream session')} queued only to skip ({reason})"
    if unread:
        summary += (
            f" ({_count(len(unread), 'changed file')} in setuptools projects noxgraph does not"
            f" read, counted for nothing: {some(unread)})"
        )
    return Selection(task, run, skip, tuple(posargs), summary, cache=cache)


def undeclared(
    declarations: Declarations, workspace: Workspace, task: str, affected: Iterable[str]
) -> list[str]:
    """The ``affected`` packages the workspace gives a ``task`` session that
    ``declarations`` (a noxfile's) lack: the noxfile is stale, and they would not run."""
    declared = {s.session.package for s in declarations.nox_sessions(task)}
    return [name for name in affected if name not in declared and task in workspace.tasks_of(name)]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def not_affected_reason(bases: Iterable[str | None]) -> str:
    """The reason an unaffected upstream session gives when it skips."""
    named = sorted({base for base in bases if base})
    return f"not affected since {', '.join(named)}" if named else "not affected"
