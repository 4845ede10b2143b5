"""What one package session installs and runs, worked out when it runs.

A session's plan is made from the same workspace reading as its declaration,
for that session only, as nox itself defers work until a session runs:

- in a uv workspace with a ``uv.lock``, or a project on its own with one beside it
  (``environment = "lock"``, the default there unless a sibling the session needs is
  outside that lock), the package with its group or extra at exactly the locked
  versions (uv, ``--locked``), workspace members from their folders;
- elsewhere (``environment = "folders"``), the package and the siblings it
  needs from their folders, each built into a wheel once and reused, and
  everything else from the index; ``[tool.uv.sources]`` entries of packages
  that are no member (git, url, path, index) are honoured.

A build that needs siblings (their ``build-system.requires``) finds their wheels
through pip's and uv's find-links: wheels built once per content, then the
wheelhouse; never through uv's ``[tool.uv.sources]``, which would build them again
from their folders. The wheelhouse alone cannot be trusted: a sibling whose build
session was skipped (not affected, ``--no-dependencies``) left there whatever an
earlier run did, or nothing. A session of a task that installs nothing (the
default build: ``uv build``) needs no virtualenv.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from noxgraph.workspace.pyproject import any_marker

if TYPE_CHECKING:
    from noxgraph.graph import DependencyGraph
    from noxgraph.workspace.config import Task
    from noxgraph.workspace.load import Workspace
    from noxgraph.workspace.pyproject import Declaration, Package

__all__ = [
    "Lock",
    "SessionPlan",
    "Sibling",
    "chosen_groups",
    "decode",
    "encode",
    "plan_all",
    "plan_session",
    "requirement_text",
]


@dataclass(frozen=True, slots=True)
class Sibling:
    """A workspace package to install from its folder, with extras and a marker;
    ``needs``: the siblings whose wheels building it takes (its build requirements)."""

    name: str
    folder: Path
    extras: tuple[str, ...] = ()
    marker: str | None = None
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lock:
    """Install ``package`` from the ``uv.lock`` at ``root``, with its groups and extras.

    ``members``: the workspace members uv builds for it, so a member whose files
    changed can be rebuilt (uv's cache notices only a changed ``pyproject.toml``)."""

    root: Path
    package: str
    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    members: tuple[Sibling, ...] = ()


@dataclass(frozen=True)
class SessionPlan:
    """Everything one package session does, as plain values.

    ``wheels``: siblings to build into wheels first, dependencies first (every
    sibling that is installed non-editable, and every sibling a build needs).
    ``siblings``: what is installed from those wheels (or, with ``editable``,
    from the folders), the session's own package first. ``install``: other
    requirements, from the index or the sources that name them; ``index_urls``:
    extra indexes that ``[tool.uv.sources]`` entries name; ``source_folders``: the
    folders of projects that are no member, installed from their paths, where a build
    must leave nothing behind as in a member's. ``conflict``: a sibling's
    pin that another installed sibling's version does not satisfy, said naming both
    files (the installer would only say it cannot resolve). ``build_needs``: the
    siblings a build in this session needs at build time, which come from their
    wheels, never from their folders. ``versions_from_backend``: the packages it
    builds or installs, its own among them, whose version only their build backend
    knows (:attr:`~noxgraph.workspace.pyproject.Package.version_from_backend`).
    """

    task: str
    package: str
    folder: Path
    commands: tuple[tuple[str, ...], ...]
    environment: Literal["lock", "folders"]
    install: tuple[str, ...] = ()
    siblings: tuple[Sibling, ...] = ()
    wheels: tuple[Sibling, ...] = ()
    lock: Lock | None = None
    editable: bool = False
    index_urls: tuple[str, ...] = ()
    source_folders: tuple[Path, ...] = ()
    conflict: str | None = None
    build_needs: tuple[str, ...] = ()
    versions_from_backend: tuple[str, ...] = ()
    #: The siblings the package's ``uv.lock`` takes from the index, for which the
    #: session installs from folders instead of that lock.
    locked_from_index: tuple[str, ...] = ()

    @property
    def needs_environment(self) -> bool:
        """Whether the session installs anything, so needs a virtualenv of its own."""
        return bool(self.install or self.siblings or self.lock)


def _conflict(workspace: Workspace, siblings: Iterable[Sibling]) -> str | None:
    """The first runtime pin among ``siblings`` that another of them does not satisfy.
    Only pins without a marker: whether a marker holds is the session's Python's to say."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    installed = {s.name: workspace.get(s.name) for s in siblings}
    for pkg in installed.values():
        if pkg is None:
            continue
        for decl in pkg.declarations:
            target = installed.get(decl.name)
            if (
                decl.kind != "runtime"
                or not decl.specifier
                or decl.marker is not None
                or target is None
                or target is pkg
                or target.version is None
            ):
                continue
            try:
                satisfied = SpecifierSet(decl.specifier).contains(
                    Version(target.version), prereleases=True
                )
            except (InvalidSpecifier, InvalidVersion):
                continue
            if not satisfied:
                return (
                    f"{pkg.pyproject}: {decl.where}: {decl.requirement!r} is not satisfied by"
                    f" sibling {target.name} {target.version} ({target.pyproject}), which this"
                    " session installs from its folder"
                )
    return None


def requirement_text(
    name: str, extras: Iterable[str], marker: str | None, url: str | None = None
) -> str:
    """``name[extras] @ url ; marker``, without ``@ ...`` when there is no URL."""
    chosen = sorted(extras)
    text = f"{name}[{','.join(chosen)}]" if chosen else name
    if url is not None:
        text += f" @ {url}"
    return f"{text} ; {marker}" if marker else text


def chosen_groups(pkg: Package, task: Task) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The dependency groups and the extras a session of ``task`` installs with ``pkg``.

    A task's own ``groups`` names them (each one the package has, as a group, else as
    an extra); :data:`~noxgraph.workspace.config.DEFAULT_GROUPS` takes what ``uv run
    --package`` gives: the member's default groups, plus its test groups (or extras)."""
    from noxgraph.workspace.config import DEFAULT_GROUPS, TEST_GROUPS

    groups = list(pkg.default_groups) if task.groups == DEFAULT_GROUPS else []
    extras: list[str] = []
    for wanted in TEST_GROUPS if task.groups == DEFAULT_GROUPS else task.groups:
        if wanted in pkg.groups:
            groups.append(wanted)
        elif wanted in pkg.extras:
            extras.append(wanted)
    return tuple(dict.fromkeys(groups)), tuple(dict.fromkeys(extras))


def _not_installed_by(
    pkg: Package, groups: tuple[str, ...], extras: tuple[str, ...], install: list[str]
) -> list[str]:
    """``install`` (a task's own requirements) without the bare names that ``pkg``'s
    chosen groups or extras install already on every platform and interpreter: one
    installer call fewer, and the version the group asks for (the lock's, in a locked
    session)."""
    if pkg.python_bound_groups:
        return install  # a group bound to some interpreters may be inside another one
    from noxgraph._names import InvalidName, canonicalize_name

    def bare_name(text: str) -> str | None:
        try:
            return canonicalize_name(text, validate=True)
        except InvalidName:  # a version, an extra, a marker or a URL: the task's own ask
            return None

    installed = {
        decl.name
        for decl in pkg.declarations
        if decl.marker is None
        and (
            (decl.kind in ("group", "dev") and decl.group in groups)
            or (decl.kind == "optional" and decl.group in extras)
        )
    }
    return [text for text in install if bare_name(text) not in installed]


class _Planner:
    def __init__(self, workspace: Workspace, graph: DependencyGraph) -> None:
        self.workspace = workspace
        self.graph = graph
        self._rank = {name: index for index, name in enumerate(graph.order())}
        self._folders = {pkg.name: pkg.path for pkg in workspace.packages}
        self._outgoing: dict[
            str, list[tuple[str, str, tuple[Declaration, ...], str | None, tuple[str, ...]]]
        ] = {}
        for edge in graph.edges:
            self._outgoing.setdefault(edge.source, []).append(
                (edge.target, edge.kind, edge.declarations, edge.marker, edge.extras)
            )

    def closure(
        self, pkg: Package, groups: tuple[str, ...], extras: tuple[str, ...]
    ) -> tuple[list[Sibling], list[Declaration]]:
        """The package and every sibling it needs at run time (with its groups and
        extras), and the declarations of the groups that name no sibling."""
        wanted: dict[str, set[str]] = {pkg.name: set(extras)}
        markers: dict[str, set[str | None]] = {pkg.name: {None}}
        others: list[Declaration] = []
        for decl in pkg.declarations:
            if decl.group not in groups or decl.kind not in ("group", "dev"):
                continue
            target = self._sibling_of(pkg.name, decl)
            if target is None:
                others.append(decl)
                continue
            wanted.setdefault(target, set()).update(decl.extras)
            markers.setdefault(target, set()).add(decl.marker)
        queue = list(wanted)
        while queue:
            current = queue.pop()
            for target, kind, decls, marker, edge_extras in self._outgoing.get(current, ()):
                if kind == "optional":
                    chosen = [d for d in decls if d.group in wanted[current]]
                    if not chosen:
                        continue
                    extras_of = {e for d in chosen for e in d.extras}
                elif kind == "runtime":
                    extras_of = set(edge_extras)
                else:
                    continue
                grows = target not in wanted or not extras_of <= wanted[target]
                wanted.setdefault(target, set()).update(extras_of)
                markers.setdefault(target, set()).add(marker)
                if grows:
                    queue.append(target)
        names = [pkg.name, *sorted(name for name in wanted if name != pkg.name)]
        return [self._sibling(name, wanted, markers) for name in names], others

    def _sibling_of(self, source: str, decl: Declaration) -> str | None:
        for target, _kind, decls, _marker, _extras in self._outgoing.get(source, ()):
            if any(d is decl for d in decls):
                return target
        return source if decl.name == source else None

    def _sibling(
        self, name: str, wanted: Mapping[str, set[str]], markers: Mapping[str, set[str | None]]
    ) -> Sibling:
        seen = markers.get(name, {None})
        marker = None
        if None not in seen:
            marker = any_marker(sorted(m for m in seen if m is not None))
        return Sibling(name, self._folders[name], tuple(sorted(wanted.get(name, ()))), marker)

    def build_needs(self, names: Iterable[str]) -> set[str]:
        """Siblings whose wheels building ``names`` needs first: their build
        requirements, and those requirements' own build and run-time needs."""
        needed: set[str] = set()
        stack = list(names)
        while stack:
            current = stack.pop()
            for target in self.graph.dependencies(current, ["build"]):
                if target not in needed:
                    needed.add(target)
                    stack.extend([target, *self.graph.dependencies(target, ["runtime"])])
        return needed

    def in_order(self, names: Iterable[str]) -> tuple[Sibling, ...]:
        """``names`` as siblings to build, dependencies first, each with what its
        build takes."""
        ordered = sorted(set(names), key=lambda n: (self._rank.get(n, 0), n))
        return tuple(
            Sibling(name, self._folders[name], needs=tuple(sorted(self.build_needs([name]))))
            for name in ordered
        )

    def installable(
        self, decls: Iterable[Declaration], folder: Path, indexes: list[str]
    ) -> list[str]:
        """Declarations of non-members as pip requirements, through their sources;
        the indexes that sources name are added to ``indexes``."""
        return [self._installable(decl, folder, indexes) for decl in decls]

    def _installable(self, decl: Declaration, folder: Path, indexes: list[str]) -> str:
        source = decl.source
        if source is None or not decl.name:
            return decl.requirement
        if source.kind == "path" and source.path is not None:
            return requirement_text(decl.name, decl.extras, decl.marker, source.path.as_uri())
        if source.kind in ("git", "url") and source.url:
            return requirement_text(decl.name, decl.extras, decl.marker, source.url)
        if source.kind == "index" and source.index:
            url = self._index_url(source.index, folder)
            if url is not None:
                indexes.append(url)
        return decl.requirement

    def _index_url(self, name: str, folder: Path) -> str | None:
        """The URL of the index called ``name`` (a ``[[tool.uv.index]]``, or poetry's
        ``[[tool.poetry.source]]``), from the package or the root."""
        from noxgraph.errors import NoxgraphError
        from noxgraph.workspace.toml import read_toml  # only for index sources

        for candidate in (folder, self.workspace.root):
            try:
                data = read_toml(candidate / "pyproject.toml", "pyproject.toml")
            except NoxgraphError:
                continue
            tool = data.get("tool")
            # poetry looks its sources up by name in any case; uv by the name as written.
            for table, key, same in (
                ("uv", "index", str),
                ("poetry", "source", str.lower),
            ):
                found = tool.get(table) if isinstance(tool, dict) else None
                indexes = found.get(key) if isinstance(found, dict) else None
                for index in indexes if isinstance(indexes, list) else []:
                    if not isinstance(index, dict) or not isinstance(index.get("name"), str):
                        continue
                    if same(index["name"]) == same(name):
                        url = index.get("url")
                        return url if isinstance(url, str) else None
        return None

    def source_folders(
        self, siblings: Iterable[Sibling], others: Iterable[Declaration]
    ) -> tuple[Path, ...]:
        """The folders of projects that are no member that ``siblings`` need at run time,
        or ``others`` name, through path sources: where their builds run."""
        names = {sibling.name for sibling in siblings}
        decls = [
            *others,
            *(d for _, d in self._installed_with(siblings) if d.name not in names),
        ]
        return tuple(
            dict.fromkeys(
                d.source.path
                for d in decls
                if d.source is not None
                and d.source.kind == "path"
                and d.source.path is not None
                and d.name
            )
        )

    def sourced(self, siblings: Iterable[Sibling], indexes: list[str]) -> list[str]:
        """Run-time requirements of the installed siblings (with those of the extras they
        are installed with) that a source takes from git, a URL, a path or an index instead
        of the index: pip reads only the wheels' metadata, which names them without their
        sources."""
        names = {sibling.name for sibling in siblings}
        out: list[str] = []
        for folder, decl in self._installed_with(siblings):
            if decl.source is None or decl.name in names or not decl.name:
                continue
            if decl.source.kind in ("path", "git", "url", "index"):
                out.append(self._installable(decl, folder, indexes))
        return out

    def path_sourced(self, pkg: Package, siblings: Iterable[Sibling]) -> set[str]:
        """The names that ``pkg`` or the siblings it installs take from their folders
        through a ``[tool.uv.sources]`` path (or workspace) entry, which applies to the
        name throughout a project: a lock records those as their folders."""
        decls = [*pkg.declarations, *(d for _, d in self._installed_with(siblings))]
        return {
            d.name
            for d in decls
            if d.name and d.source is not None and d.source.kind in ("path", "workspace")
        }

    def _installed_with(self, siblings: Iterable[Sibling]) -> list[tuple[Path, Declaration]]:
        """The declarations each sibling's install brings, with the sibling's folder: its
        run-time ones, and the optional ones of the extras it is installed with."""
        found: list[tuple[Path, Declaration]] = []
        for sibling in siblings:
            pkg = self.workspace.get(sibling.name)
            if pkg is not None:
                found += [
                    (pkg.path, d)
                    for d in pkg.declarations
                    if d.kind == "runtime" or (d.kind == "optional" and d.group in sibling.extras)
                ]
        return found


def plan_all(workspace: Workspace, graph: DependencyGraph) -> dict[str, SessionPlan]:
    """The plan of every package session, by session name."""
    planner = _Planner(workspace, graph)
    return {
        f"{task}-{name}": plan_session(workspace, graph, task, name, planner)
        for name in workspace.names
        for task in workspace.tasks_of(name)
    }


def plan_session(
    workspace: Workspace,
    graph: DependencyGraph,
    task_name: str,
    package: str,
    planner: _Planner | None = None,
) -> SessionPlan:
    """The plan of ``<task>-<package>``; the package must have the task."""
    plan = _plan(workspace, graph, task_name, package, planner)
    members = plan.lock.members if plan.lock is not None else ()
    names = dict.fromkeys([package, *(s.name for s in (*plan.siblings, *plan.wheels, *members))])
    dynamic = tuple(
        name
        for name in names
        if (pkg := workspace.get(name)) is not None and pkg.version_from_backend
    )
    return replace(plan, versions_from_backend=dynamic) if dynamic else plan


def _plan(
    workspace: Workspace,
    graph: DependencyGraph,
    task_name: str,
    package: str,
    planner: _Planner | None,
) -> SessionPlan:
    pkg = workspace.get(package)
    task = workspace.tasks_of(package).get(task_name) if pkg is not None else None
    if pkg is None or task is None:
        from noxgraph.errors import WorkspaceError

        raise WorkspaceError(f"the workspace has no session {task_name}-{package} now")
    planner = planner or _Planner(workspace, graph)
    config = workspace.config
    lock_root = workspace.lock_roots.get(package)
    environment: Literal["lock", "folders"] = (
        "lock" if config.environment != "folders" and lock_root is not None else "folders"
    )
    if config.environment == "lock" and lock_root is None:
        environment = "folders"
    install: list[str] = list(task.install)
    if not task.package:
        build_needs = planner.build_needs([package])
        return SessionPlan(
            task_name,
            package,
            pkg.path,
            task.commands,
            "folders",
            tuple(install),
            wheels=planner.in_order(build_needs),
            build_needs=tuple(sorted(build_needs)),
        )
    groups, extras = chosen_groups(pkg, task)
    install = _not_installed_by(pkg, groups, extras, install)
    siblings, others = planner.closure(pkg, groups, extras)
    members = tuple(s for s in siblings if workspace.lock_roots.get(s.name) == lock_root)
    from_folders = {s.name for s in members} | planner.path_sourced(pkg, siblings)
    locked_from_index: tuple[str, ...] = ()
    if config.environment is None and any(s.name not in from_folders for s in siblings):
        # A sibling the lock takes from the index, neither a member nor a path source,
        # would be the release it pins: its change here would go untested.
        environment = "folders"
        if lock_root is not None:
            locked_from_index = tuple(
                sorted(s.name for s in siblings if s.name not in from_folders)
            )
    if environment == "lock" and lock_root is not None:
        return SessionPlan(
            task_name,
            package,
            pkg.path,
            task.commands,
            "lock",
            tuple(install),
            lock=Lock(lock_root, package, groups, extras, members),
            editable=config.editable,
            source_folders=planner.source_folders(siblings, others),
        )
    indexes: list[str] = []
    install += planner.installable(others, pkg.path, indexes)
    install += planner.sourced(siblings, indexes)
    names = [s.name for s in siblings]
    needed = planner.build_needs(names)
    if not config.editable:
        needed |= set(names)
    return SessionPlan(
        task_name,
        package,
        pkg.path,
        task.commands,
        "folders",
        tuple(dict.fromkeys(install)),
        tuple(siblings),
        planner.in_order(needed),
        editable=config.editable,
        index_urls=tuple(dict.fromkeys(indexes)),
        source_folders=planner.source_folders(siblings, others),
        conflict=_conflict(workspace, siblings),
        build_needs=tuple(sorted(planner.build_needs(names))),
        locked_from_index=locked_from_index,
    )


def _sibling_json(sibling: Sibling) -> list[Any]:
    folder = os.fspath(sibling.folder)
    return [sibling.name, folder, list(sibling.extras), sibling.marker, list(sibling.needs)]


def _sibling_from(value: Any) -> Sibling:
    name, folder, extras, marker, needs = value
    return Sibling(str(name), Path(folder), tuple(map(str, extras)), marker, tuple(map(str, needs)))


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of names")  # a plan kept by an older noxgraph
    return tuple(map(str, value))


def encode(plan: SessionPlan) -> dict[str, Any]:
    """A JSON-ready form of ``plan``, for the plan cache."""
    lock = plan.lock
    return {
        "task": plan.task,
        "package": plan.package,
        "folder": os.fspath(plan.folder),
        "commands": [list(argv) for argv in plan.commands],
        "environment": plan.environment,
        "install": list(plan.install),
        "siblings": [_sibling_json(s) for s in plan.siblings],
        "wheels": [_sibling_json(s) for s in plan.wheels],
        "lock": None
        if lock is None
        else [
            os.fspath(lock.root),
            lock.package,
            list(lock.groups),
            list(lock.extras),
            [_sibling_json(s) for s in lock.members],
        ],
        "editable": plan.editable,
        "index_urls": list(plan.index_urls),
        "source_folders": [os.fspath(folder) for folder in plan.source_folders],
        "conflict": plan.conflict,
        "build_needs": list(plan.build_needs),
        "versions_from_backend": list(plan.versions_from_backend),
        "locked_from_index": list(plan.locked_from_index),
    }


def decode(value: Mapping[str, Any]) -> SessionPlan:
    """The inverse of :func:`encode`; raises ``KeyError``/``TypeError``/``ValueError``
    on anything else."""
    lock = value["lock"]
    environment: Literal["lock", "folders"] = (
        "lock" if value["environment"] == "lock" else "folders"
    )
    return SessionPlan(
        task=str(value["task"]),
        package=str(value["package"]),
        folder=Path(value["folder"]),
        commands=tuple(tuple(map(str, argv)) for argv in value["commands"]),
        environment=environment,
        install=tuple(map(str, value["install"])),
        siblings=tuple(map(_sibling_from, value["siblings"])),
        wheels=tuple(map(_sibling_from, value["wheels"])),
        lock=None
        if lock is None
        else Lock(
            Path(lock[0]),
            str(lock[1]),
            _names(lock[2]),
            _names(lock[3]),
            tuple(map(_sibling_from, lock[4])),
        ),
        editable=bool(value["editable"]),
        index_urls=tuple(map(str, value["index_urls"])),
        source_folders=tuple(Path(folder) for folder in value["source_folders"]),
        conflict=None if value["conflict"] is None else str(value["conflict"]),
        build_needs=tuple(map(str, value["build_needs"])),
        versions_from_backend=_names(value["versions_from_backend"]),
        locked_from_index=_names(value["locked_from_index"]),
    )
