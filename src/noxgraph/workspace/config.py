"""``[tool.noxgraph]`` (or ``noxgraph.toml``): what the workspace asks of noxgraph.

Parsing is strict: an unknown key or a value of the wrong type is an error
that names the file, the table and the value (and suggests the key that was
probably meant). Tasks are parsed into :class:`Task` values whose commands are
already split into argument templates, so a bad placeholder is found when the
configuration is read, not when nox runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from noxgraph.kinds import KINDS, Kind
from noxgraph.workspace.pyproject import normalize_group
from noxgraph.workspace.toml import Table, describe

__all__ = [
    "DEFAULT_GROUPS",
    "DEFAULT_TASKS",
    "FROM_REQUIRES_PYTHON",
    "PLACEHOLDERS",
    "TEST_GROUPS",
    "Config",
    "Environment",
    "Task",
    "parse_config",
    "parse_package_tasks",
]

#: The placeholders a task command may use, filled in when the session runs.
PLACEHOLDERS = ("package", "name", "root", "wheelhouse", "posargs")

_VENV_BACKENDS = ("uv", "virtualenv", "venv", "conda", "mamba", "micromamba", "none")
# Patterns, not compiled ones: re compiles each on its first match, which most runs
# (no tasks or interpreters configured) never make.
_TASK_NAME = r"[a-z][a-z0-9_]*\Z"
#: An interpreter as nox names one and a session name can hold: "3.13".
_PYTHON = r"[0-9]+\.[0-9]+\Z"
#: A task's ``python`` that takes each package's range from its ``requires-python``.
FROM_REQUIRES_PYTHON: Literal["requires-python"] = "requires-python"
#: A task's ``groups`` when it installs what ``uv run --package P`` gives a developer:
#: the member's default groups (``[tool.uv] default-groups``, uv's default ``dev``),
#: plus its ``test``, ``tests`` and ``testing`` groups (or extras).
DEFAULT_GROUPS: Literal["default"] = "default"
#: The groups (or extras) a test session adds to the member's default groups.
TEST_GROUPS = ("test", "tests", "testing")
#: What a wheel is made of: the edges whose change changes a package's build.
_BUILD_KINDS: tuple[Kind, ...] = ("runtime", "optional", "build")

Environment = Literal["lock", "folders"]


@dataclass(frozen=True)
class Task:
    """One task: the commands a ``<task>-<package>`` session runs, and what it installs.

    ``package``: install the package and its workspace dependencies from their
    folders first. ``groups``: the dependency groups or extras to install with it
    (each one the package has), or :data:`DEFAULT_GROUPS`.
    ``needs_tests``: only packages that have tests get this task.
    ``needs``: the sessions a session of this task waits for, as Turborepo's
    ``dependsOn`` says them: ``"^T"`` is task T of each dependency (over
    ``order-kinds``), ``"T"`` is task T of the same package.
    ``affected_kinds``: the edges over which a change spreads for this task;
    ``None`` takes the workspace's ``affected-kinds``.
    ``python``: the interpreters its sessions run on, one session each
    (``test-pkg-3.13``); :data:`FROM_REQUIRES_PYTHON` takes those of the
    workspace's ``python`` that each package's ``requires-python`` admits;
    ``()`` runs one session on nox's own interpreter.
    """

    name: str
    commands: tuple[tuple[str, ...], ...]
    install: tuple[str, ...] = ()
    package: bool = True
    groups: tuple[str, ...] | Literal["default"] = ()
    needs_tests: bool = False
    needs: tuple[str, ...] = ()
    affected_kinds: tuple[Kind, ...] | None = None
    python: tuple[str, ...] | Literal["requires-python"] = ()


DEFAULT_TASKS: Mapping[str, Task] = {
    "build": Task(
        name="build",
        # The sdist, then the wheel from it, in uv's cached isolated build environments.
        commands=(("uv", "build", "--out-dir", "{wheelhouse}", "{package}"),),
        package=False,
        needs=("^build",),
        affected_kinds=_BUILD_KINDS,
    ),
    "test": Task(
        name="test",
        commands=(("pytest", "{posargs}"),),
        install=("pytest",),
        package=True,
        groups=DEFAULT_GROUPS,
        needs_tests=True,
    ),
}


@dataclass(frozen=True)
class Config:
    """The workspace configuration, with every default applied."""

    file: str | None = None
    members: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    base: str | None = None
    bases: tuple[tuple[str, str], ...] = ()
    global_files: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # Optional edges do not order sessions: umbrella extras (``pkg[aws]`` requires
    # ``pkg-aws``, which requires ``pkg``) would make a cycle, and building a wheel
    # never needs an optional sibling. They still spread affected and are installed.
    order_kinds: tuple[Kind, ...] = ("runtime", "build")
    affected_kinds: tuple[Kind, ...] = KINDS
    venv_backend: str = "uv|virtualenv"
    wheelhouse: str = "dist"
    environment: Environment | None = None
    editable: bool = False
    python: tuple[str, ...] = ()
    tasks: Mapping[str, Task] = field(default_factory=lambda: dict(DEFAULT_TASKS))

    def bases_in(self, root: Path) -> dict[Path, str]:
        """The bases configured per folder (``bases``), as absolute folders."""
        return {Path(os.path.normpath(root / folder)): ref for folder, ref in self.bases}

    def affected_kinds_of(self, task: str | None) -> tuple[Kind, ...]:
        """The edges a change spreads over for ``task`` (the workspace's for ``None``)."""
        chosen = self.tasks.get(task) if task is not None else None
        if chosen is None or chosen.affected_kinds is None:
            return self.affected_kinds
        built_in = DEFAULT_TASKS.get(chosen.name)
        if built_in is not None and chosen.affected_kinds == built_in.affected_kinds:
            # The built-in default narrows with the workspace's affected-kinds.
            return tuple(k for k in chosen.affected_kinds if k in self.affected_kinds)
        return chosen.affected_kinds


_WORKSPACE_KEYS = (
    "members",
    "exclude",
    "base",
    "bases",
    "global-files",
    "ignore",
    "order-kinds",
    "affected-kinds",
    "venv-backend",
    "wheelhouse",
    "environment",
    "editable",
    "python",
    "tasks",
)
_PACKAGE_KEYS = ("tasks",)
_TASK_KEYS = (
    "commands",
    "install",
    "package",
    "groups",
    "needs-tests",
    "needs",
    "affected-kinds",
    "python",
)
_ENVIRONMENTS: tuple[Environment, ...] = ("lock", "folders")


def _check_keys(table: Table, known: tuple[str, ...], hint: str = "") -> None:
    for key in table.data:
        if key in known:
            continue
        import difflib  # only for the error message

        close = difflib.get_close_matches(key, known, n=1)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        raise table.error(None, f"unknown key {key!r}{suggestion}{hint}")


def _kinds(table: Table, key: str) -> tuple[Kind, ...] | None:
    """Edge kinds at ``key``; an empty array is honoured (no edge of any kind)."""
    values = table.strings(key)
    if values is None:
        return None
    kinds: list[Kind] = []
    for value in values:
        kind = next((k for k in KINDS if k == value), None)
        if kind is None:
            raise table.error(key, f"unknown edge kind {value!r}; the kinds are {', '.join(KINDS)}")
        kinds.append(kind)
    return tuple(dict.fromkeys(kinds))


def _command(text: str, table: Table, key: str) -> tuple[str, ...]:
    """Split one command into argument templates and check its placeholders."""
    import shlex  # only when a configuration names commands
    import string

    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise table.error(key, f"command {text!r} cannot be split: {exc}") from None
    if not argv:
        raise table.error(key, "a command is empty")
    if "\0" in text:
        # No program can take a NUL in an argument; nox would fail only when it runs.
        raise table.error(key, f"command {text!r} holds a NUL character")
    formatter = string.Formatter()
    for arg in argv:
        try:
            fields = [
                (name, spec, conv)
                for _, name, spec, conv in formatter.parse(arg)
                if name is not None
            ]
        except ValueError as exc:
            raise table.error(key, f"command {text!r}: {exc} (write {{{{ for a brace)") from None
        for name, spec, conv in fields:
            if name in PLACEHOLDERS and (spec or conv):
                shown = f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                raise table.error(
                    key,
                    f"command {text!r}: {shown} has a format spec or conversion, which a"
                    f" placeholder may not have; write {{{name}}}",
                )
            if name not in PLACEHOLDERS:
                raise table.error(
                    key,
                    f"command {text!r} uses {{{name}}}; the placeholders are "
                    + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
                )
            if name == "posargs" and arg != "{posargs}":
                raise table.error(key, f"command {text!r}: {{posargs}} must be a whole argument")
    return tuple(argv)


def _needs(table: Table, task: str) -> tuple[str, ...] | None:
    values = table.strings("needs")
    if values is None:
        return None
    for value in values:
        target = value.removeprefix("^")
        if not re.match(_TASK_NAME, target):
            raise table.error(
                "needs",
                f"{value!r} is not a task: write 'T' for task T of the same package, or"
                " '^T' for task T of each dependency",
            )
        if value == task:
            raise table.error("needs", f"task {task!r} cannot need itself")
    return tuple(dict.fromkeys(values))


def _versions(table: Table, key: str, value: object) -> tuple[str, ...]:
    """A non-empty array of interpreter versions such as ``"3.13"``."""
    if not isinstance(value, list) or not value:
        raise table.error(
            key, f'expected an array of versions such as "3.13", got {describe(value)}'
        )
    for item in value:
        if not isinstance(item, str) or not re.match(_PYTHON, item):
            raise table.error(key, f'{describe(item)} is not a version such as "3.13"')
    return tuple(dict.fromkeys(value))


def _task_python(table: Table) -> tuple[str, ...] | Literal["requires-python"] | None:
    value = table.raw("python")
    if value is None:
        return None
    if value == FROM_REQUIRES_PYTHON:
        return FROM_REQUIRES_PYTHON
    if isinstance(value, str):
        raise table.error(
            "python",
            f'{describe(value)}: expected an array of versions such as ["3.13"], or'
            f" {FROM_REQUIRES_PYTHON!r}",
        )
    return _versions(table, "python", value)


def _bases(table: Table) -> tuple[tuple[str, str], ...]:
    """``bases``: a folder (relative to the root) -> the base of the repository holding it."""
    found = table.table("bases")
    if found is None:
        return ()
    pairs: list[tuple[str, str]] = []
    for folder, _ in found.items():
        ref = _nonempty(found, folder)
        if ref is None:
            raise found.error(folder, "expected a branch, tag or commit")
        pairs.append((folder, ref))
    return tuple(pairs)


def _patterns(table: Table, key: str) -> tuple[str, ...]:
    """gitignore-style patterns at ``key``, each checked as pathspec will match it."""
    values = table.strings(key) or []
    if values:
        import pathspec  # only workspaces that set patterns pay for it

        for value in values:
            try:
                pathspec.GitIgnoreSpec.from_lines([value])
            except re.error as exc:  # the regular expression pathspec makes of it
                raise table.error(
                    key, f"{value!r} is not a valid gitignore pattern: {exc.msg}"
                ) from None
            except ValueError as exc:
                raise table.error(
                    key, f"{value!r} is not a valid gitignore pattern: {exc}"
                ) from None
    return tuple(values)


def _nonempty(table: Table, key: str) -> str | None:
    value = table.string(key)
    if value is not None and not value.strip():
        raise table.error(key, "must not be empty")
    return value


def _task(name: str, value: Any, tasks: Table, base: Task | None) -> Task:
    """Parse one task entry over ``base`` (the task it overrides, if any)."""
    if not re.match(_TASK_NAME, name):
        raise tasks.error(
            name,
            f"task name {name!r} must be lower case letters, digits and '_' (no '-', which"
            " separates the task from the package in session names)",
        )
    start = base or Task(name=name, commands=())
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise tasks.error(name, f"expected an array of commands, got {describe(value)}")
        return replace(start, commands=tuple(_command(text, tasks, name) for text in value))
    table = tasks.table(name)
    if table is None:
        raise tasks.error(name, "expected an array of commands or a table")
    _check_keys(table, _TASK_KEYS)
    commands = table.strings("commands")
    install = table.strings("install")
    groups = table.strings("groups")
    package = table.boolean("package")
    needs_tests = table.boolean("needs-tests")
    needs = _needs(table, name)
    affected_kinds = _kinds(table, "affected-kinds")
    python = _task_python(table)
    return replace(
        start,
        commands=start.commands
        if commands is None
        else tuple(_command(text, table, "commands") for text in commands),
        install=start.install if install is None else tuple(install),
        groups=start.groups if groups is None else tuple(normalize_group(g) for g in groups),
        package=start.package if package is None else package,
        needs_tests=start.needs_tests if needs_tests is None else needs_tests,
        needs=start.needs if needs is None else needs,
        affected_kinds=start.affected_kinds if affected_kinds is None else affected_kinds,
        python=start.python if python is None else python,
    )


def _tasks(table: Table, base: Mapping[str, Task]) -> dict[str, Task]:
    tasks_table = table.table("tasks")
    result = dict(base)
    if tasks_table is None:
        return result
    for name, value in tasks_table.items():
        result[name] = _task(name, value, tasks_table, base.get(name))
    _check_needs_cycle(tasks_table, result)
    return result


def _check_needs_cycle(tasks_table: Table, tasks: Mapping[str, Task]) -> None:
    """Tasks that need each other in the same package (``build`` needs ``lint``, ``lint``
    needs ``build``) would give sessions that wait for each other: an error here, naming
    the ``needs`` that closes the cycle, not a cycle nox finds when it runs them."""
    import graphlib  # only when some task needs another

    same_package = {
        name: [need for need in task.needs if need in tasks] for name, task in tasks.items()
    }
    if not any(same_package.values()):
        return
    try:
        graphlib.TopologicalSorter(same_package).prepare()
    except graphlib.CycleError as exc:
        # graphlib lists each task before the one that needs it, the first one again at
        # the end: reversed, each needs the next.
        needing = list(reversed(exc.args[1]))[:-1]
        here = next((t for t in needing if isinstance(tasks_table.raw(t), dict)), needing[0])
        start = needing.index(here)
        shown = " -> ".join([*needing[start:], *needing[:start], here])
        table = tasks_table.table(here) if isinstance(tasks_table.raw(here), dict) else None
        raise (table or tasks_table).error(
            "needs" if table is not None else None,
            f"the tasks need each other in a cycle ({shown}): no session of one could start",
        ) from None


def parse_config(table: Table, file: str) -> Config:
    """Read the workspace configuration from ``table``, found in ``file``."""
    _check_keys(table, _WORKSPACE_KEYS)
    members = table.strings("members")
    venv_backend = table.string("venv-backend")
    if venv_backend is not None:
        for part in venv_backend.split("|"):
            if part not in _VENV_BACKENDS:
                raise table.error(
                    "venv-backend",
                    f"unknown backend {part!r} in {venv_backend!r}; use "
                    + ", ".join(_VENV_BACKENDS)
                    + " (or several joined by '|')",
                )
    environment = table.string("environment")
    if environment is not None and environment not in _ENVIRONMENTS:
        raise table.error(
            "environment", f"unknown environment {environment!r}; use 'lock' or 'folders'"
        )
    defaults = Config()
    order_kinds = _kinds(table, "order-kinds")
    affected_kinds = _kinds(table, "affected-kinds")
    editable = table.boolean("editable")
    python = table.raw("python")
    return Config(
        file=file,
        members=tuple(members) if members is not None else None,
        exclude=tuple(table.strings("exclude") or ()),
        base=_nonempty(table, "base"),
        bases=_bases(table),
        global_files=_patterns(table, "global-files"),
        ignore=_patterns(table, "ignore"),
        order_kinds=defaults.order_kinds if order_kinds is None else order_kinds,
        affected_kinds=defaults.affected_kinds if affected_kinds is None else affected_kinds,
        venv_backend=_nonempty(table, "venv-backend") or defaults.venv_backend,
        wheelhouse=_nonempty(table, "wheelhouse") or defaults.wheelhouse,
        environment="lock" if environment == "lock" else "folders" if environment else None,
        editable=bool(editable),
        python=() if python is None else _versions(table, "python", python),
        tasks=_tasks(table, DEFAULT_TASKS),
    )


def parse_package_tasks(
    raw: Mapping[str, Any], file: str, workspace_tasks: Mapping[str, Task]
) -> dict[str, Task]:
    """A member's own ``[tool.noxgraph]``: task overrides on top of the workspace's."""
    table = Table(raw, file, "tool.noxgraph")
    _check_keys(
        table,
        _PACKAGE_KEYS,
        hint=" (a member's [tool.noxgraph] may only override tasks; workspace keys"
        " belong in the root pyproject.toml or noxgraph.toml)",
    )
    return _tasks(table, workspace_tasks)
