"""Read the members that discovery found into a :class:`Workspace`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxgraph._files import relative
from noxgraph._names import canonicalize_name
from noxgraph.errors import DuplicateNameError, NoxgraphError, PyprojectError, WorkspaceError
from noxgraph.workspace.config import Config, Task, parse_package_tasks
from noxgraph.workspace.discovery import (
    Discovery,
    MemberSource,
    Reader,
    Scan,
    SkipCode,
    Skipped,
    discover_with,
    excluded_folders,
    fixture_skipped,
    holds_noxgraph_noxfile,
    in_sdist_tree_of,
    in_tests_of,
    members_from_globs,
    resolve_root,
    scan,
    sdist_tree_skipped,
    setup_script,
    setup_script_skipped,
)
from noxgraph.workspace.parse_cache import ParseCache
from noxgraph.workspace.pyproject import (
    Document,
    NoPackage,
    Package,
    Source,
    package_name,
    read_package,
    uv_sources,
)

if TYPE_CHECKING:
    from noxgraph.workspace.uv_lock import LockedMembers

__all__ = ["TaskRefusal", "Workspace", "load_with_unlisted", "load_workspace", "unlisted_projects"]


#: Why a task gives a package no session (:meth:`Workspace.tasks_refused`).
TaskRefusal = Literal["no-commands", "no-tests"]


@dataclass(frozen=True)
class Workspace:
    """Every member of the workspace, read, with the configuration that applies.

    ``packages`` are sorted by canonical name. ``inputs`` are the files whose
    contents decide the workspace (POSIX paths relative to ``root``).
    ``problems`` holds the errors met when loading with ``tolerant=True``.
    ``lock_roots``: for each package in a uv workspace that has a ``uv.lock``,
    that workspace's root folder; for a package in none, its own folder where it
    holds a ``uv.lock`` (uv reads a project on its own as a workspace of one).
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
    #: What the member list leaves out on purpose: the configuration's ``exclude`` and
    #: the member list's own (a uv workspace's).
    exclude: tuple[str, ...] = ()
    _by_name: Mapping[str, Package] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {pkg.name: pkg for pkg in self.packages})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(pkg.name for pkg in self.packages)

    def get(self, name: str) -> Package | None:
        """The member called ``name`` in any spelling (``Foo_Bar`` finds ``foo-bar``)."""
        return self._by_name.get(canonicalize_name(name))

    def member_at(self, path: Path) -> Package | None:
        """The member whose folder holds ``path`` (absolute), the innermost where
        members nest."""
        holders = [pkg for pkg in self.packages if pkg.path == path or pkg.path in path.parents]
        return max(holders, key=lambda pkg: len(pkg.path.parts), default=None)

    def tasks_of(self, name: str) -> Mapping[str, Task]:
        """The tasks that apply to package ``name``: those it has sessions for.

        A task with no commands, or one that needs tests for a package without
        any, does not apply.
        """
        refused = self.tasks_refused(name)
        return {
            task_name: task
            for task_name, task in self.tasks.get(name, {}).items()
            if name in self._by_name and task_name not in refused
        }

    def tasks_refused(self, name: str) -> Mapping[str, TaskRefusal]:
        """The tasks configured for package ``name`` that give it no session, and why:
        no commands, or tests needed where it has none."""
        pkg = self._by_name.get(name)
        if pkg is None:
            return {}
        refused: dict[str, TaskRefusal] = {}
        for task_name, task in self.tasks.get(name, {}).items():
            if not task.commands:
                refused[task_name] = "no-commands"
            elif task.needs_tests and not pkg.has_tests:
                refused[task_name] = "no-tests"
        return refused


def _uv_roots(
    docs: Mapping[Path, Document], known: Mapping[Path, Sequence[Path]]
) -> list[tuple[Path, set[Path], dict[str, Source]]]:
    """Every uv workspace root among ``docs``: its folder, its members, its sources.

    Innermost roots come first, so the first root that holds a package is the
    one uv would use for it.
    """
    roots: list[tuple[Path, set[Path], dict[str, Source]]] = []
    for folder, doc in docs.items():
        raw_tool = doc.data.get("tool")
        raw_uv = raw_tool.get("uv") if isinstance(raw_tool, dict) else None
        if raw_tool is None or (
            isinstance(raw_tool, dict)
            and (raw_uv is None or (isinstance(raw_uv, dict) and raw_uv.get("workspace") is None))
        ):
            # Most members are no workspace root: no Table is made to tell (the Table
            # path below still names the key when a value has the wrong type).
            continue
        tool = doc.table.table("tool")
        uv = tool.table("uv") if tool is not None else None
        workspace = uv.table("workspace") if uv is not None else None
        if workspace is None:
            continue
        if folder in known:
            roots.append((folder, {folder, *known[folder]}, uv_sources(doc)))
            continue
        try:
            members = members_from_globs(
                folder,
                workspace,
                workspace.strings("members") or (),
                workspace.strings("exclude") or (),
                [],
            )
        except NoxgraphError:
            # A nested workspace's own member list is uv's to enforce; here it
            # only decides which sources a member inherits.
            members = []
        roots.append((folder, {folder, *members}, uv_sources(doc)))
    roots.sort(key=lambda item: len(item[0].parts), reverse=True)
    return roots


def _no_package(doc: Document, why: NoPackage, folder: Path, root: Path) -> Skipped:
    """Why ``doc`` gave no member; below the root, a uv workspace's own root says where
    its members are read as that workspace: a scan from above finds every project under
    it, those its ``exclude`` leaves out among them, and not its configuration."""
    tool = doc.table.raw("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if why.code == "no-package" and folder != root and isinstance(uv, dict) and "workspace" in uv:
        return Skipped(
            doc.display,
            "declares a uv workspace ([tool.uv.workspace]) and no package; this run reads its"
            " projects without its member list and its [tool.noxgraph]: run noxgraph in its"
            " folder to read them as that workspace",
            "uv-workspace",
        )
    if why.code == "no-package" and why.name is None and setup_script(folder, root):
        return setup_script_skipped(doc.display)
    return Skipped(doc.display, why.reason, why.code, name=why.name)


def _declared(found: Discovery, skipped: Iterable[Skipped]) -> bool:
    """Whether the root says it is a workspace, or a member list may have hidden
    packages (both leave an empty workspace an answer, not a wrong folder)."""
    if found.source != "scan" or found.config.file is not None:
        return True
    if any(one.may_hide_packages(found.source) for one in skipped):
        return True
    return holds_noxgraph_noxfile(found.root)


def load_workspace(
    root: Path | str | Discovery, *, tolerant: bool = False, empty_is_answer: bool = False
) -> Workspace:
    """Find and read every member under ``root`` (or of a :func:`discover` result).

    Errors in the input raise :class:`~noxgraph.errors.NoxgraphError`. With
    ``tolerant=True`` they are collected in ``Workspace.problems`` instead, as
    far as the workspace can still be read, so ``noxgraph check`` can list
    them all at once. A folder that nothing declares a workspace and that holds no
    package is an error, unless ``empty_is_answer`` (a commit's tree, whose root the
    work tree has found already).
    """
    root_path = root.root if isinstance(root, Discovery) else resolve_root(root)
    cache = root.cache if isinstance(root, Discovery) else None
    loader = Reader(root_path, tolerant, ParseCache(root_path) if cache is None else cache)
    if isinstance(root, Discovery):
        loader.fingerprints.update(root.fingerprints)
    found = root if isinstance(root, Discovery) else discover_with(root_path, loader)
    loader.skipped.extend(found.skipped)
    loader.scanned = found.source == "scan"

    docs: dict[Path, Document] = {}
    # A fixture may be no TOML at all, on purpose: read it without failing the load.
    fixture_reader = Reader(root_path, tolerant=True, cache=loader.cache)
    for folder in found.folders:
        if folder == root_path:
            doc = found.root_doc
        elif folder in found.fixtures:
            doc = fixture_reader.document(folder)
        else:
            doc = loader.document(folder)
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
    # By folder: two projects of one name (a scan's) keep each its own lock.
    lock_of: dict[Path, Path] = {}
    # Most members share one uv root: its lock is looked for once, not once a member.
    has_lock: dict[Path, bool] = {}
    for folder, doc in docs.items():
        try:
            names = package_name(doc)
            if isinstance(names, NoPackage):
                if folder not in found.fixtures:
                    loader.skipped.append(_no_package(doc, names, folder, root_path))
                continue
            inherited: dict[str, Source] = {}
            for uv_root, members, sources in uv_roots:
                if folder in members:
                    if uv_root != folder:
                        inherited = sources
                    if uv_root not in has_lock:
                        has_lock[uv_root] = (uv_root / "uv.lock").is_file()
                    if has_lock[uv_root]:
                        lock_of[folder] = uv_root
                    break
            else:
                # A project in no uv workspace is a workspace of its own to uv, its
                # uv.lock beside it (a fixture's is the test's business).
                if folder not in found.fixtures and (folder / "uv.lock").is_file():
                    lock_of[folder] = folder
            packages.append(
                read_package(
                    doc,
                    root=root_path,
                    names=names,
                    inherited_sources=inherited,
                    parse=loader.requirement,
                    side_file=loader.side_file,
                )
            )
        except NoxgraphError as exc:
            loader.fail(exc)

    packages = _unique(_without_fixtures(packages, found, loader), loader)
    lock_roots = {pkg.name: lock_of[pkg.path] for pkg in packages if pkg.path in lock_of}
    packages = _with_locked(packages, lock_roots, root_path, loader)
    if not (packages or loader.problems or empty_is_answer or _declared(found, loader.skipped)):
        # An empty answer from a folder that is no workspace is a wrong folder, not a
        # workspace without packages.
        loader.fail(
            WorkspaceError(
                f"no package under {root_path}: no pyproject.toml there names one, and nothing"
                " declares it a workspace ([tool.noxgraph], [tool.uv.workspace], noxgraph.toml,"
                " the noxfile noxgraph generated); run noxgraph in the workspace's root, or"
                " pass --root"
            )
        )
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
        exclude=(*found.config.exclude, *found.member_exclude),
    )


def load_with_unlisted(root: Path | str) -> Workspace:
    """:func:`load_workspace`, with :func:`unlisted_projects` among ``skipped``.

    The scan that finds them waits mostly on git listing the tree, so git lists
    it while the members are read."""
    root_path = resolve_root(root)
    found = discover_with(root_path, Reader(root_path, tolerant=False, cache=ParseCache(root_path)))
    if found.source == "scan":
        return load_workspace(found)
    scanning = Scan(found.root).start()
    try:
        workspace = load_workspace(found)
        unlisted = unlisted_projects(workspace, scanning.finish(), found.cache)
    finally:
        scanning.close()
    if not unlisted:
        return workspace
    skipped = tuple(sorted((*workspace.skipped, *unlisted), key=lambda s: s.path))
    return replace(workspace, skipped=skipped)


def unlisted_projects(
    workspace: Workspace, scanned: Sequence[Path] | None = None, cache: ParseCache | None = None
) -> list[Skipped]:
    """The ``pyproject.toml`` files under the root that the member list leaves out:
    each one a scan finds (git-aware) that is no member, whether it names a package
    or, as a template or configuration only, none. A scanned
    workspace has none by construction; the others pay for one scan here, unless
    ``scanned`` holds its folders already. With ``cache``, the files are read through
    it (and it is saved): a repository's examples and templates are read every run."""
    if workspace.source == "scan":
        return []
    members = {pkg.path for pkg in workspace.packages}
    known = {skipped.path for skipped in workspace.skipped}
    where = workspace.discovery
    found: list[Skipped] = []
    # Tolerant: a file that cannot be read or parsed is reported, as a scan would.
    reader = Reader(workspace.root, tolerant=True, cache=cache or ParseCache(None))
    # What exclude names is left out on purpose, and so is everything below it.
    excluded = excluded_folders(workspace.root, workspace.exclude)
    folders = scan(workspace.root)[0] if scanned is None else scanned
    projects = {*members, *folders}
    held = {os.fspath(project) for project in projects}
    for folder in folders:
        if folder in members or excluded & {folder, *folder.parents}:
            continue
        display = relative(folder / "pyproject.toml", workspace.root)
        if display in known:
            continue
        tests = in_tests_of(folder, projects, workspace.root)
        if tests is not None:
            found.append(fixture_skipped(folder, tests, workspace.root))
            continue
        tree = in_sdist_tree_of(folder, held, workspace.root, reader)
        if tree is not None:
            found.append(sdist_tree_skipped(folder, tree, workspace.root))
            continue
        problems, passed = len(reader.problems), len(reader.skipped)
        document = reader.document(folder)
        if document is None:
            for problem in reader.problems[problems:]:
                detail = problem.detail if isinstance(problem, PyprojectError) else problem.message
                found.append(
                    Skipped(display, f"{detail} (and it is no member: {where})", "invalid")
                )
            for template in reader.skipped[passed:]:
                reason = f"{template.reason} (and it is no member: {where})"
                found.append(Skipped(display, reason, "unlisted-no-package"))
            continue
        names = package_name(document)
        if isinstance(names, tuple):
            found.append(
                Skipped(
                    display,
                    f"names package {names[1]!r} but is no member ({where})",
                    "not-a-member",
                    name=names[0],
                )
            )
        elif folder != workspace.root:  # the root's configures the workspace
            # A template, say, hides no package; a nameless project may be a mistake.
            code: SkipCode = "nameless" if names.code == "nameless" else "unlisted-no-package"
            reason = f"{names.reason} (and it is no member: {where})"
            found.append(Skipped(display, reason, code, name=names.name))
    reader.cache.save()
    return found


def _without_fixtures(packages: list[Package], found: Discovery, loader: Reader) -> list[Package]:
    """The packages, less the test fixtures a scan found (:func:`in_tests_of`) that no
    package takes by its path (``[tool.uv.sources]``, poetry's ``path``): those are
    packages, as a test plugin a project installs from its own tests is."""
    if not found.fixtures:
        return packages
    kept = [pkg for pkg in packages if pkg.path not in found.fixtures]
    waiting = {pkg.path: pkg for pkg in packages if pkg.path in found.fixtures}
    taken = list(kept)
    while taken:
        sourced = {
            d.source.path
            for pkg in taken
            for d in pkg.declarations
            if d.source is not None and d.source.kind == "path" and d.source.path is not None
        }
        taken = [waiting.pop(path) for path in sorted(sourced & waiting.keys())]
        kept += taken
    packaged = {pkg.path for pkg in kept}
    for folder, tests in found.fixtures.items():
        if folder not in packaged:
            loader.skipped.append(fixture_skipped(folder, tests, found.root))
    return kept


def _with_locked(
    packages: list[Package], lock_roots: Mapping[str, Path], root: Path, loader: Reader
) -> list[Package]:
    """Members whose ``[project].dynamic`` leaves their dependencies to the build
    backend take their edges to siblings from their uv workspace's ``uv.lock``
    (:mod:`noxgraph.workspace.uv_lock`); the others are as read."""
    if not any(pkg.dynamic_dependencies and pkg.name in lock_roots for pkg in packages):
        return packages

    members = frozenset(pkg.name for pkg in packages)
    locks: dict[Path, LockedMembers | None] = {}
    result: list[Package] = []
    for pkg in packages:
        lock_root = lock_roots.get(pkg.name)
        completed = None
        if pkg.dynamic_dependencies and lock_root is not None:
            if lock_root not in locks:
                locks[lock_root] = _locked_members(lock_root / "uv.lock", root, loader)
            locked = locks[lock_root]
            if locked is not None:
                try:
                    completed = locked.complete(pkg, members, loader.requirement)
                except ValueError as exc:
                    loader.fail(PyprojectError(locked.display, str(exc)))
        result.append(completed or pkg)
    return result


def _locked_members(path: Path, root: Path, loader: Reader) -> LockedMembers | None:
    """The member entries of the ``uv.lock`` at ``path``; ``None`` (and the loader told)
    when it cannot be read."""
    from noxgraph.workspace.uv_lock import LockedMembers, member_entries

    display = relative(path, root)
    document = loader.lock(path, member_entries)
    if document is None:
        return None
    try:
        return LockedMembers(document, display)
    except ValueError as exc:
        loader.fail(PyprojectError(display, str(exc)))
        return None


def _unique(packages: list[Package], loader: Reader) -> list[Package]:
    """Sort by name; members that share a canonical name are an error naming every
    file, where a member list declared them (the first such name in full, the others
    by name, so one run shows every clash). A scan only guesses at the members: there
    the projects of such a name are left out with a warning, so the rest still answers,
    but for the one that is no guess (the root's own package, or the one another
    package takes by its path); where nothing would be left, it stays the error."""
    by_name: dict[str, list[Package]] = {}
    for pkg in packages:
        by_name.setdefault(pkg.name, []).append(pkg)
    for same in by_name.values():
        same.sort(key=lambda p: p.relpath)
    clashes = [name for name in sorted(by_name) if len(by_name[name]) > 1]
    if loader.scanned and clashes:
        chosen = {name: _meant(by_name[name], packages) for name in clashes}
        kept = [
            pkg
            for name in sorted(by_name)
            for pkg in by_name[name]
            if name not in chosen or pkg is chosen[name]
        ]
        if kept:
            for name in clashes:
                dependents = sorted(
                    {p.name for p in kept if any(d.name == name for d in p.declarations)}
                )
                loader.skipped.extend(
                    _duplicate_skipped(pkg, by_name[name], chosen[name], dependents)
                    for pkg in by_name[name]
                    if pkg is not chosen[name]
                )
            return kept
    unique: list[Package] = []
    for name in sorted(by_name):
        same = by_name[name]
        if len(same) > 1:
            paths = ", ".join(f"{p.pyproject} ({p.display_name!r})" for p in same)
            others = [other for other in clashes if other != name]
            more = (
                f" ({len(others)} more {'name is' if len(others) == 1 else 'names are'}"
                f" declared twice: {', '.join(others)})"
                if others and not loader.tolerant
                else ""
            )
            loader.fail(
                DuplicateNameError(
                    f"package name {name!r} is declared by {len(same)} files: {paths};"
                    " rename one, or leave one out with [tool.noxgraph].exclude or members" + more,
                    name,
                    [p.pyproject for p in same],
                )
            )
        unique.append(same[0])
    return unique


def _meant(same: Sequence[Package], packages: Sequence[Package]) -> Package | None:
    """Of the projects a scan found under one name, the one that is no guess: the
    root's own package, else the only one another package takes by its path."""
    for pkg in same:
        if pkg.relpath == ".":
            return pkg
    clashing = {id(pkg) for pkg in same}
    taken = {
        d.source.path
        for pkg in packages
        if id(pkg) not in clashing
        for d in pkg.declarations
        if d.source is not None and d.source.kind == "path" and d.source.path is not None
    }
    reached = [pkg for pkg in same if pkg.path in taken]
    return reached[0] if len(reached) == 1 else None


def _duplicate_skipped(
    pkg: Package, same: Sequence[Package], chosen: Package | None, dependents: Sequence[str]
) -> Skipped:
    """``pkg``, left out of a scan because the other projects of ``same`` have its name
    (``chosen``: the one kept); ``dependents``: the packages that depend on the name,
    told where none is kept."""
    others = [p.pyproject for p in same if p is not pkg]
    named = f"as {' and '.join(others)} {'does' if len(others) == 1 else 'do'}"
    if chosen is not None:
        why = "the root's own" if chosen.relpath == "." else "the one a package takes by its path"
        kept = f"it is left out, and {chosen.pyproject}, {why}, is the package"
    else:
        kept = "a scan cannot tell which is meant, so each is left out"
        if dependents:
            kept += (
                f", and {', '.join(dependents)} {'takes' if len(dependents) == 1 else 'take'}"
                f" {pkg.display_name!r} from the package index"
            )
    return Skipped(
        pkg.pyproject,
        f"names package {pkg.display_name!r}, {named}: {kept}; leave out what is no package"
        " with [tool.noxgraph].exclude, or list the members",
        "duplicate-name",
        name=pkg.name,
    )


def _package_tasks(
    packages: Iterable[Package], config: Config, root: Path, loader: Reader
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
