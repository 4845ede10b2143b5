"""Session specs: what each nox session is called, waits for, installs and runs.

:func:`build_specs` is the one code path that turns a workspace and its graph
into sessions; the generated noxfile renders its result as data, and
``noxgraph.nox.register()`` registers its result directly. A spec holds plain
values only (strings and tuples), so it can be written into a noxfile as
Python literals and read back as the same spec.

Session names are ``<task>-<package>`` with canonical package names
(``a-z 0-9 -``) and task names without ``-``, so two different sessions
never share a name; ``<task>-all`` and ``<task>-affected`` are the two
sessions each task adds, and a package that would take one of those names is
an error.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from packaging.requirements import Requirement

from noxgraph.config import DEFAULT_TASKS
from noxgraph.errors import WorkspaceError
from noxgraph.pyproject import any_marker

if TYPE_CHECKING:
    from pathlib import Path

    from noxgraph.config import Task
    from noxgraph.graph import DependencyGraph
    from noxgraph.pyproject import Declaration, Package
    from noxgraph.workspace import Workspace

__all__ = [
    "AGGREGATES",
    "ENV_NOT_AFFECTED",
    "MARKER",
    "SessionSpec",
    "Sibling",
    "affected_plan",
    "build_specs",
    "describe",
    "not_affected_reason",
    "parse_sibling",
    "session_name",
    "sibling_requirement",
    "sibling_text",
]

#: The sessions every task adds, after its package sessions.
AGGREGATES = ("all", "affected")

#: First posarg of a session queued only because a dependent needs it; the next
#: posarg is the reason it skips.
MARKER = "--noxgraph-not-affected"
#: JSON ``{session: reason}`` of the sessions to skip: the same marker, for
#: ``noxgraph run --affected``, whose ``-j`` runs each session in its own process.
ENV_NOT_AFFECTED = "NOXGRAPH_NOT_AFFECTED"

SessionKind = Literal["package", "all", "affected"]


def session_name(task: str, package: str) -> str:
    """``<task>-<package>``: task names hold no ``-``, so names never collide."""
    return f"{task}-{package}"


@dataclass(frozen=True, slots=True)
class Sibling:
    """A workspace package to install from its folder, with extras and a marker."""

    name: str
    extras: tuple[str, ...] = ()
    marker: str | None = None


def _requirement_text(
    name: str, extras: Sequence[str], marker: str | None, folder: Path | None = None
) -> str:
    """``name[extras] @ file:///folder ; marker``, without ``@ ...`` when no folder."""
    text = f"{name}[{','.join(extras)}]" if extras else name
    if folder is not None:
        text += f" @ {folder.as_uri()}"
    return f"{text} ; {marker}" if marker else text


def sibling_text(sibling: Sibling) -> str:
    """A sibling as a generated noxfile writes it: ``name[extras] ; marker``."""
    return _requirement_text(sibling.name, sibling.extras, sibling.marker)


def sibling_requirement(sibling: Sibling, folder: Path) -> str:
    """``name[extras] @ file:///folder ; marker``: a sibling installed from its folder."""
    return _requirement_text(sibling.name, sibling.extras, sibling.marker, folder)


@functools.cache
def parse_sibling(text: str) -> Sibling:
    """The inverse of :func:`sibling_text`.

    Remembered: a package's siblings are listed again by every package that depends on
    it, so a 1,000-package noxfile holds a few thousand distinct forms among hundreds of
    thousands, and this runs at every nox load.
    """
    req = Requirement(text)
    return Sibling(req.name, tuple(sorted(req.extras)), str(req.marker) if req.marker else None)


@dataclass(frozen=True)
class SessionSpec:
    """One nox session, as plain values.

    ``requires``: session names that must succeed first (nox's ``requires=``).
    ``siblings``: workspace packages installed from their folders, the
    session's own package first. ``install``: requirements from an index.
    ``prebuild``: siblings that a build from source needs as wheels (their
    ``build-system.requires``), dependencies first.
    """

    name: str
    kind: SessionKind
    task: str
    package: str | None = None
    requires: tuple[str, ...] = ()
    commands: tuple[tuple[str, ...], ...] = ()
    install: tuple[str, ...] = ()
    siblings: tuple[Sibling, ...] = ()
    prebuild: tuple[str, ...] = ()
    description: str = field(default="", compare=False)

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.task,) if self.package is None else (self.task, self.package)


def describe(spec: SessionSpec, wheelhouse: str) -> str:
    """The one line ``nox -l`` shows: what the session does, and what it waits for."""
    if spec.kind == "all":
        return f"{spec.task} every package in dependency order ({len(spec.requires)} sessions)"
    if spec.kind == "affected":
        return (
            f"{spec.task} the packages changed since the base and their dependents"
            " (posargs: --base REF, --head REF, --files ...)"
        )
    default = spec.commands == DEFAULT_TASKS["build"].commands
    if spec.task == "build" and default:
        what = f"build {spec.package}: wheel and sdist into {wheelhouse}/"
    elif spec.commands:
        what = f"{spec.task} {spec.package}: {' '.join(spec.commands[0])}"
        if len(spec.commands) > 1:
            what += f" (+{len(spec.commands) - 1} more)"
    else:
        what = f"{spec.task} {spec.package}"
    if spec.requires:
        waits = [name.split("-", 1)[1] for name in spec.requires]
        shown = ", ".join(waits[:3]) + (f" and {len(waits) - 3} more" if len(waits) > 3 else "")
        what += f"; after {shown}"
    return what


def _check_names(workspace: Workspace, tasks: Iterable[str]) -> None:
    for name in workspace.names:
        if name in AGGREGATES:
            pkg = workspace.get(name)
            where = pkg.pyproject if pkg else name
            examples = ", ".join(session_name(t, name) for t in tasks)
            raise WorkspaceError(
                f"{where}: package {name!r} would have sessions named {examples}, which"
                f" noxgraph keeps for every task ('<task>-{name}'); rename the package or"
                " leave it out with [tool.noxgraph].exclude"
            )


class _Planner:
    """Works out requires, siblings and prebuilt wheels for package sessions."""

    def __init__(self, workspace: Workspace, graph: DependencyGraph, order: Sequence[str]) -> None:
        self.workspace = workspace
        self.graph = graph
        self.order_kinds = workspace.config.order_kinds
        self._rank = {name: index for index, name in enumerate(order)}
        self._needs: dict[str, frozenset[str]] = {}
        self._outgoing: dict[
            str, list[tuple[str, str, tuple[Declaration, ...], str | None, tuple[str, ...]]]
        ] = {}
        for edge in graph.edges:
            self._outgoing.setdefault(edge.source, []).append(
                (edge.target, edge.kind, edge.declarations, edge.marker, edge.extras)
            )

    def requires(self, package: str, task: str) -> tuple[str, ...]:
        """Sessions of ``task`` for the nearest dependencies that have it."""
        found: set[str] = set()
        seen = {package}
        stack = list(self.graph.dependencies(package, self.order_kinds))
        while stack:
            dependency = stack.pop()
            if dependency in seen:
                continue
            seen.add(dependency)
            if task in self.workspace.tasks_of(dependency):
                found.add(session_name(task, dependency))
            else:
                stack.extend(self.graph.dependencies(dependency, self.order_kinds))
        return tuple(sorted(found))

    def _group(self, pkg: Package, task: Task) -> tuple[str | None, str | None]:
        """The first of ``task.groups`` the package has: (dependency group, extra)."""
        for wanted in task.groups:
            if wanted in pkg.groups:
                return wanted, None
            if wanted in pkg.extras:
                return None, wanted
        return None, None

    def siblings_and_install(
        self, pkg: Package, task: Task
    ) -> tuple[tuple[Sibling, ...], tuple[str, ...]]:
        """The package with its group, and every sibling it needs, from their folders."""
        install: list[str] = list(task.install)
        group, extra = self._group(pkg, task)
        wanted: dict[str, set[str]] = {pkg.name: {extra} if extra else set()}
        markers: dict[str, set[str | None]] = {pkg.name: {None}}
        if group is not None:
            for decl in pkg.declarations:
                if decl.group != group or decl.kind not in ("group", "dev"):
                    continue
                target = self._sibling_of(pkg.name, decl)
                if target is None:
                    install.append(_installable(decl))
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
                    extras = {e for d in chosen for e in d.extras}
                elif kind == "runtime":
                    extras = set(edge_extras)
                else:
                    continue
                grows = target not in wanted or not extras <= wanted[target]
                wanted.setdefault(target, set()).update(extras)
                markers.setdefault(target, set()).add(marker)
                if grows:
                    queue.append(target)
        siblings = [self._sibling(pkg.name, wanted, markers)]
        siblings += [
            self._sibling(name, wanted, markers) for name in sorted(wanted) if name != pkg.name
        ]
        return tuple(siblings), tuple(dict.fromkeys(install))

    def _sibling_of(self, source: str, decl: Declaration) -> str | None:
        for target, _kind, decls, _marker, _extras in self._outgoing.get(source, ()):
            if any(d is decl for d in decls):
                return target
        return source if decl.name == source else None

    @staticmethod
    def _sibling(
        name: str, wanted: Mapping[str, set[str]], markers: Mapping[str, set[str | None]]
    ) -> Sibling:
        seen = markers.get(name, {None})
        marker = None
        if None not in seen:
            marker = any_marker(sorted(m for m in seen if m is not None))
        return Sibling(name, tuple(sorted(wanted.get(name, ()))), marker)

    def prebuild(self, built: Iterable[str]) -> tuple[str, ...]:
        """Siblings named by the build requirements of ``built``, dependencies first."""
        needed: set[str] = set()
        for name in built:
            needed |= self._build_needs(name)
        return tuple(sorted(needed, key=lambda n: (self._rank.get(n, 0), n)))

    def _build_needs(self, package: str) -> frozenset[str]:
        """The siblings whose wheels building ``package`` needs first: its build
        requirements, and theirs, also through their runtime dependencies.

        Remembered per package: every session asks it of each of its siblings."""
        known = self._needs.get(package)
        if known is not None:
            return known
        needed: set[str] = set()
        stack = [package]
        while stack:
            current = stack.pop()
            for target in self.graph.dependencies(current, ["build"]):
                if target not in needed:
                    needed.add(target)
                    stack.extend([target, *self.graph.dependencies(target, ["runtime"])])
        self._needs[package] = frozenset(needed)
        return self._needs[package]


def affected_plan(
    specs: Iterable[SessionSpec], task: str, affected: Iterable[str], reason: str
) -> list[tuple[str, str | None]]:
    """The ``task`` sessions to queue for the ``affected`` packages, in dependency order.

    Each entry is ``(session, skip reason)``: affected sessions have no reason;
    upstream sessions that ``requires=`` pulls in but that are not affected have
    ``reason``. ``specs`` must be in registration order (dependencies first).
    """
    ordered = [spec for spec in specs if spec.kind == "package"]
    by_name = {spec.name: spec for spec in ordered}
    wanted = {session_name(task, name) for name in affected} & set(by_name)
    needed: set[str] = set()
    stack = list(wanted)
    while stack:
        name = stack.pop()
        if name not in needed and name in by_name:
            needed.add(name)
            stack.extend(by_name[name].requires)
    return [
        (spec.name, None if spec.name in wanted else reason)
        for spec in ordered
        if spec.name in needed
    ]


def not_affected_reason(bases: Iterable[str | None]) -> str:
    """The reason an unaffected upstream session gives when it skips."""
    named = sorted({base for base in bases if base})
    return f"not affected since {', '.join(named)}" if named else "not affected"


def _installable(decl: Declaration) -> str:
    """A non-sibling declaration as something pip can install."""
    source = decl.source
    if source is not None and source.kind == "path" and source.path is not None and decl.name:
        return _requirement_text(decl.name, decl.extras, decl.marker, source.path)
    return decl.requirement


def build_specs(workspace: Workspace, graph: DependencyGraph) -> list[SessionSpec]:
    """Every session for ``workspace``: per task, its packages in build order, then
    ``<task>-all`` and ``<task>-affected``."""
    tasks = list(dict.fromkeys(t for name in workspace.names for t in workspace.tasks_of(name)))
    _check_names(workspace, tasks)
    order = graph.order()
    planner = _Planner(workspace, graph, order)
    wheelhouse = workspace.config.wheelhouse
    specs: list[SessionSpec] = []
    for task_name in tasks:
        package_sessions: list[str] = []
        for name in order:
            task = workspace.tasks_of(name).get(task_name)
            pkg = workspace.get(name)
            if task is None or pkg is None:
                continue
            siblings: tuple[Sibling, ...] = ()
            install = task.install
            if task.package:
                siblings, install = planner.siblings_and_install(pkg, task)
            prebuild = planner.prebuild([name, *(s.name for s in siblings)])
            if prebuild and "build" not in install:
                install = (*install, "build")
            spec = SessionSpec(
                name=session_name(task_name, name),
                kind="package",
                task=task_name,
                package=name,
                requires=planner.requires(name, task_name),
                commands=task.commands,
                install=install,
                siblings=siblings,
                prebuild=prebuild,
            )
            specs.append(_described(spec, wheelhouse))
            package_sessions.append(spec.name)
        for kind in AGGREGATES:
            spec = SessionSpec(
                name=session_name(task_name, kind),
                kind="all" if kind == "all" else "affected",
                task=task_name,
                requires=tuple(package_sessions) if kind == "all" else (),
            )
            specs.append(_described(spec, wheelhouse))
    return specs


def _described(spec: SessionSpec, wheelhouse: str) -> SessionSpec:
    return replace(spec, description=describe(spec, wheelhouse))
