"""From changed files to affected packages, each with the reason it is affected.

A file counts for nothing when it matches ``ignore``, for every package when it
matches ``global-files``, and otherwise for the deepest member folder that
holds it (a file in no member folder is reported as unowned). A lock file
(``uv.lock``, ``poetry.lock``, ``pdm.lock``) that covers members counts for the
members whose locked closure changed (see :mod:`noxgraph.changes.lock_changes`), and for
them alone: their dependents' closures were walked in the lock too. The noxfile and
the workflow noxgraph writes count for nothing: they follow from the workspace.
Affected is the owners of changed files plus everything that depends on them,
transitively, over ``affected-kinds``; a package that depended on a package
deleted since the base is affected too. Each package gets the shortest chain
that explains it, found breadth first.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxgraph._files import relative
from noxgraph.changes.changed_files import (
    Changes,
    FormerPackage,
    PendingChanges,
    changes_from_files,
)
from noxgraph.changes.lock_files import lock_format
from noxgraph.errors import WorkspaceError
from noxgraph.generated import NOXFILE_BEGIN, WORKFLOW_MARKER
from noxgraph.graph import DependencyGraph, build_graph
from noxgraph.workspace.discovery import discover
from noxgraph.workspace.load import Workspace, load_workspace

if TYPE_CHECKING:
    from noxgraph.changes.lock_changes import ChangedLock, LockDiff, LockedHit
    from noxgraph.kinds import Kind

__all__ = [
    "Affected",
    "AffectedPackage",
    "FileOwner",
    "Reason",
    "affected_in",
    "compute_affected",
]

Reason = Literal[
    "changed", "locked", "lock-unreadable", "dependency", "global", "deleted-dependency"
]


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """One affected package and why.

    ``files``: the changed files in it (``changed``), the global files
    (``global``), or the lock files (``locked``, ``lock-unreadable``). ``via``: the
    chain from its dependency down to the changed package, or to the deleted
    package, nearest first. ``locked``: the locked packages of its closure that
    changed, each with the other members' lock entries that lead to it
    (``locked``); ``problem``: why the lock could not be compared, unreadable or
    without a base (``lock-unreadable``).
    """

    name: str
    path: str
    reason: Reason
    files: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    locked: tuple[LockedHit, ...] = ()
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class FileOwner:
    """A changed file and what it counts for: a package, every package, or nothing."""

    path: str
    status: str
    package: str | None
    role: Literal[
        "package",
        "deleted-package",
        "global",
        "ignored",
        "unowned",
        "unread",
        "non-member",
        "noxfile",
        "workflow",
        "lock",
    ]


@dataclass(frozen=True)
class Affected:
    """The answer of ``noxgraph affected``: affected packages in build order, with reasons."""

    changes: Changes
    files: tuple[FileOwner, ...]
    packages: tuple[AffectedPackage, ...]
    deleted: tuple[FormerPackage, ...]
    kinds: tuple[Kind, ...] = ()
    task: str | None = None
    locks: tuple[LockDiff, ...] = ()
    #: Folders of packages a sparse checkout leaves out, read from git's copy.
    not_checked_out: tuple[str, ...] = ()

    def _with_role(self, role: str) -> tuple[str, ...]:
        return tuple(f.path for f in self.files if f.role == role)

    @property
    def unowned_files(self) -> tuple[str, ...]:
        return self._with_role("unowned")

    @property
    def unread_files(self) -> tuple[str, ...]:
        """Changed files of setuptools projects whose metadata noxgraph does not read."""
        return self._with_role("unread")

    @property
    def non_member_files(self) -> tuple[str, ...]:
        """Changed files of projects that are no member (their pyproject names a package)."""
        return self._with_role("non-member")

    @property
    def ignored_files(self) -> tuple[str, ...]:
        return self._with_role("ignored")

    @property
    def global_files(self) -> tuple[str, ...]:
        return self._with_role("global")

    @property
    def generated_files(self) -> tuple[str, ...]:
        """Changed files noxgraph wrote (the noxfile, the CI workflow): no change."""
        return tuple(f.path for f in self.files if f.role in ("noxfile", "workflow"))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(pkg.name for pkg in self.packages)


class _Patterns:
    """gitignore-style patterns, matched by pathspec (the library pip and black use)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._spec = None
        if patterns:
            import pathspec  # only workspaces that set patterns pay for it

            self._spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def __call__(self, path: str) -> bool:
        return self._spec is not None and self._spec.match_file(path)


def _owners(
    workspace: Workspace,
    former: Iterable[FormerPackage],
    arrived: set[str],
    resolved: dict[str, str],
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
    if workspace.source != "scan":  # a scan follows no links
        for pkg in workspace.packages:
            # git lists a member reached through a linked folder at its real path.
            real = _real_path(os.fspath(pkg.path), resolved)
            if real != os.fspath(pkg.path) and workspace.root in Path(real).parents:
                owners.setdefault(relative(real, workspace.root), (pkg.name, False))
    return owners


def _real_path(folder: str, resolved: dict[str, str]) -> str:
    """``os.path.realpath(folder)``, with each parent folder resolved once in ``resolved``:
    members share their parents, and realpath looks at every part of every path again.
    A part that is no link is its resolved parent's child, so it costs one ``lstat``."""
    real = resolved.get(folder)
    if real is None:
        parent, name = os.path.split(folder)
        if name in ("", ".", "..") or not os.path.isabs(folder) or os.path.islink(folder):
            real = os.path.realpath(folder)
        else:
            real = os.path.join(_real_path(parent, resolved), name)
        resolved[folder] = real
    return real


def _check_links(root: Path, folders: Iterable[Path], resolved: dict[str, str]) -> None:
    """A member reached through a link to a folder outside the root is refused: git
    lists its changes in another place, or in no repository it is asked about (unless
    the link leads to a repository of its own, which is asked through the link).
    ``resolved`` keeps the real paths for :func:`_owners`, which needs them again."""
    for folder in folders:
        real_text = _real_path(os.fspath(folder), resolved)
        if real_text == os.fspath(folder):
            continue
        real = Path(real_text)
        if real == root or root in real.parents:
            continue
        if os.path.lexists(os.path.join(folder, ".git")):
            continue
        raise WorkspaceError(
            f"member {relative(folder, root)} is reached through a symbolic link to {real},"
            " outside the workspace root: git does not list its changes under the root;"
            " move it under the root, make the link's target a git repository of its own,"
            " or name the changed files"
        )


class _Owners:
    """Which package a changed file belongs to: the deepest folder holding a
    ``pyproject.toml`` that names a package, member or not (a file of a project
    that is no member belongs to no member)."""

    def __init__(self, root: Path, owners: Mapping[str, tuple[str, bool]]) -> None:
        self.root = root
        self.owners = owners
        self._projects: dict[str, bool] = {}

    def _names_package(self, folder: str) -> bool:
        known = self._projects.get(folder)
        if known is None:
            from noxgraph.errors import NoxgraphError
            from noxgraph.workspace.pyproject import Document, package_name
            from noxgraph.workspace.toml import parse_toml  # rare: non-member projects

            path = self.root / folder / "pyproject.toml"
            known = False
            try:
                found = stat.S_ISREG(os.stat(path).st_mode)
            except (FileNotFoundError, NotADirectoryError):
                found = False
            except OSError as exc:  # a folder that cannot be entered, not a missing file
                raise WorkspaceError(
                    f"{relative(path.parent, self.root)} cannot be entered"
                    f" ({exc.strerror or exc}), so which package a change in it belongs to"
                    " cannot be told"
                ) from None
            if found:
                try:
                    data = parse_toml(path.read_bytes(), folder)
                    known = isinstance(package_name(Document(path.parent, folder, data)), tuple)
                except (OSError, NoxgraphError):
                    known = False
            self._projects[folder] = known
        return known

    def __call__(self, path: str) -> tuple[str, bool] | Literal["non-member"] | None:
        """The owner of ``path``, ``None`` for no package, ``"non-member"`` for a
        project the member list leaves out."""
        candidate = path
        while True:
            found = self.owners.get(candidate)
            if found is not None:
                return found
            if self._names_package(candidate):
                return "non-member"
            if candidate == ".":
                return None
            candidate = candidate.rsplit("/", 1)[0] if "/" in candidate else "."


def _packages_in(workspace: Workspace, folder: str) -> list[str]:
    """The packages at or under a folder named as a change (a folder inside one
    package counts for that package, as a file in it does)."""
    prefix = "" if folder == "." else folder + "/"
    return [
        pkg.name
        for pkg in workspace.packages
        if pkg.relpath == folder or pkg.relpath.startswith(prefix)
    ]


def _is_generated_noxfile(root: Path, path: str) -> bool:
    """Whether ``path`` is a noxfile noxgraph wrote: writing it is no change."""
    if not path.endswith(".py"):
        return False
    try:
        with (root / path).open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return NOXFILE_BEGIN.encode("utf-8") in head


def _is_generated_workflow(root: Path, path: str) -> bool:
    """Whether ``path`` is a workflow ``noxgraph ci github`` wrote: writing it is no
    change (it follows from the sessions, as the noxfile does)."""
    if not path.endswith((".yml", ".yaml")):
        return False
    marker = WORKFLOW_MARKER.encode("utf-8")
    try:
        with (root / path).open("rb") as handle:
            head = handle.read(len(marker))
    except OSError:
        return False
    return head == marker


def _depends_on_deleted(
    workspace: Workspace, deleted: Mapping[str, FormerPackage], kinds: Sequence[str]
) -> dict[str, str]:
    """Current package -> the deleted package it still declares (by name or by path)."""
    if not deleted:
        return {}  # most changes delete no package: no declaration needs a look
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
    chain. Breadth first, a level at a time, so each chain is a shortest one; of the
    shortest, the one with the fewest steps that are not run-time ones (through an extra,
    a group, a build requirement), as a package that takes another at run time is
    affected for that first.
    The walk goes on through a dependent that has a reason of its own (a lock affects
    it), so what is above it is still reached, along a chain that ends at ``start``."""
    kinds = tuple(kinds)
    runtime: tuple[Kind, ...] = ("runtime",) if "runtime" in kinds else ()
    chains = {name: reasons[name].via for name in start}
    # Per package reached: how many steps of its chain are not run-time ones.
    weaker = dict.fromkeys(chains, 0)
    level = list(chains)
    while level:
        reached: dict[str, tuple[int, tuple[str, ...]]] = {}
        for current in level:
            plain = set(graph.dependents(current, runtime)) if runtime else set()
            for dependent in graph.dependents(current, kinds):
                if dependent in chains:
                    continue
                count = weaker[current] + (0 if dependent in plain else 1)
                if dependent not in reached or count < reached[dependent][0]:
                    reached[dependent] = (count, (current, *chains[current]))
        for dependent, (count, chain) in reached.items():
            chains[dependent], weaker[dependent] = chain, count
            if dependent not in reasons:
                reasons[dependent] = AffectedPackage(dependent, paths[dependent], reason, (), chain)
        level = list(reached)


def compute_affected(
    workspace: Workspace,
    graph: DependencyGraph,
    changes: Changes,
    task: str | None = None,
    *,
    resolved: dict[str, str] | None = None,
) -> Affected:
    """Classify every changed file and spread "affected" over the graph, over the
    edges that count for ``task`` (the workspace's ``affected-kinds`` for ``None``).
    ``resolved``: real paths of folders found already (``_real_path``), to reuse."""
    config = workspace.config
    ignored, global_ = _Patterns(config.ignore), _Patterns(config.global_files)
    arrived = {c.path for c in changes.files if c.status in ("added", "renamed", "untracked")}
    owners = _owners(workspace, changes.former, arrived, {} if resolved is None else resolved)
    owner_of = _Owners(workspace.root, owners)
    unread = [s.folder for s in workspace.skipped if s.code == "setup-py"]
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
    locks: list[ChangedLock] = []
    # The configuration of every session belongs to all; so does a root pyproject.toml
    # that is no package but configures the workspace (a uv workspace's virtual root,
    # whose sources its members inherit).
    workspace_files = {"noxgraph.toml"}
    configures = workspace.source == "uv" or workspace.config.file == "pyproject.toml"
    if configures and all(pkg.path != workspace.root for pkg in workspace.packages):
        workspace_files.add("pyproject.toml")
    for change in changes.files:
        if ignored(change.path):
            files.append(FileOwner(change.path, change.status, None, "ignored"))
            continue
        if global_(change.path) or change.path in workspace_files:
            files.append(FileOwner(change.path, change.status, None, "global"))
            global_files.append(change.path)
            continue
        if _is_generated_noxfile(workspace.root, change.path):
            files.append(FileOwner(change.path, change.status, None, "noxfile"))
            continue
        if _is_generated_workflow(workspace.root, change.path):
            files.append(FileOwner(change.path, change.status, None, "workflow"))
            continue
        # A lock counts for the members it covers, not for the package owning its folder;
        # one that covers no member (a test fixture, say) is a file like any other.
        format = lock_format(change.path)
        covers: tuple[str, ...] = ()
        if format is not None:
            from noxgraph.changes.lock_changes import ChangedLock, members_covered

            covers = members_covered(workspace, change.path, format)
        if format is not None and covers:
            files.append(FileOwner(change.path, change.status, None, "lock"))
            locks.append(ChangedLock(change, format, covers))
            continue
        if change.status == "folder":
            inside = _packages_in(workspace, change.path)
            if inside:
                for name in inside:
                    changed.setdefault(name, []).append(change.path)
                    files.append(FileOwner(change.path, change.status, name, "package"))
                continue
        owner = owner_of(change.path)
        if owner is None:
            unread_project = any(
                folder == "." or change.path.startswith(f"{folder}/") for folder in unread
            )
            role: Literal["unread", "unowned"] = "unread" if unread_project else "unowned"
            files.append(FileOwner(change.path, change.status, None, role))
            continue
        if owner == "non-member":
            files.append(FileOwner(change.path, change.status, None, "non-member"))
            continue
        name, gone = owner
        if gone:
            deleted.setdefault(name, former_by_name[name])
            files.append(FileOwner(change.path, change.status, name, "deleted-package"))
        else:
            changed.setdefault(name, []).append(change.path)
            files.append(FileOwner(change.path, change.status, name, "package"))

    kinds = config.affected_kinds_of(task)
    reasons: dict[str, AffectedPackage] = {}
    paths = {pkg.name: pkg.relpath for pkg in workspace.packages}
    for name in sorted(changed):
        reasons[name] = AffectedPackage(name, paths[name], "changed", tuple(changed[name]))
    # Read only when a lock changed: most changes touch none, and pay nothing for it.
    diffs: tuple[LockDiff, ...] = ()
    if locks:
        from noxgraph.changes.lock_changes import lock_diffs

        diffs = lock_diffs(workspace, changes, locks, kinds)
    locked = _locked(diffs, paths)
    for name in sorted(locked):
        reasons.setdefault(name, locked[name])
    if changes.base_missing:
        for name in workspace.names:
            reasons.setdefault(name, AffectedPackage(name, paths[name], "global"))
    if global_files:
        for name in workspace.names:
            reasons.setdefault(
                name, AffectedPackage(name, paths[name], "global", tuple(global_files))
            )

    # Only changed files spread: a member affected by a lock alone changes nothing its
    # dependents install but what their own locked closures hold, and those were
    # walked already (a dependent another lock covers, or none, does not use it).
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
        kinds=kinds,
        task=task,
        locks=diffs,
    )


def _locked(diffs: Iterable[LockDiff], paths: Mapping[str, str]) -> dict[str, AffectedPackage]:
    """Each member the changed locks affect, with the lock files and locked changes that
    are why; a lock that could not be read makes the reason ``lock-unreadable``."""
    files: dict[str, list[str]] = {}
    found: dict[str, dict[str, LockedHit]] = {}
    problems: dict[str, str] = {}
    for diff in diffs:
        for name, hits in diff.affects.items():
            files.setdefault(name, []).append(diff.path)
            found.setdefault(name, {}).update((hit.change.name, hit) for hit in hits)
            if diff.problem is not None:
                problems.setdefault(name, diff.problem)
    return {
        name: AffectedPackage(
            name,
            paths[name],
            "lock-unreadable" if name in problems else "locked",
            tuple(files[name]),
            locked=tuple(found[name][hit] for hit in sorted(found[name])),
            problem=problems.get(name),
        )
        for name in files
    }


def _with_sparse(workspace: Workspace) -> Workspace:
    """``workspace`` with the packages a sparse checkout leaves out of the work tree,
    read from git's copy of their ``pyproject.toml``, so a change spreads through them
    to the dependents that are checked out."""
    from noxgraph._git import git
    from noxgraph.workspace.pyproject import Document, package_name, read_package
    from noxgraph.workspace.toml import parse_toml

    added = []
    for skipped in workspace.skipped:
        if skipped.code != "not-checked-out" or skipped.blob is None:
            continue
        repository, blob = skipped.blob
        data = parse_toml(git(repository, "cat-file", "blob", blob).stdout, skipped.path)
        folder = workspace.root / Path(skipped.path).parent
        document = Document(folder, skipped.path, data)
        names = package_name(document)
        if isinstance(names, tuple) and workspace.get(names[0]) is None:
            added.append(read_package(document, root=workspace.root, names=names))
    if not added:
        return workspace
    packages = tuple(sorted((*workspace.packages, *added), key=lambda pkg: pkg.name))
    return replace(workspace, packages=packages)


def _affected(
    workspace: Workspace,
    graph: DependencyGraph,
    changes: Changes,
    task: str | None,
    resolved: dict[str, str] | None = None,
) -> Affected:
    """:func:`compute_affected`, over the packages a sparse checkout leaves out too."""
    whole = _with_sparse(workspace)
    if whole is workspace:
        return compute_affected(workspace, graph, changes, task, resolved=resolved)
    answer = compute_affected(whole, build_graph(whole), changes, task, resolved=resolved)
    shown = set(workspace.names)
    missing = tuple(sorted(pkg.relpath for pkg in whole.packages if pkg.name not in shown))
    return replace(answer, not_checked_out=missing)


def affected_in(
    root: Path | str,
    *,
    base: str | None = None,
    head: str | None = None,
    files: Sequence[str] | None = None,
    uncommitted: bool | None = None,
    if_base_missing: Literal["error", "all"] = "error",
    task: str | None = None,
) -> tuple[Workspace, DependencyGraph, Affected]:
    """Read the workspace at ``root`` (as commit ``head`` holds it, with ``head``) and
    answer what a change affects.

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
            _affected(workspace, graph, changes_from_files(found.root, files), task),
        )
    resolved: dict[str, str] = {}
    if found.source != "scan":
        _check_links(found.root, found.folders, resolved)
    pending = PendingChanges(
        found.root,
        found.folders,
        base=base,
        configured_base=found.config.base,
        head=head,
        uncommitted=uncommitted,
        if_base_missing=if_base_missing,
        configured_in=found.config.file,
        repository_bases=found.bases,
    )
    try:
        if head is None:
            workspace = load_workspace(found)
        else:
            from noxgraph.changes.at_commit import workspace_at  # only --head reads git

            workspace = workspace_at(found, head)
        graph = build_graph(workspace)
    except BaseException:
        pending.close()
        raise
    changes = pending.result(pkg.path for pkg in workspace.packages)
    return workspace, graph, _affected(workspace, graph, changes, task, resolved)
