"""Files as noxgraph reads, shows, remembers and writes them.

- Paths are shown POSIX and relative to the workspace root (:func:`relative`).
- A file that must be a file is read only when it is a regular one
  (:func:`read_regular`): a FIFO would block, a device never end.
- A file is remembered by its :class:`Fingerprint` (size, modification and change
  times, inode, device). A fingerprint taken less than two seconds after the file
  last changed is *racy*: the file may change again within the file system's
  timestamp granularity without changing its fingerprint, so such a fingerprint is
  never trusted later (git's "racily clean" rule).
- Every file noxgraph writes is written whole or not at all (:func:`write_atomic`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "BUILD_OUTPUT",
    "SKIP_DIRS",
    "Fingerprint",
    "NotRegularFileError",
    "ReadOnlyError",
    "fingerprint",
    "fingerprints",
    "is_build_output",
    "leftovers",
    "read_regular",
    "relative",
    "write_atomic",
]

#: Folders a build backend writes into the folder it builds (setuptools' ``build``,
#: pdm-backend's ``.pdm-build``, bytecode), besides setuptools' ``*.egg-info``.
BUILD_OUTPUT = frozenset({"build", ".pdm-build", "__pycache__"})

#: Folders that hold no package source, which a scan never enters, whatever git says.
SKIP_DIRS = BUILD_OUTPUT | frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".nox",
        ".tox",
        ".venv",
        "node_modules",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


def is_build_output(name: str) -> bool:
    """Whether a folder called ``name`` is one a build leaves in the folder it builds."""
    return name in BUILD_OUTPUT or name.endswith(".egg-info")


def relative(path: Path | str, root: Path | str) -> str:
    """``path`` relative to ``root``, POSIX style (``"."`` for the root itself)."""
    text, base = os.fspath(path), os.fspath(root)
    if text == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if text.startswith(prefix):
        # Members are found under the root: the common case needs no relpath.
        return text[len(prefix) :].replace(os.sep, "/")
    return Path(os.path.relpath(text, base)).as_posix()


class NotRegularFileError(OSError):
    """A path that should be a file is a FIFO, a device, a folder or a link to one."""


def read_regular(path: Path | str) -> bytes:
    """The bytes of the regular file at ``path``.

    Anything else (a FIFO, a device, a folder, a link to one) raises
    :class:`NotRegularFileError` before a byte is read. The file is opened without
    blocking, then checked, so nothing can be swapped in between.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegularFileError(errno.EINVAL, "not a regular file", os.fspath(path))
    with open(fd, "rb") as handle:
        return handle.read()


# -- fingerprints -----------------------------------------------------------------------

#: A fingerprint taken this soon after its file changed is racy (see the module docstring).
RACY_NS = 2_000_000_000


class Fingerprint(NamedTuple):
    """What a file or folder is remembered by: a change to it changes one of these."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @property
    def racy(self) -> bool:
        """Whether it was taken too soon after the last change to be trusted later."""
        return time.time_ns() - max(self.mtime_ns, self.ctime_ns) < RACY_NS


def fingerprint(path: Path | str, *, regular: bool = False) -> Fingerprint | None:
    """The fingerprint of what is at ``path`` (with ``regular``, only of a regular
    file), or ``None`` when there is nothing (or nothing that qualifies)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if regular and not stat.S_ISREG(info.st_mode):
        return None
    return Fingerprint(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def fingerprints(root: Path, names: Iterable[str]) -> list[list[int] | None] | None:
    """The fingerprints of ``names`` (relative to ``root``) as JSON-ready lists, in
    order (``None`` where nothing is); ``None`` when one of them is racy, so an answer
    made from them must not be remembered."""
    found = [fingerprint(os.path.join(root, name)) for name in names]
    if any(item is not None and item.racy for item in found):
        return None
    return [None if item is None else list(item) for item in found]


# -- writing ----------------------------------------------------------------------------

_SUFFIX = ".noxgraph.tmp"


class ReadOnlyError(PermissionError):
    """The file is there, and its mode says it is not to be written."""


def _temporary_name(target: Path) -> str:
    return f".{target.name}.{os.urandom(4).hex()}{_SUFFIX}"


def leftovers(path: Path) -> list[Path]:
    """Temporary files an interrupted write of ``path`` (or of its link's target) left
    behind: only names :func:`write_atomic` makes, never a file of the user's."""
    target = Path(os.path.realpath(path))
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}{re.escape(_SUFFIX)}\Z")
    try:
        found = sorted(target.parent.iterdir())
    except OSError:
        return []
    return [entry for entry in found if pattern.match(entry.name)]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through a temporary file renamed into place.

    Only a regular file is ever replaced: a FIFO, a device or ``/dev/stdout`` is
    refused before anything is opened (:class:`NotRegularFileError`: a rename would
    replace the node, a write could block); a symbolic link is written through to its
    target, so the link stays a link; a read-only file is refused
    (:class:`ReadOnlyError`) rather than replaced behind its mode. A new file gets
    ``0666 & ~umask``; a replaced one keeps its mode.
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
    ours = True
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    # Everything from the file's creation on is inside the try: a signal that arrives
    # as os.open returns must still remove it.
    try:
        try:
            descriptor = os.open(temporary, flags, 0o666 if info is None else 0o600)
        except FileExistsError:
            ours = False  # another's file: never removed here
            raise
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        if ours:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
