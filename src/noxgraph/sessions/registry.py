"""noxgraph inside nox: register the sessions, and run them.

Two ways in, one registration path:

- a generated noxfile declares each package's folder and, per task, each
  package and the sessions it waits for, then calls :meth:`Sessions.register`,
  which first checks that the workspace still gives those sessions;
- a hand-written noxfile calls :func:`register`, which reads the workspace at
  load time and declares the same sessions with :func:`noxgraph.sessions.declarations.declare`.

Either way each package session becomes one ``@nox.session`` and nox does the
virtualenvs, the order (``requires=``) and the parallelism (``-j``). What a
session installs is planned when it runs (:mod:`noxgraph.sessions.plan`), for that session
only. When nox is to run sessions (not ``nox -l``), loading also plans the sessions
it may start: a session that installs nothing (the default build, through uv)
registers without a virtualenv; and it keys them (:mod:`noxgraph.sessions.session_keys`)
and registers those whose key is their last success's without a virtualenv, to skip
as cached (:mod:`noxgraph.sessions.session_cache`): nox makes a session's virtualenv
before the session's function runs, so those decisions cannot wait.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import nox

from noxgraph.sessions.declarations import (
    AGGREGATES,
    Declarations,
    NoxSession,
    PackageSession,
    describe,
    session_name,
    start_order,
)

if TYPE_CHECKING:
    from noxgraph.sessions.nox_command import NoxCommand
    from noxgraph.sessions.selection import Selection
    from noxgraph.sessions.session_cache import Entry
    from noxgraph.sessions.timeline import Recorder, Timed

__all__ = ["ENV_CHECKED", "Sessions", "register"]

#: Set once this nox run checked that the noxfile is current, so its workers do not.
ENV_CHECKED = "NOXGRAPH_CHECKED"
#: What :data:`noxgraph.sessions.selection.ENV_SELECTION` is called, without importing it at load.
_ENV_SELECTION = "NOXGRAPH_SELECTION"
#: What the first nox process of a run planned (:meth:`Sessions._keep_plan`), for the
#: processes it starts under ``-j``.
_ENV_PLANNED = "NOXGRAPH_PLANNED"
#: What :data:`noxgraph.sessions.timeline.ENV_PROFILE` is called, without importing it at load.
_ENV_PROFILE = "NOXGRAPH_PROFILE"

_log = logging.getLogger("nox")


def _all_asked() -> bool:
    """Whether nox may be asked for a ``<task>-all`` session, whose ``requires=`` order
    ``-j`` follows. A listing or a ``-j`` child (``--no-dependencies``: one session)
    that names none does not pay for ordering thousands of sessions."""
    args = [*sys.argv[1:], os.environ.get("NOXSESSION", "")]
    return "--no-dependencies" not in args and any("-all" in arg for arg in args)


class _Task:
    """The package sessions of one task, as a generated noxfile declares them;
    ``python``: the interpreters a package runs on unless it says otherwise."""

    def __init__(self, name: str, python: Sequence[str] = ()) -> None:
        self.name = name
        self.python = tuple(python)
        self.sessions: list[PackageSession] = []

    def __call__(
        self,
        package: str,
        after: Sequence[str] = (),
        *,
        requires: Sequence[str] = (),
        python: Sequence[str] | None = None,
    ) -> None:
        """Declare ``<task>-<package>`` (on each of ``python``), after the same task of
        the ``after`` packages and the sessions of other tasks in ``requires``."""
        pythons = self.python if python is None else tuple(python)
        self.sessions.append(
            PackageSession(self.name, package, tuple(after), tuple(requires), pythons)
        )


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
        #: The inputs' key of each package session this run may cache, and the
        #: cache entries of those whose key is the key of their last success.
        self.keys: dict[str, str] = {}
        self.cached: dict[str, Entry] = {}
        #: The package sessions this run may start that install nothing. Those declared
        #: on no interpreter get no virtualenv; one declared on an interpreter keeps its
        #: virtualenv, so its commands' ``python`` is that interpreter.
        self.bare: set[str] = set()
        #: The content keys of the package folders this process's sessions built from.
        self._contents: dict[Path, str] = {}
        self._wheelhouse: Path | None = None  # where cached files go back, once planned
        #: Writes the record of each session this process runs, when the run is profiled.
        self._recorder: Recorder | None = None

    def task(self, name: str, *, python: Sequence[str] = ()) -> _Task:
        """The table that declares the package sessions of task ``name``, on the
        interpreters ``python`` unless a package says otherwise."""
        return self._tasks.setdefault(name, _Task(name, python))

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
        self._recorder = self._profile(declarations)
        self.selections = {s.task: s for s in self._select(declarations)}
        skips: dict[str, str] = {}
        for chosen in self.selections.values():
            skips.update(chosen.skip)
        if not self._planned_by_the_first_process():
            self._plan(declarations, skips)
            self._keep_plan()
        every = declarations.nox_sessions()
        ordered = _all_asked()
        for task in declarations.tasks:
            registered = [s for s in every if s.session.task == task]
            for session in registered:
                # Only nox's own interpreter is in a key: a session on another one runs.
                cached = self.cached.get(session.name) if session.python is None else None
                self._add_package(session, skips.get(session.name), cached)
            names = [s.name for s in registered]
            self._add_all(task, start_order(every, names) if ordered else names)
            self._add_affected(task)

    def _select(self, declarations: Declarations) -> list[Selection]:
        """The affected runs nox was asked for: kept by the nox process that loaded
        this noxfile first, else worked out now when the command line asks."""
        asked = _ENV_SELECTION in os.environ or any(
            "affected" in arg for arg in [*sys.argv[1:], os.environ.get("NOXSESSION", "")]
        )
        if not asked:
            return []
        from noxgraph.sessions import selection  # only when an affected run may be asked
        from noxgraph.sessions.nox_command import read_nox_command

        kept = selection.saved(os.environ)
        if kept is not None:
            return kept
        command = read_nox_command(sys.argv[1:], os.environ)
        tasks = selection.asked_for(command, declarations.tasks)
        if not tasks:
            return []
        chosen = [self._selection(declarations, task, command) for task in tasks]
        selection.save(chosen, os.environ)
        return chosen

    def _selection(self, declarations: Declarations, task: str, command: NoxCommand) -> Selection:
        from noxgraph.changes.affected import affected_in
        from noxgraph.errors import NoxgraphError
        from noxgraph.sessions import selection

        name = session_name(task, "affected")
        try:
            own, _ = selection.split_profile(command.posargs, affected=True)
            options, posargs, no_cache = selection.affected_options(name, own)
            files = options.files
            if files is not None:
                started = selection.invoked_from(command, self.noxfile, os.environ)
                files = tuple(os.path.join(started, f) for f in files)
            workspace, _, affected = affected_in(
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
        missing = selection.undeclared(declarations, workspace, task, affected.names)
        if missing:
            return selection.Selection(
                task,
                error=f"{task}: the change affects {', '.join(missing)}, for which"
                f" {self.noxfile.name} declares no session: it is stale; run `noxgraph generate`",
            )
        reason = selection.not_affected_reason(r.base for r in affected.changes.repositories)
        return selection.select(
            declarations,
            task,
            affected.names,
            reason,
            posargs,
            cache=not no_cache,
            unread=affected.unread_files,
        )

    def _planned_by_the_first_process(self) -> bool:
        """Take what the first nox process of this run planned for this noxfile (under
        ``-j`` nox runs each session in a process of its own, which would plan again)."""
        raw = os.environ.get(_ENV_PLANNED)
        if not raw:
            return False
        from noxgraph.sessions.session_cache import Artifact, Entry

        try:
            kept = json.loads(raw)
            if kept["noxfile"] != os.fspath(self.noxfile.resolve()):
                return False  # another workspace's run, whose sessions run this one
            bare = {str(name) for name in kept["bare"]}
            keys = {str(name): str(key) for name, key in kept["keys"].items()}
            cached = {
                str(name): Entry(
                    str(name),
                    str(key),
                    tuple(Artifact(str(f), str(s), int(n)) for f, s, n in files),
                )
                for name, (key, files) in kept["cached"].items()
            }
            wheelhouse = None if kept["wheelhouse"] is None else Path(kept["wheelhouse"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        self.bare, self.keys, self.cached, self._wheelhouse = bare, keys, cached, wheelhouse
        return True

    def _keep_plan(self) -> None:
        """Keep what this process planned for the processes nox starts under ``-j``."""
        cached = {
            name: [entry.key, [[f.name, f.sha256, f.size] for f in entry.files]]
            for name, entry in self.cached.items()
        }
        kept = {
            "noxfile": os.fspath(self.noxfile.resolve()),
            "bare": sorted(self.bare),
            "keys": self.keys,
            "cached": cached,
            "wheelhouse": None if self._wheelhouse is None else os.fspath(self._wheelhouse),
        }
        os.environ[_ENV_PLANNED] = json.dumps(kept, separators=(",", ":"))

    def _plan(self, declarations: Declarations, skips: Mapping[str, str]) -> None:
        """Plan the package sessions this nox run may start: those that install
        nothing register without a virtualenv. Then key them, and find those whose
        last success had the same inputs: they register without a virtualenv and skip."""
        from noxgraph.sessions.nox_command import read_nox_command

        command = read_nox_command(sys.argv[1:], os.environ)
        if command.listing:
            return
        from noxgraph.errors import NoxgraphError
        from noxgraph.sessions import selection  # only when sessions may run
        from noxgraph.sessions.plan_cache import planned_many
        from noxgraph.sessions.session_cache import with_requires

        every = {s.name: s for s in declarations.sessions()}
        # What requires= pulls in runs too, and may need no virtualenv either.
        wanted = with_requires(every, self._wanted(declarations, command, every))
        try:
            plans, wheelhouse = planned_many(self.noxfile.resolve(), self.root, wanted)
        except NoxgraphError:
            return  # each session says what is wrong when it runs
        self.bare = {name for name, plan in plans.items() if not plan.needs_environment}
        # A key names the interpreter a session is declared with, which --force-python
        # and --extra-python change under the same session names.
        if os.environ.get("NOXGRAPH_NO_CACHE") or command.other_pythons:
            return
        # Posargs mean "run it now, this way" (a debugger, one slow test): no cache.
        if self.selections:
            if any(not s.cache or s.posargs or s.error for s in self.selections.values()):
                return
        else:
            own, _ = selection.split_profile(command.posargs, affected=False)
            posargs, no_cache = selection.without_no_cache(own)
            if posargs or no_cache:
                return
        from noxgraph.sessions.session_cache import look_up

        found = look_up(self.noxfile, self.root, every, wanted, skips, planned=(plans, wheelhouse))
        if found is None:
            return
        self._wheelhouse = found.wheelhouse
        self.keys = dict(found.keys)
        self.cached = dict(found.entries)

    def _wanted(
        self, declarations: Declarations, command: NoxCommand, every: Mapping[str, PackageSession]
    ) -> list[str]:
        """The package sessions the command names, and those the aggregates it names
        require; all when it names none (the cache keys what these require too)."""
        start: list[str] = []
        for name in command.sessions:
            if name in every:
                start.append(name)
                continue
            task = next(
                (t for t in declarations.tasks if name in (session_name(t, a) for a in AGGREGATES)),
                None,
            )
            if task is None:
                return list(every)  # a session noxgraph does not know: key them all
            chosen = self.selections.get(task)
            if name == session_name(task, "all"):
                start += [s.name for s in declarations.tasks[task]]
            elif chosen is not None:
                start += chosen.run
        return start if command.sessions else list(every)

    def _add_package(self, registered: NoxSession, skip: str | None, cached: Entry | None) -> None:
        session = registered.session

        def run(nox_session: nox.Session) -> None:
            with self._timed(
                registered.name, session.task, session.package, registered.requires
            ) as timed:
                if skip is not None:
                    timed.result, timed.reason = "skipped", skip
                    nox_session.skip(skip)
                if cached is not None:
                    from noxgraph.sessions.session_cache import cached_reason

                    self._restore(nox_session, cached)
                    timed.result, timed.reason = "cached", f"inputs {cached.key}"
                    nox_session.skip(cached_reason(cached.key))
                self._run_package(nox_session, registered)

        run.__doc__ = describe(session, registered.python)
        installs_nothing = session.name in self.bare and registered.python is None
        bare = skip is not None or cached is not None or installs_nothing
        nox.session(
            name=registered.name,
            python=registered.python,
            venv_backend="none" if bare else self.venv_backend,
            tags=[session.task, session.package],
            requires=list(registered.requires),
            allow_parallel=True,
        )(run)

    def _add_all(self, task: str, names: list[str]) -> None:
        def run(nox_session: nox.Session) -> None:
            with self._timed(session_name(task, "all"), task, None, names):
                done = f"{len(names)} package session" + ("" if len(names) == 1 else "s")
                nox_session.log(f"{task}: every package done ({done})")

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
            with self._timed(name, task, None, chosen.run):
                if chosen.error is not None:
                    nox_session.error(chosen.error)
                nox_session.log(chosen.summary)

        run.__doc__ = (
            f"{task} the packages changed since the base and their dependents"
            " (posargs: --base REF, --head REF, --files PATH ...)"
        )
        # No tag: `nox -t build` selects every build, and would select this session
        # too, which works out what to run only when named.
        nox.session(
            name=name,
            venv_backend="none",
            requires=list(chosen.run) if chosen is not None else [],
            default=False,
            allow_parallel=True,
        )(run)

    def _warn_if_stale(self, declarations: Declarations) -> None:
        from noxgraph.errors import NoxgraphError  # load-time check only
        from noxgraph.sessions.staleness import changes_since

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

    def _profile(self, declarations: Declarations) -> Recorder | None:
        """The recorder of this process's sessions when the run is profiled: a folder is
        named already (by ``noxgraph run``, or by the nox process that started this one),
        or ``<task>-all`` or ``<task>-affected`` was given ``--profile FILE``; then this
        process names the folder and writes the trace from it as it exits."""
        folder = os.environ.get(_ENV_PROFILE)
        if not folder and not any(a.startswith("--profile") for a in sys.argv[1:]):
            return None
        import time

        from noxgraph.sessions import selection, timeline
        from noxgraph.sessions.nox_command import read_nox_command

        command = read_nox_command(sys.argv[1:], os.environ)
        if folder:
            # A process nox started for one session: that session starts with the process.
            started = timeline.process_started() if command.no_dependencies else None
            return timeline.Recorder(folder, started or time.time())
        aggregates = {session_name(t, "all"): False for t in declarations.tasks}
        aggregates.update({session_name(t, "affected"): True for t in declarations.tasks})
        asked = [aggregates[name] for name in command.sessions if name in aggregates]
        if not asked or command.listing:
            return None
        from noxgraph.errors import UsageError

        try:
            _, target = selection.split_profile(command.posargs, affected=any(asked))
        except UsageError as exc:
            raise SystemExit(f"noxgraph: {exc.message}") from None
        if target is None:
            return None
        import atexit
        import tempfile

        trace = Path(selection.invoked_from(command, self.noxfile, os.environ), target)
        folder = tempfile.mkdtemp(prefix="noxgraph-profile-")
        os.environ[_ENV_PROFILE] = folder  # for the processes nox starts under -j
        started = timeline.process_started() or time.time()
        title = " ".join(["nox", *sys.argv[1:]])
        atexit.register(_write_profile, Path(folder), trace, started, title)
        return timeline.Recorder(folder, time.time())

    # -- running -------------------------------------------------------------------------

    def _timed(self, name: str, task: str, package: str | None, requires: Sequence[str]) -> Timed:
        from noxgraph.sessions.timeline import Timed

        return Timed(self._recorder, name, task, package, requires)

    def _posargs(self, nox_session: nox.Session, task: str) -> list[str]:
        chosen = self.selections.get(task)
        if chosen is not None and not chosen.error:
            return list(chosen.posargs)
        from noxgraph.sessions.selection import split_profile, without_no_cache

        own, _ = split_profile(nox_session.posargs, affected=False)
        return without_no_cache(own)[0]

    def _restore(self, nox_session: nox.Session, entry: Entry) -> None:
        """Put a cached session's files back into the wheelhouse, and tell
        ``noxgraph run`` (when it asked) that the session came from the cache."""
        from noxgraph.sessions.session_cache import (
            ENV_CACHED_REPORT,
            CacheError,
            cache_folder,
            restore,
        )

        wheelhouse = self._wheelhouse
        assert wheelhouse is not None  # noqa: S101 - set whenever an entry is found
        try:
            restored = restore(cache_folder(self.noxfile.resolve()), entry, wheelhouse)
        except CacheError as exc:
            nox_session.error(exc.message)
        for path in restored:
            nox_session.log(f"restored {path.name} into {wheelhouse}")
        report = os.environ.get(ENV_CACHED_REPORT)
        if report:
            Path(report, entry.session).write_text(entry.key, encoding="utf-8")

    def _run_package(self, nox_session: nox.Session, registered: NoxSession) -> None:
        session = registered.session
        from noxgraph.errors import NoxgraphError
        from noxgraph.sessions.install import Installer, expand
        from noxgraph.sessions.plan_cache import planned  # only when a session runs

        try:
            plan, wheelhouse_name = planned(self.noxfile.resolve(), self.root, session.name)
        except NoxgraphError as exc:
            nox_session.error(exc.message)
        if plan.conflict is not None:
            nox_session.error(plan.conflict)
        wheelhouse = (self.root / wheelhouse_name).resolve()
        installer = Installer(nox_session, self.root, wheelhouse, registered.python, self._contents)
        installer.install(plan)
        values = {
            "package": str(plan.folder),
            "name": plan.package,
            "root": str(self.root),
            "wheelhouse": str(wheelhouse),
        }
        posargs = self._posargs(nox_session, session.task)
        # A key holds nox's own interpreter: a session on another one records nothing.
        key = self.keys.get(session.name) if registered.python is None else None
        if key is not None:
            from noxgraph.sessions.session_cache import snapshot

            before = snapshot(wheelhouse)
        with installer.leaves_nothing([plan.folder]), nox_session.chdir(plan.folder):
            for argv in plan.commands:
                nox_session.run(*installer.program(expand(argv, values, posargs)))
        if key is not None:
            from noxgraph.sessions.session_cache import cache_folder, outputs, record

            made = outputs(wheelhouse, before, plan.package)
            record(cache_folder(self.noxfile.resolve()), session.name, key, made)


def _write_profile(folder: Path, trace: Path, started: float, title: str) -> None:
    """Write the trace of the run this nox process ran from its sessions' records, as
    it exits (a failed run too: that is when a timeline is wanted most)."""
    import shutil
    import time

    from noxgraph.sessions import timeline

    try:
        run = timeline.timeline(timeline.read_records(folder), started, time.time())
        timeline.write_trace(trace, run, title)
    except OSError as exc:
        _log.error(f"noxgraph: cannot write the run's timeline to {trace}: {exc.strerror or exc}")
    else:
        _log.warning(
            f"noxgraph: wrote the run's timeline to {trace}: critical path"
            f" {run.critical_seconds:.1f}s of {run.wall_seconds:.1f}s wall time"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def register(root: str | os.PathLike[str] | None = None) -> Sessions:
    """Register one nox session per package and task, reading the workspace now.

    Call it from a hand-written noxfile::

        import noxgraph.nox

        noxgraph.nox.register()

    ``root`` defaults to the folder nox runs the noxfile from (the noxfile's own).
    """
    from noxgraph.errors import NoxgraphError
    from noxgraph.graph import build_graph
    from noxgraph.sessions.declarations import declare  # keeps plain imports light
    from noxgraph.workspace.load import load_workspace

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
