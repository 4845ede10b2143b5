"""Find the members of a workspace and read them into a :class:`Workspace`.

Members come from, in this order: ``[tool.noxgraph].members``, the root's
``[tool.uv.workspace]``, ``.wrknv/workspace.toml``, or a scan of every
``pyproject.toml`` under the root that git does not ignore. The scan walks by
hand only outside git repositories; inside one, ``git ls-files`` answers, so
``.gitignore`` is honoured exactly as git honours it, and nested repositories
and submodules are scanned as repositories of their own.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name

from noxgraph._cache import ParseCache
from noxgraph._git import git, git_available, git_lines
from noxgraph._paths import SKIP_DIRS, relative
from noxgraph._toml import Table, parse_toml, read_toml
from noxgraph.config import Config, Task, parse_config, parse_package_tasks
from noxgraph.errors import (
    DuplicateNameError,
    NoxgraphError,
    PyprojectError,
    UsageError,
    WorkspaceError,
)
from noxgraph.pyproject import (
    Document,
    Package,
    ParsedRequirement,
    Source,
    is_template_path,
    looks_like_template,
    package_name,
    parse_requirement,
    read_package,
    uv_sources,
)

__all__ = [
    "SKIP_DIRS",
    "Discovery",
    "Skipped",
    "Workspace",
    "discover",
    "load_workspace",
    "unlisted_projects",
]

_GLOB_CHARS = frozenset("*?[")

#: Where the member list came from.
MemberSource = Literal["config", "uv", "wrknv", "scan"]


@dataclass(frozen=True)
class Skipped:
    """A ``pyproject.toml`` (or folder) that is not a member, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Workspace:
    """Every member of the workspace, read, with the configuration that applies.

    ``packages`` are sorted by canonical name. ``inputs`` are the files whose
    contents decide the workspace (POSIX paths relative to ``root``).
    ``problems`` holds the errors met when loading with ``tolerant=True``.
    ``lock_roots``: for each package in a uv workspace that has a ``uv.lock``,
    that workspace's root folder.
    """

    root: Path
    config: Config
    packages: tuple[Package, ...]
    skipped: tuple[Skipped, ...]
    discovery: str
    inputs: tuple[str, ...]
    tasks: Mapping[str, Mapping[str, Task]]
    problems: tuple[NoxgraphError, ...] = ()
    lock_roots: Mapping[str, Path] = field(default_factory=dict)
    source: MemberSource = "scan"
    _by_name: Mapping[str, Package] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {pkg.name: pkg for pkg in self.packages})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(pkg.name for pkg in self.packages)

    def get(self, name: str) -> Package | None:
        """The member called ``name`` in any spelling (``Foo_Bar`` finds ``foo-bar``)."""
        return self._by_name.get(canonicalize_name(name))

    def tasks_of(self, name: str) -> Mapping[str, Task]:
        """The tasks that apply to package ``name``: those it has sessions for.

        A task with no commands, or one that needs tests for a package without
        any, does not apply.
        """
        pkg = self._by_name.get(name)
        if pkg is None:
            return {}
        return {
            task_name: task
            for task_name, task in self.tasks.get(name, {}).items()
            if task.commands and (not task.needs_tests or pkg.has_tests)
        }


# -- configuration ---------------------------------------------------------------------


def _read_config(root: Path, root_doc: Document | None) -> tuple[Config, Table | None, list[str]]:
    """The workspace configuration, the table it was read from (for errors that
    name its keys), and the files it was read from."""
    tool_table: Table | None = None
    if root_doc is not None:
        tool = root_doc.table.table("tool")
        tool_table = tool.table("noxgraph") if tool is not None else None
    standalone = root / "noxgraph.toml"
    if standalone.is_file():
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


def _expand(root: Path, patterns: Iterable[str], table: Table | None, key: str) -> list[Path]:
    """Folders under ``root`` matched by glob ``patterns`` that hold a ``pyproject.toml``.

    A pattern without wildcards names one folder, which must hold one.
    """
    found: list[Path] = []
    base = os.fspath(root)
    for pattern in patterns:
        clean = pattern.rstrip("/") or "."
        if Path(clean).is_absolute() or ".." in Path(clean).parts:
            raise _error(table, key, f"member pattern {pattern!r} leads outside {root}")
        matches = _glob(root, clean, table, key)
        # os.path, not pathlib: it answers False for a name the file system rejects.
        literal = os.path.join(base, clean, "pyproject.toml")
        if not _GLOB_CHARS & set(clean) and not os.path.isfile(literal):
            raise _error(table, key, f"member {pattern!r} has no pyproject.toml")
        # Plain strings, not Path objects: this runs once per member of the workspace.
        for match in matches:
            folder = os.path.normpath(os.path.join(base, match))
            if os.path.isfile(os.path.join(folder, "pyproject.toml")):
                found.append(Path(folder))
    return found


def _error(table: Table | None, key: str, message: str) -> NoxgraphError:
    if table is None:
        return WorkspaceError(message)
    return table.error(key, message)


def _members_from_globs(
    root: Path, table: Table | None, members: Iterable[str], exclude: Iterable[str]
) -> list[Path]:
    included = _expand(root, members, table, "members")
    excluded = _excluded(root, exclude, table)
    return [folder for folder in dict.fromkeys(included) if folder not in excluded]


def _excluded(root: Path, patterns: Iterable[str], table: Table | None) -> set[Path]:
    """The folders the ``exclude`` glob ``patterns`` of ``table`` match."""
    return {
        Path(os.path.normpath(root / m))
        for pattern in patterns
        for m in _glob(root, pattern, table, "exclude")
    }


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
                )
            )
            continue
        folders.append(folder)
    return folders, display


#: One repository's answer: its path, the files git lists (path and mode, ``None`` for
#: untracked files), and the folders git could not open (with the reason).
_Listing = tuple[Path, "list[tuple[str, str | None]] | None", "list[tuple[str, str]]"]
_UNREADABLE = re.compile(r"warning: could not open directory '(.*)': (.*)")
_GITLINK, _SYMLINK = "160000", "120000"


def _list_repository(repo: Path) -> _Listing:
    """Every file of ``repo`` git does not ignore, with its mode when git tracks it (a
    submodule, a symbolic link), and the folders git could not open. Any thread."""
    if not git_available():
        return repo, None, []
    tracked = git(repo, "ls-files", "-z", "--stage", check=False)
    others = git(repo, "ls-files", "-z", "--others", "--exclude-standard", check=False)
    if tracked.returncode != 0 or others.returncode != 0:
        return repo, None, []
    listing: list[tuple[str, str | None]] = []
    for entry in tracked.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if entry:
            info, _, path = entry.partition("\t")
            listing.append((path, info.split(" ", 1)[0]))
    for path in others.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if path:
            listing.append((path, None))
    unreadable = [
        (found.group(1), found.group(2))
        for line in others.stderr.decode("utf-8", "replace").splitlines()
        if (found := _UNREADABLE.match(line))
    ]
    return repo, listing, unreadable


class _Scan:
    """The scan of a tree for ``pyproject.toml`` files (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.found: list[Path] = []
        self.skipped: list[Skipped] = []
        self._venv_cache: dict[Path, bool] = {}

    def run(self) -> list[Path]:
        # One git process per repository: a folder of a thousand sibling repositories
        # asks them a few at a time, and reads the answers here, in order.
        with ThreadPoolExecutor(max_workers=8) as pool:
            self._pool = pool
            self._pending: deque[Future[_Listing]] = deque()
            if git_lines(self.root, "rev-parse", "--show-toplevel") is not None:
                self._ask(self.root)
            else:
                self.walk(self.root)
            while self._pending:
                self._read(self._pending.popleft().result())
        return sorted(set(self.found))

    def _skip_dir(self, folder: Path) -> bool:
        # os.path answers False where pathlib raises (an unreadable folder, say).
        pyvenv = os.path.join(folder, "pyvenv.cfg")
        return folder.name in SKIP_DIRS or os.path.isfile(pyvenv)

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
                    Skipped(relative(folder, self.root), f"cannot be read: {exc.strerror or exc}")
                )
                continue
            for entry in children:
                path = Path(entry.path)
                if entry.is_symlink():
                    if entry.name == "pyproject.toml" or path.is_dir():
                        self.skipped.append(
                            Skipped(relative(path, self.root), "is a symbolic link; not followed")
                        )
                    continue
                if entry.is_dir() and not self._skip_dir(path):
                    stack.append(path)
                elif entry.name == "pyproject.toml" and entry.is_file():
                    self.found.append(folder)

    def _ask(self, repo: Path) -> None:
        self._pending.append(self._pool.submit(_list_repository, repo))

    def _read(self, answer: _Listing) -> None:
        """What git listed for one repository (or the part of it under the root)."""
        repo, listing, unreadable = answer
        if listing is None:
            # No usable git: a plain walk is the best remaining answer.
            self.walk_plain(repo)
            return
        for folder_name, reason in unreadable:
            self.skipped.append(
                Skipped(
                    relative(repo / folder_name.rstrip("/"), self.root), f"cannot be read: {reason}"
                )
            )
        for line, mode in listing:
            is_pyproject = line == "pyproject.toml" or line.endswith("/pyproject.toml")
            if line.endswith("/") or mode == _GITLINK:
                nested = Path(os.path.normpath(repo / line))
                marker = os.path.join(nested, ".git")
                if os.path.lexists(marker) and not self._inside_skipped(nested, repo):
                    self._ask(nested)
                continue
            if mode in (_SYMLINK, None):
                # git lists a link, never what it points to; the scan follows no links.
                path = Path(os.path.normpath(repo / line))
                if os.path.islink(path) and (is_pyproject or os.path.isdir(path)):
                    if not self._inside_skipped(path.parent, repo):
                        self.skipped.append(
                            Skipped(relative(path, self.root), "is a symbolic link; not followed")
                        )
                    continue
            if is_pyproject:
                path = Path(os.path.normpath(repo / line))
                if not self._inside_skipped(path.parent, repo):
                    self.found.append(path.parent)

    def walk_plain(self, repo: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(repo):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if not self._skip_dir(here / d)]
            if "pyproject.toml" in filenames:
                self.found.append(here)

    def _inside_skipped(self, folder: Path, repo: Path) -> bool:
        """Whether ``folder`` lies in a folder the scan never enters."""
        current = folder
        while current not in (repo, current.parent):
            cached = self._venv_cache.get(current)
            if cached is None:
                cached = self._skip_dir(current)
                self._venv_cache[current] = cached
            if cached:
                return True
            current = current.parent
        return False


# -- reading members -------------------------------------------------------------------


@dataclass
class _Loader:
    root: Path
    tolerant: bool
    cache: ParseCache = field(default_factory=lambda: ParseCache(None))
    scanned: bool = False
    problems: list[NoxgraphError] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def requirement(self, text: str) -> ParsedRequirement:
        return self.cache.requirement(
            text,
            lambda: parse_requirement(text),
            ParsedRequirement.encode,
            ParsedRequirement.decode,
        )

    def fail(self, error: NoxgraphError) -> None:
        if not self.tolerant:
            raise error
        self.problems.append(error)

    def document(self, folder: Path) -> Document | None:
        """Parse ``folder/pyproject.toml``; templates are skipped, bad TOML is an error."""
        file = folder / "pyproject.toml"
        display = relative(file, self.root)
        if is_template_path(display):
            self.skipped.append(Skipped(display, "is inside a template folder ({{ ... }})"))
            return None
        try:
            data = file.read_bytes()
        except OSError as exc:
            reason = f"cannot be read: {exc.strerror or exc}"
            if self.scanned:
                # A scan only guesses at members: it reports what it cannot read and
                # goes on. A declared member that cannot be read is an error.
                self.skipped.append(Skipped(display, reason))
            else:
                self.fail(PyprojectError(display, reason))
            return None
        try:
            return Document(
                folder, display, self.cache.document(data, lambda: parse_toml(data, display))
            )
        except PyprojectError as exc:
            if looks_like_template(data):
                self.skipped.append(Skipped(display, "is a template (Jinja markup), not TOML"))
                return None
            self.fail(exc)
            return None


def _uv_roots(
    docs: Mapping[Path, Document], known: Mapping[Path, Sequence[Path]]
) -> list[tuple[Path, set[Path], dict[str, Source]]]:
    """Every uv workspace root among ``docs``: its folder, its members, its sources.

    Innermost roots come first, so the first root that holds a package is the
    one uv would use for it.
    """
    roots: list[tuple[Path, set[Path], dict[str, Source]]] = []
    for folder, doc in docs.items():
        tool = doc.table.table("tool")
        uv = tool.table("uv") if tool is not None else None
        workspace = uv.table("workspace") if uv is not None else None
        if workspace is None:
            continue
        if folder in known:
            roots.append((folder, {folder, *known[folder]}, uv_sources(doc)))
            continue
        try:
            members = _members_from_globs(
                folder,
                workspace,
                workspace.strings("members") or (),
                workspace.strings("exclude") or (),
            )
        except NoxgraphError:
            # A nested workspace's own member list is uv's to enforce; here it
            # only decides which sources a member inherits.
            members = []
        roots.append((folder, {folder, *members}, uv_sources(doc)))
    roots.sort(key=lambda item: len(item[0].parts), reverse=True)
    return roots


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


def _resolve_root(root: Path | str) -> Path:
    root_path = Path(root)
    if not root_path.exists():
        raise UsageError(f"--root {root}: no such folder")
    if not root_path.is_dir():
        raise UsageError(f"--root {root}: not a folder")
    return root_path.resolve()


def _discover(root: Path, loader: _Loader) -> Discovery:
    root_doc: Document | None = None
    if (root / "pyproject.toml").is_file():
        root_doc = loader.document(root)
        if root_doc is None and loader.problems:
            raise loader.problems[0]
    config, config_table, inputs = _read_config(root, root_doc)

    folders: list[Path]
    uv_table: Table | None = None
    if root_doc is not None:
        tool = root_doc.table.table("tool")
        uv = tool.table("uv") if tool is not None else None
        uv_table = uv.table("workspace") if uv is not None else None
    skipped: list[Skipped] = []
    bases: dict[Path, str] = {folder: ref for folder, ref in config.bases_in(root).items()}
    if config.members is not None:
        folders = _members_from_globs(root, config_table, config.members, ())
        label = f"{config.file}: [tool.noxgraph].members"
        source: MemberSource = "config"
    elif uv_table is not None:
        folders = _members_from_globs(
            root, uv_table, uv_table.strings("members") or (), uv_table.strings("exclude") or ()
        )
        label = "pyproject.toml: [tool.uv.workspace]"
        source = "uv"
    elif (root / ".wrknv" / "workspace.toml").is_file():
        folders, label = _wrknv_members(root, skipped, bases)
        inputs.append(label)
        source = "wrknv"
    else:
        scan = _Scan(root)
        folders = scan.run()
        skipped.extend(scan.skipped)
        label = "scan"
        source = "scan"
    # The root is a member when its pyproject names a package, unless noxgraph's own
    # member list leaves it out; exclude always wins, the root included.
    if root_doc is not None and root not in folders and config.members is None:
        folders.insert(0, root)
    if config.exclude:
        excluded = _excluded(root, config.exclude, config_table)
        folders = [folder for folder in folders if folder not in excluded]
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
    )


def discover(root: Path | str) -> Discovery:
    """Find the candidate members and the input files of the workspace at ``root``."""
    root_path = _resolve_root(root)
    return _discover(root_path, _Loader(root_path, tolerant=False))


def load_workspace(root: Path | str | Discovery, *, tolerant: bool = False) -> Workspace:
    """Find and read every member under ``root`` (or of a :func:`discover` result).

    Errors in the input raise :class:`~noxgraph.errors.NoxgraphError`. With
    ``tolerant=True`` they are collected in ``Workspace.problems`` instead, as
    far as the workspace can still be read, so ``noxgraph check`` can list
    them all at once.
    """
    root_path = root.root if isinstance(root, Discovery) else _resolve_root(root)
    loader = _Loader(root_path, tolerant, ParseCache.for_root(root_path))
    found = root if isinstance(root, Discovery) else _discover(root_path, loader)
    loader.skipped.extend(found.skipped)
    loader.scanned = found.source == "scan"

    docs: dict[Path, Document] = {}
    for folder in found.folders:
        doc = found.root_doc if folder == root_path else loader.document(folder)
        if doc is not None:
            docs[folder] = doc
    # Discovery already expanded the root's uv members; do not glob them twice. The
    # root's sources apply to its uv members even when the root itself is no member.
    known = {root_path: found.folders} if found.source == "uv" else {}
    uv_docs = dict(docs)
    if found.root_doc is not None:
        uv_docs.setdefault(root_path, found.root_doc)
    uv_roots = _uv_roots(uv_docs, known)

    packages: list[Package] = []
    lock_roots: dict[str, Path] = {}
    for folder, doc in docs.items():
        try:
            names = package_name(doc)
            if isinstance(names, str):
                loader.skipped.append(Skipped(doc.display, names))
                continue
            inherited: dict[str, Source] = {}
            for uv_root, members, sources in uv_roots:
                if folder in members:
                    if uv_root != folder:
                        inherited = sources
                    if (uv_root / "uv.lock").is_file():
                        lock_roots[names[0]] = uv_root
                    break
            packages.append(
                read_package(
                    doc,
                    root=root_path,
                    names=names,
                    inherited_sources=inherited,
                    parse=loader.requirement,
                )
            )
        except NoxgraphError as exc:
            loader.fail(exc)

    packages = _unique(packages, loader)
    tasks = _package_tasks(packages, found.config, root_path, loader)
    loader.cache.save()
    return Workspace(
        root=root_path,
        config=found.config,
        packages=tuple(packages),
        skipped=tuple(sorted(loader.skipped, key=lambda s: s.path)),
        discovery=found.label,
        inputs=found.inputs,
        tasks=tasks,
        problems=tuple(loader.problems),
        lock_roots=lock_roots,
        source=found.source,
    )


def unlisted_projects(workspace: Workspace) -> list[Skipped]:
    """Packages under the root that the member list leaves out: each ``pyproject.toml``
    a scan finds (git-aware) that names a package and is no member. A scanned
    workspace has none by construction; the others pay for one scan here."""
    if workspace.source == "scan":
        return []
    members = {pkg.path for pkg in workspace.packages}
    known = {skipped.path for skipped in workspace.skipped}
    where = workspace.discovery
    found: list[Skipped] = []
    for folder in _Scan(workspace.root).run():
        display = relative(folder / "pyproject.toml", workspace.root)
        if folder in members or display in known:
            continue
        try:
            data = parse_toml((folder / "pyproject.toml").read_bytes(), display)
        except (OSError, NoxgraphError):
            continue
        names = package_name(Document(folder, display, data))
        if isinstance(names, tuple):
            found.append(Skipped(display, f"names package {names[1]!r} but is no member ({where})"))
    return found


def _unique(packages: list[Package], loader: _Loader) -> list[Package]:
    """Sort by name and settle members that share a canonical name.

    Declared members (configuration, uv, wrknv) that share a name are an error
    naming every path. A scan only guesses which folders are members, so there
    every copy is skipped with a reason naming the others, and ``check`` still
    reports the clash as an error.
    """
    by_name: dict[str, list[Package]] = {}
    for pkg in packages:
        by_name.setdefault(pkg.name, []).append(pkg)
    unique: list[Package] = []
    for name in sorted(by_name):
        same = sorted(by_name[name], key=lambda p: p.relpath)
        if len(same) == 1:
            unique.append(same[0])
            continue
        paths = ", ".join(f"{p.pyproject} ({p.display_name!r})" for p in same)
        error = DuplicateNameError(
            f"package name {name!r} is declared by {len(same)} files: {paths};"
            " rename one, or leave one out with [tool.noxgraph].exclude or members",
            name,
            [p.pyproject for p in same],
        )
        if not loader.scanned:
            loader.fail(error)
            unique.append(same[0])
            continue
        for pkg in same:
            others = ", ".join(p.pyproject for p in same if p is not pkg)
            loader.skipped.append(
                Skipped(
                    pkg.pyproject,
                    f"duplicate package name {name!r} (also {others}); choose one with"
                    " [tool.noxgraph].members or exclude",
                )
            )
        if loader.tolerant:
            loader.problems.append(error)
    return unique


def _package_tasks(
    packages: Iterable[Package], config: Config, root: Path, loader: _Loader
) -> dict[str, dict[str, Task]]:
    """Each member's configured tasks: the workspace's, overridden by its own
    ``[tool.noxgraph]`` (checked now, so a bad override is an error at load)."""
    result: dict[str, dict[str, Task]] = {}
    for pkg in packages:
        tasks: Mapping[str, Task] = config.tasks
        own_is_workspace = pkg.path == root and config.file == "pyproject.toml"
        if pkg.tool_config is not None and not own_is_workspace:
            try:
                tasks = parse_package_tasks(pkg.tool_config, pkg.pyproject, config.tasks)
            except NoxgraphError as exc:
                loader.fail(exc)
        result[pkg.name] = dict(tasks)
    return result
