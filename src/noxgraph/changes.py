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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from noxgraph._git import git
from noxgraph._toml import parse_toml
from noxgraph.errors import GitError, NoxgraphError, UsageError
from noxgraph.pyproject import Document, package_name

__all__ = [
    "ChangedFile",
    "Changes",
    "FormerPackage",
    "RepositoryChanges",
    "changes_from_files",
    "changes_from_git",
    "find_repositories",
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


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _is_submodule_checkout(folder: Path) -> bool:
    marker = folder / ".git"
    if not marker.is_file():
        return False
    try:
        text = marker.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return text.startswith("gitdir:") and "/modules/" in text.replace("\\", "/")


def find_repositories(root: Path, folders: Iterable[Path]) -> list[Path]:
    """The repositories to ask: the one holding the root, and those holding members.

    A member inside a submodule is asked through the superproject, which sees
    the submodule's pointer and working tree as one path.
    """
    found: dict[Path, None] = {}
    cache: dict[Path, Path | None] = {}

    def holder(start: Path) -> Path | None:
        visited: list[Path] = []
        current: Path | None = start
        answer: Path | None = None
        while current is not None:
            if current in cache:
                answer = cache[current]
                break
            visited.append(current)
            if (current / ".git").exists():
                if _is_submodule_checkout(current):
                    outer = holder(current.parent) if current.parent != current else None
                    answer = outer if outer is not None else current
                else:
                    answer = current
                break
            current = current.parent if current.parent != current else None
        for folder in visited:
            cache[folder] = answer
        return answer

    for folder in [root, *folders]:
        repo = holder(folder)
        if repo is not None:
            found[repo] = None
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


def _verified(repo: Path, ref: str) -> bool:
    done = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return done.returncode == 0


def _resolve_base(repo: Path, shown: str, base: str | None, configured: str | None) -> str:
    if base or configured:
        wanted = base or configured or ""
        if _verified(repo, wanted):
            return wanted
        hints = [f"fetch it (git fetch origin {wanted}:{wanted})"]
        if not wanted.startswith("origin/") and _verified(repo, f"origin/{wanted}"):
            hints.insert(0, f"pass --base origin/{wanted}")
        where = "--base" if base else "[tool.noxgraph].base"
        raise GitError(
            f"repository {shown}: base {wanted!r} (from {where}) is not a known commit;"
            f" {', or '.join(hints)}, or name the changed files with --files"
        )
    for candidate in ("main", "master"):
        if _verified(repo, candidate):
            return candidate
    remote = next(
        (f"origin/{c}" for c in ("main", "master") if _verified(repo, f"origin/{c}")), None
    )
    hint = f"pass --base {remote}" if remote else "pass --base REF"
    raise GitError(
        f"repository {shown}: neither 'main' nor 'master' exists to compare with; {hint}"
        " (or set [tool.noxgraph].base), or name the changed files with --files"
    )


def _merge_base(repo: Path, shown: str, base: str, head: str) -> str:
    done = git(repo, "merge-base", base, head, check=False)
    if done.returncode == 0:
        return done.stdout.decode().strip()
    shallow = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    if shallow.stdout.decode().strip() == "true":
        raise GitError(
            f"repository {shown} is a shallow clone without the merge base of {base!r} and"
            f" {head!r}: run 'git fetch --unshallow' (in GitHub Actions, actions/checkout with"
            " fetch-depth: 0), or name the changed files with --files"
        )
    raise GitError(
        f"repository {shown}: {base!r} and {head!r} have no common ancestor; pass another"
        " --base, or name the changed files with --files"
    )


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
    prefix = "" if cwd == root else _relative(cwd, root) + "/"
    shown = _relative(repo, root) if inside_root else str(repo)
    head_ref = head or "HEAD"
    chosen = _resolve_base(repo, shown, base, configured_base)
    if not _verified(repo, head_ref):
        raise GitError(f"repository {shown}: head {head_ref!r} is not a known commit")
    merge_base = _merge_base(repo, shown, chosen, head_ref)
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


def changes_from_git(
    root: Path,
    member_folders: Iterable[Path],
    *,
    base: str | None = None,
    configured_base: str | None = None,
    head: str | None = None,
    uncommitted: bool | None = None,
    if_base_missing: Literal["error", "all"] = "error",
) -> Changes:
    """Ask every repository of the workspace what changed since its base.

    ``uncommitted`` defaults to ``True`` without ``head``; with a head it must
    not be set, since uncommitted changes only exist against the working tree.
    With ``if_base_missing="all"`` a repository whose base cannot be found is
    recorded with ``missing_base`` instead of raising.
    """
    if head is not None and uncommitted:
        raise UsageError("--uncommitted only applies without --head (against the working tree)")
    with_worktree = head is None if uncommitted is None else uncommitted
    repositories = find_repositories(root, member_folders)
    if not repositories:
        message = (
            f"{root} is not in a git repository, and none of its members is: name the changed"
            " files with --files"
        )
        if if_base_missing == "all":
            missing = RepositoryChanges(".", base, None, head or "HEAD", False, (), (), message)
            return Changes("git", (missing,), (), ())
        raise GitError(message)
    answers: list[RepositoryChanges] = []
    for repo in repositories:
        try:
            answers.append(
                _repository(
                    root,
                    repo,
                    base=base,
                    configured_base=configured_base,
                    head=head,
                    uncommitted=with_worktree,
                )
            )
        except GitError as exc:
            if if_base_missing != "all":
                raise
            shown = _relative(repo, root) if (repo == root or root in repo.parents) else str(repo)
            answers.append(
                RepositoryChanges(
                    shown, base, None, head or "HEAD", with_worktree, (), (), exc.message
                )
            )
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


def changes_from_files(root: Path, paths: Iterable[str], cwd: Path | None = None) -> Changes:
    """Changed files named on the command line, relative to ``cwd``; no git is asked."""
    here = cwd or Path.cwd()
    files: dict[str, ChangedFile] = {}
    for given in paths:
        absolute = Path(os.path.normpath(here / given))
        if absolute != root and root not in absolute.parents:
            raise UsageError(f"--files {given}: {absolute} is outside the workspace root {root}")
        relative = _relative(absolute, root)
        files[relative] = ChangedFile(relative, "given", "")
    return Changes("files", (), tuple(files[p] for p in sorted(files)), ())
