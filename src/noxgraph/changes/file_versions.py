"""A changed file's content at the base and at head, read from git: what the lock
files' changes are worked out from."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from noxgraph._git import git

if TYPE_CHECKING:
    from noxgraph.changes.changed_files import ChangedFile, Changes, RepositoryChanges

__all__ = ["FileVersions", "read_batch", "versions_of"]


@dataclass(frozen=True, slots=True)
class FileVersions:
    """A changed file's content at the base and at head (``None``: not there), or
    ``problem``: why git cannot say."""

    path: str
    before: bytes | None = None
    after: bytes | None = None
    problem: str | None = None


#: Where each status lets a changed file be absent (a rename lists both of its paths).
_ABSENT_BEFORE = frozenset({"added", "untracked", "renamed", "copied"})
_ABSENT_AFTER = frozenset({"deleted", "renamed"})


def versions_of(root: Path, changes: Changes, files: Sequence[ChangedFile]) -> list[FileVersions]:
    """The content of each of ``files`` at its repository's merge base and at head
    (the working tree when uncommitted files count): one ``git cat-file --batch``
    per file, so only these files cost anything."""
    repositories = {repo.path: repo for repo in changes.repositories}
    answers: list[FileVersions] = []
    for changed in files:
        repo = repositories.get(changed.repository)
        if repo is None:
            answers.append(
                FileVersions(changed.path, problem="named with --files, so there is no base")
            )
        elif repo.merge_base is None:
            answers.append(FileVersions(changed.path, problem=f"no base ({repo.missing_base})"))
        else:
            answers.append(_versions(root, repo, changed))
    return answers


def _versions(root: Path, repo: RepositoryChanges, changed: ChangedFile) -> FileVersions:
    folder = Path(root, repo.path)
    inside = Path(os.path.relpath(root / changed.path, folder)).as_posix()
    asked = [f"{repo.merge_base}:{inside}"]
    after: bytes | None = None
    if repo.uncommitted:
        try:
            after = (root / changed.path).read_bytes()
        except FileNotFoundError:
            after = None
        except OSError as exc:
            return FileVersions(changed.path, problem=f"cannot be read: {exc.strerror or exc}")
    else:
        asked.append(f"{repo.head}:{inside}")
    done = git(folder, "cat-file", "--batch", stdin="".join(f"{a}\n" for a in asked).encode())
    found = read_batch(done.stdout, len(asked))
    before = found[0]
    if not repo.uncommitted:
        after = found[1]
    if before is None and changed.status not in _ABSENT_BEFORE:
        return FileVersions(changed.path, problem=f"git has no copy at the base {repo.base}")
    if after is None and not repo.uncommitted and changed.status not in _ABSENT_AFTER:
        return FileVersions(changed.path, problem=f"git has no copy at {repo.head}")
    return FileVersions(changed.path, before, after)


def read_batch(output: bytes, count: int) -> list[bytes | None]:
    """The blobs ``git cat-file --batch`` printed, in order (``None``: missing, or no
    file): each answer is ``<object> <type> <size>`` and that many bytes, or
    ``<request> missing``."""
    found: list[bytes | None] = []
    at = 0
    for _ in range(count):
        end = output.index(b"\n", at)
        header = output[at:end].split(b" ")
        at = end + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            found.append(output[at : at + size] if header[1] == b"blob" else None)
            at += size + 1
        else:
            found.append(None)
    return found
