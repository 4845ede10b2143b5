"""The errors noxgraph raises for input the user can fix.

Every error renders as one line that names the file, the table and the value,
so the command line can print it as it is and exit 2. Nothing below the
command line prints or exits; it raises one of these.
"""

from __future__ import annotations

__all__ = [
    "CycleError",
    "DuplicateNameError",
    "GitError",
    "NoxgraphError",
    "PyprojectError",
    "UsageError",
    "WorkspaceError",
    "one_line",
]


def one_line(text: str, limit: int = 400) -> str:
    """Collapse ``text`` to a single line of at most ``limit`` characters.

    Messages from other libraries (packaging, tomllib, git) can span several
    lines or echo huge values back; an error line must stay one line.
    """
    flat = " ".join(text.split())
    if len(flat) > limit:
        return flat[: limit - 3] + "..."
    return flat


class NoxgraphError(Exception):
    """Base class: input or usage the user can fix. ``str()`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message, limit=2000))

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(NoxgraphError):
    """The command line itself is wrong: an unknown package, a missing folder."""


class PyprojectError(NoxgraphError):
    """A ``pyproject.toml`` cannot be read or declares something invalid."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        self.detail = one_line(message, limit=2000)
        super().__init__(f"{file}: {message}")

    def shown_from(self, file: str) -> str:
        """The same message with the file shown as ``file`` (say, relative to the cwd)."""
        return f"{file}: {self.detail}"


class WorkspaceError(NoxgraphError):
    """The set of packages is inconsistent: duplicate names, a missing member."""


class DuplicateNameError(WorkspaceError):
    """Two members share one canonical name."""

    def __init__(self, message: str, name: str, files: list[str]) -> None:
        self.name = name
        self.files = files
        super().__init__(message)


class CycleError(NoxgraphError):
    """Packages depend on each other in a loop over edges that order sessions."""

    def __init__(self, message: str, cycles: list[list[str]]) -> None:
        self.cycles = cycles
        super().__init__(message)


class GitError(NoxgraphError):
    """git cannot answer: no repository, a missing base, a shallow clone;
    ``git_missing`` when git itself is not installed."""

    def __init__(self, message: str, *, git_missing: bool = False) -> None:
        self.git_missing = git_missing
        super().__init__(message)
