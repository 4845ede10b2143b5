"""Session declarations: what each nox session is called and what it waits for.

:func:`declare` is the one code path that turns a workspace and its graph into
sessions. A generated noxfile writes its result as plain Python and hands the
same values back at load time; ``noxgraph.nox.register()`` computes it at load
time. A declaration holds only what registering a session needs (its name,
``requires=``, tags and description); what the session installs is planned
when it runs (:mod:`noxgraph.plan`).

Session names are ``<task>-<package>`` with canonical package names
(``a-z 0-9 -``) and task names without ``-``, so two different sessions
never share a name; ``<task>-all`` and ``<task>-affected`` are the two
sessions each task adds, and a package that would take one of those names is
an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from noxgraph.errors import WorkspaceError

if TYPE_CHECKING:
    from noxgraph.graph import DependencyGraph
    from noxgraph.workspace import Workspace

__all__ = [
    "AGGREGATES",
    "Declarations",
    "PackageSession",
    "declare",
    "describe",
    "session_name",
]

#: The sessions every task adds, after its package sessions.
AGGREGATES = ("all", "affected")


def session_name(task: str, package: str) -> str:
    """``<task>-<package>``: task names hold no ``-``, so names never collide."""
    return f"{task}-{package}"


@dataclass(frozen=True, slots=True)
class PackageSession:
    """One ``<task>-<package>`` session, as registration needs it.

    ``after``: packages whose session of the same task must succeed first.
    ``requires``: sessions of other tasks that must succeed first.
    """

    task: str
    package: str
    after: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return session_name(self.task, self.package)

    @property
    def all_requires(self) -> tuple[str, ...]:
        """Every session nox must run first (``requires=``)."""
        return (*(session_name(self.task, p) for p in self.after), *self.requires)


@dataclass(frozen=True)
class Declarations:
    """Every session of a workspace: its packages' folders and, per task, its
    package sessions in dependency order (dependencies first)."""

    folders: Mapping[str, str]
    tasks: Mapping[str, tuple[PackageSession, ...]]

    def sessions(self) -> list[PackageSession]:
        return [session for sessions in self.tasks.values() for session in sessions]


def describe(session: PackageSession) -> str:
    """The one line ``nox -l`` shows for a package session."""
    what = f"{session.task} {session.package}"
    waits = [*session.after, *session.requires]
    if waits:
        shown = ", ".join(waits[:3]) + (f" and {len(waits) - 3} more" if len(waits) > 3 else "")
        what += f", after {shown}"
    return what


class ReservedNameError(WorkspaceError):
    """A package whose sessions would take the name of a session every task adds."""

    def __init__(self, message: str, file: str) -> None:
        self.file = file
        super().__init__(message)


def reserved_names(workspace: Workspace, tasks: Iterable[str]) -> list[ReservedNameError]:
    """An error for each package whose sessions would take the name of a session every
    task adds (``all``, ``affected``: names are canonical, so ``All`` is ``all``)."""
    errors: list[ReservedNameError] = []
    for name in workspace.names:
        if name in AGGREGATES:
            pkg = workspace.get(name)
            where = pkg.pyproject if pkg else name
            examples = ", ".join(session_name(t, name) for t in tasks)
            errors.append(
                ReservedNameError(
                    f"{where}: package {name!r} would have sessions named {examples}, which"
                    f" noxgraph keeps for every task ('<task>-{name}'); rename the package"
                    " or leave it out with [tool.noxgraph].exclude",
                    where,
                )
            )
    return errors


class _Needs:
    """Resolves a task's ``needs`` into the sessions one package waits for."""

    def __init__(self, workspace: Workspace, graph: DependencyGraph) -> None:
        self.workspace = workspace
        self.graph = graph
        self.order_kinds = workspace.config.order_kinds

    def nearest_with(self, package: str, task: str) -> list[str]:
        """The nearest dependencies of ``package`` (over order kinds) that have
        ``task``, looking through dependencies that do not have it."""
        found: set[str] = set()
        seen = {package}
        stack = list(self.graph.dependencies(package, self.order_kinds))
        while stack:
            dependency = stack.pop()
            if dependency in seen:
                continue
            seen.add(dependency)
            if task in self.workspace.tasks_of(dependency):
                found.add(dependency)
            else:
                stack.extend(self.graph.dependencies(dependency, self.order_kinds))
        return sorted(found)

    def session(self, package: str, task: str, needs: Sequence[str]) -> PackageSession:
        after: set[str] = set()
        requires: set[str] = set()
        own_tasks = self.workspace.tasks_of(package)
        for need in needs:
            target = need.removeprefix("^")
            if need.startswith("^"):
                for dependency in self.nearest_with(package, target):
                    if target == task:
                        after.add(dependency)
                    else:
                        requires.add(session_name(target, dependency))
            elif target in own_tasks:
                requires.add(session_name(target, package))
        return PackageSession(task, package, tuple(sorted(after)), tuple(sorted(requires)))


def task_names(workspace: Workspace) -> list[str]:
    """Every task some package has, in configuration order."""
    return list(dict.fromkeys(t for name in workspace.names for t in workspace.tasks_of(name)))


def declare(workspace: Workspace, graph: DependencyGraph) -> Declarations:
    """Every package session of ``workspace``: per task, its packages in build order."""
    tasks = task_names(workspace)
    for error in reserved_names(workspace, tasks):
        raise error
    order = graph.order()
    needs = _Needs(workspace, graph)
    declared: dict[str, tuple[PackageSession, ...]] = {}
    for task in tasks:
        declared[task] = tuple(
            needs.session(name, task, workspace.tasks_of(name)[task].needs)
            for name in order
            if task in workspace.tasks_of(name)
        )
    return Declarations(
        folders={pkg.name: pkg.relpath for pkg in workspace.packages},
        tasks=declared,
    )
