"""A GitHub Actions workflow whose jobs mirror the sessions nox registers.

One job per nox session (or, with ``per_level``, one per task and level of the
session graph), each ``needs:`` exactly the jobs of the sessions its session
``requires=``, so GitHub runs them in dependency order, side by side where the
graph allows, and a failed job skips every job after it, as nox does. A job
runs its sessions with ``nox --no-dependencies``: the jobs it needs already ran
the sessions upstream (each job installs its siblings from their folders, as
every session does, so nothing has to pass between jobs).

With ``affected``, a first job works out on a pull request which sessions the
change affects (``noxgraph affected --base origin/<base branch>``, per task, so
each task's ``affected-kinds`` count) and every other job runs only when its
session is one of them; on any other event every job runs. A job that does not
run is *skipped*, and GitHub skips the jobs that need a skipped job unless
their ``if:`` says otherwise, so each job's condition is
``!cancelled() && !failure() && (<its session is affected>)``: it runs after
upstream jobs that succeeded or were skipped (not affected, as an affected nox
run skips them), and never after one that failed.

Each session job carries the session cache (and the sibling wheels beside it) from
one run to the next with ``actions/cache``: it restores the latest cache its job
saved, in its own branch's scope or else the base branch's (GitHub's cache scoping:
a pull request reads the base branch's caches, and what it saves is scoped to its
own merge ref, which no other branch reads), and saves a new one only when the run
changed what the folders hold, keyed by their content. A re-run with nothing changed
restores, skips every session as cached, and saves nothing. noxgraph verifies each
entry before using it, wherever it came from.

The workflow is data (:func:`workflow`) written by a small YAML emitter
(:func:`to_yaml`): every string value is a JSON string (JSON's strings are
YAML's double-quoted scalars), and the only multi-line values, the job scripts,
are literal blocks made from session names and validated interpreter versions.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from noxgraph import __version__
from noxgraph.cli.generate import NOX_VERSION, next_minor
from noxgraph.errors import WorkspaceError, one_line
from noxgraph.generated import WORKFLOW_MARKER
from noxgraph.sessions.declarations import Declarations, NoxSession
from noxgraph.sessions.session_cache import CI_CACHE_DIR, carried_folders

if TYPE_CHECKING:
    from packaging.specifiers import Specifier, SpecifierSet

    from noxgraph.sessions.plan import SessionPlan
    from noxgraph.workspace.load import Workspace

__all__ = [
    "AFFECTED_JOB",
    "Job",
    "default_output",
    "default_requirement",
    "interpreter_bounds",
    "job_id",
    "jobs",
    "nox_command",
    "nox_python",
    "noxfile_argument",
    "requirement_problem",
    "sessions_of",
    "to_yaml",
    "workflow",
    "working_directory",
    "write_workflow",
]

#: The job that works out the affected sessions; a session's job id always holds a ``-``.
AFFECTED_JOB = "affected"
#: The interpreter nox itself runs on, as setup-python reads it.
NOX_PYTHON = "3.x"
CHECKOUT = "actions/checkout@v5"
SETUP_PYTHON = "actions/setup-python@v6"
CACHE_RESTORE = "actions/cache/restore@v4"
CACHE_SAVE = "actions/cache/save@v4"
#: The ids of the steps that restore the session cache and key what it holds after a run.
_RESTORED = "session-cache"
_KEYED = "session-cache-key"

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_BLOCK_LINE = re.compile(r"[ -~]*\Z")
_AMBIGUOUS = frozenset(("y", "yes", "n", "no", "true", "false", "off", "null", "~"))


def job_id(session: str) -> str:
    """A GitHub job id for ``session``: job ids hold no ``.``; session names hold one only
    before an interpreter's minor version, where no ``_`` can be (``test-pkg-3_13``)."""
    return session.replace(".", "_")


@dataclass(frozen=True)
class Job:
    """One job: the sessions it runs, the interpreters they need, the jobs it waits for."""

    id: str
    name: str
    sessions: tuple[str, ...]
    pythons: tuple[str, ...]
    needs: tuple[str, ...]
    #: The interpreter nox runs on, and with it every session declared on none
    #: (see :func:`nox_python`).
    nox_python: str = NOX_PYTHON

    @property
    def python_version(self) -> str:
        """setup-python's ``python-version``: the sessions' interpreters, then nox's own
        (the last one listed is the default ``python``)."""
        return "\n".join(dict.fromkeys([*self.pythons, self.nox_python]))


#: One end of a range of releases: the release, and whether it is in the range.
_End = tuple[tuple[int, int, int], bool]


def _release(parts: tuple[int, ...]) -> tuple[int, int, int]:
    # Three parts always: node-semver reads a shorter version as a range (">3.10" is ">=3.11").
    major, minor, patch = (*parts, 0, 0)[:3]
    return major, minor, patch


def _after(parts: tuple[int, ...]) -> tuple[int, int, int]:
    """The first release past every one ``parts`` starts: ``3.12`` -> ``3.13.0``."""
    return _release((*parts[:-1], parts[-1] + 1))


def _bounds(specifier: Specifier) -> tuple[_End | None, _End | None, list[tuple[_End, _End]]]:
    """What one PEP 440 specifier says of final releases: a lower end, an upper end, and
    holes (each from its first excluded release to the first one past it). ``===`` and
    an epoch say nothing here; a pre-, post-, dev- or local part is left out
    (setup-python picks among final releases)."""
    from packaging.version import Version

    operator, text = specifier.operator, specifier.version
    wildcard = text.endswith(".*")
    version = Version(text.removesuffix(".*"))
    if operator == "===" or version.epoch:
        return None, None, []
    release = version.release
    exact = _release(release)
    if operator in ("==", "!=") and wildcard:
        start, stop = (exact, True), (_after(release), False)
        return (start, stop, []) if operator == "==" else (None, None, [(start, stop)])
    if operator == "==":
        return (exact, True), (exact, True), []
    if operator == "!=":
        return None, None, [((exact, True), (exact, True))]
    if operator == "~=":
        return (exact, True), (_after(release[:-1]), False), []
    if operator in (">", ">="):
        return (exact, operator == ">="), None, []
    return None, (exact, operator == "<="), []


def _higher(one: _End | None, other: _End | None) -> _End | None:
    """The tighter of two lower ends: at one release, the one that leaves it out."""
    if one is None or other is None:
        return one or other
    return max(one, other, key=lambda end: (end[0], not end[1]))


def _lower(one: _End | None, other: _End | None) -> _End | None:
    """The tighter of two upper ends."""
    if one is None or other is None:
        return one or other
    return min(one, other, key=lambda end: (end[0], end[1]))


def _empty(low: _End | None, high: _End | None) -> bool:
    if low is None or high is None:
        return False
    return low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1]))


def _range(low: _End | None, high: _End | None) -> str:
    if low is not None and low == high:
        return ".".join(map(str, low[0]))
    parts = []
    if low is not None:
        parts.append((">=" if low[1] else ">") + ".".join(map(str, low[0])))
    if high is not None:
        parts.append(("<=" if high[1] else "<") + ".".join(map(str, high[0])))
    return " ".join(parts)


def nox_python(requires_python: Iterable[SpecifierSet]) -> str | None:
    """setup-python's ``python-version`` for nox's own interpreter, given the
    ``requires-python`` that bind the sessions run on it: the newest 3.x
    (:data:`NOX_PYTHON`), unless one of them caps the version or leaves a hole
    (``<3.13``, ``~=3.11``, ``==3.12.*``, ``!=3.13.*``); then the releases all of them
    admit as a node-semver range, which setup-python reads (``>=3.10.0 <3.13.0``, with
    ``||`` around a hole) and answers with the newest release inside it. ``None`` when
    they admit no release in common."""
    specifiers = [s for specifier_set in requires_python for s in specifier_set]
    if not any(s.operator in ("<", "<=", "==", "~=", "!=") for s in specifiers):
        return NOX_PYTHON
    low: _End | None = None
    high: _End | None = None
    holes: list[tuple[_End, _End]] = []
    for specifier in specifiers:
        lower, upper, excluded = _bounds(specifier)
        low, high = _higher(low, lower), _lower(high, upper)
        holes += excluded
    segments = [(low, high)]
    for start, stop in sorted(holes):
        before, after = (start[0], not start[1]), (stop[0], not stop[1])
        segments = [
            cut
            for seg_low, seg_high in segments
            for cut in ((seg_low, _lower(seg_high, before)), (_higher(seg_low, after), seg_high))
        ]
    admitted = [_range(a, b) for a, b in segments if not _empty(a, b)]
    return " || ".join(admitted) if admitted else None


def sessions_of(declarations: Declarations, tasks: Sequence[str] | None) -> list[NoxSession]:
    """The sessions of ``tasks`` (every task for ``None``) and every session they
    require, so that each ``needs:`` names a job of the workflow; in declaration order."""
    every = declarations.nox_sessions()
    if tasks is None:
        return every
    by_name = {s.name: s for s in every}
    wanted: set[str] = set()
    stack = [s.name for s in every if s.session.task in tasks]
    while stack:
        name = stack.pop()
        if name not in wanted and name in by_name:
            wanted.add(name)
            stack.extend(by_name[name].requires)
    return [s for s in every if s.name in wanted]


def _waits(every: Sequence[NoxSession], kept: Collection[str]) -> dict[str, tuple[str, ...]]:
    """For each kept session, the nearest kept sessions it requires, looking through
    the sessions left out (the order between those that stay holds)."""
    by_name = {s.name: s for s in every}
    found: dict[str, tuple[str, ...]] = {}

    def nearest(name: str) -> list[str]:
        if name not in found:
            out: dict[str, None] = {}
            for required in by_name[name].requires if name in by_name else ():
                for target in [required] if required in kept else nearest(required):
                    out[target] = None
            found[name] = tuple(out)
        return list(found[name])

    return {name: tuple(nearest(name)) for name in kept}


def _level_jobs(chosen: Sequence[NoxSession], waits: Mapping[str, tuple[str, ...]]) -> list[Job]:
    """One job per task and level, ``<task>-level-<n>``: a task's levels are its own, so
    a failed test job skips only what waits for it, never the builds of the next level.
    A session's depth counts every session it waits for, of any task, so each job only
    needs jobs of smaller depth (no cycle, whatever tasks need); within a task the
    depths, in order, are numbered 1, 2, ..."""
    level: dict[str, int] = {}

    def depth(name: str) -> int:
        # Not in one pass over the sessions: a task may require a task declared after it.
        if name not in level:
            level[name] = 1 + max((depth(r) for r in waits[name]), default=0)
        return level[name]

    tasks = list(dict.fromkeys(s.session.task for s in chosen))
    job_of: dict[str, tuple[str, int]] = {}
    for task in tasks:
        mine = [s.name for s in chosen if s.session.task == task]
        numbers = {d: n for n, d in enumerate(sorted({depth(m) for m in mine}), start=1)}
        job_of.update((m, (task, numbers[level[m]])) for m in mine)
    order = sorted(chosen, key=lambda s: (level[s.name], tasks.index(s.session.task)))
    members: dict[tuple[str, int], list[NoxSession]] = {}
    for s in order:
        members.setdefault(job_of[s.name], []).append(s)

    def ident(job: tuple[str, int]) -> str:
        return f"{job[0]}-level-{job[1]}"

    return [
        Job(
            ident(job),
            f"{job[0]} level {job[1]}",
            tuple(s.name for s in group),
            tuple(dict.fromkeys(s.python for s in group if s.python)),
            tuple(dict.fromkeys(ident(job_of[r]) for s in group for r in waits[s.name])),
        )
        for job, group in members.items()
    ]


def jobs(
    declarations: Declarations,
    tasks: Sequence[str] | None = None,
    *,
    per_level: bool = False,
    only: Collection[str] | None = None,
    bounds: Mapping[str, Sequence[SpecifierSet]] | None = None,
    runs_required: bool = True,
) -> list[Job]:
    """The jobs for the sessions of ``tasks`` (and those they require): one per session,
    or with ``per_level`` one per task and level (see :func:`_level_jobs`). ``only``:
    keep just these sessions (the affected ones), waiting for those of them they
    require. ``bounds``: what binds each package session's interpreter (see
    :func:`interpreter_bounds`), which nox's own must satisfy where a session runs on it:
    with ``runs_required``, also the sessions a job's command runs because its own require
    them (a matrix entry's ``nox -s``), else only its own (the workflow's
    ``--no-dependencies``)."""
    every = sessions_of(declarations, tasks)
    chosen = every if only is None else [s for s in every if s.name in only]
    waits = _waits(every, {s.name for s in chosen})
    if per_level:
        made = _level_jobs(chosen, waits)
    else:
        made = [
            Job(
                job_id(s.name),
                s.name,
                (s.name,),
                (s.python,) if s.python else (),
                tuple(job_id(r) for r in waits[s.name]),
            )
            for s in chosen
        ]
    if not bounds:
        return made
    by_name = {s.name: s for s in every}

    def binding(job: Job) -> list[SpecifierSet]:
        seen: set[str] = set()
        stack = list(job.sessions)
        found: list[SpecifierSet] = []
        while stack:
            name = stack.pop()
            session = by_name.get(name)
            if name in seen or session is None:
                continue
            seen.add(name)
            if runs_required:
                stack.extend(session.requires)
            if session.python is None:
                found += bounds.get(session.session.name, ())
        return found

    jobs_on: list[Job] = []
    for job in made:
        binds = binding(job)
        version = nox_python(binds)
        if version is None:
            shown = ", ".join(sorted({str(specifier) for specifier in binds}))
            way = "leave out --per-level, or give" if per_level else "give"
            raise WorkspaceError(
                f"job {job.name}: its sessions run on nox's own Python, and the requires-python"
                f" that bind it ({shown}) admit no release in common; {way} the tasks a python"
            )
        jobs_on.append(replace(job, nox_python=version))
    return jobs_on


def interpreter_bounds(
    workspace: Workspace, plans: Mapping[str, SessionPlan]
) -> dict[str, list[SpecifierSet]]:
    """For each package session (by ``plans``), the ``requires-python`` that bind the
    interpreter it runs on: none where it installs nothing; with a ``uv.lock``, every
    member's of that lock, as ``uv sync`` takes them all; else its package's and those
    of the siblings it installs."""
    own = {pkg.name: spec for pkg in workspace.packages if (spec := pkg.python_specifier())}
    by_lock: dict[Path, list[SpecifierSet]] = {}
    for name, lock_root in workspace.lock_roots.items():
        if name in own:
            by_lock.setdefault(lock_root, []).append(own[name])
    found: dict[str, list[SpecifierSet]] = {}
    for session, plan in plans.items():
        if not plan.needs_environment:
            found[session] = []  # it installs nothing: `uv build` reads no requires-python
        elif plan.lock is not None:
            found[session] = by_lock.get(plan.lock.root, [])
        else:
            names = dict.fromkeys([plan.package, *(s.name for s in plan.siblings)])
            found[session] = [own[name] for name in names if name in own]
    return found


def default_requirement() -> str:
    """The noxgraph the jobs install: the versions the generated noxfile's PEP 723
    block names."""
    return f"noxgraph>={__version__},<{next_minor(__version__)}"


def requirement_problem(text: str) -> str | None:
    """What is wrong with ``text`` as the requirement the jobs install noxgraph with
    (a PEP 508 requirement naming noxgraph), or ``None``."""
    from packaging.requirements import InvalidRequirement, Requirement

    from noxgraph._names import canonicalize_name

    try:
        name = Requirement(text).name
    except InvalidRequirement as exc:
        return f"not a requirement ({one_line(str(exc))})"
    return None if canonicalize_name(name) == "noxgraph" else f"names {name}, not noxgraph"


def _install(requirement: str) -> str:
    # Quoted for the shell: a requirement may hold spaces, quotes, ``;`` and ``>``.
    wanted = (f"nox[uv]>={NOX_VERSION}", requirement)
    return "python -m pip install " + " ".join(shlex.quote(r) for r in wanted)


def _setup(python_version: str, requirement: str) -> list[dict[str, Any]]:
    return [
        {"uses": CHECKOUT, "with": {"fetch-depth": 0}},
        {"uses": SETUP_PYTHON, "with": {"python-version": python_version}},
        {"name": "Install nox, uv and noxgraph", "run": _install(requirement)},
    ]


def _affected_job(tasks: Sequence[str], requirement: str) -> dict[str, Any]:
    """The job that lists the affected sessions of a pull request as JSON (every
    session, ``all``, on any other event)."""
    lines = [
        'if [ "$EVENT" != pull_request ]; then',
        '  echo "all=true" >> "$GITHUB_OUTPUT"',
        '  echo "sessions=[]" >> "$GITHUB_OUTPUT"',
        "  exit 0",
        "fi",
        # Outside the checkout: an untracked file there would be a change.
        'listed="$RUNNER_TEMP/affected.txt"',
        "{",
        *(
            f'  noxgraph affected --base "origin/$BASE" --head HEAD --task {task} --format sessions'
            for task in tasks
        ),
        '} > "$listed"',
        'cat "$listed"',
        'echo "all=false" >> "$GITHUB_OUTPUT"',
        "python -c 'import json, sys; print(\"sessions=\" + json.dumps(sys.stdin.read().split()))'"
        ' < "$listed" >> "$GITHUB_OUTPUT"',
    ]
    return {
        "name": "affected sessions",
        "runs-on": "ubuntu-latest",
        "outputs": {
            "all": "${{ steps.affected.outputs.all }}",
            "sessions": "${{ steps.affected.outputs.sessions }}",
        },
        "steps": [
            *_setup(NOX_PYTHON, requirement),
            {
                "id": "affected",
                "name": "Which sessions the pull request affects",
                # Through the environment, not pasted into the script: a branch name is text.
                "env": {"EVENT": "${{ github.event_name }}", "BASE": "${{ github.base_ref }}"},
                "run": "\n".join(lines) + "\n",
            },
        ],
    }


def noxfile_argument(root: Path, noxfile: Path) -> str | None:
    """The noxfile as nox's ``-f`` takes it in a job, which runs in the workspace root;
    ``None`` for ``noxfile.py`` there, nox's default."""
    relative = Path(os.path.relpath(noxfile.absolute(), root.absolute())).as_posix()
    return None if relative == "noxfile.py" else relative


def nox_command(noxfile: str | None) -> str:
    """The start of every nox command line: ``nox``, with ``-f`` when not the default."""
    return "nox" if noxfile is None else f"nox -f {shlex.quote(noxfile)}"


def _runs(job: Job, affected: bool, nox: str) -> dict[str, Any]:
    """The step that runs the job's sessions (with ``affected``, those of them affected)."""
    listed = " ".join(job.sessions)
    shown = listed if len(job.sessions) == 1 else f"the {len(job.sessions)} sessions of {job.name}"
    if not affected or len(job.sessions) == 1:
        return {"name": f"nox -s {shown}", "run": f"{nox} --no-dependencies -s {listed}"}
    pick = (
        "import json, os, sys; chosen = set(json.loads(os.environ['AFFECTED']));"
        " print(' '.join(s for s in sys.argv[1:] if os.environ['ALL'] == 'true' or s in chosen))"
    )
    script = [
        f'sessions=$(python -c "{pick}" {listed})',
        'if [ -n "$sessions" ]; then',
        f"  {nox} --no-dependencies -s $sessions",
        "else",
        '  echo "no session of this level is affected"',
        "fi",
    ]
    return {
        "name": f"nox -s the affected ones of {shown}",
        "env": {
            "ALL": f"${{{{ needs.{AFFECTED_JOB}.outputs.all }}}}",
            "AFFECTED": f"${{{{ needs.{AFFECTED_JOB}.outputs.sessions }}}}",
        },
        "run": "\n".join(script) + "\n",
    }


def cache_paths(working_directory: str, noxfile: str | None) -> list[str]:
    """The folders a job carries between runs, from the repository's top, where
    ``actions/cache`` and ``hashFiles`` take paths (``working-directory`` is for ``run``
    steps only): the session cache beside the noxfile, and the sibling wheels."""
    root = Path(working_directory)
    folders = carried_folders(root, root / (noxfile or "noxfile.py"))
    return [posixpath.normpath(folder.as_posix()) for folder in folders]


def _cache_steps(job: Job, paths: Sequence[str]) -> list[dict[str, Any]]:
    """The steps that restore the job's session cache before its sessions run, and key
    and save it after they succeed. Each job keeps its own caches (``<prefix><digest
    of what they hold>``) and restores the latest by the prefix; nothing is saved when
    the folders hold nothing or exactly what was restored, so a re-run with no change
    saves nothing."""
    # A job id holds no "/": one job's prefix is never the start of another's.
    runner = "${{ runner.os }}-${{ runner.arch }}"
    prefix = f"noxgraph-sessions/{runner}/{job.id}/"
    folders = "\n".join(paths) + "\n"
    digest = "hashFiles(" + ", ".join(f"'{path}/**'" for path in paths) + ")"
    key = f"steps.{_KEYED}.outputs.key"
    script = [
        'if [ -n "$DIGEST" ]; then',
        '  echo "key=$PREFIX$DIGEST" >> "$GITHUB_OUTPUT"',
        "fi",
    ]
    return [
        {
            "name": "Restore the session cache",
            "id": _RESTORED,
            "uses": CACHE_RESTORE,
            "with": {"path": folders, "key": prefix},
        },
        {
            "name": "Key the session cache by what it holds",
            "id": _KEYED,
            "env": {"PREFIX": prefix, "DIGEST": f"${{{{ {digest} }}}}"},
            "run": "\n".join(script) + "\n",
        },
        {
            "name": "Save the session cache",
            "if": f"{key} != '' && {key} != steps.{_RESTORED}.outputs.cache-matched-key",
            "uses": CACHE_SAVE,
            "with": {"path": folders, "key": f"${{{{ {key} }}}}"},
        },
    ]


def _condition(job: Job) -> str:
    """Run after upstream jobs that succeeded or were skipped, never after a failure;
    a one-session job only when its session is affected (a level's script picks)."""
    ran = "!cancelled() && !failure()"
    if len(job.sessions) > 1:
        return f"${{{{ {ran} }}}}"
    outputs = f"needs.{AFFECTED_JOB}.outputs"
    wanted = (
        f"{outputs}.all == 'true' || contains(fromJSON({outputs}.sessions), '{job.sessions[0]}')"
    )
    return f"${{{{ {ran} && ({wanted}) }}}}"


def workflow(
    job_list: Sequence[Job],
    *,
    branch: str,
    affected_tasks: Sequence[str] | None = None,
    working_directory: str = ".",
    noxfile: str | None = None,
    noxgraph_requirement: str | None = None,
) -> dict[str, Any]:
    """The workflow document: ``job_list`` on pushes to ``branch`` and on pull requests;
    with ``affected_tasks``, on pull requests only the sessions a change affects.
    ``noxfile``: nox's ``-f`` (see :func:`noxfile_argument`); ``noxgraph_requirement``:
    what the jobs install noxgraph with (see :func:`requirement_problem`), by default
    :func:`default_requirement`."""
    affected = affected_tasks is not None
    requirement = noxgraph_requirement or default_requirement()
    carried = cache_paths(working_directory, noxfile)
    body: dict[str, Any] = {}
    if affected_tasks is not None:
        body[AFFECTED_JOB] = _affected_job(affected_tasks, requirement)
    for job in job_list:
        entry: dict[str, Any] = {"name": job.name}
        needs = [AFFECTED_JOB, *job.needs] if affected else list(job.needs)
        if needs:
            entry["needs"] = needs
        if affected:
            entry["if"] = _condition(job)
        entry["runs-on"] = "ubuntu-latest"
        # noxgraph's cache folder in the workspace, where actions/cache reaches its wheels.
        cache_dir = posixpath.normpath(f"{working_directory}/{CI_CACHE_DIR}")
        entry["env"] = {"NOXGRAPH_CACHE_DIR": f"${{{{ github.workspace }}}}/{cache_dir}"}
        restore, *save = _cache_steps(job, carried)
        entry["steps"] = [
            *_setup(job.python_version, requirement),
            restore,
            _runs(job, affected, nox_command(noxfile)),
            *save,
        ]
        body[job.id] = entry
    document: dict[str, Any] = {
        "name": "noxgraph",
        "on": {"push": {"branches": [branch]}, "pull_request": {}, "workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "concurrency": {
            "group": "noxgraph-${{ github.ref }}",
            "cancel-in-progress": True,
        },
    }
    if working_directory != ".":
        document["defaults"] = {"run": {"working-directory": working_directory}}
    document["jobs"] = body
    return document


def default_output(root: Path) -> Path:
    """Where GitHub looks for the workflow: ``.github/workflows`` at the top of the git
    repository holding ``root`` (a workspace may sit below it), else in ``root``."""
    from noxgraph._git import git
    from noxgraph.errors import GitError

    top = root
    try:
        done = git(root, "rev-parse", "--show-toplevel", check=False)
    except GitError:  # no git to ask: the workspace's root is as good a guess as any
        done = None
    if done is not None and done.returncode == 0:
        top = Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))
    return top / ".github" / "workflows" / "noxgraph.yml"


def working_directory(root: Path, output: Path) -> str:
    """The workspace root relative to the repository a workflow at ``output`` belongs to
    (``<repository>/.github/workflows/<file>``); ``.`` for a workflow elsewhere."""
    folder = output.parent
    if folder.name != "workflows" or folder.parent.name != ".github":
        return "."
    relative = os.path.relpath(root.resolve(), folder.parent.parent.resolve())
    return "." if relative.startswith(os.pardir) else Path(relative).as_posix()


def write_workflow(
    output: Path, text: str, *, display: str, force: bool = False
) -> Literal["written", "unchanged"]:
    """Write ``text`` at ``output`` (atomically, making its folders), unless it is
    there already; a file noxgraph did not write is only replaced with ``force``."""
    from noxgraph._files import write_atomic
    from noxgraph.cli.generate import GenerateError

    try:
        existing: str | None = output.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except (OSError, UnicodeDecodeError) as exc:
        raise GenerateError(f"{display} cannot be read: {exc}") from None
    if existing == text:
        return "unchanged"
    if existing is not None and not force and not existing.startswith(WORKFLOW_MARKER):
        raise GenerateError(
            f"{display} was not written by noxgraph; pass --force to replace it, or write"
            " elsewhere with --output"
        )
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text.encode("utf-8"))
    except OSError as exc:
        raise GenerateError(f"{display} cannot be written: {exc.strerror or exc}") from None
    return "written"


# -- YAML ---------------------------------------------------------------------------------


def _key(key: str) -> str:
    # ``on`` stays plain, as GitHub documents it; YAML 1.1 readers take the other words
    # for booleans or null, so they are quoted.
    if _PLAIN_KEY.match(key) and key.lower() not in _AMBIGUOUS:
        return key
    return json.dumps(key)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    text = str(value)
    if '"' in text and "'" not in text and _BLOCK_LINE.match(text):
        # A single-quoted scalar has no escapes at all: the text as it is, easier to read.
        return f"'{text}'"
    return json.dumps(text)


def _inline(value: Any) -> str | None:
    """``value`` on one line (a scalar, ``{}``, or a list of such), else ``None``."""
    if isinstance(value, Mapping):
        return None if value else "{}"
    if isinstance(value, list):
        items = [_inline(item) for item in value]
        return None if None in items else f"[{', '.join(str(item) for item in items)}]"
    return None if _block(value) else _scalar(value)


def _block(value: Any) -> bool:
    """Whether ``value`` is written as a literal block: a multi-line script of printable
    ASCII whose first line does not start with a space (that would need an indicator)."""
    if not isinstance(value, str) or "\n" not in value.rstrip("\n"):
        return False
    lines = value.rstrip("\n").split("\n")
    return not lines[0].startswith(" ") and all(_BLOCK_LINE.match(line) for line in lines)


def _value(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    inline = _inline(value)
    if inline is not None:
        return [f"{pad}{key}: {inline}"]
    if isinstance(value, Mapping):
        return [f"{pad}{key}:", *_mapping(value, indent + 2)]
    if isinstance(value, list):
        return [f"{pad}{key}:", *_sequence(value, indent + 2)]
    chomp = "" if value.endswith("\n") else "-"
    inner = " " * (indent + 2)
    return [f"{pad}{key}: |{chomp}", *(inner + line for line in value.rstrip("\n").split("\n"))]


def _mapping(value: Mapping[str, Any], indent: int) -> list[str]:
    return [line for key, item in value.items() for line in _value(_key(key), item, indent)]


def _sequence(items: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        else:
            # On one line: JSON is YAML's flow style, and needs no indentation.
            lines.append(f"{pad}- {_inline(item) or json.dumps(item)}")
    return lines


def to_yaml(document: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """``document`` as block-style YAML, after ``header`` comment lines."""
    lines = [f"# {line}".rstrip() for line in header]
    for key, value in document.items():
        if key == "jobs" and isinstance(value, Mapping):
            # A blank line before each job, for the reader.
            lines.append("jobs:")
            for job, body in value.items():
                lines += ["", *_value(_key(job), body, 2)]
            continue
        lines.extend(_value(_key(key), value, 0))
    return "\n".join(lines) + "\n"
