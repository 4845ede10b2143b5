"""Session specs -> noxfile text, the staleness check, and the atomic write.

The generated text lives between two marker lines; text before and after the
block is the user's and is kept on regeneration. A file without the markers
was not written by noxgraph and is only replaced with ``force``. Writes go to
a temporary file in the same folder and are renamed into place, under a lock,
so an interrupted or concurrent ``generate`` never leaves a half-written file.

Every value read from a ``pyproject.toml`` or the configuration reaches the
generated code as a JSON string literal with only ASCII characters (which is
always a valid Python string literal), and never inside a comment.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import string
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxgraph import __version__
from noxgraph.errors import NoxgraphError
from noxgraph.fingerprint import read_inputs
from noxgraph.sessions import SessionSpec, build_specs, sibling_text

if TYPE_CHECKING:
    from noxgraph.config import Task
    from noxgraph.graph import DependencyGraph
    from noxgraph.workspace import Workspace

__all__ = [
    "BEGIN",
    "END",
    "GenerateError",
    "Outcome",
    "compose",
    "generate",
    "render_block",
]

BEGIN = "# >>> noxgraph: generated block"
END = "# <<< noxgraph: end of generated block <<<"


class GenerateError(NoxgraphError):
    """The noxfile cannot be written as asked (not ours, damaged, read-only)."""


def _q(value: str) -> str:
    """A Python string literal for ``value``: JSON's, ASCII only."""
    return json.dumps(value, ensure_ascii=True)


def _blob(value: object) -> str:
    """Data as one Python string literal of JSON: one token for the parser, ASCII only."""
    return ascii(json.dumps(value, separators=(",", ":")))


def _tuple(items: Sequence[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _strings(values: Sequence[str]) -> str:
    return _tuple([_q(v) for v in values])


def _commands(commands: Sequence[Sequence[str]]) -> str:
    return _tuple([_strings(argv) for argv in commands])


def _next_minor(version: str) -> str:
    major, minor, *_ = [*version.split("."), "0", "0"]
    return f"{major}.{int(minor) + 1}" if minor.isdigit() else f"{int(major) + 1}"


def _task_table(workspace: Workspace) -> dict[str, Task]:
    """The default of each task: the workspace's, or the first package's own."""
    table: dict[str, Task] = {}
    for name in workspace.names:
        for task_name, task in workspace.tasks_of(name).items():
            table.setdefault(task_name, workspace.config.tasks.get(task_name, task))
    return table


#: What may appear in a session table: canonical names, with normalized extras.
_TABLE_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\[[a-z0-9,-]+\])?\Z")


def _session_call(spec: SessionSpec, defaults: Task) -> str:
    """One ``session(...)`` call, for a session that carries text other than names."""
    args = [_q(spec.task), _q(spec.package or "")]
    if spec.requires:
        after = " ".join(name.split("-", 1)[1] for name in spec.requires)
        args.append(f"after={_q(after)}")
    if spec.siblings:
        args.append(f"siblings={_strings([sibling_text(s) for s in spec.siblings])}")
    if spec.install != defaults.install:
        args.append(f"install={_strings(spec.install)}")
    if spec.prebuild:
        args.append(f"prebuild={_q(' '.join(spec.prebuild))}")
    if spec.commands != defaults.commands:
        args.append(f"commands={_commands(spec.commands)}")
    return f"session({', '.join(args)})"


def _table_line(
    spec: SessionSpec, defaults: Task, installs: dict[tuple[str, ...], str]
) -> list[str] | None:
    """The fields of a session table line, or ``None`` when the session needs a call.

    A table holds only names (nox parses the whole noxfile at every load, and a
    table is one string however many sessions it lists); a session with a
    marker, other commands, or anything but a name goes in a ``session(...)``
    call instead.
    """
    if spec.commands != defaults.commands or any(s.marker for s in spec.siblings):
        return None
    fields = [spec.package or ""]
    if spec.requires:
        fields += ["after:", *(name.split("-", 1)[1] for name in spec.requires)]
    if spec.siblings:
        fields += ["siblings:", *(sibling_text(s) for s in spec.siblings)]
    if spec.install != defaults.install:
        fields += ["install:", installs.setdefault(spec.install, str(len(installs) + 1))]
    if spec.prebuild:
        fields += ["prebuild:", *spec.prebuild]
    names = [f for f in fields if not f.endswith(":")]
    if not all(_TABLE_TOKEN.match(name) for name in names if name not in installs.values()):
        return None
    return fields


def _session_lines(specs: Sequence[SessionSpec], tasks: dict[str, Task]) -> tuple[str, str]:
    """The session tables and calls, in build order, and the shared install lists."""
    lines: list[str] = []
    installs: dict[tuple[str, ...], str] = {}
    table: list[list[str]] = []
    table_task = ""

    def flush() -> None:
        if not table:
            return
        # No column padding: a new package must be a one-line change in a diff.
        rows = [
            fields[0] + "".join(f"  {f}" if f.endswith(":") else f" {f}" for f in fields[1:])
            for fields in table
        ]
        lines.append(f'workspace.sessions({_q(table_task)}, r"""')
        lines.extend(rows)
        lines.append('""")')
        table.clear()

    for spec in specs:
        if spec.kind == "affected":
            continue
        if spec.kind == "all":
            flush()
            lines.append(f"workspace.aggregates({_q(spec.task)})\n")
            continue
        fields = _table_line(spec, tasks[spec.task], installs)
        if fields is None:
            flush()
            lines.append(_session_call(spec, tasks[spec.task]))
            continue
        if table and table_task != spec.task:
            flush()
        table_task = spec.task
        table.append(fields)
    flush()
    shared = "\n".join(
        f"        {_q(key)}: {_strings(install)}," for install, key in installs.items()
    )
    return "\n".join(lines), shared


@dataclass(frozen=True)
class Rendered:
    """The generated block and what it was made from."""

    text: str
    fingerprint: str
    sessions: int


def render_block(workspace: Workspace, graph: DependencyGraph, output: Path) -> Rendered:
    """The generated block for ``workspace``, for a noxfile written at ``output``."""
    specs = build_specs(workspace, graph)
    inputs = read_inputs(workspace)
    tasks = _task_table(workspace)
    sessions, installs = _session_lines(specs, tasks)
    root = Path(os.path.relpath(workspace.root, output.parent.resolve())).as_posix()
    indent = " " * 8
    values = {
        "version": __version__,
        "next_minor": _next_minor(__version__),
        "input_count": str(len(inputs.files)),
        "fingerprint": inputs.fingerprint,
        "package_count": str(len(workspace.packages)),
        "first_task": next(iter(tasks), "build"),
        "root": _q(root),
        "version_literal": _q(__version__),
        "fingerprint_literal": _q(inputs.fingerprint),
        "venv_backend": _q(workspace.config.venv_backend),
        "wheelhouse": _q(workspace.config.wheelhouse),
        "packages": _blob({pkg.name: pkg.relpath for pkg in workspace.packages}),
        "tasks": "\n".join(
            f'{indent}{_q(name)}: {{"commands": {_commands(task.commands)},'
            f' "install": {_strings(task.install)}}},'
            for name, task in tasks.items()
        ),
        "inputs": _blob(
            {"files": dict(sorted(inputs.files.items())), "tested": list(inputs.tested)}
        ),
        "installs": installs,
        "sessions": sessions,
    }
    template = (
        resources.files("noxgraph")
        .joinpath("templates/noxfile.py.tmpl")
        .read_text(encoding="utf-8")
    )
    text = string.Template(template).substitute(values)
    return Rendered(text, inputs.fingerprint, len(specs))


def compose(existing: str | None, block: str, *, force: bool, display: str) -> str:
    """The whole file: ``block`` in place of the old one, the user's text kept around it."""
    if existing is None:
        return block
    lines = existing.splitlines(keepends=True)
    begin = next((i for i, line in enumerate(lines) if line.startswith(BEGIN)), None)
    end = next((i for i, line in enumerate(lines) if line.startswith(END)), None)
    if begin is None and end is None:
        if force:
            return block
        raise GenerateError(
            f"{display} was not written by noxgraph (it has no generated block); pass --force"
            " to replace it, write elsewhere with --output, or call noxgraph.nox.register()"
            " from it"
        )
    if begin is None or end is None or end < begin:
        if force:
            return block
        raise GenerateError(
            f"{display}: the generated block's start or end marker is missing; restore it,"
            " or pass --force to replace the whole file"
        )
    before = "".join(lines[:begin])
    after = "".join(lines[end + 1 :])
    return before + block + after


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two ``generate`` runs take turns."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows: no lock, the rename stays atomic
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    folder = path.parent
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
        "w",
        encoding="utf-8",
        newline="",
        dir=folder,
        prefix=f".{path.name}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary = Path(handle.name)
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(handle.name).unlink()
        raise


@dataclass(frozen=True)
class Outcome:
    """What ``generate`` did or found: ``written``, ``unchanged``, ``current``, ``stale``."""

    status: Literal["written", "unchanged", "current", "stale"]
    output: Path
    fingerprint: str
    sessions: int
    diff: str = ""


def _read(path: Path, display: str) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise GenerateError(f"{display} cannot be read: {exc}") from None


def generate(
    workspace: Workspace,
    graph: DependencyGraph,
    output: Path,
    *,
    display: str,
    force: bool = False,
    check: bool = False,
) -> Outcome:
    """Write (or, with ``check``, compare) the noxfile at ``output``."""
    rendered = render_block(workspace, graph, output)
    if check:
        existing = _read(output, display)
        if existing is None:
            diff = "".join(
                difflib.unified_diff(
                    [], rendered.text.splitlines(keepends=True), "/dev/null", display
                )
            )
            return Outcome("stale", output, rendered.fingerprint, rendered.sessions, diff)
        wanted = compose(existing, rendered.text, force=False, display=display)
        if wanted == existing:
            return Outcome("current", output, rendered.fingerprint, rendered.sessions)
        diff = "".join(
            difflib.unified_diff(
                existing.splitlines(keepends=True),
                wanted.splitlines(keepends=True),
                f"{display} (on disk)",
                f"{display} (generated)",
            )
        )
        return Outcome("stale", output, rendered.fingerprint, rendered.sessions, diff)

    folder = output.parent
    if not folder.is_dir():
        raise GenerateError(f"{display}: folder {folder} does not exist")
    with _locked(folder):
        # A run killed outright (SIGKILL) leaves its temporary file; holding the
        # lock, no other run is writing one now.
        for leftover in folder.glob(f".{output.name}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        existing = _read(output, display)
        wanted = compose(existing, rendered.text, force=force, display=display)
        if wanted == existing:
            return Outcome("unchanged", output, rendered.fingerprint, rendered.sessions)
        try:
            write_atomic(output, wanted)
        except PermissionError:
            raise GenerateError(
                f"{display} cannot be written: permission denied; make it (and its folder)"
                " writable, or pass --output"
            ) from None
        except OSError as exc:
            raise GenerateError(f"{display} cannot be written: {exc.strerror or exc}") from None
    return Outcome("written", output, rendered.fingerprint, rendered.sessions)
