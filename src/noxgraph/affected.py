"""From changed files to affected packages, each with the reason it is affected.

A file counts for nothing when it matches ``ignore``, for every package when it
matches ``global-files``, and otherwise for the deepest member folder that
holds it (a file in no member folder is reported as unowned). Affected is the
owners of changed files plus everything that depends on them, transitively,
over ``affected-kinds``; a package that depended on a package deleted since
the base is affected too. Each package gets the shortest chain that explains
it, found breadth first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from noxgraph.changes import Changes, FormerPackage, PendingChanges, changes_from_files
from noxgraph.graph import DependencyGraph, build_graph
from noxgraph.workspace import Workspace, discover, load_workspace

if TYPE_CHECKING:
    from pathlib import Path

    from noxgraph.kinds import Kind

__all__ = [
    "Affected",
    "AffectedPackage",
    "FileOwner",
    "Reason",
    "affected_in",
    "compute_affected",
]

Reason = Literal["changed", "dependency", "global", "deleted-dependency"]


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """One affected package and why.

    ``files``: the changed files in it (``changed``) or the global files
    (``global``). ``via``: the chain from its dependency down to the changed
    package, or to the deleted package, nearest first.
    """

    name: str
    path: str
    reason: Reason
    files: tuple[str, ...] = ()
    via: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileOwner:
    """A changed file and what it counts for: a package, every package, or nothing."""

    path: str
    status: str
    package: str | None
    role: Literal["package", "deleted-package", "global", "ignored", "unowned"]


@dataclass(frozen=True)
class Affected:
    """The answer of ``noxgraph affected``: affected packages in build order, with reasons."""

    changes: Changes
    files: tuple[FileOwner, ...]
    packages: tuple[AffectedPackage, ...]
    deleted: tuple[FormerPackage, ...]

    def _with_role(self, role: str) -> tuple[str, ...]:
        return tuple(f.path for f in self.files if f.role == role)

    @property
    def unowned_files(self) -> tuple[str, ...]:
        return self._with_role("unowned")

    @property
    def ignored_files(self) -> tuple[str, ...]:
        return self._with_role("ignored")

    @property
    def global_files(self) -> tuple[str, ...]:
        return self._with_role("global")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(pkg.name for pkg in self.packages)


class _Patterns:
    """gitignore-style patterns, matched by pathspec (the library pip and black use)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._spec = None
        if patterns:
            import pathspec  # noqa: PLC0415 - only workspaces that set patterns pay for it

            self._spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def __call__(self, path: str) -> bool:
        return self._spec is not None and self._spec.match_file(path)


def _owners(
    workspace: Workspace, former: Iterable[FormerPackage], arrived: set[str]
) -> dict[str, tuple[str, bool]]:
    """Folder (relative POSIX) -> (package name, is a package deleted since the base).

    A ``pyproject.toml`` gone from where it was names either a deleted package, or a
    package that moved (its name is a member whose ``pyproject.toml`` ``arrived``:
    added or renamed in the same change), whose old folder is still its own. One whose
    name is a member that did not move was a stray copy, and counts for nothing.
    """
    owners: dict[str, tuple[str, bool]] = {}
    current = {pkg.name: pkg.pyproject for pkg in workspace.packages}
    for gone in former:
        if gone.name not in current:
            owners[gone.folder] = (gone.name, True)
        elif current[gone.name] in arrived:
            owners[gone.folder] = (gone.name, False)
    for pkg in workspace.packages:
        owners[pkg.relpath] = (pkg.name, False)
    return owners


def _owner_of(path: str, owners: Mapping[str, tuple[str, bool]]) -> tuple[str, bool] | None:
    """The deepest folder in ``owners`` that holds ``path`` (or is ``path``)."""
    candidate = path
    while True:
        found = owners.get(candidate)
        if found is not None:
            return found
        if "/" not in candidate:
            return owners.get(".")
        candidate = candidate.rsplit("/", 1)[0]


def _depends_on_deleted(
    workspace: Workspace, deleted: Mapping[str, FormerPackage], kinds: Sequence[str]
) -> dict[str, str]:
    """Current package -> the deleted package it still declares (by name or by path)."""
    by_folder = {workspace.root / gone.folder: gone.name for gone in deleted.values()}
    seeds: dict[str, str] = {}
    for pkg in workspace.packages:
        for decl in pkg.declarations:
            if decl.kind not in kinds:
                continue
            target = decl.name if decl.name in deleted else None
            if target is None and decl.source is not None and decl.source.path is not None:
                target = by_folder.get(decl.source.path)
            if target is not None:
                seeds.setdefault(pkg.name, target)
    return seeds


def _spread(
    graph: DependencyGraph,
    kinds: Iterable[Kind],
    reasons: dict[str, AffectedPackage],
    paths: Mapping[str, str],
    start: Iterable[str],
    reason: Reason,
) -> None:
    """Mark every dependent of ``start`` not yet in ``reasons`` with ``reason`` and its
    chain. Breadth first, so the first visit is along the shortest chain."""
    queue = deque(start)
    while queue:
        current = queue.popleft()
        for dependent in graph.dependents(current, kinds):
            if dependent not in reasons:
                chain = (current, *reasons[current].via)
                reasons[dependent] = AffectedPackage(dependent, paths[dependent], reason, (), chain)
                queue.append(dependent)


def compute_affected(workspace: Workspace, graph: DependencyGraph, changes: Changes) -> Affected:
    """Classify every changed file and spread "affected" over the graph."""
    config = workspace.config
    ignored, global_ = _Patterns(config.ignore), _Patterns(config.global_files)
    arrived = {c.path for c in changes.files if c.status in ("added", "renamed", "untracked")}
    owners = _owners(workspace, changes.former, arrived)
    files: list[FileOwner] = []
    changed: dict[str, list[str]] = {}
    deleted: dict[str, FormerPackage] = {}
    former_by_name = {gone.name: gone for gone in changes.former}
    current = set(workspace.names)
    # A name gone from the workspace is deleted even when its folder now holds another
    # package (renamed in place): what still declares it is broken.
    for former in changes.former:
        if former.name not in current:
            deleted.setdefault(former.name, former)
    global_files: list[str] = []
    for change in changes.files:
        if ignored(change.path):
            files.append(FileOwner(change.path, change.status, None, "ignored"))
            continue
        if global_(change.path):
            files.append(FileOwner(change.path, change.status, None, "global"))
            global_files.append(change.path)
            continue
        owner = _owner_of(change.path, owners)
        if owner is None:
            files.append(FileOwner(change.path, change.status, None, "unowned"))
            continue
        name, gone = owner
        if gone:
            deleted.setdefault(name, former_by_name[name])
            files.append(FileOwner(change.path, change.status, name, "deleted-package"))
        else:
            changed.setdefault(name, []).append(change.path)
            files.append(FileOwner(change.path, change.status, name, "package"))

    kinds = config.affected_kinds
    reasons: dict[str, AffectedPackage] = {}
    paths = {pkg.name: pkg.relpath for pkg in workspace.packages}
    for name in sorted(changed):
        reasons[name] = AffectedPackage(name, paths[name], "changed", tuple(changed[name]))
    if changes.base_missing:
        for name in workspace.names:
            reasons.setdefault(name, AffectedPackage(name, paths[name], "global"))
    if global_files:
        for name in workspace.names:
            reasons.setdefault(
                name, AffectedPackage(name, paths[name], "global", tuple(global_files))
            )

    _spread(graph, kinds, reasons, paths, sorted(changed), "dependency")
    seeds = _depends_on_deleted(workspace, deleted, kinds)
    first: list[str] = []
    for name in sorted(seeds):
        if name not in reasons:
            reasons[name] = AffectedPackage(
                name, paths[name], "deleted-dependency", (), (seeds[name],)
            )
            first.append(name)
    _spread(graph, kinds, reasons, paths, first, "deleted-dependency")

    order = graph.order()
    return Affected(
        changes=changes,
        files=tuple(files),
        packages=tuple(reasons[name] for name in order if name in reasons),
        deleted=tuple(deleted[name] for name in sorted(deleted)),
    )


def affected_in(
    root: Path | str,
    *,
    base: str | None = None,
    head: str | None = None,
    files: Sequence[str] | None = None,
    uncommitted: bool | None = None,
    if_base_missing: Literal["error", "all"] = "error",
) -> tuple[Workspace, DependencyGraph, Affected]:
    """Read the workspace at ``root`` and answer what a change affects.

    git is asked in the background as soon as the repositories are known, while
    the members' ``pyproject.toml`` files are read: the two take about as long.
    ``files`` names the changes directly (relative to the current folder).
    """
    found = discover(root)
    if files is not None:
        workspace = load_workspace(found)
        graph = build_graph(workspace)
        return (
            workspace,
            graph,
            compute_affected(workspace, graph, changes_from_files(found.root, files)),
        )
    pending = PendingChanges(
        found.root,
        found.folders,
        base=base,
        configured_base=found.config.base,
        head=head,
        uncommitted=uncommitted,
        if_base_missing=if_base_missing,
        configured_in=found.config.file,
    )
    try:
        workspace = load_workspace(found)
        graph = build_graph(workspace)
    except BaseException:
        pending.close()
        raise
    changes = pending.result(pkg.path for pkg in workspace.packages)
    return workspace, graph, compute_affected(workspace, graph, changes)
