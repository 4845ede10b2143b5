"""Paths as noxgraph shows them: POSIX, relative to the workspace root."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SKIP_DIRS", "relative"]

#: Folders that hold no package source, which a scan never enters, whatever git says.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".nox",
        ".tox",
        ".venv",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


def relative(path: Path | str, root: Path | str) -> str:
    """``path`` relative to ``root``, POSIX style (``"."`` for the root itself).

    Members are found under the root, so a string prefix answers almost every
    call; ``os.path.relpath`` (slow, and able to climb with ``..``) is the
    fallback for paths elsewhere.
    """
    text, base = os.fspath(path), os.fspath(root)
    if text == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if text.startswith(prefix):
        rest = text[len(prefix) :]
        return rest if os.sep == "/" else rest.replace(os.sep, "/")
    return Path(os.path.relpath(text, base)).as_posix()
