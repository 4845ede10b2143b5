"""Lock files read into immutable values, compared, and walked.

A :class:`Lock` holds, per locked package name, what the lock says decides what
gets installed: the version, the source, and the dependencies as the lock
records them (with their markers and extras, in any order). Artifact hashes,
sizes, upload times and summaries are left out, so a lock that a newer tool
rewrites in a newer layout, with nothing else changed, changes no package.

Three formats, told apart by the file name:

- ``uv.lock`` (version 1): workspace members are entries of their own (an
  ``editable``, ``virtual`` or ``directory`` source), so a member's locked
  closure starts at its entry: its ``dependencies`` (runtime), its
  ``optional-dependencies`` (optional) and its ``dev-dependencies`` (uv keeps
  dependency groups and ``tool.uv.dev-dependencies`` there, so group or dev);
  further down, other members' entries included, an extra's dependencies count
  where an entry asks for that extra, and no entry's groups count (only its own
  project installs them).
- ``poetry.lock`` (lock-version 1.x and 2.x) and ``pdm.lock`` (lock_version 4.x)
  do not list the project they lock, so its closure starts at the names it
  declares; further down every recorded dependency counts, optional ones
  included (a package an extra would add is only locked when some extra asks
  for it, so this over-counts only what the lock holds anyway).

Entries that share a name (uv's forked resolutions, pdm's entries per extra)
are walked as one: that over-counts a fork at most.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Literal

from noxgraph._names import canonicalize_name
from noxgraph.changes.lock_files import LockFormat
from noxgraph.errors import NoxgraphError
from noxgraph.workspace.toml import parse_toml

__all__ = [
    "Lock",
    "LockError",
    "LockedChange",
    "LockedPackage",
    "Reach",
    "diff_locks",
    "parse_lock",
]


#: What changed about a locked package between two locks.
ChangeKind = Literal["added", "removed", "version", "source", "dependencies", "markers"]

#: Edges of a locked package: (name, extras it asks for).
Edge = tuple[str, tuple[str, ...]]


class LockError(NoxgraphError):
    """A lock file noxgraph cannot read: invalid TOML, or a format it does not know."""


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One entry of a lock, reduced to what decides what gets installed.

    ``decided``: the version, source and recorded dependencies (with markers) as
    the lock holds them, compared between two locks (as values: the order of keys
    in the file does not count). ``dependencies``, ``extras`` and ``groups`` are
    the edges a closure walks.
    """

    name: str
    version: str | None
    source: Any
    decided: Mapping[str, Any]
    dependencies: tuple[Edge, ...]
    extras: Mapping[str, tuple[Edge, ...]]
    groups: Mapping[str, tuple[Edge, ...]]


@dataclass(frozen=True)
class Lock:
    """A lock file's packages, by canonical name (entries sharing a name kept together)."""

    format: LockFormat
    packages: Mapping[str, tuple[LockedPackage, ...]]


@dataclass(frozen=True, slots=True)
class LockedChange:
    """A locked package that differs between two locks: the versions at each side
    (``None`` for an entry without one, such as a member with a dynamic version),
    and what changed, the first of version, source, dependencies that did, else the
    environments its entries are chosen for (``markers``)."""

    name: str
    change: ChangeKind
    before: tuple[str | None, ...]
    after: tuple[str | None, ...]


@functools.lru_cache(maxsize=4096)
def _canonical(name: str) -> str:
    """PEP 503 names, remembered: a lock names the same few hundred packages thousands
    of times."""
    return canonicalize_name(name)


# -- uv.lock -----------------------------------------------------------------------------


def _uv_edges(entries: Any, display: str) -> tuple[Edge, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise LockError(f"{display}: dependencies are not a list")
    edges: list[Edge] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise LockError(f"{display}: a dependency is not a table with a 'name'")
        extras = entry.get("extra", [])
        if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
            raise LockError(f"{display}: 'extra' is not a list of strings")
        # uv writes names normalized already; a lock written by hand may not.
        edges.append((_canonical(entry["name"]), tuple(extras)))
    return tuple(edges)


def _uv_tables(value: Any, display: str) -> dict[str, tuple[Edge, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockError(f"{display}: optional or dev dependencies are not a table")
    return {str(key): _uv_edges(entries, display) for key, entries in value.items()}


def _dependency_list(entries: Any) -> Any:
    """A recorded dependency list as a value whose order does not count: uv sorts it,
    a lock written by hand or by another uv may not, and names may be spelled
    unnormalized. Anything that is not a list of tables is kept as it is, to compare."""
    if isinstance(entries, list) and all(isinstance(e, str) for e in entries):
        return sorted(entries)  # pdm's requirement strings
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return entries
    normal = [
        {
            key: _canonical(value) if key == "name" and isinstance(value, str) else value
            for key, value in entry.items()
        }
        | (
            {"extra": sorted(map(str, entry["extra"]))}
            if isinstance(entry.get("extra"), list)
            else {}
        )
        for entry in entries
    ]
    # Sorted by a text in which the order of an entry's keys does not count either.
    return sorted(normal, key=lambda entry: json.dumps(entry, sort_keys=True, default=str))


def _dependency_tables(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {key: _dependency_list(entries) for key, entries in value.items()}


def _normal(decided: Mapping[str, Any]) -> dict[str, Any]:
    """What an entry decides, with its dependency lists in a form whose order and
    spelling do not count (made only for the entries that differ as written)."""
    return dict(decided) | {
        key: (_dependency_list if key == "dependencies" else _dependency_tables)(decided[key])
        for key in ("dependencies", "optional-dependencies", "dev-dependencies")
        if key in decided
    }


def _uv(document: Mapping[str, Any], display: str) -> list[LockedPackage]:
    version = document.get("version")
    if version != 1:
        raise LockError(f"{display}: lock version {version!r} is not one noxgraph reads (1)")
    found: list[LockedPackage] = []
    for entry in _entries(document, display):
        decided = {
            "version": entry.get("version"),
            "source": entry.get("source"),
            "dependencies": entry.get("dependencies"),
            "optional-dependencies": entry.get("optional-dependencies"),
            "dev-dependencies": entry.get("dev-dependencies"),
            "resolution-markers": entry.get("resolution-markers"),
        }
        found.append(
            LockedPackage(
                name=_canonical(entry["name"]),
                version=_version(entry),
                source=entry.get("source"),
                decided=decided,
                dependencies=_uv_edges(entry.get("dependencies"), display),
                extras=_uv_tables(entry.get("optional-dependencies"), display),
                groups=_uv_tables(entry.get("dev-dependencies"), display),
            )
        )
    return found


# -- poetry.lock and pdm.lock ------------------------------------------------------------


def _requirement_edge(text: str, display: str) -> Edge:
    """The name and extras of a pdm dependency (``-e`` marks an editable one)."""
    from packaging.requirements import InvalidRequirement, Requirement  # pdm locks only

    try:
        requirement = Requirement(text.removeprefix("-e ").strip())
    except InvalidRequirement as exc:
        raise LockError(f"{display}: dependency {text!r} is not a requirement: {exc}") from None
    return _canonical(requirement.name), tuple(sorted(requirement.extras))


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
                name=_canonical(entry["name"]),
                version=_version(entry),
                source=entry.get("source"),
                decided=decided,
                dependencies=tuple((_canonical(n), ()) for n in dependencies),
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
                name=_canonical(entry["name"]),
                version=_version(entry),
                source=source,
                decided=decided,
                dependencies=tuple(_requirement_edge(str(d), display) for d in dependencies),
                extras={},
                groups={},
            )
        )
    return found


def _version(entry: Mapping[str, Any]) -> str | None:
    version = entry.get("version")
    return None if version is None else str(version)


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


def _same(old: list[Any], new: list[Any]) -> bool:
    """Whether two lists of TOML values hold the same values, in any order (a name's
    entries are one or a few, and TOML tables do not sort)."""
    if len(old) != len(new):
        return False
    rest = list(new)
    for value in old:
        if value not in rest:
            return False
        rest.remove(value)
    return True


def _versions(entries: Iterable[LockedPackage]) -> tuple[str | None, ...]:
    """The versions of a name's entries, sorted, an entry without one last."""
    return tuple(sorted({p.version for p in entries}, key=lambda v: (v is None, v or "")))


def _decided(entries: tuple[LockedPackage, ...], alone: bool) -> list[Mapping[str, Any]]:
    """What each entry decides; for a name with one entry at both sides, without the
    environments uv resolved it for (``resolution-markers``): with no other entry to
    choose, they decide nothing, and uv rewrites them as other packages' forks move."""
    if not alone:
        return [p.decided for p in entries]
    return [{k: v for k, v in p.decided.items() if k != "resolution-markers"} for p in entries]


def diff_locks(before: Lock, after: Lock) -> dict[str, LockedChange]:
    """Every locked package that was added, removed or changed, by name."""
    changes: dict[str, LockedChange] = {}
    for name in before.packages.keys() | after.packages.keys():
        old, new = before.packages.get(name, ()), after.packages.get(name, ())
        alone = len(old) == len(new) == 1
        old_decided, new_decided = _decided(old, alone), _decided(new, alone)
        if _same(old_decided, new_decided) or _same(
            [_normal(d) for d in old_decided], [_normal(d) for d in new_decided]
        ):
            continue
        versions = (_versions(old), _versions(new))
        kind: ChangeKind
        if not old:
            kind = "added"
        elif not new:
            kind = "removed"
        elif versions[0] != versions[1]:
            kind = "version"
        elif not _same([p.source for p in old], [p.source for p in new]):
            kind = "source"
        elif _same(
            [_normal(d) for d in _decided(old, True)], [_normal(d) for d in _decided(new, True)]
        ):
            kind = "markers"  # the environments uv resolved each entry for
        else:
            kind = "dependencies"
        changes[name] = LockedChange(name, kind, *versions)
    return changes


#: A node of a lock's graph: a package, or one extra of it (which brings the package).
_Node = tuple[str, "str | None"]


def _nodes(name: str, extras: tuple[str, ...]) -> list[_Node]:
    return [(name, extra) for extra in extras] if extras else [(name, None)]


class Reach:
    """Which ``changed`` packages each package of ``lock`` leads to, itself included,
    down every recorded dependency (an extra's, where an entry asks for the extra;
    never an entry's dependency groups, which only its own project installs).

    Worked out once per lock for every project it covers, strongly connected
    components at a time (Tarjan), so a lock of thousands of entries costs one walk.
    """

    def __init__(
        self, lock: Lock, changed: AbstractSet[str], hubs: AbstractSet[str] = frozenset()
    ) -> None:
        self._lock = lock
        self._changed = changed
        self._hubs = hubs
        self._done: dict[_Node, frozenset[str]] = {}
        # The order in which components were closed: a dependency's is never later.
        self._rank: dict[_Node, int] = {}
        self._chains: dict[tuple[_Node, str], tuple[_Node, ...]] = {}

    def of(self, edges: Iterable[Edge]) -> set[str]:
        """The changed packages these edges (a project's own dependencies) lead to."""
        found: set[str] = set()
        for node in self._starts(edges):
            found |= self._reach(node)
        return found

    def via(self, edges: Iterable[Edge]) -> dict[str, tuple[_Node, ...]]:
        """For each changed package these edges lead to, the entries of ``hubs`` (the
        projects the lock covers) passed on one way there, nearest first:
        ``(name, extra)``, the extra ``None`` for a plain entry."""
        found: dict[str, tuple[_Node, ...]] = {}
        for start in self._starts(edges):
            for target in self._reach(start) - found.keys():
                found[target] = self._chain(start, target)
        return found

    def _chain(self, start: _Node, target: str) -> tuple[_Node, ...]:
        """The hubs on the way from ``start`` to ``target``. The way steps, where it
        can, to a dependency whose component was closed earlier, so it cannot go
        round; each node's chain is remembered per target, so members sharing a way
        walk it once."""
        chains = self._chains
        way: list[_Node] = []
        node = start
        while (node, target) not in chains and node != (target, None) and node not in way:
            way.append(node)
            node = self._step(node, target)
        # The changed package's own node, or a cycle inside one component, ends it.
        chain = chains.get((node, target), ())
        for node in reversed(way):
            if node[0] in self._hubs:
                # An entry's extra leads to its plain entry: one hub, named by the extra.
                chain = (node, *(chain[1:] if chain and chain[0][0] == node[0] else chain))
            chains[node, target] = chain
        return chain

    def _step(self, node: _Node, target: str) -> _Node:
        leads = [s for s in self._successors(node) if target in self._reach(s)]
        if (target, None) in leads:
            return (target, None)
        rank = self._rank
        return next((s for s in leads if rank[s] < rank[node]), leads[0])

    def _starts(self, edges: Iterable[Edge]) -> Iterator[_Node]:
        for name, extras in edges:
            if name in self._lock.packages:
                yield from _nodes(name, extras)

    def _successors(self, node: _Node) -> list[_Node]:
        name, extra = node
        after: list[_Node] = [] if extra is None else [(name, None)]
        for entry in self._lock.packages[name]:
            for dependency, extras in (
                entry.dependencies if extra is None else entry.extras.get(extra, ())
            ):
                if dependency in self._lock.packages:
                    after.extend(_nodes(dependency, extras))
        return after

    def _reach(self, start: _Node) -> frozenset[str]:
        done = self._done
        if start in done:
            return done[start]
        index: dict[_Node, int] = {}
        low: dict[_Node, int] = {}
        found: dict[_Node, set[str]] = {}
        stack: list[_Node] = []

        def enter(node: _Node) -> Iterator[_Node]:
            index[node] = low[node] = len(index)
            stack.append(node)
            found[node] = {node[0]} if node[1] is None and node[0] in self._changed else set()
            return iter(self._successors(node))

        work = [(start, enter(start))]
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor in done:
                    found[node] |= done[successor]
                elif successor not in index:
                    work.append((successor, enter(successor)))
                    break
                elif successor in found:  # on the stack: the same component
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if low[node] == index[node]:
                    component: set[str] = set()
                    members: list[_Node] = []
                    while not members or members[-1] != node:
                        members.append(stack.pop())
                        component |= found.pop(members[-1])
                    frozen, rank = frozenset(component), len(self._rank)
                    for member in members:
                        done[member] = frozen
                        self._rank[member] = rank
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                    found[parent] |= done[node] if node in done else found[node]
        return done[start]
