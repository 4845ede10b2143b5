"""What changed: files from git (or the command line), per repository.

Changes are ``merge-base(base, head)..head``, plus uncommitted and untracked
files when no head is given. Each repository that holds a member is asked on
its own with its own base, so a folder of sibling repositories works as well
as a monorepo. A submodule is asked through its superproject, where a moved
pointer or a dirty checkout shows as a change of the submodule's folder.

A base that cannot be found is an error that names the repository and says
how to fix it; it is never silently "everything".
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from noxgraph._git import git
from noxgraph._paths import relative
from noxgraph._toml import parse_toml
from noxgraph.errors import GitError, NoxgraphError, UsageError
from noxgraph.pyproject import Document, package_name

__all__ = [
    "ChangedFile",
    "Changes",
    "FormerPackage",
    "PendingChanges",
    "RepositoryChanges",
    "changes_from_files",
]

_STATUS = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
    "U": "unmerged",
}


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One changed path (POSIX, relative to the workspace root) and how it changed."""

    path: str
    status: str
    repository: str


@dataclass(frozen=True, slots=True)
class FormerPackage:
    """A package whose ``pyproject.toml`` was deleted (or moved) since the base."""

    name: str
    folder: str
    pyproject: str


@dataclass(frozen=True)
class RepositoryChanges:
    """What one repository answered, and which base it used."""

    path: str
    base: str | None
    merge_base: str | None
    head: str
    uncommitted: bool
    files: tuple[ChangedFile, ...]
    former: tuple[FormerPackage, ...] = ()
    missing_base: str | None = None


@dataclass(frozen=True)
class Changes:
    """Every changed file of the workspace, with where each answer came from."""

    source: Literal["git", "files"]
    repositories: tuple[RepositoryChanges, ...]
    files: tuple[ChangedFile, ...]
    former: tuple[FormerPackage, ...]

    @property
    def base_missing(self) -> bool:
        return any(repo.missing_base for repo in self.repositories)


def _is_submodule_checkout(folder: str) -> bool:
    marker = os.path.join(folder, ".git")  # noqa: PTH118 - one call per folder
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123
            text = handle.read(4096)
    except OSError:
        return False  # a directory (a plain repository), or nothing
    return text.startswith("gitdir:") and "/modules/" in text.replace("\\", "/")


class RepositoryFinder:
    """Which repository holds a folder; answers are cached, so asking for every
    member of a large workspace costs about one ``stat`` per folder."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}

    def holder(self, folder: str) -> str | None:
        """The repository to ask about ``folder``: a submodule is asked through its
        superproject, which sees the submodule's pointer and working tree as one path."""
        visited: list[str] = []
        current = folder
        answer: str | None = None
        while True:
            if current in self._cache:
                answer = self._cache[current]
                break
            visited.append(current)
            if os.path.lexists(os.path.join(current, ".git")):  # noqa: PTH118
                answer = current
                if _is_submodule_checkout(current):
                    parent = os.path.dirname(current)  # noqa: PTH120
                    outer = self.holder(parent) if parent != current else None
                    answer = outer if outer is not None else current
                break
            parent = os.path.dirname(current)  # noqa: PTH120
            if parent == current:
                break
            current = parent
        for seen in visited:
            self._cache[seen] = answer
        return answer

    def repositories(self, root: Path, folders: Iterable[Path]) -> list[Path]:
        """The repositories to ask: the one holding the root, and those holding ``folders``."""
        found: dict[str, None] = {}
        for folder in [root, *folders]:
            repo = self.holder(os.fspath(folder))
            if repo is not None:
                found[repo] = None
        return sorted((Path(repo) for repo in found), key=lambda p: (len(p.parts), str(p)))


def _verified(repo: Path, ref: str) -> bool:
    done = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return done.returncode == 0


def _unknown_base(repo: Path, shown: str, base: str | None, configured: str | None) -> GitError:
    """Why there is no base to compare with, and how to name one."""
    wanted = base or configured
    if wanted:
        hints = [f"fetch it (git fetch origin {wanted}:{wanted})"]
        if not wanted.startswith("origin/") and _verified(repo, f"origin/{wanted}"):
            hints.insert(0, f"pass --base origin/{wanted}")
        where = "--base" if base else "[tool.noxgraph].base"
        return GitError(
            f"repository {shown}: base {wanted!r} (from {where}) is not a known commit;"
            f" {', or '.join(hints)}, or name the changed files with --files"
        )
    remote = next(
        (f"origin/{c}" for c in ("main", "master") if _verified(repo, f"origin/{c}")), None
    )
    hint = f"pass --base {remote}" if remote else "pass --base REF"
    return GitError(
        f"repository {shown}: neither 'main' nor 'master' exists to compare with; {hint}"
        " (or set [tool.noxgraph].base), or name the changed files with --files"
    )


def _no_merge_base(repo: Path, shown: str, base: str, head: str) -> GitError:
    """Why two known commits have no merge base: a shallow clone, or unrelated histories."""
    shallow = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    if shallow.stdout.decode().strip() == "true":
        return GitError(
            f"repository {shown} is a shallow clone without the merge base of {base!r} and"
            f" {head!r}: run 'git fetch --unshallow' (in GitHub Actions, actions/checkout with"
            " fetch-depth: 0), or name the changed files with --files"
        )
    return GitError(
        f"repository {shown}: {base!r} and {head!r} have no common ancestor; pass another"
        " --base, or name the changed files with --files"
    )


def _base_and_merge_base(
    repo: Path, shown: str, base: str | None, configured: str | None, head: str
) -> tuple[str, str]:
    """The base to use and its merge base with ``head``.

    The common case costs one git call; only when ``merge-base`` fails is git
    asked why, so the error can say how to fix it.
    """
    wanted = base or configured
    for candidate in [wanted] if wanted else ["main", "master"]:
        done = git(repo, "merge-base", candidate, head, check=False)
        if done.returncode == 0:
            return candidate, done.stdout.decode().strip()
        if _verified(repo, candidate):
            if not _verified(repo, head):
                raise GitError(f"repository {shown}: head {head!r} is not a known commit")
            raise _no_merge_base(repo, shown, candidate, head)
    raise _unknown_base(repo, shown, base, configured)


def _parse_name_status(output: bytes, prefix: str, repository: str) -> list[ChangedFile]:
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    files: list[ChangedFile] = []
    index = 0
    while index < len(fields) and fields[index]:
        code = fields[index]
        letter = code[0]
        status = _STATUS.get(letter, "modified")
        if letter in "RC":
            old, new = fields[index + 1], fields[index + 2]
            index += 3
            if letter == "R":
                files.append(ChangedFile(prefix + old, status, repository))
            files.append(ChangedFile(prefix + new, status, repository))
        else:
            files.append(ChangedFile(prefix + fields[index + 1], status, repository))
            index += 2
    return files


def _former_packages(
    cwd: Path, merge_base: str, files: Sequence[ChangedFile], prefix: str
) -> list[FormerPackage]:
    """Packages whose ``pyproject.toml`` is gone from where it was at the merge base."""
    former: list[FormerPackage] = []
    for changed in files:
        if changed.status not in ("deleted", "renamed") or not (
            changed.path == "pyproject.toml" or changed.path.endswith("/pyproject.toml")
        ):
            continue
        inside = changed.path[len(prefix) :]
        done = git(cwd, "show", f"{merge_base}:./{inside}", check=False)
        if done.returncode != 0:
            continue  # the new side of a rename: it did not exist at the base
        folder = Path(changed.path).parent.as_posix()
        try:
            names = package_name(
                Document(cwd / Path(inside).parent, changed.path, parse_toml(done.stdout, ""))
            )
        except NoxgraphError:
            continue
        if isinstance(names, tuple):
            former.append(FormerPackage(names[0], folder, changed.path))
    return former


def _repository(
    root: Path,
    repo: Path,
    *,
    base: str | None,
    configured_base: str | None,
    head: str | None,
    uncommitted: bool,
) -> RepositoryChanges:
    inside_root = repo == root or root in repo.parents
    cwd = repo if inside_root else root
    prefix = "" if cwd == root else relative(cwd, root) + "/"
    shown = _shown(repo, root)
    head_ref = head or "HEAD"
    chosen, merge_base = _base_and_merge_base(repo, shown, base, configured_base, head_ref)
    diff = ["diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--relative"]
    target = [merge_base] if uncommitted else [merge_base, head_ref]
    files = _parse_name_status(git(cwd, *diff, *target, "--").stdout, prefix, shown)
    if uncommitted:
        others = git(cwd, "ls-files", "-z", "--others", "--exclude-standard").stdout
        for path in others.decode("utf-8", "surrogateescape").split("\0"):
            if path and not path.endswith("/"):
                files.append(ChangedFile(prefix + path, "untracked", shown))
    return RepositoryChanges(
        path=shown,
        base=chosen,
        merge_base=merge_base,
        head=head_ref,
        uncommitted=uncommitted,
        files=tuple(files),
        former=tuple(_former_packages(cwd, merge_base, files, prefix)),
    )


def _shown(repo: Path, root: Path) -> str:
    return relative(repo, root) if (repo == root or root in repo.parents) else str(repo)


class PendingChanges:
    """git queries started in the background, one per repository, while the caller
    goes on (reading the members, say).

    The repositories are those of the candidate folders discovery found; once the
    members are known, :meth:`result` keeps only the repositories that hold a
    member (or the root), so a repository holding nothing but a skipped
    ``pyproject.toml`` never turns into an error.
    """

    def __init__(
        self,
        root: Path,
        candidate_folders: Iterable[Path],
        *,
        base: str | None = None,
        configured_base: str | None = None,
        head: str | None = None,
        uncommitted: bool | None = None,
        if_base_missing: Literal["error", "all"] = "error",
    ) -> None:
        if head is not None and uncommitted:
            raise UsageError("--uncommitted only applies without --head (against the working tree)")
        self.root = root
        self.head = head
        self.base = base
        self.configured_base = configured_base
        self.if_base_missing = if_base_missing
        self.with_worktree = head is None if uncommitted is None else uncommitted
        self._finder = RepositoryFinder()
        repositories = self._finder.repositories(root, candidate_folders)
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(8, len(repositories))))
        self._futures: dict[Path, Future[RepositoryChanges]] = {
            repo: self._pool.submit(
                _repository,
                root,
                repo,
                base=base,
                configured_base=configured_base,
                head=head,
                uncommitted=self.with_worktree,
            )
            for repo in repositories
        }

    def result(self, member_folders: Iterable[Path]) -> Changes:
        """Wait for the repositories that hold ``member_folders`` (and the root)."""
        try:
            wanted = self._finder.repositories(self.root, member_folders)
            if not wanted:
                message = (
                    f"{self.root} is not in a git repository, and none of its members is:"
                    " name the changed files with --files"
                )
                if self.if_base_missing != "all":
                    raise GitError(message)
                missing = RepositoryChanges(
                    ".", self.base, None, self.head or "HEAD", False, (), (), message
                )
                return Changes("git", (missing,), (), ())
            answers = [self._answer(repo) for repo in wanted]
        finally:
            self.close()
        unique: dict[tuple[str, str], ChangedFile] = {}
        for answer in answers:
            for changed in answer.files:
                unique.setdefault((changed.path, changed.status), changed)
        return Changes(
            source="git",
            repositories=tuple(answers),
            files=tuple(sorted(unique.values(), key=lambda c: (c.path, c.status))),
            former=tuple(f for answer in answers for f in answer.former),
        )

    def close(self) -> None:
        """Stop what has not started; what runs finishes on its own (git is quick)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _answer(self, repo: Path) -> RepositoryChanges:
        future = self._futures.get(repo)
        try:
            if future is None:
                return _repository(
                    self.root,
                    repo,
                    base=self.base,
                    configured_base=self.configured_base,
                    head=self.head,
                    uncommitted=self.with_worktree,
                )
            return future.result()
        except GitError as exc:
            if self.if_base_missing != "all":
                raise
            return RepositoryChanges(
                _shown(repo, self.root),
                self.base,
                None,
                self.head or "HEAD",
                self.with_worktree,
                (),
                (),
                exc.message,
            )


def changes_from_files(root: Path, paths: Iterable[str], cwd: Path | None = None) -> Changes:
    """Changed files named on the command line, relative to ``cwd``; no git is asked."""
    here = cwd or Path.cwd()
    files: dict[str, ChangedFile] = {}
    for given in paths:
        absolute = Path(os.path.normpath(here / given))
        if absolute != root and root not in absolute.parents:
            raise UsageError(f"--files {given}: {absolute} is outside the workspace root {root}")
        shown = relative(absolute, root)
        files[shown] = ChangedFile(shown, "given", "")
    return Changes("files", (), tuple(files[p] for p in sorted(files)), ())
