"""The one rule for a package's content, and keys of package folders made from it.

A package's content is the files git tracks plus the untracked files git does not
ignore, never what a build or a tool leaves (``build/``, ``*.egg-info/``,
``__pycache__/``, ``.pdm-build/``, virtualenvs, ``.nox``: :func:`is_content`); outside git, every
file but those. ``affected`` counts an untracked file only when it is content, and
the session cache keys a folder by its content: a tracked file by the blob id git
already has for it, a file that differs from the index or that git does not track
by the blob id its bytes would have. Two folders with the same key build the same
wheel.

:func:`content_keys` answers for many folders at once with two ``git ls-files``
per repository (the index's blob ids, and what ``git status`` would say of the
working tree), run side by side: the session cache
keys every package of a workspace at each nox load, so its cost is those two
git commands, not one pair per package.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable
from pathlib import Path

from noxgraph._files import SKIP_DIRS, is_build_output, relative
from noxgraph._git import Started
from noxgraph.errors import GitError

__all__ = ["content_keys", "described_commits", "file_digest", "folder_key", "is_content"]

#: More folders than this in one repository: list the whole repository once
#: rather than pass one pathspec per folder (git matches every file against each).
_PATHSPECS = 16


def file_digest(path: Path | str) -> str:
    """The id git gives a file's bytes as a blob (``"missing"`` when it cannot be
    read): a file counts the same before and after it is committed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return "missing"
    import hashlib  # only keys need it: affected asks this module is_content alone

    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def _leftover_folder(name: str) -> bool:
    """A folder a build or a tool makes (``build``, ``*.egg-info``, ``__pycache__``, a
    virtualenv...): what it holds is no source."""
    return name in SKIP_DIRS or is_build_output(name)


def is_content(path: str) -> bool:
    """Whether an untracked file at ``path`` (POSIX, relative to its repository or
    package) is content: not inside a folder a build or a tool leaves."""
    return not any(_leftover_folder(part) for part in path.split("/")[:-1])


def _walk(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _leftover_folder(d))
        for name in files:
            path = Path(current) / name
            found[path.relative_to(folder).as_posix()] = file_digest(path)
    return found


def _listed(repo: str, prefixes: list[str]) -> dict[str, str] | None:
    """Every file of ``repo`` under ``prefixes`` (all when empty) that git does not
    ignore, relative to ``repo``, with its blob id (what its bytes would have, for a
    file that differs from the index or that git does not track)."""
    spec = ["--", *prefixes] if prefixes and len(prefixes) <= _PATHSPECS else []
    # Side by side: each reads the whole index. `ls-files --modified --others` tells
    # what `git status` would about the working tree, without comparing HEAD.
    worktree = ["--modified", "--others", "--exclude-standard"]
    started = Started(
        Path(repo), [("ls-files", "-z", "--stage", *spec), ("ls-files", "-z", *worktree, *spec)]
    )
    try:
        staged, changed = (
            done.stdout.decode("utf-8", "surrogateescape") for done in started.result()
        )
    except GitError:
        return None
    found: dict[str, str] = {}
    for entry in staged.split("\0"):
        info, _, path = entry.partition("\t")
        if path:
            found[path] = info.split(" ", 2)[1] if " " in info else info
    for path in changed.split("\0"):
        # A staged change is in the index's blob id already; the working tree's own
        # changes and untracked files count by their bytes, untracked build output not.
        if path and (path in found or is_content(path)):
            found[path] = file_digest(os.path.join(repo, path))
    return found


def _digest(lines: Iterable[str]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:20]


def _walked_key(folder: Path) -> str:
    files = _walk(folder)
    return _digest(f"{path}\0{files[path]}\n" for path in sorted(files))


def _keys_in(repo: str, folders: list[str]) -> dict[str, str] | None:
    prefixes = [] if repo in folders else [relative(f, repo) for f in folders]
    files = _listed(repo, prefixes)
    if files is None:
        return None
    paths = sorted(files)
    keys: dict[str, str] = {}
    for folder in folders:
        inside = "" if folder == repo else relative(folder, repo) + "/"
        # Paths with one prefix are next to each other in sorted order.
        low = bisect.bisect_left(paths, inside)
        high = bisect.bisect_left(paths, inside + "\U0010ffff") if inside else len(paths)
        cut = len(inside)
        keys[folder] = _digest(f"{p[cut:]}\0{files[p]}\n" for p in paths[low:high])
    return keys


def content_keys(folders: Iterable[Path]) -> dict[Path, str]:
    """A key for each of ``folders`` that changes exactly when a file under it that git
    does not ignore does; one pair of git commands per repository."""
    wanted = list(dict.fromkeys(folders))
    from noxgraph.changes.changed_files import RepositoryFinder  # only when keys are made

    # A submodule's own checkout holds its files, and its ls-files lists them.
    finder = RepositoryFinder(through_superproject=False)
    by_repo: dict[str | None, list[str]] = {}
    for folder in wanted:
        text = os.fspath(folder)
        by_repo.setdefault(finder.holder(text), []).append(text)
    keys: dict[str, str] = {}
    for repo, members in by_repo.items():
        found = _keys_in(repo, members) if repo is not None else None
        if found is None:
            found = {m: _walked_key(Path(m)) for m in members}
        keys.update(found)
    return {folder: keys[os.fspath(folder)] for folder in wanted}


def described_commits(folders: Iterable[Path]) -> dict[Path, str | None]:
    """What a version made from git is made of, for the repository each folder is
    checked out in: the commit, whether the work tree differs from it (with today's
    date then, which setuptools-scm and hatch-vcs put in such a version), and every
    tag with its commit (a tag pattern may pick any of them); ``None`` outside git.
    Two git processes per repository."""
    from noxgraph.changes.changed_files import RepositoryFinder  # only when keys are made

    finder = RepositoryFinder(through_superproject=False)
    by_repository: dict[str, str | None] = {}
    described: dict[Path, str | None] = {}
    for folder in folders:
        repository = finder.holder(os.fspath(folder))
        if repository is not None and repository not in by_repository:
            by_repository[repository] = _described(Path(repository))
        described[folder] = None if repository is None else by_repository[repository]
    return described


def _described(repository: Path) -> str | None:
    commit = ("describe", "--always", "--abbrev=40", "--dirty", "--exclude=*")
    tags = ("for-each-ref", "--format=%(objectname) %(refname)", "refs/tags")
    try:
        head, tagged = Started(repository, [commit, tags]).result(check=False)
    except GitError:  # no git: the content alone keys it, as without a repository
        return None
    if head.returncode != 0 or tagged.returncode != 0:  # an unborn branch has no commit
        return None
    text = head.stdout.decode().strip()
    if text.endswith("-dirty"):
        import datetime

        local, utc = datetime.date.today(), datetime.datetime.now(datetime.timezone.utc).date()
        text += f" {local.isoformat()} {utc.isoformat()}"
    import hashlib

    return f"{text} tags {hashlib.sha256(tagged.stdout).hexdigest()[:20]}"


def folder_key(folder: Path) -> str:
    """A key that changes exactly when a file of ``folder`` that git does not ignore does."""
    return content_keys([folder])[folder]
