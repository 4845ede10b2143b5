"""Session declarations: what each nox session is called and what it waits for.

:func:`declare` is the one code path that turns a workspace and its graph into
sessions. A generated noxfile writes its result as plain Python and hands the
same values back at load time; ``noxgraph.nox.register()`` computes it at load
time. A declaration holds only what registering a session needs (its name,
``requires=``, tags and description); what the session installs is planned
when it runs (:mod:`noxgraph.sessions.plan`).

Session names are ``<task>-<package>`` with canonical package names
(``a-z 0-9 -``) and task names without ``-``, so two different sessions
never share a name; ``<task>-all`` and ``<task>-affected`` are the two
sessions each task adds, and a package that would take one of those names is
an error.

A task with ``python = [...]`` gives each package one session per interpreter,
named as nox names its parametrized sessions (``test-pkg-3.13``; a canonical
name holds no ``.``, so these never collide with another package's). Each one
is registered on its own, with the exact ``requires=`` of its interpreter:
the same interpreter's session upstream where there is one, else every
session upstream (the order holds; there is nothing to pair with). nox's own
``python=[...]`` could do neither: its ``{python}`` template cannot name a
session that upstream lacks, and a session that only skips (registered with
``venv_backend="none"``) would lose its interpreters.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from noxgraph._text import some
from noxgraph.errors import WorkspaceError

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from noxgraph.graph import DependencyGraph
    from noxgraph.workspace.config import Task
    from noxgraph.workspace.load import Workspace

__all__ = [
    "AGGREGATES",
    "Declarations",
    "NoxSession",
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
    ``python``: the interpreters it runs on, one nox session each; none: one
    session on nox's own interpreter.
    """

    task: str
    package: str
    after: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    python: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return session_name(self.task, self.package)

    @property
    def all_requires(self) -> tuple[str, ...]:
        """Every session nox must run first (``requires=``)."""
        return (*(session_name(self.task, p) for p in self.after), *self.requires)


@dataclass(frozen=True, slots=True)
class NoxSession:
    """One session as nox registers it: a package session on one interpreter
    (``test-pkg-3.13``), or on nox's own (``python`` is ``None``: ``test-pkg``)."""

    session: PackageSession
    python: str | None
    requires: tuple[str, ...]

    @property
    def name(self) -> str:
        name = self.session.name
        return name if self.python is None else f"{name}-{self.python}"


@dataclass(frozen=True)
class Declarations:
    """Every session of a workspace: its packages' folders and, per task, its
    package sessions in dependency order (dependencies first)."""

    folders: Mapping[str, str]
    tasks: Mapping[str, tuple[PackageSession, ...]]

    def sessions(self) -> list[PackageSession]:
        return [session for sessions in self.tasks.values() for session in sessions]

    def nox_sessions(self, task: str | None = None) -> list[NoxSession]:
        """The sessions nox registers (of ``task``, or of every task), in dependency
        order: each package session once per interpreter, with its ``requires=``."""
        by_name = {s.name: s for s in self.sessions()}

        def on(name: str, python: str | None) -> list[str]:
            target = by_name.get(name)
            if target is None or not target.python:
                return [name]
            if python in target.python:
                return [f"{name}-{python}"]
            return [f"{name}-{other}" for other in target.python]

        out: list[NoxSession] = []
        for sessions in self.tasks.values() if task is None else [self.tasks.get(task, ())]:
            for session in sessions:
                for python in session.python or (None,):
                    requires = [n for dep in session.all_requires for n in on(dep, python)]
                    out.append(NoxSession(session, python, tuple(requires)))
        return out


def start_order(sessions: Iterable[NoxSession], names: Iterable[str]) -> list[str]:
    """``names`` in an order that keeps every ``requires=`` of ``sessions`` and that,
    of the sessions ready together, puts first the one the longest chain of sessions
    waits on (ties keep the order of ``names``).

    nox's ``-j`` starts the ready sessions in the order of its manifest, which follows
    an aggregate session's ``requires=`` list: given in this order, the longest chain
    never waits behind a session nothing waits on, so the run's wall time comes
    nearer its critical path."""
    import graphlib
    import heapq

    requires = {s.name: s.requires for s in sessions}
    wanted = list(dict.fromkeys(names))
    closure: dict[str, tuple[str, ...]] = {}
    stack = list(wanted)
    while stack:
        name = stack.pop()
        if name not in closure:
            closure[name] = tuple(requires.get(name, ()))
            stack.extend(closure[name])
    waiting: dict[str, list[str]] = {name: [] for name in closure}
    for name, deps in closure.items():
        for dep in deps:
            waiting[dep].append(name)
    order = list(graphlib.TopologicalSorter(closure).static_order())
    chain: dict[str, int] = {}
    for name in reversed(order):
        chain[name] = 1 + max((chain[w] for w in waiting[name]), default=0)
    rank = {name: place for place, name in enumerate(wanted)}
    sorter = graphlib.TopologicalSorter(closure)
    sorter.prepare()
    ready: list[tuple[int, int, str]] = []
    out: list[str] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (-chain[name], rank.get(name, len(wanted)), name))
        _, _, name = heapq.heappop(ready)
        out.append(name)
        sorter.done(name)
    chosen = set(wanted)
    return [name for name in out if name in chosen]


def describe(session: PackageSession, python: str | None = None) -> str:
    """The one line ``nox -l`` shows for a package session (on ``python``)."""
    what = f"{session.task} {session.package}"
    if python is not None:
        what += f" on Python {python}"
    waits = [*session.after, *session.requires]
    if waits:
        what += f", after {some(waits)}"
    return what


class ReservedNameError(WorkspaceError):
    """A package whose sessions would take the name of a session every task adds."""

    def __init__(self, file: str, detail: str) -> None:
        self.file = file
        self.detail = detail
        super().__init__(f"{file}: {detail}")


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
                    where,
                    f"package {name!r} would have sessions named {examples}, which noxgraph"
                    f" keeps for every task ('<task>-{name}'); rename the package or leave it"
                    " out with [tool.noxgraph].exclude",
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

    def session(
        self, package: str, task: str, needs: Sequence[str], python: tuple[str, ...]
    ) -> PackageSession:
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
        return PackageSession(task, package, tuple(sorted(after)), tuple(sorted(requires)), python)


@functools.lru_cache(maxsize=4096)
def _admits(specifier: SpecifierSet, version: str) -> bool:
    """Whether ``specifier`` admits some release of ``version`` ("3.10" for 3.10.0 to
    3.10.99: ``>=3.10.2`` admits 3.10)."""
    from packaging.version import Version

    return any(Version(f"{version}.{patch}") in specifier for patch in range(100))


def _pythons(workspace: Workspace, package: str, task: Task) -> tuple[str, ...]:
    """The interpreters ``package``'s session of ``task`` runs on."""
    from noxgraph.workspace.config import FROM_REQUIRES_PYTHON

    if task.python != FROM_REQUIRES_PYTHON:
        return task.python
    candidates = workspace.config.python
    where = workspace.config.file or "pyproject.toml"
    if not candidates:
        raise WorkspaceError(
            f"{where}: task {task.name!r} has python = {FROM_REQUIRES_PYTHON!r}, which takes"
            " each package's interpreters from [tool.noxgraph].python; list them there"
            ' (python = ["3.10", "3.13"])'
        )
    pkg = workspace.get(package)
    if pkg is None or (specifier := pkg.python_specifier()) is None:
        return candidates
    admitted = tuple(v for v in candidates if _admits(specifier, v))
    if not admitted:
        raise WorkspaceError(
            f"{pkg.pyproject}: [project].requires-python {pkg.requires_python!r} admits none"
            f" of the interpreters in {where} [tool.noxgraph].python ({', '.join(candidates)});"
            f" add one there, or give the package's task {task.name!r} its own python"
        )
    return admitted


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
            needs.session(
                name,
                task,
                workspace.tasks_of(name)[task].needs,
                _pythons(workspace, name, workspace.tasks_of(name)[task]),
            )
            for name in order
            if task in workspace.tasks_of(name)
        )
    return Declarations(
        folders={pkg.name: pkg.relpath for pkg in workspace.packages},
        tasks=declared,
    )
