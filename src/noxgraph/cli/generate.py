"""Session specs -> noxfile text, the staleness check, and the atomic write.

The generated text lives between two marker lines; text before and after the
block is the user's and is kept on regeneration. A file without the markers
was not written by noxgraph and is only replaced with ``force``. Writes go to
a temporary file in the same folder and are renamed into place, under a lock,
so an interrupted or concurrent ``generate`` never leaves a half-written file;
:mod:`noxgraph._files` says what may be written over.

Every value read from a ``pyproject.toml`` or the configuration reaches the
generated code as a JSON string literal with only ASCII characters (which is
always a valid Python string literal), and never inside a comment.
"""

from __future__ import annotations

import contextlib
import keyword
import os
import string
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxgraph import __version__
from noxgraph._files import (
    NotRegularFileError,
    ReadOnlyError,
    leftovers,
    read_regular,
    write_atomic,
)
from noxgraph.cli.code_style import CodeStyle, find_code_style
from noxgraph.errors import NoxgraphError
from noxgraph.generated import NOXFILE_BEGIN, NOXFILE_DECLARES, NOXFILE_END
from noxgraph.sessions.declarations import Declarations, PackageSession, declare
from noxgraph.workspace.config import Config

if TYPE_CHECKING:
    from noxgraph.graph import DependencyGraph
    from noxgraph.workspace.load import Workspace

__all__ = [
    "GenerateError",
    "Outcome",
    "compose",
    "generate",
    "noxfile_state",
    "render_block",
]

DEFAULT_BACKEND = Config().venv_backend
#: The nox the generated noxfile needs (its PEP 723 block and ``nox.needs_version``).
NOX_VERSION = "2026.8.10"


NoxfileState = Literal["noxgraph", "foreign", "missing"]


def noxfile_state(path: Path) -> NoxfileState:
    """Whether the noxfile at ``path`` declares noxgraph's sessions (``noxgraph``), is
    there but declares none (``foreign``: nox would answer "Sessions not found" to every
    session noxgraph names), or is no readable file (``missing``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "missing"
    return "noxgraph" if any(marker in text for marker in NOXFILE_DECLARES) else "foreign"


_BOM = "\ufeff"


class GenerateError(NoxgraphError):
    """The noxfile cannot be written as asked (not ours, damaged, read-only)."""


def literal(value: str, preferred: str = '"') -> str:
    """A Python string literal for ``value``, ASCII only, quoted as ruff quotes it:
    with the ``preferred`` quote, unless the text holds more of it than of the other."""
    shown = ascii(value)
    body = shown[1:-1]
    if shown[0] == "'":
        # ascii() quoted with ' and escaped every ' (and no "): unescape them.
        body = body.replace("\\'", "'")
    other = "'" if preferred == '"' else '"'
    quote = other if body.count(preferred) > body.count(other) else preferred
    return quote + body.replace(quote, "\\" + quote) + quote


class _Code(str):
    """Python code to write as it is (a name), not as a string literal."""

    __slots__ = ()


class _Layout:
    """Code laid out as the project's formatter lays it out (:class:`CodeStyle`)."""

    def __init__(self, style: CodeStyle) -> None:
        self.style = style
        self.indent = style.indent

    def fits(self, line: str) -> bool:
        return self.style.width(line) <= self.style.line_length

    def literal(self, value: str) -> str:
        return literal(value, self.style.quote)

    def value(self, value: Sequence[str] | str) -> str:
        if isinstance(value, _Code):
            return str(value)
        if isinstance(value, str):
            return self.literal(value)
        return "[" + ", ".join(self.literal(item) for item in value) + "]"

    def call(self, callee: str, args: Sequence[tuple[str, Sequence[str] | str]]) -> list[str]:
        """``callee(args)`` as ruff formats it: on one line when it fits, else the
        arguments on one indented line, else one argument a line (and a list that
        still does not fit, one item a line). An argument is ``(keyword, value)``
        with ``""`` for a positional one; a value is a string or a list of strings."""
        flat = [(f"{key}=" if key else "") + self.value(value) for key, value in args]
        line = f"{callee}({', '.join(flat)})"
        if self.fits(line):
            return [line]
        one = self.indent
        body = ", ".join(flat)
        if len(args) == 1 or self.fits(one + body):
            return [f"{callee}(", one + body, ")"]
        lines = [f"{callee}("]
        for (key, value), text in zip(args, flat, strict=True):
            if self.fits(f"{one}{text},") or isinstance(value, str):
                lines.append(f"{one}{text},")
                continue
            lines.append(f"{one}{key}=[" if key else f"{one}[")
            lines.extend(f"{one}{one}{self.literal(item)}," for item in value)
            lines.append(f"{one}],")
        lines.append(")")
        return lines

    def mapping(self, name: str, items: Sequence[tuple[str, str]]) -> list[str]:
        """``name = {...}``: one item a line, which a trailing comma keeps so (and a
        merge of two branches that add packages needs); on one line when it fits
        and the formatter does not keep a trailing comma's layout."""
        shown = [f"{self.literal(key)}: {self.literal(value)}" for key, value in items]
        line = f"{name} = {{{', '.join(shown)}}}"
        if not shown or (not self.style.magic_trailing_comma and self.fits(line)):
            return [line]
        return [f"{name} = {{", *(f"{self.indent}{item}," for item in shown), "}"]


def _variable(task: str) -> str:
    """The name the noxfile gives a task's table: the task's, unless that is taken."""
    if keyword.iskeyword(task) or task in ("nox", "noxgraph", "sessions"):
        return f"{task}_task"
    return task


def _usage(task: str) -> str:
    """What the noxfile's docstring says about running it (``nox -l`` shows it)."""
    rows = [
        ("nox", "every package session, in dependency order"),
        (f"nox -s {task}-affected -j 4", "what changed since the base, and its dependents"),
        (f"nox -s {task}-all -j 4", "every package, independent ones side by side"),
        (f"nox -s {task}-PACKAGE -- ARGS", "one package, with ARGS for its commands"),
    ]
    width = max(len(command) for command, _ in rows) + 2
    return "\n".join(f"{command:<{width}}{what}" for command, what in rows)


def next_minor(version: str) -> str:
    major, minor, *_ = [*version.split("."), "0", "0"]
    return f"{major}.{int(minor) + 1}" if minor.isdigit() else f"{int(major) + 1}"


def _usual_python(sessions: Sequence[PackageSession]) -> tuple[str, ...]:
    """The interpreters most of a task's packages run on (the first such, on a tie),
    said once for the task so that only the packages that differ say theirs."""
    counts = Counter(session.python for session in sessions)
    return max(counts, key=lambda python: counts[python]) if counts else ()


def _body(declarations: Declarations, root: str, venv_backend: str, layout: _Layout) -> str:
    lines = [
        "# Each package and its folder, relative to the workspace root.",
        *layout.mapping("folders", sorted(declarations.folders.items())),
    ]
    arguments: list[tuple[str, Sequence[str] | str]] = [("", _Code("__file__")), ("root", root)]
    if venv_backend != DEFAULT_BACKEND:
        arguments.append(("venv_backend", venv_backend))
    arguments.append(("folders", _Code("folders")))
    lines += layout.call("sessions = noxgraph.nox.Sessions", arguments)
    for task, sessions in declarations.tasks.items():
        variable = _variable(task)
        python = _usual_python(sessions)
        table: list[tuple[str, Sequence[str] | str]] = [("", task)]
        if python:
            table.append(("python", python))
        lines += [
            "",
            f"# {variable}(package, [packages whose {task} session it waits for])",
            *layout.call(f"{variable} = sessions.task", table),
        ]
        for session in sessions:
            args: list[tuple[str, Sequence[str] | str]] = [("", session.package)]
            if session.after:
                args.append(("", session.after))
            if session.requires:
                args.append(("requires", session.requires))
            if session.python != python:
                args.append(("python", session.python))
            lines += layout.call(variable, args)
    lines += ["", "sessions.register()"]
    return "\n".join(lines)


@dataclass(frozen=True)
class Rendered:
    """The generated block and what it declares."""

    text: str
    sessions: int


def render_block(workspace: Workspace, graph: DependencyGraph, output: Path) -> Rendered:
    """The generated block for ``workspace``, for a noxfile written at ``output``, laid
    out with the formatter settings that apply there."""
    layout = _Layout(find_code_style(output.parent))
    declarations = declare(workspace, graph)
    tasks = list(declarations.tasks)
    first = tasks[0] if tasks else "build"
    root = Path(os.path.relpath(workspace.root, output.parent.resolve())).as_posix()
    values = {
        "version": __version__,
        "next_minor": next_minor(__version__),
        "nox_version": NOX_VERSION,
        "needs_version": layout.literal(f">={NOX_VERSION}"),
        "after_imports": "\n" * layout.style.lines_after_imports,
        "usage": _usage(first),
        "task_list": ", ".join(tasks) or "none",
        "body": _body(declarations, root, workspace.config.venv_backend, layout),
    }
    template = files("noxgraph").joinpath("templates/noxfile.py.tmpl").read_text(encoding="utf-8")
    text = string.Template(template).substitute(values)
    return Rendered(text, len(declarations.nox_sessions()) + 2 * len(tasks))


def _blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The first and last line of each generated block: an end marker and the nearest
    begin marker above it (one further up is the user's text, not the block's start)."""
    blocks: list[tuple[int, int]] = []
    begin: int | None = None
    for number, line in enumerate(lines):
        if line.startswith(NOXFILE_BEGIN):
            begin = number
        elif line.startswith(NOXFILE_END) and begin is not None:
            blocks.append((begin, number))
            begin = None
    return blocks


def _block(text: str) -> str | None:
    """The generated block of a noxfile's text, or ``None`` when it has not one."""
    lines = text.splitlines(keepends=True)
    blocks = _blocks(lines)
    if len(blocks) != 1:
        return None
    begin, end = blocks[0]
    return "".join(lines[begin : end + 1])


def same_code(first: str, second: str) -> bool:
    """Whether two blocks are the same Python, however a formatter laid them out."""
    if first == second:
        return True
    import ast  # only for a block that differs in its text

    try:
        return ast.dump(ast.parse(first)) == ast.dump(ast.parse(second))
    except (SyntaxError, ValueError):
        return False


def compose(existing: str | None, block: str, *, force: bool, display: str) -> str:
    """The whole file: ``block`` in place of the old one, the user's text kept around it."""
    if existing is None:
        return block
    # A byte order mark an editor added: nox cannot load the file with it (SyntaxError).
    lines = existing.removeprefix(_BOM).splitlines(keepends=True)
    blocks = _blocks(lines)
    if len(blocks) > 1:
        shown = ", ".join(f"lines {b + 1}-{e + 1}" for b, e in blocks)
        raise GenerateError(
            f"{display} holds {len(blocks)} generated blocks ({shown}); it may hold one:"
            " delete the others"
        )
    marked = any(line.startswith((NOXFILE_BEGIN, NOXFILE_END)) for line in lines)
    if not marked:
        if force:
            return block
        raise GenerateError(
            f"{display} was not written by noxgraph (it has no generated block); pass --force"
            " to replace it, write elsewhere with --output, or call noxgraph.nox.register()"
            " from it"
        )
    if not blocks:
        if force:
            return block
        raise GenerateError(
            f"{display}: the generated block's start or end marker is missing; restore it,"
            " or pass --force to replace the whole file"
        )
    begin, end = blocks[0]
    before = "".join(lines[:begin])
    after = "".join(lines[end + 1 :])
    return before + block + after


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two ``generate`` runs take turns."""
    try:
        import fcntl  # POSIX only
    except ImportError:  # pragma: no cover - Windows: no lock, the rename stays atomic
        yield
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        # A folder that can be written but not read: no lock, the rename stays atomic.
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class Outcome:
    """What ``generate`` did or found: ``written``, ``unchanged``, ``current``, ``stale``."""

    status: Literal["written", "unchanged", "current", "stale"]
    output: Path
    sessions: int
    diff: str = ""


def _read(path: Path, display: str) -> str | None:
    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except NotRegularFileError:
        raise GenerateError(
            f"{display} is not a regular file; noxgraph writes only regular files"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GenerateError(f"{display} cannot be read: {exc}") from None
    # Universal newlines, as a text read gives them: the file is written back with "\n".
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _current(existing: str, wanted: str) -> bool:
    """Whether the file on disk already holds ``wanted``'s block, as written or as
    the user's formatter laid it out, with the same text around it."""
    if existing == wanted:
        return True
    block, other = _block(existing), _block(wanted)
    if block is None or other is None or not same_code(block, other):
        return False
    return existing.replace(block, "") == wanted.replace(other, "")


def generate(
    workspace: Workspace,
    graph: DependencyGraph,
    output: Path,
    *,
    display: str,
    force: bool = False,
    check: bool = False,
) -> Outcome:
    """Write (or, with ``check``, compare) the noxfile at ``output``.

    A file whose generated block is the same Python as the one noxgraph would
    write (reformatted by the user's formatter, say) is current and is left as it is.
    """
    rendered = render_block(workspace, graph, output)
    if check:
        import difflib  # only --check shows a diff

        existing = _read(output, display)
        if existing is None:
            diff = "".join(
                difflib.unified_diff(
                    [], rendered.text.splitlines(keepends=True), "/dev/null", display
                )
            )
            return Outcome("stale", output, rendered.sessions, diff)
        wanted = compose(existing, rendered.text, force=False, display=display)
        if _current(existing, wanted):
            return Outcome("current", output, rendered.sessions)
        diff = "".join(
            difflib.unified_diff(
                existing.splitlines(keepends=True),
                wanted.splitlines(keepends=True),
                f"{display} (on disk)",
                f"{display} (generated)",
            )
        )
        if existing.startswith(_BOM):
            diff = (
                f"# {display} starts with a UTF-8 byte order mark, which nox cannot load\n" + diff
            )
        return Outcome("stale", output, rendered.sessions, diff)

    folder = output.parent
    if not folder.is_dir():
        raise GenerateError(f"{display}: folder {folder} does not exist")
    with _locked(folder):
        # A run killed outright (SIGKILL) leaves its temporary file; holding the
        # lock, no other run is writing one now.
        for leftover in leftovers(output):
            with contextlib.suppress(OSError):
                leftover.unlink()
        existing = _read(output, display)
        wanted = compose(existing, rendered.text, force=force, display=display)
        if existing is not None and _current(existing, wanted):
            return Outcome("unchanged", output, rendered.sessions)
        try:
            write_atomic(output, wanted.encode("utf-8"))
        except NotRegularFileError:
            raise GenerateError(
                f"{display} is not a regular file; noxgraph writes only regular files"
            ) from None
        except ReadOnlyError:
            raise GenerateError(
                f"{display} is read-only; noxgraph does not replace a read-only file"
            ) from None
        except PermissionError:
            raise GenerateError(
                f"{display} cannot be written: permission denied; make it (and its folder)"
                " writable, or pass --output"
            ) from None
        except OSError as exc:
            raise GenerateError(f"{display} cannot be written: {exc.strerror or exc}") from None
    return Outcome("written", output, rendered.sessions)
