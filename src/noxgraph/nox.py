"""noxgraph inside nox: register the sessions, and run them.

Two ways in, one registration path:

- a generated noxfile declares each package's folder and, per task, each
  package and the sessions it waits for, then calls :meth:`Sessions.register`,
  which first checks that the workspace still gives those sessions;
- a hand-written noxfile calls :func:`register`, which reads the workspace at
  load time and declares the same sessions with :func:`noxgraph.sessions.declare`.

Either way each package session becomes one ``@nox.session`` and nox does the
virtualenvs, the order (``requires=``) and the parallelism (``-j``). Loading
does nothing else: what a session installs is planned when it runs
(:mod:`noxgraph.plan`), for that session only.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import nox

from noxgraph.sessions import Declarations, PackageSession, describe, session_name

if TYPE_CHECKING:
    from noxgraph.selection import NoxCommand, Selection

__all__ = ["ENV_CHECKED", "Sessions", "register"]

#: Set once this nox run checked that the noxfile is current, so its workers do not.
ENV_CHECKED = "NOXGRAPH_CHECKED"
#: What :data:`noxgraph.selection.ENV_SELECTION` is called, without importing it at load.
_ENV_SELECTION = "NOXGRAPH_SELECTION"

_log = logging.getLogger("nox")


class _Task:
    """The package sessions of one task, as a generated noxfile declares them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sessions: list[PackageSession] = []

    def __call__(
        self,
        package: str,
        after: Sequence[str] = (),
        *,
        requires: Sequence[str] = (),
    ) -> None:
        """Declare ``<task>-<package>``, after the same task of the ``after`` packages
        and the sessions of other tasks in ``requires``."""
        self.sessions.append(PackageSession(self.name, package, tuple(after), tuple(requires)))


class Sessions:
    """The sessions of one workspace, declared, then registered with nox.

    ``noxfile`` is the noxfile's ``__file__``; ``root`` is the workspace root,
    relative to the noxfile's folder; ``folders`` maps each package to its
    folder, relative to the root.
    """

    def __init__(
        self,
        noxfile: str,
        *,
        root: str = ".",
        folders: Mapping[str, str],
        venv_backend: str = "uv|virtualenv",
    ) -> None:
        self.noxfile = Path(noxfile)
        self.root = (self.noxfile.parent / root).resolve()
        self.folders = dict(folders)
        self.venv_backend = venv_backend
        self._tasks: dict[str, _Task] = {}
        self.selections: dict[str, Selection] = {}

    def task(self, name: str) -> _Task:
        """The table that declares the package sessions of task ``name``."""
        return self._tasks.setdefault(name, _Task(name))

    @property
    def declarations(self) -> Declarations:
        return Declarations(
            self.folders, {name: tuple(task.sessions) for name, task in self._tasks.items()}
        )

    # -- registration --------------------------------------------------------------------

    def register(self, *, check: bool = True) -> None:
        """Register every declared session with nox (after checking, with ``check``,
        that the workspace still gives these sessions)."""
        declarations = self.declarations
        if check and not os.environ.get(ENV_CHECKED):
            os.environ[ENV_CHECKED] = "1"
            self._warn_if_stale(declarations)
        self.selections = {s.task: s for s in self._select(declarations)}
        skips: dict[str, str] = {}
        for chosen in self.selections.values():
            skips.update(chosen.skip)
        for task, sessions in declarations.tasks.items():
            for session in sessions:
                self._add_package(session, skips.get(session.name))
            self._add_all(task, [s.name for s in sessions])
            self._add_affected(task)

    def _select(self, declarations: Declarations) -> list[Selection]:
        """The affected runs nox was asked for: kept by the nox process that loaded
        this noxfile first, else worked out now when the command line asks."""
        asked = _ENV_SELECTION in os.environ or any(
            "affected" in arg for arg in [*sys.argv[1:], os.environ.get("NOXSESSION", "")]
        )
        if not asked:
            return []
        from noxgraph import selection  # only when an affected run may be asked

        kept = selection.saved(os.environ)
        if kept is not None:
            return kept
        command = selection.read_nox_command(sys.argv[1:], os.environ)
        tasks = selection.asked_for(command, declarations.tasks)
        if not tasks:
            return []
        chosen = [self._selection(declarations, task, command) for task in tasks]
        selection.save(chosen, os.environ)
        return chosen

    def _selection(self, declarations: Declarations, task: str, command: NoxCommand) -> Selection:
        from noxgraph import selection
        from noxgraph.affected import affected_in
        from noxgraph.errors import NoxgraphError

        name = session_name(task, "affected")
        try:
            options, posargs = selection.affected_options(name, command.posargs)
            files = options.files
            if files is not None:
                started = selection.invoked_from(command, self.noxfile, os.environ)
                files = tuple(os.path.join(started, f) for f in files)
            _, _, affected = affected_in(
                self.root,
                base=options.base,
                head=options.head,
                files=files,
                uncommitted=options.uncommitted,
                if_base_missing="all" if options.if_base_missing == "all" else "error",
                task=task,
            )
        except NoxgraphError as exc:
            return selection.Selection(task, error=exc.message)
        reason = selection.not_affected_reason(r.base for r in affected.changes.repositories)
        return selection.select(declarations, task, affected.names, reason, posargs)

    def _add_package(self, session: PackageSession, skip: str | None) -> None:
        def run(nox_session: nox.Session) -> None:
            if skip is not None:
                nox_session.skip(skip)
            self._run_package(nox_session, session)

        run.__doc__ = describe(session)
        nox.session(
            name=session.name,
            venv_backend="none" if skip is not None else self.venv_backend,
            tags=[session.task, session.package],
            requires=list(session.all_requires),
            allow_parallel=True,
        )(run)

    def _add_all(self, task: str, names: list[str]) -> None:
        def run(nox_session: nox.Session) -> None:
            nox_session.log(f"{task}: every package done ({len(names)} sessions)")

        run.__doc__ = f"{task} every package, in dependency order"
        nox.session(
            name=session_name(task, "all"),
            venv_backend="none",
            tags=[task],
            requires=names,
            default=False,
            allow_parallel=True,
        )(run)

    def _add_affected(self, task: str) -> None:
        chosen = self.selections.get(task)
        name = session_name(task, "affected")

        def run(nox_session: nox.Session) -> None:
            if chosen is None:
                nox_session.error(
                    f"{name} works out what to run while nox loads the noxfile, so it must be"
                    f" named on nox's command line: nox -s {name}"
                )
            if chosen.error is not None:
                nox_session.error(chosen.error)
            nox_session.log(chosen.summary)

        run.__doc__ = (
            f"{task} the packages changed since the base and their dependents"
            " (posargs: --base REF, --head REF, --files PATH ...)"
        )
        nox.session(
            name=name,
            venv_backend="none",
            tags=[task],
            requires=list(chosen.run) if chosen is not None else [],
            default=False,
            allow_parallel=True,
        )(run)

    def _warn_if_stale(self, declarations: Declarations) -> None:
        from noxgraph.errors import NoxgraphError  # load-time check only
        from noxgraph.staleness import changes_since

        try:
            changes = changes_since(self.root, declarations, self.noxfile.resolve())
        except NoxgraphError as exc:
            _log.warning(f"noxgraph: cannot check whether {self.noxfile.name} is current: {exc}")
            return
        if changes:
            shown = "; ".join(changes[:5]) + (
                f"; and {len(changes) - 5} more" if len(changes) > 5 else ""
            )
            _log.warning(
                f"noxgraph: {self.noxfile.name} is stale: the workspace now gives other"
                f" sessions ({shown}); run `noxgraph generate` to update it"
            )

    # -- running -------------------------------------------------------------------------

    def _posargs(self, nox_session: nox.Session, task: str) -> list[str]:
        chosen = self.selections.get(task)
        if chosen is not None and not chosen.error:
            return list(chosen.posargs)
        return list(nox_session.posargs)

    def _run_package(self, nox_session: nox.Session, session: PackageSession) -> None:
        from noxgraph._plans import planned  # only when a session runs
        from noxgraph.errors import NoxgraphError
        from noxgraph.install import Installer, expand

        try:
            plan, wheelhouse_name = planned(self.noxfile.resolve(), self.root, session.name)
        except NoxgraphError as exc:
            nox_session.error(exc.message)
        if plan.conflict is not None:
            nox_session.error(plan.conflict)
        wheelhouse = (self.root / wheelhouse_name).resolve()
        Installer(nox_session, wheelhouse).install(plan)
        values = {
            "package": str(plan.folder),
            "name": plan.package,
            "root": str(self.root),
            "wheelhouse": str(wheelhouse),
        }
        posargs = self._posargs(nox_session, session.task)
        with nox_session.chdir(plan.folder):
            for argv in plan.commands:
                nox_session.run(*expand(argv, values, posargs))


def register(root: str | os.PathLike[str] | None = None) -> Sessions:
    """Register one nox session per package and task, reading the workspace now.

    Call it from a hand-written noxfile::

        import noxgraph.nox

        noxgraph.nox.register()

    ``root`` defaults to the folder nox runs the noxfile from (the noxfile's own).
    """
    from noxgraph.errors import NoxgraphError
    from noxgraph.graph import build_graph
    from noxgraph.sessions import declare  # keeps plain imports light
    from noxgraph.workspace import load_workspace

    folder = Path(root) if root is not None else Path.cwd()
    try:
        workspace = load_workspace(folder.resolve())
        declarations = declare(workspace, build_graph(workspace))
    except NoxgraphError as exc:
        # nox shows what a noxfile raises with its traceback; bad input is one line.
        raise SystemExit(f"noxgraph: {exc.message}") from None
    sessions = Sessions(
        str(workspace.root / "noxfile.py"),
        folders=declarations.folders,
        venv_backend=workspace.config.venv_backend,
    )
    for task, declared in declarations.tasks.items():
        sessions.task(task).sessions.extend(declared)
    sessions.register(check=False)
    return sessions
