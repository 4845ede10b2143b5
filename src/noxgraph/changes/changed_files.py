"""What changed: files from git (or the command line), per repository.

Changes are ``merge-base(base, head)..head``, plus uncommitted and untracked
files when no head is given. Each repository that holds a member is asked on
its own with its own base (git always runs with ``-C`` in that repository), so a
folder of sibling repositories works as well as a monorepo; a repository around
the root that holds no member is not asked. A submodule is asked through its
superproject for its base; where its pointer or working tree changed (or it holds
untracked files), the submodule itself is asked what changed in it, so each file
counts for its own package. A member in no repository is an error.

A base that cannot be found is an error that names the repository and says
how to fix it; it is never silently "everything". Refs given by the user may not
start with ``-``, and every git command that takes one reads it after
``--end-of-options``.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxgraph._files import relative
from noxgraph._git import Started, first_line, git
from noxgraph.changes.content import is_content
from noxgraph.errors import GitError, NoxgraphError, PyprojectError, UsageError
from noxgraph.workspace.pyproject import Document, package_name
from noxgraph.workspace.toml import parse_toml

if TYPE_CHECKING:
    import subprocess
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = [
    "ChangedFile",
    "Changes",
    "FormerPackage",
    "PendingChanges",
    "RepositoryChanges",
    "changes_from_files",
    "is_submodule_checkout",
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
    """A package name gone from where it was since the base: its ``pyproject.toml`` was
    deleted or moved, or now names another package (renamed in place)."""

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


def is_submodule_checkout(folder: str) -> bool:
    marker = os.path.join(folder, ".git")  # one call per folder
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096)
    except OSError:
        return False  # a directory (a plain repository), or nothing
    return text.startswith("gitdir:") and "/modules/" in text.replace("\\", "/")


class RepositoryFinder:
    """Which repository holds a folder; answers are cached, so asking for every
    member of a large workspace costs about one ``stat`` per folder."""

    def __init__(self, *, through_superproject: bool = True) -> None:
        self._cache: dict[str, str | None] = {}
        self._through_superproject = through_superproject

    def holder(self, folder: str) -> str | None:
        """The repository to ask about ``folder``: a submodule is asked through its
        superproject, which sees the submodule's pointer and working tree as one path
        (unless ``through_superproject`` is off: then its own checkout answers)."""
        visited: list[str] = []
        current = folder
        answer: str | None = None
        while True:
            if current in self._cache:
                answer = self._cache[current]
                break
            visited.append(current)
            if os.path.lexists(os.path.join(current, ".git")):
                answer = current
                if self._through_superproject and is_submodule_checkout(current):
                    parent = os.path.dirname(current)
                    outer = self.holder(parent) if parent != current else None
                    answer = outer if outer is not None else current
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for seen in visited:
            self._cache[seen] = answer
        return answer

    def repositories(
        self, root: Path, folders: Iterable[Path]
    ) -> tuple[dict[Path, list[Path]], list[Path]]:
        """The repositories to ask, each with the ``folders`` it holds, and the folders
        no repository holds. The root's repository is asked when it is the root itself,
        holds one of ``folders``, or there are none: a home folder under git around a
        folder of sibling repositories is not asked."""
        held: dict[str, list[Path]] = {}
        unheld: list[Path] = []
        given = list(folders)
        for folder in given:
            repo = self.holder(os.fspath(folder))
            if repo is None:
                unheld.append(folder)
            else:
                held.setdefault(repo, []).append(folder)
        outer = self.holder(os.fspath(root))
        if outer is not None and (outer == os.fspath(root) or not given):
            held.setdefault(outer, [])
        ordered = sorted(held, key=lambda p: (len(Path(p).parts), p))
        return {Path(repo): held[repo] for repo in ordered}, unheld


_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree, in SHA-1
_GITLINK = "160000"


def _verified(repo: Path, ref: str) -> bool:
    done = git(
        repo,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{ref}^{{commit}}",
        check=False,
    )
    return done.returncode == 0


def _refusal(repo: Path, shown: str) -> GitError | None:
    """git's own reason when it will not read ``repo`` at all (dubious ownership, a
    broken ``.git``), so that is never taken for a missing base."""
    done = git(repo, "rev-parse", "--git-dir", check=False)
    if done.returncode == 0:
        return None
    return GitError(f"repository {shown}: git cannot read it: {first_line(done)}")


def _unborn(repo: Path, shown: str, head: str) -> GitError | None:
    """Why ``HEAD`` names no commit: a repository without commits, or an orphan branch."""
    if head != "HEAD" or _verified(repo, "HEAD"):
        return None
    branch = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    name = branch.stdout.decode("utf-8", "replace").strip() or "HEAD"
    heads = git(repo, "for-each-ref", "--count=1", "--format=%(refname)", "refs/heads", check=False)
    if not heads.stdout.strip():
        return GitError(
            f"repository {shown} has no commits yet (branch {name!r} is unborn): commit"
            " first, or name the changed files with --files"
        )
    return GitError(
        f"repository {shown}: HEAD is on branch {name!r}, which has no commits yet;"
        " commit first or switch to a branch with commits, or name the changed files with --files"
    )


def _remotes(repo: Path) -> list[str]:
    done = git(repo, "remote", check=False)
    return done.stdout.decode("utf-8", "replace").split() if done.returncode == 0 else []


#: Characters of a revision expression (``HEAD~1``, ``X^``, ``@{u}``): no remote has a
#: ref of that name to fetch.
_REVISION = frozenset("~^:@{} ")
_UNSHALLOW = "'git fetch --unshallow', or 'git fetch --deepen=N' for N more commits"


def _is_shallow(repo: Path) -> bool:
    done = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    return done.stdout.decode().strip() == "true"


def _fetch_hint(repo: Path, wanted: str, shallow: bool) -> str | None:
    """How to fetch ``wanted`` into ``repo``, and the base to pass then. A branch is
    fetched into its remote-tracking ref by an explicit refspec, which works in a
    single-branch clone too, and never as ``b:b`` (refused when ``b`` is checked out);
    in a shallow clone, with its history. A revision expression (``HEAD~1``) is no name
    a remote has: a shallow clone needs more history, else there is none."""
    more = f"fetch more history ({_UNSHALLOW})" if shallow else None
    if _REVISION & set(wanted):
        return more
    remotes = _remotes(repo)
    chosen, branch = next(
        ((r, wanted[len(r) + 1 :]) for r in remotes if wanted.startswith(f"{r}/")), (None, wanted)
    )
    if chosen is None:
        chosen = "origin" if "origin" in remotes else (remotes[0] if len(remotes) == 1 else None)
    if chosen is None or not branch:
        return more
    unshallow = " --unshallow" if shallow else ""
    return (
        f"fetch it ('git fetch{unshallow} {chosen} {branch}:refs/remotes/{chosen}/{branch}',"
        f" then pass --base {chosen}/{branch})"
    )


def _unknown_base(repo: Path, shown: str, base: str | None, configured: str | None) -> GitError:
    """Why there is no base to compare with, and how to name one."""
    wanted = base or configured
    shallow = _is_shallow(repo)
    clone = f"repository {shown} is a shallow clone" if shallow else f"repository {shown}"
    if wanted:
        hints: list[str] = []
        remote_copy = next(
            (f"{r}/{wanted}" for r in _remotes(repo) if _verified(repo, f"{r}/{wanted}")), None
        )
        if remote_copy is not None:
            hints.append(f"pass --base {remote_copy}")
        else:
            fetch = _fetch_hint(repo, wanted, shallow)
            hints.append(fetch or "pass a branch, tag or commit this repository has")
        where = "--base" if base else "[tool.noxgraph].base"
        hints.append("name the changed files with --files")
        return GitError(
            f"{clone}: base {wanted!r} (from {where}) is not a known commit; {', or '.join(hints)}"
        )
    remote = next(
        (f"origin/{c}" for c in ("main", "master") if _verified(repo, f"origin/{c}")), None
    )
    if remote:
        hint = f"pass --base {remote}"
    elif shallow:
        hint = (
            "fetch the base ('git fetch --unshallow origin main:refs/remotes/origin/main',"
            " then pass --base origin/main)"
        )
    else:
        hint = "pass --base REF"
    return GitError(
        f"{clone}: neither 'main' nor 'master' exists to compare with; {hint}"
        " (or set [tool.noxgraph].base), or name the changed files with --files"
    )


def _no_merge_base(repo: Path, shown: str, base: str, head: str) -> GitError:
    """Why two known commits have no merge base: a shallow clone, or unrelated histories."""
    shallow = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    if shallow.stdout.decode().strip() == "true":
        return GitError(
            f"repository {shown} is a shallow clone without the merge base of {base!r} and"
            f" {head!r}: fetch its history ({_UNSHALLOW}; in GitHub Actions, actions/checkout"
            " with fetch-depth: 0), or name the changed files with --files"
        )
    return GitError(
        f"repository {shown}: {base!r} and {head!r} have no common ancestor; pass another"
        " --base, or name the changed files with --files"
    )


def _candidates(base: str | None, configured: str | None) -> list[str]:
    """The bases to try, in order: the one asked for, else ``main``, else ``master``
    (after origin's default branch, which is asked first: see :func:`_first_base`)."""
    wanted = base or configured
    return [wanted] if wanted else ["main", "master"]


#: What ``git clone`` points at origin's default branch (``origin/develop``).
_ORIGIN_HEAD = "refs/remotes/origin/HEAD"
#: Asks which branch that is, to name the base by it.
_REMOTE_HEAD = ("symbolic-ref", "--quiet", _ORIGIN_HEAD)


def _first_base(base: str | None, configured: str | None) -> str:
    """The base asked about first: the one asked for, else origin's default branch."""
    return base or configured or _ORIGIN_HEAD


def remote_default_branch(repo: Path) -> str | None:
    """origin's default branch in ``repo`` (what ``origin/HEAD`` names), else ``None``."""
    return _remote_default(git(repo, *_REMOTE_HEAD, check=False))


def _remote_default(done: subprocess.CompletedProcess[bytes]) -> str | None:
    """The branch ``origin/HEAD`` names (``develop``), from git's answer to
    :data:`_REMOTE_HEAD`; ``None`` where there is none."""
    name = done.stdout.decode("utf-8", "replace").strip()
    prefix = "refs/remotes/origin/"
    if done.returncode != 0 or not name.startswith(prefix):
        return None
    return name[len(prefix) :]


def _merge_base(base: str, head: str) -> tuple[str, ...]:
    return ("merge-base", "--end-of-options", base, head)


def _base_and_merge_base(
    repo: Path,
    shown: str,
    base: str | None,
    configured: str | None,
    head: str,
    first: subprocess.CompletedProcess[bytes] | None,
) -> tuple[str, str]:
    """The base to use and its merge base with ``head``; ``first``: git's answer for
    the first candidate, where it was asked already.

    Only when that merge base fails is git asked why, so the error can say how to
    fix it, or asked for the next candidate.
    """
    for number, candidate in enumerate(_candidates(base, configured)):
        asked = first if number == 0 else None
        done = asked or git(repo, *_merge_base(candidate, head), check=False)
        if done.returncode == 0:
            return candidate, done.stdout.decode().strip()
        why = (_refusal(repo, shown) or _unborn(repo, shown, head)) if number == 0 else None
        if why is not None:
            raise why
        if _verified(repo, candidate):
            if not _verified(repo, head):
                raise GitError(f"repository {shown}: head {head!r} is not a known commit")
            raise _no_merge_base(repo, shown, candidate, head)
        # A base missing here but fetched from origin (a CI checkout of one branch) is
        # used as origin has it; the base the answer names says so.
        remote = f"origin/{candidate}"
        if not candidate.startswith("origin/") and _verified(repo, remote):
            done = git(repo, *_merge_base(remote, head), check=False)
            if done.returncode == 0:
                return remote, done.stdout.decode().strip()
            raise _no_merge_base(repo, shown, remote, head)
    raise _unknown_base(repo, shown, base, configured)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One line of ``git diff --raw``: modes, object names, status letter, paths."""

    old_mode: str
    new_mode: str
    old_object: str
    new_object: str
    letter: str
    old_path: str
    path: str


def _parse_raw(output: bytes) -> list[_Entry]:
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    entries: list[_Entry] = []
    index = 0
    while index < len(fields) and fields[index].startswith(":"):
        old_mode, new_mode, old_object, new_object, code = fields[index][1:].split(" ")
        letter = code[0]
        if letter in "RC":
            old_path, path = fields[index + 1], fields[index + 2]
            index += 3
        else:
            old_path = path = fields[index + 1]
            index += 2
        entries.append(_Entry(old_mode, new_mode, old_object, new_object, letter, old_path, path))
    return entries


@dataclass(frozen=True, slots=True)
class _Scope:
    """One repository (or submodule) to list the changes of, from ``old`` to ``new``
    (``None``: its working tree), limited to ``pathspecs`` (relative to its top;
    none is all of it)."""

    folder: Path
    old: str
    new: str | None
    pathspecs: tuple[str, ...] = ()


class _Listing:
    """What the scopes of one repository answered, shown relative to the root."""

    def __init__(self, root: Path, repository: str) -> None:
        self.root = root
        self.repository = repository
        self.files: list[ChangedFile] = []
        self.former: list[FormerPackage] = []

    def shown(self, scope: _Scope, path: str) -> str:
        return relative(os.path.join(scope.folder, path), self.root)


def _is_pyproject(path: str) -> bool:
    return path == "pyproject.toml" or path.endswith("/pyproject.toml")


def _name_in(scope: _Scope, path: str, shown: str, text: bytes) -> str | None:
    """The canonical name the ``pyproject.toml`` text at ``path`` (in ``scope``) gives."""
    try:
        names = package_name(
            Document(scope.folder / Path(path).parent, shown, parse_toml(text, ""))
        )
    except NoxgraphError:
        return None
    return names[0] if isinstance(names, tuple) else None


def _at(scope: _Scope, commit: str | None, path: str) -> bytes | None:
    """The content of ``path`` at ``commit`` (``None``: in the working tree), if any."""
    if commit is None:
        try:
            return (scope.folder / path).read_bytes()
        except OSError:
            return None
    done = git(scope.folder, "show", "--end-of-options", f"{commit}:{path}", check=False)
    return done.stdout if done.returncode == 0 else None


def _former(listing: _Listing, scope: _Scope, entry: _Entry) -> FormerPackage | None:
    """The package a ``pyproject.toml`` named at the base, when that name is gone from
    where it was: the file was deleted or moved, or the package renamed in place."""
    if not _is_pyproject(entry.old_path) or entry.letter not in "DRM":
        return None
    shown = listing.shown(scope, entry.old_path)
    before = _at(scope, scope.old, entry.old_path)
    old_name = None if before is None else _name_in(scope, entry.old_path, shown, before)
    if old_name is None:
        return None
    if entry.letter == "M":
        after = _at(scope, scope.new, entry.path)
        if after is not None and _name_in(scope, entry.path, shown, after) == old_name:
            return None
    return FormerPackage(old_name, Path(shown).parent.as_posix(), shown)


def _submodule(
    listing: _Listing, scope: _Scope, path: str, old: str | None, new: str | None
) -> bool:
    """Ask the submodule checked out at ``path`` what changed in it; ``False`` when it
    cannot answer (not checked out, or without the commits), so its folder counts."""
    folder = scope.folder / path
    if not os.path.lexists(os.path.join(folder, ".git")):
        return False  # uninitialised: git -C would answer for the superproject
    inner = _Listing(listing.root, listing.repository)
    try:
        _list(inner, _Scope(folder, old or _EMPTY_TREE, new))
    except GitError:
        return False
    listing.files.extend(inner.files)
    listing.former.extend(inner.former)
    return True


def _untracked(pathspecs: Sequence[str]) -> tuple[str, ...]:
    return (
        "--literal-pathspecs",
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--",
        *pathspecs,
    )


def _diff(pathspecs: Sequence[str], target: Sequence[str], *options: str) -> tuple[str, ...]:
    return (
        "--literal-pathspecs",
        "diff",
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--ignore-submodules=none",
        *options,
        "--end-of-options",
        *target,
        "--",
        *pathspecs,
    )


def _list(
    listing: _Listing, scope: _Scope, raw: bytes | None = None, untracked: bytes | None = None
) -> None:
    """Add the changes of ``scope`` to ``listing``; a submodule whose pointer or working
    tree changed is asked itself, so its files count, each for its own package.
    ``raw`` and ``untracked``: git's answers for ``scope`` (its diff, its untracked
    files), when they were asked already."""
    if raw is None:
        target = [scope.old] if scope.new is None else [scope.old, scope.new]
        raw = git(scope.folder, *_diff(scope.pathspecs, target)).stdout
    asked: set[str] = set()
    for entry in _parse_raw(raw):
        status = _STATUS.get(entry.letter, "modified")
        if _GITLINK in (entry.old_mode, entry.new_mode):
            asked.add(entry.path)
            old = entry.old_object if entry.old_mode == _GITLINK else None
            new = entry.new_object if scope.new is not None else None
            if entry.new_mode == _GITLINK and _submodule(listing, scope, entry.path, old, new):
                continue
        if entry.letter == "R":
            listing.files.append(
                ChangedFile(listing.shown(scope, entry.old_path), status, listing.repository)
            )
        listing.files.append(
            ChangedFile(listing.shown(scope, entry.path), status, listing.repository)
        )
        former = _former(listing, scope, entry)
        if former is not None:
            listing.former.append(former)
    if scope.new is not None:
        return
    if untracked is None:
        untracked = git(scope.folder, *_untracked(scope.pathspecs)).stdout
    for path in untracked.decode("utf-8", "surrogateescape").split("\0"):
        # What a build leaves is no change: the rule the session cache keys by too.
        if path and not path.endswith("/") and is_content(path):
            listing.files.append(
                ChangedFile(listing.shown(scope, path), "untracked", listing.repository)
            )
    if os.path.isfile(os.path.join(scope.folder, ".gitmodules")):
        # A submodule with nothing but untracked files is no change to the superproject's
        # diff; ask each one that diff did not mention.
        staged = git(
            scope.folder, "--literal-pathspecs", "ls-files", "-z", "--stage", "--", *scope.pathspecs
        ).stdout
        for line in staged.decode("utf-8", "surrogateescape").split("\0"):
            info, _, path = line.partition("\t")
            mode, _, rest = info.partition(" ")
            if mode == _GITLINK and path not in asked:
                _submodule(listing, scope, path, rest.split(" ", 1)[0], None)


def _limits(repo: Path, root: Path, folders: Iterable[Path]) -> tuple[str, ...]:
    """Pathspecs that keep ``repo``'s answer to the workspace: all of it when it lies in
    the root; else the root's part of it and the folders (members outside the root) it holds."""
    if repo == root or root in repo.parents:
        return ()
    wanted = [root] if repo in root.parents else []
    wanted += [f for f in folders if f != root and root not in f.parents]
    specs: set[str] = set()
    for folder in wanted:
        if folder == repo:
            return ()
        if repo in folder.parents:
            specs.add(relative(folder, repo))
    return tuple(sorted(specs))


def _ask(
    root: Path,
    repo: Path,
    folders: Sequence[Path],
    base: str | None,
    configured: str | None,
    head: str | None,
    uncommitted: bool,
) -> Started:
    """git's questions for ``repo``, started together: the merge base of the first
    candidate base and the head, the diff from it (``--merge-base``: it need not wait
    for the merge base), and with ``uncommitted`` the untracked files (a walk of the
    work tree). :func:`_repository` reads the answers."""
    pathspecs = _limits(repo, root, folders)
    likely, head_ref = _first_base(base, configured), head or "HEAD"
    questions = [
        _merge_base(likely, head_ref),
        _diff(pathspecs, [likely] if uncommitted else [likely, head_ref], "--merge-base"),
    ]
    if uncommitted:
        questions.append(_untracked(pathspecs))
    if base is None and configured is None:
        questions.append(_REMOTE_HEAD)
    return Started(repo, questions)


def _repository(
    root: Path,
    repo: Path,
    folders: Sequence[Path],
    *,
    base: str | None,
    configured_base: str | None,
    head: str | None,
    uncommitted: bool,
    asked: Started | None = None,
) -> RepositoryChanges:
    """What changed in ``repo``; ``asked``: its questions (:func:`_ask`), started already."""
    shown = _shown(repo, root)
    head_ref = head or "HEAD"
    pathspecs = _limits(repo, root, folders)
    asked = asked or _ask(root, repo, folders, base, configured_base, head, uncommitted)
    try:
        merge_base_done, diff_done, *more = asked.result(check=False)
    finally:
        asked.close()
    untracked_done = more[0] if uncommitted else None
    raw: bytes | None = None
    answered = merge_base_done.returncode == diff_done.returncode == 0
    if base is None and configured_base is None:
        # origin's default branch, as git clone set it, asked first; without one (a CI
        # checkout of one branch), or where it leads nowhere, main, then master.
        default = _remote_default(more[-1])
        if default is not None and answered:
            chosen, merge_base = f"origin/{default}", merge_base_done.stdout.decode().strip()
            raw = diff_done.stdout
        else:
            chosen, merge_base = _base_and_merge_base(repo, shown, None, None, head_ref, None)
    else:
        chosen, merge_base = _base_and_merge_base(
            repo, shown, base, configured_base, head_ref, merge_base_done
        )
        # The diff asked with the first candidate serves when that candidate was the base.
        raw = diff_done.stdout if answered else None
    untracked = None
    if untracked_done is not None and untracked_done.returncode == 0:
        untracked = untracked_done.stdout
    listing = _Listing(root, shown)
    scope = _Scope(repo, merge_base, None if uncommitted else head_ref, pathspecs)
    _list(listing, scope, raw, untracked)
    return RepositoryChanges(
        path=shown,
        base=chosen,
        merge_base=merge_base,
        head=head_ref,
        uncommitted=uncommitted,
        files=tuple(listing.files),
        former=tuple(listing.former),
    )


def _shown(repo: Path, root: Path) -> str:
    return relative(repo, root) if (repo == root or root in repo.parents) else str(repo)


def _check_ref(value: str | None, where: str) -> None:
    if value is not None and value.startswith("-"):
        raise UsageError(
            f"{where} {value!r} is not a git ref: a ref may not start with '-';"
            " name a branch, a tag or a commit"
        )


class PendingChanges:
    """git queries started in the background, one per repository, while the caller
    goes on (reading the members, say).

    The repositories are those of the candidate folders discovery found; once the
    members are known, :meth:`result` keeps only the repositories that hold a
    member (or the root), so a repository holding nothing but a skipped
    ``pyproject.toml`` never turns into an error. git runs from the moment it is
    made: call :meth:`result` or :meth:`close`, which reap it.
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
        configured_in: str | None = None,
        repository_bases: Mapping[Path, str] | None = None,
    ) -> None:
        if head is not None and uncommitted:
            raise UsageError("--uncommitted only applies without --head (against the working tree)")
        _check_ref(base, "--base")
        _check_ref(head, "--head")
        if configured_base is not None and configured_base.startswith("-"):
            raise PyprojectError(
                configured_in or os.fspath(root),
                f"[tool.noxgraph].base {configured_base!r} is not a git ref: a ref may not"
                " start with '-'; name a branch, a tag or a commit",
            )
        self.root = root
        self.head = head
        self.base = base
        self.configured_base = configured_base
        self.if_base_missing = if_base_missing
        self.with_worktree = head is None if uncommitted is None else uncommitted
        self._finder = RepositoryFinder()
        # A base configured for a member folder is the base of the repository holding it.
        self.bases: dict[Path, str] = {}
        for folder, ref in (repository_bases or {}).items():
            _check_ref(ref, f"the base of {folder}")
            holder = self._finder.holder(os.fspath(folder))
            self.bases[Path(holder) if holder is not None else folder] = ref
        repositories, _ = self._finder.repositories(root, candidate_folders)
        # One repository (a monorepo) is asked by git processes alone, started here;
        # several are asked by a pool of threads, a repository each.
        self._asked: dict[Path, tuple[Started, Sequence[Path]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Path, Future[RepositoryChanges]] = {}
        if len(repositories) == 1:
            ((repo, folders),) = repositories.items()
            configured_here = self.bases.get(repo, configured_base)
            started = _ask(root, repo, folders, base, configured_here, head, self.with_worktree)
            self._asked[repo] = (started, folders)
            return
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=max(1, min(8, len(repositories))))
        self._futures = {
            repo: self._pool.submit(
                functools.partial(
                    _repository,
                    root,
                    repo,
                    folders,
                    base=base,
                    configured_base=self.bases.get(repo, configured_base),
                    head=head,
                    uncommitted=self.with_worktree,
                )
            )
            for repo, folders in repositories.items()
        }

    def result(self, member_folders: Iterable[Path]) -> Changes:
        """Wait for the repositories that hold ``member_folders`` (and the root)."""
        try:
            wanted, unheld = self._finder.repositories(self.root, member_folders)
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
            answers = [self._answer(repo, folders) for repo, folders in wanted.items()]
            answers += self._unheld(unheld)
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
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        for started, _ in self._asked.values():
            started.close()
        self._asked = {}

    def _unheld(self, folders: Sequence[Path]) -> list[RepositoryChanges]:
        """Members in no repository: git cannot list their changes, which is an error
        (or, when a missing base means everything, everything)."""
        if not folders:
            return []
        shown = [relative(folder, self.root) for folder in folders]
        more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
        message = (
            f"member {shown[0]}{more} is in no git repository, so git cannot list its changes;"
            " make it one (git init), or name the changed files with --files"
        )
        if self.if_base_missing != "all":
            raise GitError(message)
        head = self.head or "HEAD"
        return [
            RepositoryChanges(path, self.base, None, head, False, (), (), message) for path in shown
        ]

    def _answer(self, repo: Path, folders: Sequence[Path]) -> RepositoryChanges:
        future = self._futures.get(repo)
        try:
            if future is None:
                # A repository asked already is answered for the folders it was asked for,
                # as the pool's are: every git question about it has the same limits.
                asked: Started | None = None
                if repo in self._asked:
                    asked, folders = self._asked.pop(repo)
                return _repository(
                    self.root,
                    repo,
                    folders,
                    base=self.base,
                    configured_base=self.bases.get(repo, self.configured_base),
                    head=self.head,
                    uncommitted=self.with_worktree,
                    asked=asked,
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
            # The root is resolved; a path may reach it through a link.
            absolute = Path(os.path.realpath(absolute))
        if absolute != root and root not in absolute.parents:
            raise UsageError(f"--files {given}: {absolute} is outside the workspace root {root}")
        shown = relative(absolute, root)
        try:
            is_folder = stat.S_ISDIR(os.stat(absolute).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            is_folder = False  # a file deleted is a change too
        except OSError as exc:
            # Which package holds it is told by the folders above it, which must be seen.
            raise UsageError(
                f"--files {given}: cannot be looked at ({exc.strerror or exc}), so the package"
                " it belongs to cannot be told"
            ) from None
        # A folder stands for every file in it (see affected.compute_affected).
        files[shown] = ChangedFile(shown, "folder" if is_folder else "given", "")
    return Changes("files", (), tuple(files[p] for p in sorted(files)), ())
