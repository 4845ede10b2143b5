"""The ``noxgraph`` command line: the only place that prints or exits.

Exit codes: 0 success; 1 the answer is "no" (a check failed, a build failed,
the noxfile is stale); 2 bad usage or bad input, always as one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from noxgraph import __version__
from noxgraph._text import some
from noxgraph.cli.terminal import Output
from noxgraph.errors import GitError, NoxgraphError, PyprojectError, UsageError
from noxgraph.kinds import KINDS

if TYPE_CHECKING:
    from noxgraph.changes.affected import Affected
    from noxgraph.graph import DependencyGraph
    from noxgraph.kinds import Kind
    from noxgraph.sessions.declarations import Declarations
    from noxgraph.sessions.timeline import Timeline
    from noxgraph.workspace.load import Workspace
    from noxgraph.workspace.metadata import BackendMetadata
    from noxgraph.workspace.pyproject import Package


__all__ = ["main"]

Handler = Callable[[argparse.Namespace, "Output"], int]

#: How many rows a long text answer shows unless ``--all`` asks for every one: rich
#: lays out thousands of rows in seconds, and nobody reads them on a terminal.
_SUMMARY_ROWS = 50
#: Notes of one kind ``check`` lists before it counts the rest: a repository of many
#: alike packages gets one note each.
_ALIKE_NOTES = 5

#: How many warnings of one kind every command repeats (a dozen uninitialised submodules
#: would bury the answer); `check` lists them all.
_SAME_WARNINGS = 3


def _kinds(text: str) -> list[Kind]:
    kinds: list[Kind] = []
    for raw in text.split(","):
        part = raw.strip()
        for kind in KINDS:
            if part == kind:
                kinds.append(kind)
                break
        else:
            raise argparse.ArgumentTypeError(
                f"unknown kind {part!r}; choose from {', '.join(KINDS)}"
            )
    return kinds


def _format(args: argparse.Namespace) -> str:
    return "json" if getattr(args, "json", False) else str(args.format)


# -- graph, show, check ----------------------------------------------------------------


def cmd_graph(args: argparse.Namespace, out: Output) -> int:
    from noxgraph.cli.report import (
        graph_document,
        graph_dot,
        graph_mermaid,
        graph_text,
        graph_view,
    )
    from noxgraph.graph import build_graph  # each command loads what it needs
    from noxgraph.workspace.load import load_with_unlisted

    fmt = _format(args)
    highlight = args.affected or _names_a_change(args)
    if highlight and fmt != "html":
        raise UsageError(
            "--affected and the change options (--base, --head, --files, --uncommitted,"
            " --task) highlight the affected packages on the page of --format html"
        )
    affected: Affected | None = None
    if highlight:
        workspace, graph, affected = _affected_in(args, task=args.task)
        if args.task is not None:
            _tasks_for(workspace, args.task)
    else:
        workspace = load_with_unlisted(args.root)
        graph = build_graph(workspace)
    view = graph_view(graph, args.kinds)
    _warn_dynamic(workspace.packages)
    if fmt == "json":
        out.json(graph_document(workspace, view, args.root.as_posix()))
    elif fmt == "html":
        from noxgraph.cli.page import graph_page
        from noxgraph.cli.report import affected_document

        document = graph_document(workspace, view, args.root.as_posix())
        shown = affected_document(affected) if affected is not None else None
        out.write(graph_page(document, shown, title=workspace.root.name or str(workspace.root)))
    elif fmt == "dot":
        out.write(graph_dot(workspace, view))
    elif fmt == "mermaid":
        out.write(graph_mermaid(workspace, view))
    else:
        limit = None if args.all_rows else _SUMMARY_ROWS
        out.view(graph_text(workspace, view, limit=limit))
    if view.order_error is not None:
        _error(view.order_error.message)
        return 1
    return 0


def _names_a_change(args: argparse.Namespace) -> bool:
    """Whether any option that says what changed (or which task's kinds) was given."""
    return (
        args.base is not None
        or args.head is not None
        or args.files is not None
        or args.uncommitted is not None
        or args.if_base_missing != "error"
        or args.task is not None
    )


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    from noxgraph.cli.report import show_document, show_text
    from noxgraph.graph import build_graph
    from noxgraph.sessions.declarations import session_name
    from noxgraph.workspace.load import load_workspace

    workspace = load_workspace(args.root)
    pkg = workspace.get(args.package)
    # A path says so (show ., show libs/app); a bare word is a name, even where a folder
    # has it (mem0/ in the package mem0ai).
    as_path = args.package in (".", "..") or "/" in args.package or os.sep in args.package
    if pkg is None and as_path and os.path.exists(args.package):
        pkg = workspace.member_at(Path(args.package).resolve())
        if pkg is None:
            raise UsageError(f"{args.package} is in no package of {workspace.root}")
    if pkg is None:
        import difflib  # only for the error message

        from noxgraph._names import canonicalize_name
        from noxgraph.workspace.load import unlisted_projects

        asked = canonicalize_name(args.package)
        for skipped in (*workspace.skipped, *unlisted_projects(workspace)):
            if skipped.name == asked:
                raise UsageError(
                    f"{args.package!r} is no package of {workspace.root}:"
                    f" {skipped.path} {skipped.reason}"
                )
        users = [p.name for p in workspace.packages if any(d.name == asked for d in p.declarations)]
        if users:
            raise UsageError(
                f"{args.package!r} is no package of {workspace.root}: it is a third-party"
                f" dependency of {some(users)}"
            )
        close = difflib.get_close_matches(args.package, workspace.names, n=1)
        # A prefixed family (opentelemetry-instrumentation-django) is asked for by a part
        # of its name: whole parts first (nat: nvidia-nat), then the shortest.
        containing = [n for n in workspace.names if asked in n]
        containing.sort(key=lambda n: (asked not in n.split("-"), len(n), n))
        close = close or containing[:3]
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        unread = [s.path for s in workspace.skipped if s.code == "setup-py"]
        if unread:
            hint += (
                f" ({_count(len(unread), 'setuptools project')} noxgraph does not read may name"
                f" it: {some(unread)})"
            )
        raise UsageError(f"no package named {args.package!r} in {workspace.root}{hint}")
    graph = build_graph(workspace)
    sessions = {task: session_name(task, pkg.name) for task in workspace.tasks_of(pkg.name)}
    document = show_document(workspace, graph, pkg, sessions)
    _warn_dynamic([pkg])
    if _format(args) == "json":
        out.json(document)
    else:
        out.view(show_text(document))
    return 0


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    from noxgraph.cli.checks import run_checks
    from noxgraph.cli.report import check_document, check_text
    from noxgraph.graph import build_graph
    from noxgraph.workspace.load import load_workspace

    workspace = load_workspace(args.root, tolerant=True)
    backend: list[BackendMetadata] = []
    if args.metadata:
        from noxgraph.workspace.metadata import ask_backends, needs_backend

        backend = ask_backends(pkg for pkg in workspace.packages if needs_backend(pkg))
    findings = run_checks(workspace, build_graph(workspace), backend)
    failed = any(
        f.severity == "error" or (args.strict and f.severity == "warning") for f in findings
    )
    document = check_document(
        findings, packages=len(workspace.packages), failed=failed, strict=args.strict
    )
    if _format(args) == "json":
        out.json(document)
    else:
        out.view(check_text(document, alike_notes=None if args.all_rows else _ALIKE_NOTES))
    return 1 if failed else 0


def cmd_affected(args: argparse.Namespace, out: Output) -> int:
    workspace, graph, affected = _affected_in(args, task=args.task)
    _warn_skipped(workspace, from_git=True)
    _warn_dynamic(workspace.packages)
    fmt = _format(args)
    # The tasks look into each package's folder for tests: only --task and the
    # session names need them.
    tasks = _tasks_for(workspace, args.task) if args.task or fmt == "sessions" else []
    # Each format imports what it prints with: names need neither render nor rich.
    if fmt == "json":
        from noxgraph.cli.report import affected_document

        out.json(affected_document(affected))
    elif fmt == "names":
        out.write("".join(f"{name}\n" for name in affected.names))
    elif fmt == "sessions":
        from noxgraph.sessions.declarations import declare

        declarations = declare(workspace, graph)
        # Each session on each of its interpreters, in the order of affected.names.
        by_package: dict[tuple[str, str], list[str]] = {}
        for session in declarations.nox_sessions():
            key = (session.session.task, session.session.package)
            by_package.setdefault(key, []).append(session.name)
        lines = [
            name
            for task in tasks
            for pkg in affected.names
            for name in by_package.get((task, pkg), ())
        ]
        out.write("".join(f"{line}\n" for line in lines))
    else:
        from noxgraph.cli.report import affected_text

        out.view(affected_text(affected, graph, explain=args.explain))
    return 0


def cmd_generate(args: argparse.Namespace, out: Output) -> int:
    from noxgraph.cli.generate import generate
    from noxgraph.cli.report import generate_document, generate_text
    from noxgraph.graph import build_graph
    from noxgraph.workspace.load import load_workspace

    workspace = load_workspace(args.root)
    graph = build_graph(workspace)
    output = args.output if args.output is not None else workspace.root / "noxfile.py"
    display = _from_cwd(output)
    outcome = generate(
        workspace,
        graph,
        Path.cwd() / output,
        display=display,
        force=args.force,
        check=args.check,
    )
    _warn_skipped(workspace)  # only beside an answer: an error stays one line
    _warn_dynamic(workspace.packages)
    packages = len(workspace.packages)
    without_tests: dict[str, list[str]] = {}
    for pkg in workspace.packages:
        for task, why in workspace.tasks_refused(pkg.name).items():
            if why == "no-tests":
                without_tests.setdefault(task, []).append(pkg.name)
    if args.json:
        out.json(generate_document(outcome, display, packages, without_tests))
    elif outcome.status == "stale":
        out.write(outcome.diff)
        _error(f"{display} is stale; run `noxgraph generate` to update it")
    else:
        out.write(generate_text(outcome, display, packages, without_tests))
    return 1 if outcome.status == "stale" else 0


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    import tempfile
    import time

    from noxgraph.changes.options import options_from
    from noxgraph.cli.report import (
        run_plan_document,
        run_plan_text,
        run_summary_document,
        run_summary_text,
    )
    from noxgraph.cli.run import cached_sessions, invoke, nox_command, read_report
    from noxgraph.graph import build_graph
    from noxgraph.sessions.declarations import declare, start_order
    from noxgraph.sessions.selection import not_affected_reason, select
    from noxgraph.sessions.session_cache import ENV_CACHED_REPORT, cached_reason
    from noxgraph.sessions.timeline import ENV_PROFILE, read_records, timeline
    from noxgraph.workspace.load import load_workspace

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: the number of sessions side by side is at least 1")
    if args.profile is not None:
        _check_profile_path(args.profile)
    options = options_from(args) if args.affected else None
    if args.affected:
        workspace, graph, affected = _affected_in(args, task=args.task)
    else:
        workspace = load_workspace(args.root)
        graph = build_graph(workspace)
    declarations = declare(workspace, graph)
    if args.task not in declarations.tasks:
        known = ", ".join(declarations.tasks)
        tasks = f"the tasks are {known}" if known else "no package has a task"
        raise UsageError(f"no sessions for task {args.task!r}; {tasks}")
    noxfile = _noxgraph_noxfile(args.noxfile, workspace.root)
    if _is_stale(workspace, graph, noxfile):
        # nox would run the sessions the file declares, not those the workspace gives.
        message = (
            f"{_from_cwd(noxfile)} is stale: the workspace gives other sessions than it"
            " declares; run `noxgraph generate` first (`noxgraph generate --check` shows how)"
        )
        _error(message)
        if args.json:
            from noxgraph.cli.report import error_document

            out.json(error_document(message))
        return 1
    _warn_skipped(workspace)
    packages = {s.name: s.session.package for s in declarations.nox_sessions()}
    if args.affected:
        reason = not_affected_reason(r.base for r in affected.changes.repositories)
        chosen = select(
            declarations, args.task, affected.names, reason, unread=affected.unread_files
        )
        if not chosen.run:
            if args.profile is not None:
                _write_profile(args.profile, timeline([]), _run_title(args), {})
            if args.json:
                out.json(run_summary_document([], 0))
            else:
                out.write(f"{chosen.summary}\n")
            return 0
        # In the order nox starts them: an upstream session that only skips goes first.
        planned = start_order(declarations.nox_sessions(), [*chosen.run, *chosen.skip])
        skipped = dict(chosen.skip)
    else:
        planned = start_order(
            declarations.nox_sessions(), [s.name for s in declarations.nox_sessions(args.task)]
        )
        skipped = {}

    def command(report: Path | None) -> list[str]:
        return nox_command(
            args.task,
            noxfile=noxfile.resolve(),
            report=report,
            jobs=args.jobs,
            affected=options,
            nox_args=args.nox_args,
            cache=not args.no_cache,
        )

    if args.dry_run:
        # The command as one would run it: the report noxgraph reads is its own business.
        from_cache: dict[str, str] = {}
        if not args.no_cache:
            from_cache = _cached(noxfile, workspace.root, declarations, planned, skipped)
        skipped = {**skipped, **{name: cached_reason(key) for name, key in from_cache.items()}}
        if args.json:
            out.json(run_plan_document(command(None), planned, skipped, from_cache))
        else:
            limit = None if args.all_rows else _SUMMARY_ROWS
            out.view(run_plan_text(command(None), planned, skipped, limit=limit))
        return 0
    with tempfile.TemporaryDirectory(prefix="noxgraph-run-") as folder:
        report = Path(folder) / "report.json"
        argv = command(report)
        cached = Path(folder) / "cached"
        cached.mkdir()
        # Every session records when it ran, so the summary can set the critical path
        # beside the wall time (and --profile write the timeline).
        records = Path(folder) / "records"
        records.mkdir()
        # nox's own output goes to stderr under --json, so stdout holds one document.
        env = {**os.environ, ENV_CACHED_REPORT: str(cached), ENV_PROFILE: str(records)}
        started = time.time()
        code = invoke(argv, stdout_to_stderr=args.json, env=env)
        run = timeline(read_records(records), started, time.time())
        rows = read_report(report, packages, cached_sessions(cached))
    profile = None if args.profile is None else _from_cwd(args.profile)
    if args.json:
        out.json(run_summary_document(rows, code, run, profile))
    elif rows:
        out.view(run_summary_text(rows, code, run, profile))
    if args.profile is not None:
        ran = {piece.record.session for piece in run.slices}
        not_run = {r.session: r.note or r.result for r in rows if r.session not in ran}
        _write_profile(args.profile, run, _run_title(args), not_run)
    return code


def _cached(
    noxfile: Path,
    root: Path,
    declarations: Declarations,
    planned: Sequence[str],
    skipped: Mapping[str, str],
) -> dict[str, str]:
    """The sessions of ``planned`` that nox will take from the session cache, with their
    keys, as nox's load finds them: not those that skip for another reason (``skipped``),
    nor sessions on a named interpreter, which always run."""
    if os.environ.get("NOXGRAPH_NO_CACHE"):
        return {}
    from noxgraph.sessions.session_cache import look_up

    on_nox = {s.name for s in declarations.nox_sessions() if s.python is None}
    start = [name for name in planned if name in on_nox]
    every = {s.name: s for s in declarations.sessions()}
    found = look_up(noxfile, root, every, start, skipped)
    if found is None:
        return {}
    return {name: found.entries[name].key for name in start if name in found.entries}


def _run_title(args: argparse.Namespace) -> str:
    """How the trace names the run: the command as the user would type it."""
    words = ["noxgraph", "run", args.task]
    if args.affected:
        words.append("--affected")
    if args.jobs is not None:
        words += ["-j", str(args.jobs)]
    return " ".join(words)


def _check_profile_path(path: Path) -> None:
    """Refuse a --profile FILE that could not be written, before nox runs for minutes."""
    if path.is_dir():
        raise UsageError(f"--profile {path}: a folder, not a file to write the timeline to")
    if not path.parent.resolve().is_dir():
        raise UsageError(f"--profile {path}: no folder {_from_cwd(path.parent)} to write it in")


def _write_profile(path: Path, run: Timeline, title: str, not_run: dict[str, str]) -> None:
    from noxgraph.sessions.timeline import write_trace

    try:
        write_trace(path, run, title, not_run)
    except OSError as exc:
        raise UsageError(f"--profile {path}: {exc.strerror or exc}") from None


def _noxgraph_noxfile(asked: Path | None, root: Path) -> Path:
    """The noxfile to hand nox (``--noxfile``, else ``noxfile.py`` in the workspace root),
    refused unless it declares noxgraph's sessions: nox would only say "Sessions not found"."""
    from noxgraph.cli.generate import noxfile_state

    noxfile = asked if asked is not None else root / "noxfile.py"
    state = noxfile_state(noxfile)
    if state == "missing":
        raise UsageError(
            f"no noxfile at {_from_cwd(noxfile)}: run `noxgraph generate` first, or pass --noxfile"
        )
    if state == "foreign":
        # `noxgraph generate` would not replace it without --force: the project's own.
        raise UsageError(
            f"{_from_cwd(noxfile)} declares no noxgraph sessions: run `noxgraph generate"
            " --output FILE` for a noxfile of noxgraph's own and pass --noxfile FILE"
        )
    return noxfile


def _is_stale(workspace: Workspace, graph: DependencyGraph, noxfile: Path) -> bool:
    """Whether ``noxfile`` holds a generated block that ``noxgraph generate`` would now
    write otherwise (one that registers at load time is always current)."""
    from noxgraph.cli.generate import generate
    from noxgraph.generated import NOXFILE_BEGIN

    try:
        text = noxfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # nox says why it cannot load it
    if NOXFILE_BEGIN not in text:
        return False
    outcome = generate(workspace, graph, noxfile, display=_from_cwd(noxfile), check=True)
    return outcome.status == "stale"


def _noxgraph_requirement(asked: str | None) -> str | None:
    """``--noxgraph-requirement``, refused unless it is a requirement naming noxgraph."""
    from noxgraph.cli.ci import requirement_problem

    problem = None if asked is None else requirement_problem(asked)
    if problem is not None:
        raise UsageError(f"--noxgraph-requirement {asked!r}: {problem}")
    return asked


def cmd_ci_github(args: argparse.Namespace, out: Output) -> int:
    from noxgraph.cli import ci
    from noxgraph.cli.report import ci_matrix_document
    from noxgraph.generated import WORKFLOW_HEADER
    from noxgraph.graph import build_graph
    from noxgraph.sessions.declarations import declare
    from noxgraph.sessions.plan import plan_all
    from noxgraph.workspace.load import load_workspace

    fmt = _format(args)
    changes = args.base or args.head or args.files is not None or args.uncommitted is not None
    if changes and not (fmt == "json" and args.affected):
        raise UsageError(
            "--base, --head, --files and --uncommitted say what changed now, for --format json"
            " --affected; the workflow takes the base from the pull request"
        )
    workspace = load_workspace(args.root)
    graph = build_graph(workspace)
    declarations = declare(workspace, graph)
    for task in args.task or ():
        _tasks_for(workspace, task)
    asked = list(dict.fromkeys(args.task)) if args.task else None
    sessions = ci.sessions_of(declarations, asked)
    # The tasks with a job, in configuration order: those the affected sessions come from.
    tasks = [t for t in declarations.tasks if any(s.session.task == t for s in sessions)]
    requirement = _noxgraph_requirement(args.noxgraph_requirement)
    bounds = ci.interpreter_bounds(workspace, plan_all(workspace, graph))
    if fmt == "json":
        noxfile = ci.noxfile_argument(
            workspace.root, _noxgraph_noxfile(args.noxfile, workspace.root)
        )
        only = _affected_sessions(args, declarations, tasks) if args.affected else None
        job_list = ci.jobs(declarations, asked, per_level=args.per_level, only=only, bounds=bounds)
        out.json(ci_matrix_document(job_list, ci.nox_command(noxfile)))
        return 0
    job_list = ci.jobs(
        declarations, asked, per_level=args.per_level, bounds=bounds, runs_required=False
    )
    if not job_list:
        raise UsageError("the workspace has no package sessions, so a workflow would have no job")
    noxfile = ci.noxfile_argument(workspace.root, _noxgraph_noxfile(args.noxfile, workspace.root))
    output = Path.cwd() / (
        ci.default_output(workspace.root) if args.output is None else args.output
    )
    display = _from_cwd(output)
    document = ci.workflow(
        job_list,
        branch=workspace.config.base or "main",
        affected_tasks=tasks if args.affected else None,
        working_directory=ci.working_directory(workspace.root, output),
        noxfile=noxfile,
        noxgraph_requirement=requirement,
    )
    status = ci.write_workflow(
        output, ci.to_yaml(document, WORKFLOW_HEADER), display=display, force=args.force
    )
    done = f"wrote {display}" if status == "written" else f"{display} is already up to date"
    out.write(f"{done}: {_count(len(job_list), 'job')} for {_count(len(sessions), 'session')}\n")
    hint = _default_branch_hint(workspace)
    if hint is not None:
        out.write(f"{hint}\n")
    if requirement is None:
        out.write(
            f"the jobs install {ci.default_requirement()!r} from the package index;"
            " --noxgraph-requirement names another (a git URL, a path)\n"
        )
    return 0


def _affected_sessions(
    args: argparse.Namespace, declarations: Declarations, tasks: Sequence[str]
) -> set[str]:
    """The sessions of ``tasks`` that the change options say are affected, each task
    over its own affected-kinds."""
    found: set[str] = set()
    for task in tasks:
        _, _, affected = _affected_in(args, task=task)
        chosen = set(affected.names)
        found |= {s.name for s in declarations.nox_sessions(task) if s.session.package in chosen}
    return found


def _affected_in(
    args: argparse.Namespace, task: str | None = None
) -> tuple[Workspace, DependencyGraph, Affected]:
    """The workspace, its graph and what the change affects, as the options ask."""
    from noxgraph.changes.affected import affected_in
    from noxgraph.changes.options import options_from

    options = options_from(args)
    return affected_in(
        args.root,
        base=options.base,
        head=options.head,
        files=options.files,
        uncommitted=options.uncommitted,
        if_base_missing="all" if options.if_base_missing == "all" else "error",
        task=task,
    )


def _default_branch_hint(workspace: Workspace) -> str | None:
    """Where origin's default branch is not the one the workflow runs on pushes to
    (``main`` unless ``[tool.noxgraph].base`` says): how to name it. The workflow
    itself is written from the configuration alone, the same in every clone."""
    from noxgraph.changes.changed_files import remote_default_branch

    if workspace.config.base is not None:
        return None
    try:
        default = remote_default_branch(workspace.root)
    except GitError:
        return None
    if default is None or default == "main":
        return None
    return (
        f"origin's default branch is {default!r}, and the workflow runs on pushes to 'main':"
        f" set [tool.noxgraph].base = {default!r} to run it on pushes to {default!r}"
    )


def _tasks_for(workspace: Workspace, task: str | None) -> list[str]:
    """The task asked for, or every task, in configuration order."""
    every = list(dict.fromkeys(t for name in workspace.names for t in workspace.tasks_of(name)))
    if task is None:
        return every
    if task not in every:
        if not every:
            raise UsageError(f"--task {task!r}: no package has any task")
        raise UsageError(f"--task {task!r}: no package has that task (tasks: {', '.join(every)})")
    return [task]


# -- the parser ---------------------------------------------------------------------------


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="the workspace folder (default: the workspace the current folder is in: the"
        " nearest folder at or above it that declares one, else the current folder)",
    )


def _json_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"{what} as JSON (schema version 1)")


def _common(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    _root_option(parser)
    parser.add_argument(
        "--format", choices=formats, default=formats[0], help="output format (default: %(default)s)"
    )
    _json_option(parser, "the same as --format json: the answer")


def _change_options(parser: argparse.ArgumentParser) -> None:
    """The options that say what changed, shared by ``affected``, ``run --affected``
    and the ``<task>-affected`` sessions."""
    from noxgraph.changes.options import add_change_options

    add_change_options(parser)


def _graph_arguments(graph: argparse.ArgumentParser) -> None:
    _common(graph, ("text", "json", "dot", "mermaid", "html"))
    graph.add_argument(
        "--kinds",
        type=_kinds,
        action="extend",
        metavar="KIND[,KIND]",
        help=f"only edges of these kinds ({', '.join(KINDS)}); default: all",
    )
    graph.add_argument(
        "--all",
        action="store_true",
        dest="all_rows",
        help=f"text: every package, level and cycle (default: the first {_SUMMARY_ROWS} of each)",
    )
    graph.add_argument(
        "--affected",
        action="store_true",
        help="html: highlight the packages a change affects, each with its reason (see"
        " `noxgraph affected`); any change option below implies it",
    )
    graph.add_argument(
        "--task",
        metavar="NAME",
        help="html: the affected packages of this task, over its affected-kinds",
    )
    _change_options(graph)
    graph.set_defaults(handler=cmd_graph)


def _show_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument(
        "package",
        metavar="PKG",
        help="the package name, in any spelling, or a path in its folder (show .)",
    )
    _common(show, ("text", "json"))
    show.set_defaults(handler=cmd_show)


def _check_arguments(check: argparse.ArgumentParser) -> None:
    _common(check, ("text", "json"))
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check.add_argument(
        "--all",
        action="store_true",
        dest="all_rows",
        help=f"text: every note (default: the first {_ALIKE_NOTES} of each kind and a count)",
    )
    check.add_argument(
        "--metadata",
        action="store_true",
        help="ask the build backend (PEP 517, in an isolated environment) for the versions and"
        " dependencies the files leave dynamic",
    )
    check.set_defaults(handler=cmd_check)


def _affected_arguments(affected: argparse.ArgumentParser) -> None:
    _common(affected, ("text", "json", "names", "sessions"))
    _change_options(affected)
    affected.add_argument("--explain", action="store_true", help="say why each package is affected")
    affected.add_argument(
        "--task",
        metavar="NAME",
        help="answer for this task: its affected-kinds, and only its sessions with --format"
        " sessions",
    )
    affected.set_defaults(handler=cmd_affected)


def _generate_arguments(generate: argparse.ArgumentParser) -> None:
    _root_option(generate)
    generate.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write (default: noxfile.py in the workspace root)",
    )
    generate.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff when the file is stale",
    )
    generate.add_argument(
        "--force", action="store_true", help="replace a noxfile that noxgraph did not write"
    )
    _json_option(generate, "print the outcome")
    generate.set_defaults(handler=cmd_generate)


def _run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("task", metavar="TASK", help="the task, such as build or test")
    run.add_argument(
        "nox_args", nargs="*", metavar="NOX_ARG", help="after --: arguments for nox itself"
    )
    _root_option(run)
    run.add_argument(
        "--noxfile",
        type=Path,
        metavar="PATH",
        help="the noxfile to run (default: noxfile.py in the workspace root)",
    )
    run.add_argument(
        "--affected",
        action="store_true",
        help="only the packages a change affects (see `noxgraph affected`)",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="run up to N sessions side by side (nox's --parallel)",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="print the nox command and the sessions, run nothing"
    )
    run.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="write the run's timeline to FILE in the Chrome trace event format, for Perfetto"
        " or chrome://tracing: one slice per session on the worker that ran it",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="run every session, even those whose inputs are unchanged since their last success",
    )
    run.add_argument(
        "--all",
        action="store_true",
        dest="all_rows",
        help=f"with --dry-run: every session (default: the first {_SUMMARY_ROWS} and a count)",
    )
    _json_option(run, "print the plan or the summary")
    _change_options(run)
    run.set_defaults(handler=cmd_run)


def _ci_arguments(ci: argparse.ArgumentParser) -> None:
    providers = ci.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
    github = providers.add_parser(
        "github",
        help="a GitHub Actions workflow: one job per session, needs: = requires=",
        description="Write a GitHub Actions workflow with one job per nox session (or per"
        " level with --per-level), each needing the jobs of the sessions it requires and"
        " running `nox -s SESSION`. With --affected, pull requests run only the affected"
        " sessions, the base taken from the pull request. --format json prints the jobs as a"
        " matrix for an existing workflow instead.",
    )
    _common(github, ("yaml", "json"))
    github.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write (default: .github/workflows/noxgraph.yml at the top of the git"
        " repository holding the workspace, outside git in the workspace root)",
    )
    github.add_argument(
        "--noxfile",
        type=Path,
        metavar="PATH",
        help="the noxfile the jobs run (default: noxfile.py in the workspace root)",
    )
    github.add_argument(
        "--noxgraph-requirement",
        metavar="SPEC",
        help="what the jobs install noxgraph with, a PEP 508 requirement such as"
        " 'noxgraph @ git+https://github.com/ORG/noxgraph@TAG' (default: noxgraph"
        f" >={__version__}, below the next minor version)",
    )
    github.add_argument(
        "--task",
        action="append",
        metavar="NAME",
        help="only this task's sessions (and those they require); may be repeated",
    )
    github.add_argument(
        "--affected",
        action="store_true",
        help="on pull requests, only the affected sessions (with --format json: the"
        " sessions the change options say are affected now)",
    )
    github.add_argument(
        "--per-level",
        action="store_true",
        help="one job per task and level of the session graph (build-level-1, test-level-1, ...)",
    )
    github.add_argument(
        "--force", action="store_true", help="replace a workflow that noxgraph did not write"
    )
    _change_options(github)
    github.set_defaults(handler=cmd_ci_github)


#: Each command: its one-line help, its description, and what adds its arguments.
_COMMANDS: dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = {
    "graph": (
        "the dependency graph, build order and levels",
        "Print the dependency graph between the workspace's packages, the build"
        " order and the levels that can build side by side. --format html writes one"
        " self-contained page to explore it (> graph.html), with the affected packages"
        " highlighted under --affected or the change options.",
        _graph_arguments,
    ),
    "show": (
        "one package: path, version, dependencies, dependents, tasks",
        "Show one package: where it is, what it depends on (with kinds and"
        " constraints), what depends on it, and the tasks that apply to it.",
        _show_arguments,
    ),
    "check": (
        "cycles, duplicate names, unsatisfied constraints, dynamic metadata",
        "Check the workspace: cycles over ordering edges, duplicate names,"
        " constraints a sibling does not satisfy, unreadable or dynamic metadata, and path"
        " sources that lead outside the workspace. Exits 1 when an error is found.",
        _check_arguments,
    ),
    "affected": (
        "changed packages and everything that depends on them",
        "Which packages a change affects: those whose files changed since the"
        " merge base with --base, and, transitively, every package that depends on them."
        " Without --head, uncommitted and untracked files count too.",
        _affected_arguments,
    ),
    "generate": (
        "write the noxfile: one session per package and task",
        "Write a noxfile with one nox session per package and task, chained in"
        " dependency order with requires=. Text outside the generated block is kept. With"
        " --check, write nothing and exit 1 (printing a diff) when the file is stale.",
        _generate_arguments,
    ),
    "run": (
        "run a task over the graph by invoking nox",
        "Run TASK for every package (<task>-all), or with --affected only for the"
        " packages a change affects, by invoking nox on the noxfile; nox does the work."
        " Arguments after -- go to nox. Ends with a summary of every session.",
        _run_arguments,
    ),
    "ci": (
        "a CI workflow whose jobs mirror the sessions",
        "Write a CI workflow whose jobs mirror the session graph.",
        _ci_arguments,
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or with ``command`` of that one alone: each parser
    argparse makes costs more than parsing, and a line that starts with its command
    needs no other."""
    parser = argparse.ArgumentParser(
        prog="noxgraph",
        description=(
            "One nox session per package and task, chained in dependency order, for"
            " workspaces of many Python packages."
        ),
    )
    parser.add_argument("--version", action="version", version=f"noxgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, description, add_arguments) in _COMMANDS.items():
        if command is None or name == command:
            add_arguments(commands.add_parser(name, help=summary, description=description))
    return parser


def _from_cwd(path: Path) -> str:
    """``path`` as the user would type it from here: relative unless that climbs far."""
    relative = os.path.relpath(path)
    if relative.startswith(os.pardir + os.sep + os.pardir):
        # abspath, not resolve: the file named is the one the user has, not a link's target.
        return os.path.abspath(path)
    return Path(relative).as_posix()


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _error(message: str) -> None:
    sys.stderr.write(f"noxgraph: error: {message}\n")
    sys.stderr.flush()


def _warn_skipped(workspace: Workspace, *, from_git: bool = False) -> None:
    """Say on stderr which files gave no member where packages may be missing (what
    ``check --strict`` fails on), so no command leaves one out without a word.
    ``from_git``: the answer read what a sparse checkout leaves out from git."""
    told: dict[str, int] = {}
    for skipped in workspace.skipped:
        if from_git and skipped.code == "not-checked-out":
            continue
        if skipped.may_hide_packages(workspace.source):
            told[skipped.code] = told.get(skipped.code, 0) + 1
            if told[skipped.code] <= _SAME_WARNINGS:
                shown = _from_cwd(workspace.root / skipped.path)
                sys.stderr.write(f"noxgraph: warning: {shown}: {skipped.reason}\n")
    for code, count in told.items():
        if count > _SAME_WARNINGS:
            sys.stderr.write(
                f"noxgraph: warning: and {count - _SAME_WARNINGS} more such ({code});"
                " `noxgraph check` lists every one\n"
            )
    sys.stderr.flush()


def _warn_dynamic(packages: Iterable[Package]) -> None:
    """Say on stderr which members leave their dependencies to the build backend, so
    a graph or an affected set that may lack their edges never looks whole."""
    files = [
        _from_cwd(pkg.path / "pyproject.toml")
        for pkg in packages
        if pkg.dynamic_dependencies and pkg.dependencies_from is None
    ]
    if not files:
        return
    shown = some(files)
    sys.stderr.write(
        "noxgraph: warning: the build backend decides the dependencies of"
        f" {_count(len(files), 'package')} ([project].dynamic): {shown}; the edges it adds"
        " are not in the graph (noxgraph check --metadata asks it)\n"
    )
    sys.stderr.flush()


def _fail(message: str, as_json: bool) -> int:
    """Report bad usage or bad input: on stderr, and under ``--format json`` also as
    the one JSON document on stdout that a script reads."""
    _error(message)
    if as_json:
        import json

        from noxgraph.cli.report import error_document

        sys.stdout.write(json.dumps(error_document(message)) + "\n")
        sys.stdout.flush()
    return 2


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM ends the process like Ctrl-C does: through the finally blocks that
    # remove a half-written temporary file, so the previous noxfile stays as it was.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    first = words[0] if words else None
    args = build_parser(first if first in _COMMANDS else None).parse_args(words)
    handler: Handler = args.handler
    for stream in (sys.stdout, sys.stderr):
        # A folder name that is not UTF-8 must print as escapes, never stop the command.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
        handling = True
    except ValueError:  # not the main thread, where only the main thread's handler runs
        handling = False
    as_json = getattr(args, "format", None) == "json" or getattr(args, "json", False)
    try:
        try:
            os.getcwd()
        except FileNotFoundError:
            raise UsageError("the current folder no longer exists; cd to one that does") from None
        root = getattr(args, "root", None)
        if isinstance(root, Path) and not root.is_dir():
            why = "not a folder" if root.exists() else "no such folder"
            raise UsageError(f"--root {root}: {why}")
        if hasattr(args, "root") and root is None:
            from noxgraph.workspace.discovery import find_root

            args.root = Path()  # a file named by an error on the way is shown from here
            args.root = Path(os.path.relpath(find_root(Path.cwd())))
        return handler(args, Output())
    except PyprojectError as exc:
        return _fail(exc.shown_from(_from_cwd(getattr(args, "root", Path()) / exc.file)), as_json)
    except NoxgraphError as exc:
        return _fail(exc.message, as_json)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``noxgraph graph | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        if handling:
            signal.signal(signal.SIGTERM, previous)
