"""Find the members of a workspace, before any of them is read as a package.

Members come from, in this order: ``[tool.noxgraph].members``, the root's
``[tool.uv.workspace]``, ``.wrknv/workspace.toml``, or a scan of every
``pyproject.toml`` under the root that git does not ignore. The scan walks by
hand only outside git repositories; inside one, ``git ls-files`` answers, so
``.gitignore`` is honoured exactly as git honours it, and nested repositories
and submodules are scanned as repositories of their own. A repository git
cannot be asked about is an error, never a walk that ignores ``.gitignore``.
"""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from noxgraph._files import (
    SKIP_DIRS,
    Fingerprint,
    NotRegularFileError,
    fingerprint,
    read_regular,
    relative,
)
from noxgraph._git import Started
from noxgraph._names import canonicalize_name
from noxgraph.errors import GitError, NoxgraphError, PyprojectError, UsageError, WorkspaceError
from noxgraph.workspace.config import Config, parse_config
from noxgraph.workspace.parse_cache import ParseCache
from noxgraph.workspace.pyproject import (
    Document,
    ParsedRequirement,
    is_template_path,
    looks_like_template,
    package_name,
    parse_requirement,
)
from noxgraph.workspace.toml import Table, parse_toml, read_toml

__all__ = [
    "Absent",
    "Discovery",
    "MemberSource",
    "Reader",
    "Scan",
    "Skipped",
    "absent_from_work_tree",
    "discover",
    "find_root",
    "fixture_skipped",
    "holds_noxgraph_noxfile",
    "in_sdist_tree_of",
    "in_tests_of",
    "resolve_root",
    "scan",
    "sdist_tree_skipped",
    "setup_script",
    "setup_script_skipped",
]

_GLOB_CHARS = frozenset("*?[")

#: Where the member list came from.
MemberSource = Literal["config", "uv", "wrknv", "scan"]


#: Why a ``pyproject.toml``, a folder or a member pattern gave no member.
SkipCode = Literal[
    "unreadable",  # a folder or file that cannot be read
    "not-regular",  # a pyproject.toml that is a FIFO, a device, a folder
    "symlink",  # a link the scan does not follow
    "broken-link",  # a link to nothing
    "template",  # a project template, not a project
    "no-pyproject",  # a listed folder without a pyproject.toml
    "no-package",  # a pyproject.toml that names no valid package
    "uv-workspace",  # below the root, a uv workspace's root that names no package
    "nameless",  # a [project] table without a name: most likely a mistake
    "no-match",  # a member pattern that matches no folder with a pyproject.toml
    "not-checked-out",  # a pyproject.toml git tracks that a sparse checkout leaves out
    "not-initialised",  # a git submodule never initialised: its members are not there
    "not-a-member",  # a package under the root that the member list leaves out
    "unlisted-no-package",  # a pyproject.toml under the root, no member, naming none
    "invalid",  # a pyproject.toml under the root, no member, that cannot be parsed
    "test-fixture",  # a pyproject.toml in another project's tests: a fixture
    "sdist-tree",  # a copy setuptools makes of a project while it builds its sdist
    "setup-py",  # a setuptools project whose metadata is in setup.py or setup.cfg
    "duplicate-name",  # a project a scan found whose name another one it found has too
]


#: The skips that may hide packages whatever the member list.
_HIDING: frozenset[SkipCode] = frozenset(
    {
        "no-match",
        "unreadable",
        "not-regular",
        "broken-link",
        "no-pyproject",
        "not-checked-out",
        "not-initialised",
        "nameless",
        "invalid",
        "setup-py",
        "duplicate-name",
    }
)


@dataclass(frozen=True)
class Skipped:
    """A ``pyproject.toml`` (or folder, or member pattern) that gave no member, and why."""

    path: str
    reason: str
    code: SkipCode
    #: For ``not-checked-out``: the repository and the object git keeps the file as.
    blob: tuple[Path, str] | None = None
    #: The package the file names, where it names one (canonical): a project that is
    #: no member, or one never built.
    name: str | None = None

    def may_hide_packages(self, source: MemberSource) -> bool:
        """Whether packages may be missing because of it: a member list promised a
        member and none came of it, something could not be looked at, a partial work
        tree or a nameless project left one out. What a scan passes over (a config-only
        file, a template), a uv workspace's virtual root, and a member that says it is
        never built (``[tool.uv] package = false``, an example) hide none."""
        if self.code in _HIDING:
            return True
        # The root's own pyproject.toml often only configures the workspace.
        named_none = self.code in ("no-package", "uv-workspace") and self.name is None
        return named_none and source != "scan" and self.path != "pyproject.toml"

    @property
    def folder(self) -> str:
        """The folder the skipped file is in (POSIX, relative to the root); for
        ``not-initialised``, the submodule's own folder."""
        if self.code == "not-initialised":
            return self.path
        return os.path.dirname(self.path) or "."


# -- configuration ---------------------------------------------------------------------


def _read_config(root: Path, root_doc: Document | None) -> tuple[Config, Table | None, list[str]]:
    """The workspace configuration, the table it was read from (for errors that
    name its keys), and the files it was read from."""
    tool_table: Table | None = None
    if root_doc is not None:
        tool = root_doc.table.table("tool")
        tool_table = tool.table("noxgraph") if tool is not None else None
    standalone = root / "noxgraph.toml"
    if _present(root, "noxgraph.toml"):
        if tool_table is not None:
            raise WorkspaceError(
                "configuration is in both noxgraph.toml and [tool.noxgraph] of pyproject.toml;"
                " keep one"
            )
        table = Table(read_toml(standalone, "noxgraph.toml"), "noxgraph.toml")
        if "tool" in table:
            raise table.error(
                None,
                "noxgraph.toml holds the keys of [tool.noxgraph] at its top level: write"
                " 'order-kinds = [...]', not '[tool.noxgraph]'",
            )
        return parse_config(table, "noxgraph.toml"), table, ["noxgraph.toml"]
    if tool_table is not None:
        return parse_config(tool_table, "pyproject.toml"), tool_table, []
    return Config(), None, []


# -- finding member folders ------------------------------------------------------------


def _glob(root: Path, pattern: str, table: Table | None, key: str) -> list[str]:
    """The paths under ``root`` a glob pattern matches; a pattern the file system
    cannot take (a NUL, a name too long) is an error naming the key and the pattern."""
    import glob  # scans and wrknv workspaces need no globbing

    if "\0" in pattern:
        raise _error(table, key, f"pattern {pattern!r} holds a NUL character")
    try:
        return sorted(glob.glob(pattern.rstrip("/") or ".", root_dir=root, recursive=True))
    except (OSError, ValueError) as exc:
        raise _error(table, key, f"pattern {pattern!r} cannot be matched: {exc}") from None


def _expand(
    root: Path,
    patterns: Iterable[str],
    table: Table | None,
    key: str,
    skipped: list[Skipped],
    fingerprints: dict[str, Fingerprint] | None = None,
    absent: Absent | None = None,
) -> list[Path]:
    """Folders under ``root`` matched by glob ``patterns`` that hold a ``pyproject.toml``.

    A pattern without wildcards names one folder, which must hold one. A pattern
    that matches no such folder, and a matched folder that cannot be read, are
    reported in ``skipped``; so are the folders a pattern matches that the work tree
    lacks (``absent``: a sparse checkout, a submodule never initialised).
    ``fingerprints`` receives each found ``pyproject.toml``'s fingerprint: the one
    ``stat`` that tells it is a file also tells the parse cache whether it changed.
    """
    found: list[Path] = []
    base = os.fspath(root)
    for pattern in patterns:
        clean = pattern.rstrip("/") or "."
        if Path(clean).is_absolute() or ".." in Path(clean).parts:
            raise _error(table, key, f"member pattern {pattern!r} leads outside {root}")
        matches = _glob(root, clean, table, key)
        left_out = absent.matched(clean) if absent is not None else []
        # os.path, not pathlib: it answers False for a name the file system rejects.
        literal = os.path.join(base, clean, "pyproject.toml")
        if not _GLOB_CHARS & set(clean) and not os.path.isfile(literal) and not left_out:
            problem = _not_a_pyproject(literal)
            reason = f"pyproject.toml {problem[1]}" if problem else "has no pyproject.toml"
            raise _error(table, key, f"member {pattern!r}: {reason}")
        skipped.extend(item for item in left_out if item not in skipped)
        before = len(found)
        # Plain strings, not Path objects: this runs once per member of the workspace.
        for match in matches:
            folder = os.path.normpath(os.path.join(base, match))
            pyproject = os.path.join(folder, "pyproject.toml")
            info = fingerprint(pyproject, regular=True)
            if info is not None:
                found.append(Path(folder))
                if fingerprints is not None:
                    fingerprints[pyproject] = info
            elif os.path.isdir(folder) and (problem := _not_a_pyproject(pyproject)):
                skipped.append(Skipped(relative(Path(pyproject), root), problem[1], problem[0]))
        if len(found) == before and not left_out:
            where = table.location(key) if table is not None else key
            file = table.file if table is not None else "configuration"
            skipped.append(
                Skipped(
                    file,
                    f"{where}: pattern {pattern!r} matches no folder with a pyproject.toml",
                    "no-match",
                )
            )
    return found


def _not_a_pyproject(path: str) -> tuple[SkipCode, str] | None:
    """Why ``path``, which is no regular file, is worth a word: it cannot be looked
    at, it is something else than a file, or a link to nothing (``None`` when it
    simply is not there)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "broken-link", f"is a symbolic link to {os.readlink(path)}, which is not there"
        return None
    except OSError as exc:
        return "unreadable", f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return "not-regular", "is a folder, not a file"
    return "not-regular", "is not a regular file"


def _present(root: Path, name: str) -> bool:
    """Whether the file ``name`` that declares the workspace is there. A link to nothing
    (a shared configuration moved away), or something else than a file, is an error:
    the workspace is never read as if the file were not there."""
    path = os.path.join(root, name)
    if os.path.isfile(path):
        return True
    problem = _not_a_pyproject(path)
    if problem is None:
        return False
    raise PyprojectError(name, problem[1])


def _error(table: Table | None, key: str, message: str) -> NoxgraphError:
    if table is None:
        return WorkspaceError(message)
    return table.error(key, message)


def members_from_globs(
    root: Path,
    table: Table | None,
    members: Iterable[str],
    exclude: Iterable[str],
    skipped: list[Skipped],
    fingerprints: dict[str, Fingerprint] | None = None,
    absent: Absent | None = None,
) -> list[Path]:
    """The folders ``members`` match and ``exclude`` does not, in the order matched
    (``fingerprints``, ``absent``: see :func:`_expand`)."""
    exclude = list(exclude)
    reported: list[Skipped] = []
    included = _expand(root, members, table, "members", reported, fingerprints, absent)
    excluded = _excluded(root, exclude, table)
    skipped.extend(
        found
        for found in reported
        if found.code not in _ABSENT or not any(_matches(p, found.folder) for p in exclude)
    )
    return [folder for folder in dict.fromkeys(included) if folder not in excluded]


def _excluded(root: Path, patterns: Iterable[str], table: Table | None) -> set[Path]:
    """The folders the ``exclude`` glob ``patterns`` of ``table`` match."""
    return {
        Path(os.path.normpath(root / m))
        for pattern in patterns
        for m in _glob(root, pattern, table, "exclude")
    }


#: The codes of what a partial work tree leaves out.
_ABSENT: frozenset[SkipCode] = frozenset({"not-checked-out", "not-initialised"})


def _matches(pattern: str, folder: str, *, below: bool = False) -> bool:
    """Whether glob ``pattern`` (``*``, ``?``, ``[...]`` within a name, ``**`` for any
    folders) matches ``folder`` (POSIX, relative), as ``glob`` matches folders that
    exist; ``below``: or matches a folder inside it."""
    import fnmatch

    def match(parts: list[str], names: list[str]) -> bool:
        if not names:
            return not parts or below or all(part == "**" for part in parts)
        if not parts:
            return False
        if parts[0] == "**":
            return match(parts[1:], names) or match(parts, names[1:])
        return fnmatch.fnmatchcase(names[0], parts[0]) and match(parts[1:], names[1:])

    clean = pattern.rstrip("/") or "."
    wanted = [] if clean == "." else [p for p in clean.split("/") if p not in ("", ".")]
    names = [] if folder == "." else folder.split("/")
    return match(wanted, names)


@dataclass(frozen=True)
class Absent:
    """What git tracks under the root that the work tree lacks: ``pyproject.toml``
    files a sparse checkout leaves out, and submodules never initialised."""

    root: Path
    sparse: tuple[Skipped, ...] = ()
    submodules: tuple[Skipped, ...] = ()

    def matched(self, pattern: str) -> list[Skipped]:
        """The left-out members ``pattern`` matches, and the uninitialised submodules it
        may reach into."""
        return [s for s in self.sparse if _matches(pattern, s.folder)] + [
            s for s in self.submodules if _matches(pattern, s.folder, below=True)
        ]


def absent_from_work_tree(root: Path) -> Absent | None:
    """What the repository holding ``root`` tracks under it that its work tree lacks,
    asked of git only where a work tree can lack something: a sparse checkout, or
    submodules (``None`` when neither, or outside git)."""
    top = next((up for up in (root, *root.parents) if os.path.lexists(up / ".git")), None)
    if top is None:
        return None
    marker = top / ".git"
    git_dir = marker
    if marker.is_file():
        text = marker.read_text(encoding="utf-8", errors="replace").strip()
        if not text.startswith("gitdir:"):
            return None
        git_dir = top / text[len("gitdir:") :].strip()
    sparse = (git_dir / "info" / "sparse-checkout").is_file()
    modules = top / ".gitmodules"
    has_modules = modules.is_file()
    if not sparse and not has_modules:
        return None
    # Only what is asked is printed: the pyproject files git keeps, and the submodules'
    # folders; not a line for every file of a large repository.
    pyprojects = ("ls-files", "-z", "--stage", "-t", "--", ":(glob)**/pyproject.toml")
    listed = ("config", "-z", "--file", os.fspath(modules), "--list")
    commands = [*([pyprojects] if sparse else []), *([listed] if has_modules else [])]
    try:
        answers = iter(Started(root, commands).result())
    except GitError as exc:
        if exc.git_missing:  # nothing to ask, as outside a repository
            return None
        raise
    left_out = _left_out(root, next(answers).stdout) if sparse else ()
    submodules = _uninitialised(root, top, next(answers).stdout) if has_modules else ()
    return Absent(root, left_out, submodules)


def _left_out(root: Path, listing: bytes) -> tuple[Skipped, ...]:
    """The ``pyproject.toml`` files ``git ls-files -t`` tags as skip-worktree and the
    work tree lacks: what a sparse checkout leaves out."""
    found: list[Skipped] = []
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        info, _, path = entry.partition("\t")
        if not path:
            continue
        tag, _mode, blob, *_ = info.split(" ")
        if tag == "S" and not os.path.lexists(os.path.join(root, path)):
            found.append(_not_checked_out(path, root, blob))
    return tuple(found)


def _uninitialised(root: Path, top: Path, config: bytes) -> tuple[Skipped, ...]:
    """The submodules under ``root`` that ``.gitmodules`` (its ``git config --list``)
    names and whose folders hold no checkout."""
    found: list[Skipped] = []
    for entry in config.decode("utf-8", "surrogateescape").split("\0"):
        key, _, path = entry.partition("\n")
        if not (key.startswith("submodule.") and key.endswith(".path") and path):
            continue
        folder = Path(os.path.normpath(os.path.join(top, path)))
        # A folder gone (the submodule removed, or left out of a sparse checkout) is no
        # submodule to initialise here.
        under = folder == root or root in folder.parents
        if under and folder.is_dir() and not os.path.lexists(folder / ".git"):
            found.append(_not_initialised(relative(folder, root)))
    return tuple(found)


def _not_checked_out(path: str, repo: Path, blob: str) -> Skipped:
    return Skipped(
        path,
        "is tracked by git but not checked out (sparse checkout); its package is left out"
        " here and read from git for affected",
        "not-checked-out",
        (repo, blob),
    )


def _not_initialised(path: str) -> Skipped:
    return Skipped(
        path,
        "is a git submodule that is not initialised; any packages in it are left out (run"
        f" 'git submodule update --init {path}', or leave it out with [tool.noxgraph].exclude)",
        "not-initialised",
    )


def _wrknv_members(
    root: Path, skipped: list[Skipped], bases: dict[Path, str]
) -> tuple[list[Path], str]:
    """The repositories a ``.wrknv/workspace.toml`` lists, and each one's own ``base``."""
    display = ".wrknv/workspace.toml"
    table = Table(read_toml(root / display, display), display)
    repos = table.raw("repos")
    if not isinstance(repos, list):
        raise table.error("repos", "expected an array of tables ([[repos]])")
    folders: list[Path] = []
    for index, entry in enumerate(repos):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise table.error(f"repos[{index}]", "expected a table with a string 'path'")
        folder = Path(os.path.normpath(root / entry["path"]))
        base = entry.get("base")
        if base is not None:
            if not isinstance(base, str) or not base.strip():
                raise table.error(f"repos[{index}].base", "expected a branch, tag or commit")
            bases[folder] = base
        if not os.path.isfile(os.path.join(folder, "pyproject.toml")):
            skipped.append(
                Skipped(
                    relative(folder / "pyproject.toml", root),
                    f"listed in {display} but has no pyproject.toml",
                    "no-pyproject",
                )
            )
            continue
        folders.append(folder)
    return folders, display


#: One repository's answer: its path, the files git lists (path and mode, ``None`` for
#: untracked files), the folders git could not open (with the reason), and the files a
#: sparse checkout leaves out of the work tree (path -> object id).
_Listing = tuple[Path, "list[tuple[str, str | None]]", "list[tuple[str, str]]", dict[str, str]]
# A pattern, compiled by re on the first warning git gives, which most runs never see.
_UNREADABLE = r"warning: could not open directory '(.*)': (.*)"
_GITLINK, _SYMLINK = "160000", "120000"


class _RepositoryListing:
    """git listing every file of ``repo`` it does not ignore, started when made.

    :meth:`result` gives each file with its mode when git tracks it (a submodule, a
    symbolic link), and the folders git could not open. A repository git cannot list
    (git missing, "dubious ownership") raises :class:`GitError` there: a walk by hand
    would ignore ``.gitignore``."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        # One git process lists both: the tracked files with their modes, and the
        # untracked ones not ignored. -t tags each entry: "?" is untracked, and "S" is
        # skip-worktree, a file a sparse checkout left out of the work tree.
        self._started = Started(
            repo, (("ls-files", "-z", "--stage", "-t", "--others", "--exclude-standard"),)
        )

    def result(self) -> _Listing:
        try:
            (answer,) = self._started.result()
        except GitError as exc:
            if not exc.git_missing:
                raise
            raise GitError(
                f"{self.repo} is a git repository, but git is not installed (or not on PATH)",
                git_missing=True,
            ) from None
        tracked: list[tuple[str, str | None]] = []
        untracked: list[tuple[str, str | None]] = []
        sparse: dict[str, str] = {}
        for entry in answer.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if entry.startswith("? "):
                untracked.append((entry[2:], None))
            elif entry:
                info, _, path = entry.partition("\t")
                tag, mode, blob, *_ = info.split(" ")
                if tag == "S":
                    sparse[path] = blob
                tracked.append((path, mode))
        listing = tracked + untracked
        unreadable = [
            (found.group(1), found.group(2))
            for line in answer.stderr.decode("utf-8", "replace").splitlines()
            if (found := re.match(_UNREADABLE, line))
        ]
        return self.repo, listing, unreadable, sparse

    def close(self) -> None:
        self._started.close()


def _in_repository(folder: Path) -> bool:
    """Whether ``folder`` or a folder above it holds a ``.git``."""
    return any(os.path.lexists(os.path.join(up, ".git")) for up in (folder, *folder.parents))


class Scan:
    """The scan of a tree for ``pyproject.toml`` files (see the module docstring), for
    a caller with work to do while git lists the tree.

    :meth:`start` sets git listing the repository that holds the root (or walks a
    folder outside any, asking each repository in it); :meth:`finish` reads the
    answers, in order, asking the repositories they hold in turn."""

    #: git processes listing side by side, at most: a folder of a thousand sibling
    #: repositories asks them a few at a time.
    RUNNING = 8

    def __init__(self, root: Path) -> None:
        self.root = root
        self.found: list[Path] = []
        self.skipped: list[Skipped] = []
        #: The ``setup.py`` and ``setup.cfg`` files met (see :func:`_setup_projects`).
        self.setup_scripts: list[str] = []
        self._venv_cache: dict[str, bool] = {}
        self._asked: deque[Path] = deque()
        self._running: deque[_RepositoryListing] = deque()

    def start(self) -> Scan:
        if _in_repository(self.root):
            self._ask(self.root)
        else:
            self.walk(self.root)
        return self

    def finish(self) -> list[Path]:
        try:
            while self._running:
                self._read(self._running.popleft().result())
                self._start_asked()
        finally:
            self.close()
        return sorted(set(self.found))

    def close(self) -> None:
        """Stop the listings not read (an answer no longer wanted)."""
        for listing in self._running:
            listing.close()
        self._running.clear()
        self._asked.clear()

    def _skip_dir(self, folder: Path | str) -> bool:
        # os.path answers False where pathlib raises (an unreadable folder, say).
        pyvenv = os.path.join(folder, "pyvenv.cfg")
        return os.path.basename(folder) in SKIP_DIRS or os.path.isfile(pyvenv)

    def walk(self, start: Path) -> None:
        """Walk folders outside any repository by hand, never following links."""
        stack = [start]
        while stack:
            folder = stack.pop()
            if folder != start and os.path.lexists(os.path.join(folder, ".git")):
                self._ask(folder)
                continue
            try:
                with os.scandir(folder) as entries:
                    children = sorted(entries, key=lambda e: e.name)
            except OSError as exc:
                self.skipped.append(
                    Skipped(
                        relative(folder, self.root),
                        f"cannot be read: {exc.strerror or exc}",
                        "unreadable",
                    )
                )
                continue
            for entry in children:
                path = Path(entry.path)
                if entry.is_symlink():
                    if entry.name == "pyproject.toml" or path.is_dir():
                        self._skip_link(path)
                    continue
                if entry.is_dir() and not self._skip_dir(path):
                    stack.append(path)
                elif entry.name == "pyproject.toml" and entry.is_file():
                    self.found.append(folder)
                elif entry.name in _SETUP_SCRIPTS and entry.is_file():
                    self.setup_scripts.append(entry.path)

    def _skip_link(self, path: Path | str) -> None:
        self.skipped.append(
            Skipped(relative(path, self.root), "is a symbolic link; not followed", "symlink")
        )

    def _ask(self, repo: Path) -> None:
        self._asked.append(repo)
        self._start_asked()

    def _start_asked(self) -> None:
        while self._asked and len(self._running) < self.RUNNING:
            self._running.append(_RepositoryListing(self._asked.popleft()))

    def _read(self, answer: _Listing) -> None:
        """What git listed for one repository (or the part of it under the root).

        Strings and os.path, not Path objects: this runs once per file git lists."""
        repo, listing, unreadable, sparse = answer
        for folder_name, reason in unreadable:
            self.skipped.append(
                Skipped(
                    relative(repo / folder_name.rstrip("/"), self.root),
                    f"cannot be read: {reason}",
                    "unreadable",
                )
            )
        base = os.fspath(repo)
        for line, mode in listing:
            is_pyproject = line == "pyproject.toml" or line.endswith("/pyproject.toml")
            if line.endswith("/") or mode == _GITLINK:
                nested = os.path.normpath(os.path.join(base, line))
                marker = os.path.join(nested, ".git")
                if self._inside_skipped(nested, base):
                    continue
                if os.path.lexists(marker):
                    self._ask(Path(nested))
                elif mode == _GITLINK:
                    self.skipped.append(_not_initialised(relative(nested, self.root)))
                continue
            if mode in (_SYMLINK, None):
                # git lists a link, never what it points to; the scan follows no links.
                path = os.path.normpath(os.path.join(base, line))
                if os.path.islink(path) and (is_pyproject or os.path.isdir(path)):
                    if not self._inside_skipped(os.path.dirname(path), base):
                        self._skip_link(path)
                    continue
            if is_pyproject:
                path = os.path.normpath(os.path.join(base, line))
                folder = os.path.dirname(path)
                if self._inside_skipped(folder, base):
                    continue
                if line in sparse and not os.path.lexists(path):
                    self.skipped.append(
                        _not_checked_out(relative(path, self.root), repo, sparse[line])
                    )
                    continue
                self.found.append(Path(folder))
            elif line.endswith(_SETUP_ENDINGS) or line in _SETUP_SCRIPTS:
                path = os.path.normpath(os.path.join(base, line))
                if not self._inside_skipped(os.path.dirname(path), base):
                    self.setup_scripts.append(path)

    def _inside_skipped(self, folder: str, repo: str) -> bool:
        """Whether ``folder`` lies in a folder the scan never enters."""
        current = folder
        while current != repo:
            parent = os.path.dirname(current)
            if parent == current:
                break
            cached = self._venv_cache.get(current)
            if cached is None:
                cached = self._skip_dir(current)
                self._venv_cache[current] = cached
            if cached:
                return True
            current = parent
        return False


def lock_files(root: Path, folders: Iterable[Path]) -> list[str]:
    """The ``uv.lock`` files in ``folders`` or above them, up to ``root`` (relative,
    POSIX): what a session installs, and the edges of members whose dependencies are
    dynamic, are read from them."""
    found: set[str] = set()
    seen: set[Path] = set()
    for folder in folders:
        for candidate in (folder, *folder.parents):
            if candidate in seen or (candidate != root and root not in candidate.parents):
                break
            seen.add(candidate)
            if (candidate / "uv.lock").is_file():
                found.add(relative(candidate / "uv.lock", root))
    return sorted(found)


# -- reading members -------------------------------------------------------------------


class Reader:
    """Reads the members' ``pyproject.toml`` files for one run, through the parse
    cache; keeps what it skipped, and when ``tolerant`` the problems it met, where an
    intolerant reader raises the first."""

    def __init__(self, root: Path, tolerant: bool, cache: ParseCache | None = None) -> None:
        self.root = root
        self.tolerant = tolerant
        self.cache = ParseCache(None) if cache is None else cache
        #: Whether the members were found by a scan, which only guesses at them.
        self.scanned = False
        self.problems: list[NoxgraphError] = []
        self.skipped: list[Skipped] = []
        #: The fingerprints of the pyproject files discovery has looked at already, by path.
        self.fingerprints: dict[str, Fingerprint] = {}
        self._parsed: dict[str, ParsedRequirement] = {}

    def requirement(self, text: str) -> ParsedRequirement:
        # Each text is looked up once a run: workspaces repeat the same requirements
        # (``pytest>=8``, a build backend) in package after package.
        found = self._parsed.get(text)
        if found is None:
            found = self.cache.requirement(
                text,
                lambda: parse_requirement(text),
                ParsedRequirement.encode,
                ParsedRequirement.decode,
            )
            self._parsed[text] = found
        return found

    def fail(self, error: NoxgraphError) -> None:
        if not self.tolerant:
            raise error
        self.problems.append(error)

    def _toml(
        self, path: Path, keep: Callable[[dict[str, Any]], dict[str, Any]], kind: str = ""
    ) -> dict[str, Any]:
        """What ``keep`` keeps of the parsed TOML file at ``path``, through the parse
        cache; raises :class:`OSError` or :class:`PyprojectError` as it is read."""
        text = os.fspath(path)
        remembered = self.cache.known(text)
        if remembered is not None:
            return remembered
        seen = fingerprint(text, regular=True)
        data = read_regular(text)
        shown = relative(text, self.root)
        return self.cache.document(
            data, lambda: keep(parse_toml(data, shown)), path=text, seen=seen, kind=kind
        )

    def lock(
        self, path: Path, keep: Callable[[Mapping[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """What ``keep`` keeps of the parsed ``uv.lock`` at ``path``, through the parse
        cache (a lock is large; the cache holds only that). One that cannot be read or
        parsed fails: it holds edges of the members whose dependencies are dynamic."""
        try:
            return self._toml(path, keep, kind="lock:")
        except OSError as exc:
            shown = relative(os.fspath(path), self.root)
            self.fail(PyprojectError(shown, f"cannot be read: {exc.strerror or exc}"))
        except PyprojectError as exc:
            self.fail(exc)
        return None

    def side_file(self, path: Path) -> dict[str, Any] | None:
        """A TOML file a member's build backend reads beside its ``pyproject.toml``
        (``hatch.toml``), through the parse cache; ``None`` where it cannot be read or
        parsed, as the backend cannot either."""
        try:
            return self._toml(path, lambda parsed: parsed)
        except (OSError, PyprojectError):
            return None

    def document(self, folder: Path) -> Document | None:
        """Parse ``folder/pyproject.toml``; templates are skipped, bad TOML is an error."""
        # A string, not a Path: this runs once per member.
        path = os.path.join(folder, "pyproject.toml")
        display = relative(path, self.root)
        if is_template_path(display):
            self.skipped.append(
                Skipped(display, "is inside a template folder ({{ ... }})", "template")
            )
            return None
        remembered = self.cache.known(path, self.fingerprints.get(path))
        if remembered is not None:
            return Document(folder, display, remembered)
        seen = self.fingerprints.pop(path, None) or fingerprint(path, regular=True)
        try:
            data = read_regular(path)
        except OSError as exc:
            reason = f"cannot be read: {exc.strerror or exc}"
            if self.scanned and not isinstance(exc, NotRegularFileError):
                # A scan only guesses at members: it reports what it cannot read and
                # goes on. A declared member that cannot be read is an error, and so
                # is a file git lists that is now a FIFO or a device.
                self.skipped.append(Skipped(display, reason, "unreadable"))
            else:
                self.fail(PyprojectError(display, reason))
            return None
        try:
            parsed = self.cache.document(
                data, lambda: parse_toml(data, display), path=path, seen=seen
            )
            return Document(folder, display, parsed)
        except PyprojectError as exc:
            if looks_like_template(data):
                self.skipped.append(
                    Skipped(display, "is a template (Jinja markup), not TOML", "template")
                )
                return None
            self.fail(exc)
            return None


@dataclass(frozen=True)
class Discovery:
    """Where the members are, before any of them is read.

    ``folders`` are the candidate member folders; ``inputs`` are every file
    that decides the workspace (configuration and the candidates'
    ``pyproject.toml``), POSIX and relative to ``root``. Discovery reads only
    the configuration, so a noxfile can re-run it cheaply at load time to
    tell whether it is stale.
    """

    root: Path
    config: Config
    root_doc: Document | None
    folders: tuple[Path, ...]
    label: str
    inputs: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    source: MemberSource = "scan"
    bases: Mapping[Path, str] = field(default_factory=dict)
    fingerprints: Mapping[str, Fingerprint] = field(default_factory=dict, compare=False, repr=False)
    #: The parse cache the root's document came through, for :func:`load_workspace` to
    #: read the members through: the root's document is then cached like theirs (else
    #: every run parses it, importing tomli), and the cache file is read once.
    cache: ParseCache | None = field(default=None, compare=False, repr=False)
    #: The member list's own ``exclude`` patterns (a uv workspace's), relative to ``root``.
    member_exclude: tuple[str, ...] = ()
    #: Of a scan's ``folders``, those in another project's tests (see :func:`in_tests_of`),
    #: with that tests folder: fixtures, unless a package takes one by its path.
    fixtures: Mapping[Path, Path] = field(default_factory=dict)


#: How a folder declares a workspace: for certain (its own configuration, a uv workspace
#: that lists the folder asked about, a ``.wrknv`` list, a noxgraph noxfile), or maybe
#: (a ``[tool.noxgraph]`` with only ``tasks``, which a member's own overrides are too).
_Declares = Literal["workspace", "maybe", None]


def find_root(start: Path) -> Path:
    """The workspace the folder ``start`` is in, as uv finds its workspace from a member:
    the nearest folder at or above it that declares a workspace (``noxgraph.toml``, a
    ``[tool.noxgraph]`` table, a ``[tool.uv.workspace]`` whose members hold ``start``,
    ``.wrknv/workspace.toml``, or a noxfile that declares noxgraph's sessions); else the
    outermost folder with ``[tool.noxgraph]`` tasks alone; else ``start`` itself.

    As for uv, a folder in the root package's own tree (``src/`` beside the root's
    ``pyproject.toml``, no other ``pyproject.toml`` between) is in the workspace."""
    maybe: Path | None = None
    project: Path | None = None  # the nearest folder at or above start with a pyproject.toml
    for folder in (start, *start.parents):
        if project is None and os.path.isfile(os.path.join(folder, "pyproject.toml")):
            project = folder
        declares = _declares(folder, start, project)
        if declares == "workspace":
            return folder
        if declares == "maybe":
            maybe = folder
    return maybe or start


#: A ``[tool.uv.workspace]`` table header, found without parsing the file (and so
#: without importing the TOML parser) where that alone decides: in the nearest project.
_UV_WORKSPACE = rb"(?m)^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*uv[ \t]*\.[ \t]*workspace[ \t]*\]"


def holds_noxgraph_noxfile(folder: Path) -> bool:
    """Whether ``folder`` holds a noxfile that declares noxgraph's sessions, which
    marks a workspace's root."""
    from noxgraph.generated import NOXFILE_DECLARES  # only where a root is looked for

    try:
        with open(os.path.join(folder, "noxfile.py"), "rb") as handle:
            noxfile = handle.read().decode("utf-8", "replace")
    except OSError:
        return False
    return any(marker in noxfile for marker in NOXFILE_DECLARES)


def _declares(folder: Path, start: Path, project: Path | None) -> _Declares:
    base = os.fspath(folder)
    if os.path.isfile(os.path.join(base, "noxgraph.toml")) or os.path.isfile(
        os.path.join(base, ".wrknv", "workspace.toml")
    ):
        return "workspace"
    if holds_noxgraph_noxfile(folder):
        return "workspace"
    pyproject = os.path.join(base, "pyproject.toml")
    try:
        data = read_regular(pyproject)
    except OSError:
        return None
    if folder == project and re.search(_UV_WORKSPACE, data):
        return "workspace"
    # Only a file that could declare one is parsed: most folders on the way up hold
    # a package's pyproject.toml, or none.
    if b"noxgraph" not in data and b"workspace" not in data:
        return None
    tool = Table(parse_toml(data, pyproject), pyproject).table("tool")
    own = tool.table("noxgraph") if tool is not None else None
    uv = tool.table("uv") if tool is not None else None
    workspace = uv.table("workspace") if uv is not None else None
    if own is not None and set(own.data) - {"tasks"}:
        return "workspace"
    if workspace is not None and (folder == project or _lists(folder, workspace, start)):
        return "workspace"
    return "maybe" if own is not None else None


def _lists(folder: Path, workspace: Table, start: Path) -> bool:
    """Whether the uv workspace at ``folder`` has ``start`` (or a folder holding it) as
    a member."""
    members = members_from_globs(
        folder,
        workspace,
        workspace.strings("members") or (),
        workspace.strings("exclude") or (),
        [],
    )
    return any(member == start or member in start.parents for member in members)


def in_tests_of(folder: Path, projects: Collection[Path], root: Path) -> Path | None:
    """The ``tests`` (or ``test``) folder of another of ``projects`` that ``folder`` lies
    in, where test fixtures are kept (``backend/tests/downstream/pkg``), else ``None``.
    The root's own tests are not counted: a repository keeps packages there too
    (``tests/opentelemetry-test-utils``)."""
    for parent in folder.parents:
        if parent == root or root not in parent.parents:
            return None
        if parent.name in ("tests", "test") and parent.parent in projects:
            return parent if parent.parent != root else None
    return None


def fixture_skipped(folder: Path, tests: Path, root: Path) -> Skipped:
    """The entry of a project :func:`in_tests_of` puts in ``tests``."""
    return Skipped(
        relative(folder / "pyproject.toml", root),
        f"is in {relative(tests, root)}, the tests of the project in"
        f" {relative(tests.parent, root)}: a test fixture, not a package",
        "test-fixture",
    )


#: A folder named as setuptools names the copy it makes to build an sdist.
_SDIST_TREE = re.compile(r"-\d[^/-]*(?:/|$)")


def in_sdist_tree_of(
    folder: Path, projects: Collection[str], root: Path, reader: Reader
) -> Path | None:
    """The folder ``folder`` is or lies in that setuptools fills while it builds the sdist
    of a project among ``projects`` (their folders, as strings: this runs once for every
    folder a scan finds) (``<name>-<version>`` in the project's own folder,
    removed when the sdist is written), else ``None``: a build running beside a scan,
    as ``nox -j`` runs one, leaves a copy of every project in it for a moment. The
    version must be one, and the copy's own ``pyproject.toml``, where it names a project
    yet, the one it copies (a member ``acme-3.0`` of its own in ``acme`` is none)."""
    inside = relative(folder, root)
    if inside.startswith("../") or not _SDIST_TREE.search(inside):
        return None
    parts = inside.split("/")
    for depth in range(len(parts), 0, -1):
        name, dash, version = parts[depth - 1].rpartition("-")
        if not (dash and version[:1].isdigit()):
            continue
        if os.path.join(root, *parts[: depth - 1]) not in projects:
            continue
        tree = root.joinpath(*parts[:depth])
        from packaging.version import InvalidVersion, Version

        try:
            Version(version)
        except InvalidVersion:
            continue
        project = _project_name(tree.parent, reader)
        if project != canonicalize_name(name):
            continue
        # Half copied, the copy's pyproject.toml may be absent or no TOML yet.
        if _project_name(tree, reader) in (None, project):
            return tree
    return None


def _project_name(folder: Path, reader: Reader) -> str | None:
    document = reader.document(folder)
    named = package_name(document) if document is not None else None
    return named[0] if isinstance(named, tuple) else None


def sdist_tree_skipped(folder: Path, tree: Path, root: Path) -> Skipped:
    """The entry of a project :func:`in_sdist_tree_of` puts in ``tree``."""
    return Skipped(
        relative(folder / "pyproject.toml", root),
        f"is in {relative(tree, root)}, the copy setuptools makes of the project in"
        f" {relative(tree.parent, root)} while it builds its sdist: not a package",
        "sdist-tree",
    )


#: The files that make a folder a setuptools project without a ``pyproject.toml``.
_SETUP_SCRIPTS = ("setup.py", "setup.cfg")
_SETUP_ENDINGS = tuple(f"/{name}" for name in _SETUP_SCRIPTS)


def setup_script_skipped(path: str) -> Skipped:
    """The entry of a setuptools project whose metadata noxgraph cannot read (``path``:
    its ``setup.py``, ``setup.cfg`` or name-less ``pyproject.toml``)."""
    return Skipped(
        path,
        "is a setuptools project that keeps its metadata in setup.py or setup.cfg, which"
        " noxgraph does not read: no package here, and a change in it affects nothing;"
        " declare its name and dependencies in [project] of a pyproject.toml",
        "setup-py",
    )


def setup_script(folder: str | Path, root: Path) -> str | None:
    """The file that makes ``folder`` a setuptools project with its metadata outside
    ``pyproject.toml`` (relative to ``root``), else ``None``: a ``setup.py`` that calls
    ``setup(``, else a ``setup.cfg`` with a ``[metadata]`` section (one that only
    configures tools, ``[flake8]``, makes none). A folder in tests (fixtures), in a
    template, or holding an ``__init__.py`` (a module called ``setup.py``) is none."""
    inside = relative(folder, root)
    if (
        any(part in ("tests", "test", "testing") for part in inside.split("/"))
        or is_template_path(inside)
        or os.path.isfile(os.path.join(folder, "__init__.py"))
    ):
        return None
    for name in _SETUP_SCRIPTS:
        path = os.path.join(folder, name)
        wanted = "[metadata]" if name.endswith(".cfg") else "setup("
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                if any(wanted in line for line in handle):
                    return relative(path, root)
        except OSError:
            continue
    return None


def _setup_projects(scripts: Iterable[str], found: Collection[str], root: Path) -> list[Skipped]:
    """The folders of ``scripts`` (the ``setup.py`` and ``setup.cfg`` files a scan met)
    without a ``pyproject.toml`` (one that names no package says so when read) that
    :func:`setup_script` takes for setuptools projects."""
    entries: list[Skipped] = []
    for folder in sorted({os.path.dirname(script) for script in scripts} - set(found)):
        script = setup_script(folder, root)
        if script is not None:
            entries.append(setup_script_skipped(script))
    return entries


def resolve_root(root: Path | str) -> Path:
    """``root`` made absolute; it must be a folder."""
    root_path = Path(root)
    if not root_path.exists():
        raise UsageError(f"workspace root {root}: no such folder")
    if not root_path.is_dir():
        raise UsageError(f"workspace root {root}: not a folder")
    return root_path.resolve()


def scan(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Every folder under ``root`` holding a ``pyproject.toml`` that git does not
    ignore, sorted, and what the scan met but did not enter."""
    found = Scan(root).start()
    folders = found.finish()
    projects = _setup_projects(found.setup_scripts, {os.fspath(f) for f in folders}, root)
    return folders, [*found.skipped, *projects]


def discover_with(root: Path, loader: Reader) -> Discovery:
    """Discovery at ``root`` (already resolved), reading documents with ``loader``."""
    root_doc: Document | None = None
    if _present(root, "pyproject.toml"):
        root_doc = loader.document(root)
        if root_doc is None and loader.problems:
            raise loader.problems[0]
    config, config_table, inputs = _read_config(root, root_doc)

    folders: list[Path]
    skipped: list[Skipped] = []
    fixtures: dict[Path, Path] = {}
    member_exclude: tuple[str, ...] = ()
    uv_table: Table | None = None
    if root_doc is not None:
        tool = root_doc.table.table("tool")
        uv = tool.table("uv") if tool is not None else None
        uv_table = uv.table("workspace") if uv is not None else None
    bases: dict[Path, str] = {folder: ref for folder, ref in config.bases_in(root).items()}
    absent = absent_from_work_tree(root) if config.members is not None or uv_table else None
    if config.members is not None:
        folders = members_from_globs(
            root, config_table, config.members, (), skipped, loader.fingerprints, absent
        )
        table_name = "members" if config.file == "noxgraph.toml" else "[tool.noxgraph].members"
        label = f"{config.file}: {table_name}"
        source: MemberSource = "config"
    elif uv_table is not None:
        folders = members_from_globs(
            root,
            uv_table,
            uv_table.strings("members") or (),
            uv_table.strings("exclude") or (),
            skipped,
            loader.fingerprints,
            absent,
        )
        label = "pyproject.toml: [tool.uv.workspace]"
        source = "uv"
        member_exclude = tuple(uv_table.strings("exclude") or ())
    elif _present(root, ".wrknv/workspace.toml"):
        folders, label = _wrknv_members(root, skipped, bases)
        inputs.append(label)
        source = "wrknv"
    else:
        folders, found = scan(root)
        skipped.extend(found)
        projects = set(folders)
        copies = Reader(root, tolerant=True, cache=loader.cache)
        held = {os.fspath(f) for f in folders}
        trees = {f: tree for f in folders if (tree := in_sdist_tree_of(f, held, root, copies))}
        skipped.extend(sdist_tree_skipped(f, tree, root) for f, tree in trees.items())
        folders = [f for f in folders if f not in trees]
        fixtures = {f: tests for f in folders if (tests := in_tests_of(f, projects, root))}
        label = "scan"
        source = "scan"
    # The root is a member when its pyproject names a package, unless noxgraph's own
    # member list leaves it out; exclude always wins, the root included.
    if root_doc is not None and root not in folders and config.members is None:
        folders.insert(0, root)
    if config.exclude:
        excluded = _excluded(root, config.exclude, config_table)
        folders = [folder for folder in folders if folder not in excluded]
        # A project noxgraph cannot read, or a submodule never initialised, is left out on
        # purpose, with what is below it.
        skipped = [
            one
            for one in skipped
            if one.code not in ("setup-py", "not-initialised")
            or not excluded & {(folder := root / one.folder), *folder.parents}
        ]
    unique = tuple(dict.fromkeys(folders))
    inputs.extend(
        "pyproject.toml" if folder == "." else f"{folder}/pyproject.toml"
        for folder in (relative(f, root) for f in unique)
    )
    return Discovery(
        root=root,
        config=config,
        root_doc=root_doc,
        folders=unique,
        label=label,
        inputs=tuple(sorted(set(inputs))),
        skipped=tuple(skipped),
        source=source,
        bases=bases,
        fingerprints=dict(loader.fingerprints),
        cache=loader.cache,
        member_exclude=member_exclude,
        fixtures=fixtures,
    )


def discover(root: Path | str) -> Discovery:
    """Find the candidate members and the input files of the workspace at ``root``."""
    root_path = resolve_root(root)
    return discover_with(root_path, Reader(root_path, tolerant=False, cache=ParseCache(root_path)))


def excluded_folders(root: Path, patterns: Iterable[str]) -> set[Path]:
    """The folders under ``root`` that ``exclude`` patterns (already validated) match."""
    return _excluded(root, patterns, None)
