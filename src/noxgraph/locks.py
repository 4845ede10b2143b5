"""Lock files read into immutable values, compared, and walked.

A :class:`Lock` holds, per locked package name, what the lock says decides what
gets installed: the version, the source, and the dependencies as the lock
records them (with their markers and extras). Artifact hashes, sizes, upload
times and summaries are left out, so a lock that a newer tool rewrites in a
newer layout, with nothing else changed, changes no package.

Three formats, told apart by the file name:

- ``uv.lock`` (version 1): workspace members are entries of their own (an
  ``editable``, ``virtual`` or ``directory`` source), so a member's locked
  closure starts at its entry: its ``dependencies`` (runtime), its
  ``optional-dependencies`` (optional) and its ``dev-dependencies`` (uv keeps
  dependency groups and ``tool.uv.dev-dependencies`` there, so group or dev);
  further down, an extra's dependencies count where an entry asks for that extra.
- ``poetry.lock`` (lock-version 1.x and 2.x) and ``pdm.lock`` (lock_version 4.x)
  do not list the project they lock, so its closure starts at the names it
  declares; further down every recorded dependency counts, optional ones
  included (a package an extra would add is only locked when some extra asks
  for it, so this over-counts only what the lock holds anyway).

Entries that share a name (uv's forked resolutions, pdm's entries per extra)
are walked as one: that over-counts a fork at most.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from noxgraph._toml import parse_toml
from noxgraph.errors import NoxgraphError

__all__ = [
    "LOCK_FILES",
    "Lock",
    "LockError",
    "LockedChange",
    "LockedPackage",
    "closure",
    "diff_locks",
    "parse_lock",
]

LockFormat = Literal["uv", "poetry", "pdm"]
#: The lock files noxgraph reads, by file name.
LOCK_FILES: Mapping[str, LockFormat] = {"uv.lock": "uv", "poetry.lock": "poetry", "pdm.lock": "pdm"}

#: What changed about a locked package between two locks.
ChangeKind = Literal["added", "removed", "version", "source", "dependencies"]

#: Edges of a locked package: (name, extras it asks for).
_Edge = tuple[str, tuple[str, ...]]


class LockError(NoxgraphError):
    """A lock file noxgraph cannot read: invalid TOML, or a format it does not know."""


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One entry of a lock, reduced to what decides what gets installed.

    ``fingerprint`` is the canonical JSON of the version, source and recorded
    dependencies (with markers), compared between two locks. ``member``: the
    entry is a project of the workspace itself (uv only). ``dependencies``,
    ``extras`` and ``groups`` are the edges a closure walks.
    """

    name: str
    version: str
    source: str
    fingerprint: str
    member: bool
    dependencies: tuple[_Edge, ...]
    extras: Mapping[str, tuple[_Edge, ...]]
    groups: Mapping[str, tuple[_Edge, ...]]


@dataclass(frozen=True)
class Lock:
    """A lock file's packages, by canonical name (entries sharing a name kept together)."""

    format: LockFormat
    packages: Mapping[str, tuple[LockedPackage, ...]]


@dataclass(frozen=True, slots=True)
class LockedChange:
    """A locked package that differs between two locks: the versions at each side
    (``""`` for an entry without one), and what changed, the first of version,
    source, dependencies that did."""

    name: str
    change: ChangeKind
    before: tuple[str, ...]
    after: tuple[str, ...]


def _fingerprint(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)


def _source_text(source: Any) -> str:
    return _fingerprint(source) if isinstance(source, dict) else ""


# -- uv.lock -----------------------------------------------------------------------------


def _uv_edges(entries: Any, display: str) -> tuple[_Edge, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise LockError(f"{display}: a dependency list is not an array")
    edges: list[_Edge] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise LockError(f"{display}: a dependency is not a table with a 'name'")
        extras = entry.get("extra", [])
        edges.append(
            (
                canonicalize_name(entry["name"]),
                tuple(str(e) for e in extras) if isinstance(extras, list) else (),
            )
        )
    return tuple(edges)


def _uv_tables(value: Any, display: str) -> dict[str, tuple[_Edge, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockError(f"{display}: optional or dev dependencies are not a table")
    return {str(key): _uv_edges(entries, display) for key, entries in value.items()}


_UV_MEMBER_SOURCES = ("editable", "virtual", "directory")


def _uv(document: Mapping[str, Any], display: str) -> list[LockedPackage]:
    version = document.get("version")
    if version != 1:
        raise LockError(f"{display}: lock version {version!r} is not one noxgraph reads (1)")
    found: list[LockedPackage] = []
    for entry in _entries(document, display):
        source = entry.get("source")
        decided = {
            key: entry.get(key)
            for key in (
                "version",
                "source",
                "dependencies",
                "optional-dependencies",
                "dev-dependencies",
                "resolution-markers",
            )
        }
        found.append(
            LockedPackage(
                name=canonicalize_name(entry["name"]),
                version=str(entry.get("version", "")),
                source=_source_text(source),
                fingerprint=_fingerprint(decided),
                member=isinstance(source, dict) and any(k in source for k in _UV_MEMBER_SOURCES),
                dependencies=_uv_edges(entry.get("dependencies"), display),
                extras=_uv_tables(entry.get("optional-dependencies"), display),
                groups=_uv_tables(entry.get("dev-dependencies"), display),
            )
        )
    return found


# -- poetry.lock and pdm.lock ------------------------------------------------------------


def _requirement_edge(text: str, display: str) -> _Edge:
    """The name and extras of a pdm dependency (``-e`` marks an editable one)."""
    try:
        requirement = Requirement(text.removeprefix("-e ").strip())
    except InvalidRequirement as exc:
        raise LockError(f"{display}: dependency {text!r} is not a requirement: {exc}") from None
    return canonicalize_name(requirement.name), tuple(sorted(requirement.extras))


def _poetry(document: Mapping[str, Any], display: str) -> list[LockedPackage]:
    metadata = document.get("metadata")
    version = metadata.get("lock-version") if isinstance(metadata, dict) else None
    if not isinstance(version, str) or version.split(".")[0] not in ("1", "2"):
        raise LockError(
            f"{display}: lock-version {version!r} is not one noxgraph reads (1.x or 2.x)"
        )
    found: list[LockedPackage] = []
    for entry in _entries(document, display):
        dependencies = entry.get("dependencies", {})
        if not isinstance(dependencies, dict):
            raise LockError(f"{display}: [package.dependencies] is not a table")
        decided = {key: entry.get(key) for key in ("version", "source", "dependencies", "markers")}
        found.append(
            LockedPackage(
                name=canonicalize_name(entry["name"]),
                version=str(entry.get("version", "")),
                source=_source_text(entry.get("source")),
                fingerprint=_fingerprint(decided),
                member=False,
                dependencies=tuple((canonicalize_name(n), ()) for n in dependencies),
                extras={},
                groups={},
            )
        )
    return found


_PDM_SOURCE = ("path", "editable", "url", "git", "ref", "revision", "subdirectory")


def _pdm(document: Mapping[str, Any], display: str) -> list[LockedPackage]:
    metadata = document.get("metadata")
    version = metadata.get("lock_version") if isinstance(metadata, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != "4":
        raise LockError(f"{display}: lock_version {version!r} is not one noxgraph reads (4.x)")
    found: list[LockedPackage] = []
    for entry in _entries(document, display):
        dependencies = entry.get("dependencies", [])
        if not isinstance(dependencies, list):
            raise LockError(f"{display}: a package's dependencies are not an array")
        source = {key: entry[key] for key in _PDM_SOURCE if key in entry}
        decided = {
            key: entry.get(key) for key in ("version", "dependencies", "extras", "marker")
        } | {"source": source}
        found.append(
            LockedPackage(
                name=canonicalize_name(entry["name"]),
                version=str(entry.get("version", "")),
                source=_source_text(source),
                fingerprint=_fingerprint(decided),
                member=False,
                dependencies=tuple(_requirement_edge(str(d), display) for d in dependencies),
                extras={},
                groups={},
            )
        )
    return found


def _entries(document: Mapping[str, Any], display: str) -> list[Mapping[str, Any]]:
    entries = document.get("package", [])
    if not isinstance(entries, list):
        raise LockError(f"{display}: [[package]] is not an array of tables")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise LockError(f"{display}: a [[package]] entry has no string 'name'")
    return entries


_READERS = {"uv": _uv, "poetry": _poetry, "pdm": _pdm}


def parse_lock(format: LockFormat, data: bytes, display: str) -> Lock:
    """Read a lock file's bytes; :class:`LockError` when they cannot be read."""
    try:
        document = parse_toml(data, display)
    except NoxgraphError as exc:
        raise LockError(exc.message) from None
    packages: dict[str, list[LockedPackage]] = {}
    for package in _READERS[format](document, display):
        packages.setdefault(package.name, []).append(package)
    return Lock(format, {name: tuple(entries) for name, entries in packages.items()})


def diff_locks(before: Lock, after: Lock) -> dict[str, LockedChange]:
    """Every locked package that was added, removed or changed, by name."""
    changes: dict[str, LockedChange] = {}
    for name in before.packages.keys() | after.packages.keys():
        old, new = before.packages.get(name, ()), after.packages.get(name, ())
        if sorted(p.fingerprint for p in old) == sorted(p.fingerprint for p in new):
            continue
        versions = (
            tuple(sorted({p.version for p in old})),
            tuple(sorted({p.version for p in new})),
        )
        kind: ChangeKind
        if not old:
            kind = "added"
        elif not new:
            kind = "removed"
        elif versions[0] != versions[1]:
            kind = "version"
        elif sorted(p.source for p in old) != sorted(p.source for p in new):
            kind = "source"
        else:
            kind = "dependencies"
        changes[name] = LockedChange(name, kind, *versions)
    return changes


def closure(
    lock: Lock,
    start: str | None,
    declared: Iterable[_Edge],
    *,
    runtime: bool = True,
    extras: bool = False,
    groups: bool = False,
    stop: Sequence[str] = (),
) -> set[str]:
    """The locked packages a project installs: from its own entry ``start`` (uv; the
    entry itself counts) with its dependencies, extras and groups as asked, or from the
    names it ``declared`` (poetry, pdm), down every recorded dependency. The walk
    does not enter the names in ``stop`` (other projects the same lock covers:
    their own changes reach their dependents through the workspace's graph)."""
    pending: list[_Edge] = list(declared)
    seen: set[str] = set()
    if start is not None:
        seen.add(start)
        for entry in lock.packages.get(start, ()):
            if runtime:
                pending.extend(entry.dependencies)
            if extras:
                pending.extend(edge for edges in entry.extras.values() for edge in edges)
            if groups:
                pending.extend(edge for edges in entry.groups.values() for edge in edges)
    asked: set[_Edge] = set()
    blocked = set(stop)
    while pending:
        edge = pending.pop()
        name, wanted = edge
        if edge in asked or name in blocked or name not in lock.packages:
            continue
        asked.add(edge)
        first = name not in seen
        seen.add(name)
        for entry in lock.packages[name]:
            if first:
                pending.extend(entry.dependencies)
            for extra in wanted:
                pending.extend(entry.extras.get(extra, ()))
    return seen
