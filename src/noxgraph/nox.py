"""noxgraph inside nox: register the sessions, and run them.

Two ways in, one registration path:

- a generated noxfile holds the session specs as data and hands them to
  :class:`Generated`, which checks at load time that the workspace has not
  changed since it was generated;
- a hand-written noxfile calls :func:`register`, which reads the workspace at
  load time and builds the specs with :func:`noxgraph.sessions.build_specs`.

Either way each spec becomes one ``@nox.session`` whose body is
:meth:`Sessions.run`, and nox does the virtualenvs, the order (``requires=``)
and the parallelism (``-j``).

Unaffected upstream sessions that ``<task>-affected`` (or ``noxgraph run
--affected``) must queue for ``requires=`` receive a marker and skip at once;
a skipped session counts as success for nox, so its dependents still run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import nox

from noxgraph.sessions import (
    ENV_NOT_AFFECTED,
    MARKER,
    SessionSpec,
    affected_plan,
    describe,
    not_affected_reason,
    parse_sibling,
    session_name,
    sibling_requirement,
)

if TYPE_CHECKING:
    from noxgraph.affected import Affected

__all__ = [
    "ENV_CHECKED",
    "ENV_NOT_AFFECTED",
    "MARKER",
    "Generated",
    "Sessions",
    "register",
]

#: Set once the inputs were checked, so nox's parallel workers do not check again.
ENV_CHECKED = "NOXGRAPH_CHECKED"

_log = logging.getLogger("nox")

#: A field label of a session table line, and the text up to the next one.
_TABLE_FIELD = re.compile(r"\s+(after|siblings|install|prebuild):(?:\s+|\Z)")


class _PosargsError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _PosargsError(message)


def _affected_parser(name: str) -> _Parser:
    parser = _Parser(prog=f"nox -s {name} --", add_help=False)
    parser.add_argument("--base")
    parser.add_argument("--head")
    parser.add_argument("--files", nargs="+", action="extend")
    parser.add_argument("--uncommitted", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--if-base-missing", choices=("error", "all"), default="error")
    return parser


def _expand(argv: Sequence[str], values: Mapping[str, str], posargs: Sequence[str]) -> list[str]:
    """Fill a command's placeholders; ``{posargs}`` becomes zero or more arguments."""
    expanded: list[str] = []
    for arg in argv:
        if arg == "{posargs}":
            expanded.extend(posargs)
        else:
            expanded.append(arg.format_map(values))
    return expanded


class Sessions:
    """The sessions of one workspace, registered with nox, and how to run them."""

    def __init__(
        self,
        root: Path,
        *,
        venv_backend: str,
        wheelhouse: str,
        packages: Mapping[str, str],
    ) -> None:
        self.root = root
        self.venv_backend = venv_backend
        self.wheelhouse = wheelhouse
        self.packages = dict(packages)
        self.specs: dict[str, SessionSpec] = {}

    # -- registration ------------------------------------------------------------------

    def add(self, spec: SessionSpec) -> None:
        """Register ``spec`` as a nox session."""
        self.specs[spec.name] = spec

        def run(session: nox.Session) -> None:
            self.run(session, spec.name)

        run.__doc__ = spec.description or describe(spec, self.wheelhouse)
        run.__name__ = spec.name.replace("-", "_")
        nox.session(
            name=spec.name,
            venv_backend=self.venv_backend if spec.kind == "package" else "none",
            tags=list(spec.tags),
            requires=list(spec.requires),
            default=False,
            allow_parallel=True,
        )(run)

    # -- running -----------------------------------------------------------------------

    def run(self, session: nox.Session, name: str) -> None:
        spec = self.specs[name]
        if spec.kind == "all":
            session.log(f"{spec.task}: every package done ({len(spec.requires)} sessions)")
        elif spec.kind == "affected":
            self._run_affected(session, spec)
        else:
            self._run_package(session, spec)

    def _skip_reason(self, session: nox.Session, spec: SessionSpec) -> str | None:
        posargs = list(session.posargs)
        if posargs[:1] == [MARKER]:
            return posargs[1] if len(posargs) > 1 else "not affected"
        raw = os.environ.get(ENV_NOT_AFFECTED)
        if raw:
            try:
                reasons = json.loads(raw)
            except ValueError:
                session.error(f"{ENV_NOT_AFFECTED} is not valid JSON")
            if isinstance(reasons, dict) and isinstance(reasons.get(spec.name), str):
                return str(reasons[spec.name])
        return None

    def _folder(self, package: str) -> Path:
        return (self.root / self.packages[package]).resolve()

    def _run_package(self, session: nox.Session, spec: SessionSpec) -> None:
        reason = self._skip_reason(session, spec)
        if reason is not None:
            session.skip(reason)
        folder = self._folder(spec.package or "")
        wheelhouse = (self.root / self.wheelhouse).resolve()
        sandboxed = getattr(session.virtualenv, "is_sandboxed", True)
        if sandboxed:
            self._install(session, spec, wheelhouse)
        elif spec.siblings or spec.install:
            session.log("venv-backend is none: using this environment as it is, installing nothing")
        values = {
            "package": str(folder),
            "name": spec.package or "",
            "root": str(self.root.resolve()),
            "wheelhouse": str(wheelhouse),
        }
        if not spec.commands:
            session.skip(f"{spec.task} has no commands for {spec.package}")
        with session.chdir(folder):
            for argv in spec.commands:
                try:
                    command = _expand(argv, values, session.posargs)
                except (KeyError, ValueError, IndexError) as exc:
                    session.error(f"bad placeholder in {' '.join(argv)!r}: {exc}")
                session.run(*command)

    def _install(self, session: nox.Session, spec: SessionSpec, wheelhouse: Path) -> None:
        """Install what the session needs; siblings come from their folders.

        A sibling's build may need other siblings as wheels (its
        ``build-system.requires``): those come from the wheelhouse when a build
        left them there, and are otherwise built into the session's own
        temporary folder first, so nothing unaffected needs rebuilding.
        """
        requirements = [*spec.install]
        requirements += [sibling_requirement(s, self._folder(s.name)) for s in spec.siblings]
        if spec.prebuild:
            # create_tmp() is relative to the noxfile; commands run from the package folder.
            built = Path(session.create_tmp()).resolve() / "wheels"
            shutil.rmtree(built, ignore_errors=True)
            built.mkdir(parents=True)
            self._set_links(session, [built, wheelhouse])
            session.install("build")
            requirements = [r for r in requirements if r != "build"]
            for name in spec.prebuild:
                if self._wheel_in(wheelhouse, name):
                    continue
                session.log(f"building a wheel of {name} for builds that need it")
                session.run(
                    "python",
                    "-m",
                    "build",
                    "--wheel",
                    "--outdir",
                    str(built),
                    str(self._folder(name)),
                    silent=True,
                )
        else:
            self._set_links(session, [wheelhouse])
        if requirements:
            session.install(*requirements)

    def _set_links(self, session: nox.Session, links: Iterable[Path]) -> None:
        """Let pip and uv find the sibling wheels, after any find-links already set."""
        ours = [str(link) for link in links if link.is_dir()]
        if not ours:
            return
        for variable, separator in (("PIP_FIND_LINKS", " "), ("UV_FIND_LINKS", ",")):
            theirs = os.environ.get(variable, "").strip()
            session.env[variable] = separator.join([*ours, *([theirs] if theirs else [])])

    def _wheel_in(self, wheelhouse: Path, name: str) -> bool:
        """Whether the wheelhouse holds a wheel of ``name`` (a build left it there)."""
        if not wheelhouse.is_dir():
            return False
        prefix = name.replace("-", "_") + "-"
        return any(
            path.name.lower().startswith(prefix) and path.suffix == ".whl"
            for path in wheelhouse.iterdir()
        )

    def _run_affected(self, session: nox.Session, spec: SessionSpec) -> None:
        if getattr(session, "parallel", False):
            session.error(
                f"{spec.name} queues sessions with session.notify, which nox does not allow"
                f" under -j; run `noxgraph run {spec.task} --affected -j N` instead"
            )
        posargs = list(session.posargs)
        passthrough: list[str] = []
        if "--" in posargs:
            cut = posargs.index("--")
            posargs, passthrough = posargs[:cut], posargs[cut + 1 :]
        try:
            options = _affected_parser(spec.name).parse_args(posargs)
        except _PosargsError as exc:
            session.error(f"{spec.name}: {exc} (posargs: --base REF --head REF --files ...)")
        affected = self._affected(session, options)
        since = not_affected_reason(r.base for r in affected.changes.repositories)
        plan = affected_plan(self.specs.values(), spec.task, affected.names, since)
        if not plan:
            session.log(f"{spec.task}: no package is affected; nothing to do")
            return
        skipped = [name for name, why in plan if why is not None]
        session.log(
            f"{spec.task}: {len(plan) - len(skipped)} affected sessions"
            + (f", {len(skipped)} upstream sessions queued only to skip" if skipped else "")
        )
        for name, why in plan:
            if why is None:
                session.notify(name, posargs=passthrough)
            else:
                session.notify(name, posargs=[MARKER, why])

    def _affected(self, session: nox.Session, options: argparse.Namespace) -> Affected:
        from noxgraph.affected import affected_in  # noqa: PLC0415 - only when it runs
        from noxgraph.errors import NoxgraphError  # noqa: PLC0415

        try:
            _, _, affected = affected_in(
                self.root,
                base=options.base,
                head=options.head,
                files=options.files,
                uncommitted=options.uncommitted,
                if_base_missing=options.if_base_missing,
            )
        except NoxgraphError as exc:
            session.error(exc.message)
        return affected


class Generated(Sessions):
    """The sessions of a generated noxfile, from the data it holds.

    ``noxfile`` is the noxfile's ``__file__``; ``root`` is the workspace root
    relative to the noxfile's folder.
    """

    def __init__(
        self,
        noxfile: str,
        *,
        root: str,
        noxgraph: str,
        fingerprint: str,
        venv_backend: str,
        wheelhouse: str,
        packages: str,
        tasks: Mapping[str, Mapping[str, Any]],
        installs: Mapping[str, Sequence[str]],
        inputs: str,
    ) -> None:
        super().__init__(
            (Path(noxfile).parent / root).resolve(),
            venv_backend=venv_backend,
            wheelhouse=wheelhouse,
            packages=json.loads(packages),
        )
        self.noxfile = Path(noxfile)
        self.generated_by = noxgraph
        # nox checked this noxfile's PEP 723 block before loading it, in this very
        # interpreter (or re-ran itself in one that satisfies it, setting the same
        # variable); the workers it starts for -j run here too and need not check
        # again, which costs each of them a walk over every installed distribution.
        os.environ.setdefault("NOX_SCRIPT_MODE", "none")
        self.fingerprint = fingerprint
        self.tasks = tasks
        self.installs = installs
        self._inputs = inputs

    def session(
        self,
        task: str,
        package: str,
        *,
        after: str = "",
        siblings: Sequence[str] = (),
        install: Sequence[str] | None = None,
        prebuild: str = "",
        commands: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """Register ``<task>-<package>``, after the same task of the packages in ``after``.

        ``after`` and ``prebuild`` are package names separated by spaces; commands
        and installs default to the task's.
        """
        defaults = self.tasks[task]
        spec = SessionSpec(
            name=session_name(task, package),
            kind="package",
            task=task,
            package=package,
            requires=tuple(session_name(task, name) for name in after.split()),
            commands=tuple(tuple(argv) for argv in (commands or defaults["commands"])),
            install=tuple(defaults["install"] if install is None else install),
            siblings=tuple(map(parse_sibling, siblings)),
            prebuild=tuple(prebuild.split()),
        )
        self.add(spec)

    def sessions(self, task: str, table: str) -> None:
        """Register the sessions of a table, one line each (see the noxfile's comment)."""
        for line in table.splitlines():
            package, *labelled = _TABLE_FIELD.split(line.strip())
            if not package:
                continue
            name, *stray = package.split()
            if stray:
                msg = f"noxgraph: session table line {line.strip()!r}: {stray[0]!r} has no field"
                raise ValueError(msg)
            fields = dict(zip(labelled[::2], labelled[1::2], strict=True))
            install = fields.get("install", "").split()
            self.session(
                task,
                name,
                after=fields.get("after", ""),
                siblings=fields.get("siblings", "").split(),
                install=self.installs[install[0]] if install else None,
                prebuild=fields.get("prebuild", ""),
            )

    def aggregates(self, task: str) -> None:
        """Register ``<task>-all`` (every package session of the task) and ``<task>-affected``."""
        members = tuple(
            name
            for name, spec in self.specs.items()
            if spec.kind == "package" and spec.task == task
        )
        self.add(SessionSpec(session_name(task, "all"), "all", task, requires=members))
        self.add(SessionSpec(session_name(task, "affected"), "affected", task))

    def warn_if_stale(self) -> None:
        """Warn, once per nox run, when the workspace changed since generation."""
        if os.environ.get(ENV_CHECKED) == self.fingerprint:
            return
        os.environ[ENV_CHECKED] = self.fingerprint
        from noxgraph.errors import NoxgraphError  # noqa: PLC0415 - load-time check only
        from noxgraph.fingerprint import (  # noqa: PLC0415
            Inputs,
            compare,
            describe_changes,
            read_inputs,
        )

        try:
            current = read_inputs(self.root, reuse_by_stat=True)
        except NoxgraphError as exc:
            _log.warning(f"noxgraph: cannot check whether {self.noxfile.name} is current: {exc}")
            return
        recorded = json.loads(self._inputs)
        changes = compare(Inputs(recorded["files"], tuple(recorded["tested"])), current)
        if changes:
            _log.warning(
                f"noxgraph: the workspace changed since {self.noxfile.name} was generated"
                f" ({describe_changes(changes)}); run `noxgraph generate` to update it"
            )


def register(root: str | os.PathLike[str] | None = None) -> Sessions:
    """Register one nox session per package and task, reading the workspace now.

    Call it from a hand-written noxfile::

        import noxgraph.nox
        noxgraph.nox.register()

    ``root`` defaults to the folder nox runs the noxfile from (the noxfile's own).
    """
    from noxgraph.graph import build_graph  # noqa: PLC0415 - keeps plain imports light
    from noxgraph.sessions import build_specs  # noqa: PLC0415
    from noxgraph.workspace import load_workspace  # noqa: PLC0415

    workspace = load_workspace(Path(root) if root is not None else Path.cwd())
    graph = build_graph(workspace)
    sessions = Sessions(
        workspace.root,
        venv_backend=workspace.config.venv_backend,
        wheelhouse=workspace.config.wheelhouse,
        packages={pkg.name: pkg.relpath for pkg in workspace.packages},
    )
    for spec in build_specs(workspace, graph):
        sessions.add(spec)
    return sessions
