"""The content of a package folder as one key: what its wheel is made of.

Inside git, a tracked file counts by the blob id git already has for it, and
a file that differs from the index (or that git does not track and does not
ignore) by the hash of its bytes; outside git every file counts by its bytes.
Folders that hold no source (``.git``, virtualenvs, ``.nox``, build output) never
count. Two folders with the same key build the same wheel.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from noxgraph._git import git_lines
from noxgraph._paths import SKIP_DIRS

__all__ = ["folder_key"]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha1(path.read_bytes(), usedforsecurity=False).hexdigest()
    except OSError:
        return "missing"


def _walk(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in files:
            path = Path(current) / name
            found[path.relative_to(folder).as_posix()] = _file_digest(path)
    return found


def _from_git(folder: Path) -> dict[str, str] | None:
    staged = git_lines(folder, "ls-files", "-z", "--stage", "--", ".")
    changed = git_lines(folder, "ls-files", "-z", "--modified", "--others", "--exclude-standard")
    if staged is None or changed is None:
        return None
    found: dict[str, str] = {}
    for entry in staged:
        info, _, path = entry.partition("\t")
        found[path] = info.split(" ")[1] if " " in info else info
    for path in changed:
        found[path] = _file_digest(folder / path)
    return found


def folder_key(folder: Path) -> str:
    """A key that changes exactly when a file of ``folder`` that git does not ignore does."""
    files = _from_git(folder)
    if files is None:
        files = _walk(folder)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path]}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:20]
