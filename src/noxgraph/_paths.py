"""Paths as noxgraph shows them: POSIX, relative to the workspace root."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["SKIP_DIRS", "NotRegularFileError", "read_regular", "relative"]

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


class NotRegularFileError(OSError):
    """A path that should be a file is a FIFO, a device, a folder or a link to one."""


def read_regular(path: Path | str) -> bytes:
    """The bytes of the regular file at ``path``.

    Anything else (a FIFO, a device, a folder, a link to one) raises
    :class:`NotRegularFileError` before a byte is read: a FIFO would block and a device
    never end. The file is opened without blocking, then checked, so nothing
    can be swapped in between.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(errno.EINVAL, "not a regular file", os.fspath(path))
        # os.read, not a file object: a cold run reads every member's file, and the
        # buffered reader costs more than the read. The size only sizes the first read:
        # the file may have grown since, so reading goes on to the end.
        chunks = []
        size = info.st_size + 1
        while chunk := os.read(fd, size):
            chunks.append(chunk)
            size = 1 << 16
        return b"".join(chunks)
    finally:
        os.close(fd)
