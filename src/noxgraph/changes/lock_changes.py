"""Which members a changed lock file affects, and which locked packages are why.

A lock covers the members whose environments it decides: a ``uv.lock`` at a uv
workspace's root covers that workspace's members (``Workspace.lock_roots``);
any other lock (``poetry.lock``, ``pdm.lock``, the ``uv.lock`` of a project on
its own) covers the member whose folder holds it. A member is affected by the
lock when a package of its locked closure (see :mod:`noxgraph.changes.locks`) was added,
removed or changed between the base and head, over the edge kinds that count
for the task. The walk goes through the entries of the other members the lock
covers, with the extras asked for, so a member whose own closure did not change
is not affected by the lock, whatever its dependencies are affected by. A lock
that cannot be read on either side affects everything it covers, and says why.
Nothing here runs unless a lock file changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from noxgraph.changes.changed_files import ChangedFile, Changes
from noxgraph.changes.file_versions import FileVersions, versions_of
from noxgraph.changes.lock_files import LockFormat
from noxgraph.changes.locks import (
    Lock,
    LockedChange,
    LockError,
    Reach,
    diff_locks,
    parse_lock,
)
from noxgraph.kinds import Kind
from noxgraph.workspace.load import Workspace

__all__ = [
    "ChangedLock",
    "LockDiff",
    "LockedHit",
    "lock_diffs",
    "members_covered",
]

#: A lock entry on the way: (member, extra), the extra ``None`` for its plain entry.
Entry = tuple[str, "str | None"]


@dataclass(frozen=True, slots=True)
class LockedHit:
    """A changed locked package in a member's closure, and the other members' entries
    the walk went through to reach it (nearest first; none when the member's own
    entry leads there without another member's)."""

    change: LockedChange
    via: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangedLock:
    """A changed file that is a lock covering members: its format, and those members."""

    file: ChangedFile
    format: LockFormat
    covers: tuple[str, ...]


@dataclass(frozen=True)
class LockDiff:
    """One changed lock file (POSIX, relative to the root) and what it does.

    ``changes``: every locked package that differs. ``affects``: each member it
    affects, with the changes in that member's closure. ``problem``: why the lock
    could not be read or compared (a line that names the file and the side); then
    it affects every member it ``covers``.
    """

    path: str
    format: LockFormat
    covers: tuple[str, ...]
    changes: tuple[LockedChange, ...] = ()
    affects: Mapping[str, tuple[LockedHit, ...]] = field(default_factory=dict)
    problem: str | None = None


def _unreadable(path: str, format: LockFormat, covers: tuple[str, ...], why: str) -> LockDiff:
    return LockDiff(path, format, covers, affects={name: () for name in covers}, problem=why)


def members_covered(workspace: Workspace, path: str, format: LockFormat) -> tuple[str, ...]:
    """The members the lock at ``path`` decides the environments of (see the module)."""
    folder = Path(workspace.root, path).parent
    if format == "uv":
        members = tuple(n for n, r in workspace.lock_roots.items() if r == folder)
        if members:
            return tuple(sorted(members))
    return tuple(
        pkg.name
        for pkg in workspace.packages
        if pkg.path == folder and (format != "uv" or pkg.name not in workspace.lock_roots)
    )


def lock_diffs(
    workspace: Workspace,
    changes: Changes,
    locks: Sequence[ChangedLock],
    kinds: Sequence[Kind],
) -> tuple[LockDiff, ...]:
    """Compare each changed lock at the base and at head, and find the members each
    affects over ``kinds``."""
    versions = versions_of(workspace.root, changes, [lock.file for lock in locks])
    return tuple(
        _diff(workspace, found, lock.format, lock.covers, kinds)
        for found, lock in zip(versions, locks, strict=True)
    )


def _read(format: LockFormat, data: bytes | None, display: str) -> Lock:
    return Lock(format, {}) if data is None else parse_lock(format, data, display)


def _diff(
    workspace: Workspace,
    found: FileVersions,
    format: LockFormat,
    covers: tuple[str, ...],
    kinds: Sequence[Kind],
) -> LockDiff:
    if found.problem is not None:
        return _unreadable(found.path, format, covers, f"{found.path}: {found.problem}")
    try:
        before = _read(format, found.before, f"{found.path} at the base")
        after = _read(format, found.after, found.path)
    except LockError as exc:
        return _unreadable(found.path, format, covers, exc.message)
    changed = diff_locks(before, after)
    hits: dict[str, dict[str, tuple[Entry, ...]]] = {name: {} for name in covers}
    # Head first, so a change both sides lead to is explained by the lock as it is now.
    members = frozenset(covers)
    for lock in (after, before):
        reach = Reach(lock, changed.keys(), members)
        for name in covers:
            reached = hits[name]
            if lock.format == "uv" and name in changed:
                reached.setdefault(name, ())  # its own entry: a version, its dependencies
            edges = _own_edges(workspace, lock, name, kinds)
            if not reach.of(edges) <= reached.keys():
                for hit, via in reach.via(edges).items():
                    reached.setdefault(hit, via)
    affects = {
        name: tuple(LockedHit(changed[hit], reached[hit]) for hit in sorted(reached))
        for name, reached in hits.items()
        if reached
    }
    return LockDiff(
        found.path,
        format,
        covers,
        changes=tuple(changed[name] for name in sorted(changed)),
        affects=affects,
    )


def _own_edges(
    workspace: Workspace, lock: Lock, name: str, kinds: Sequence[Kind]
) -> list[tuple[str, tuple[str, ...]]]:
    """What ``name`` itself depends on in ``lock``, over ``kinds``: its entry's
    dependencies, extras and groups in a ``uv.lock`` (uv keeps dependency groups and
    ``tool.uv.dev-dependencies`` together, so group and dev both count them); the
    names it declares in the other formats, which do not list the project they lock."""
    if lock.format == "uv":
        edges: list[tuple[str, tuple[str, ...]]] = []
        for entry in lock.packages.get(name, ()):
            if "runtime" in kinds:
                edges.extend(entry.dependencies)
            if "optional" in kinds:
                edges.extend(edge for listed in entry.extras.values() for edge in listed)
            if "group" in kinds or "dev" in kinds:
                edges.extend(edge for listed in entry.groups.values() for edge in listed)
        return edges
    pkg = workspace.get(name)
    if pkg is None:
        return []
    return [
        (decl.name, decl.extras)
        for decl in pkg.declarations
        if decl.kind in kinds and decl.name and decl.name != name
    ]
