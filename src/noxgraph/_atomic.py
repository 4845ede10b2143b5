"""Writing a file whole or not at all: the one writer for every file noxgraph writes.

The bytes go to a temporary file beside the target, named so that only noxgraph's
own temporary files ever match :func:`leftovers`, and are renamed into place. Only
a regular file is ever replaced: a FIFO, a device or ``/dev/stdout`` is refused
before anything is opened (a rename would replace the node, a write could block),
a symbolic link is written through to its target (so the link stays a link), and a
read-only file is refused rather than replaced behind its mode. A new file gets
``0666 & ~umask``, as any program's new file does; a replaced one keeps its mode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from noxgraph._paths import NotRegularFileError

__all__ = ["ReadOnlyError", "leftovers", "write_atomic"]

_SUFFIX = ".noxgraph.tmp"


class ReadOnlyError(PermissionError):
    """The file is there, and its mode says it is not to be written."""


def _temporary_name(target: Path) -> str:
    return f".{target.name}.{os.urandom(4).hex()}{_SUFFIX}"


def leftovers(path: Path) -> list[Path]:
    """Temporary files an interrupted write of ``path`` (or of its link's target) left
    behind: only names this module makes, never a file of the user's."""
    target = Path(os.path.realpath(path))
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}{re.escape(_SUFFIX)}\Z")
    try:
        found = sorted(target.parent.iterdir())
    except OSError:
        return []
    return [entry for entry in found if pattern.match(entry.name)]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through a temporary file renamed into place.

    Raises :class:`~noxgraph._paths.NotRegularFileError` when something other than a
    regular file is there, :class:`ReadOnlyError` when the file is read-only, and
    any other :class:`OSError` the file system gives.
    """
    try:
        info: os.stat_result | None = os.stat(path)  # follows links, /dev/stdout too
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise NotRegularFileError(errno.EINVAL, "not a regular file", os.fspath(path))
    target = Path(os.path.realpath(path))
    # The mode bits too: root may write anything, but a file marked read-only is the
    # user saying it is not to be replaced.
    if info is not None and (not info.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise ReadOnlyError(errno.EACCES, "the file is read-only", os.fspath(path))
    temporary = target.parent / _temporary_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(temporary, flags, 0o666 if info is None else 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
