"""The workspace as a commit holds it, for ``--head REF``: its packages read from git.

The files that decide the workspace (every ``pyproject.toml``, ``noxgraph.toml``,
``.wrknv/workspace.toml``, each ``uv.lock``, and the links among them) are
written as they are at the commit into a scratch folder; discovery and loading read
that folder exactly as they read a work tree; and the workspace is then moved back to
the real root, so its folders are those the changed files are found in. Each
repository holding members is read at the commit of that name, and a submodule at the
commit its superproject records there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from noxgraph._files import relative
from noxgraph._git import first_line, git
from noxgraph.errors import GitError, PyprojectError, UsageError
from noxgraph.workspace.discovery import Discovery, Reader, discover_with
from noxgraph.workspace.load import Workspace, load_workspace
from noxgraph.workspace.parse_cache import ParseCache
from noxgraph.workspace.pyproject import Package, Source

__all__ = ["workspace_at"]

_LINK, _GITLINK = "120000", "160000"
#: Files the workspace is decided by wherever they are; the others only at the root.
_ANYWHERE = ("pyproject.toml", "uv.lock")
_AT_ROOT = ("noxgraph.toml", ".wrknv/workspace.toml")


def workspace_at(found: Discovery, ref: str) -> Workspace:
    """The workspace at ``found.root`` as commit ``ref`` holds it, its folders under
    the real root. ``found``, the work tree's discovery, names the repositories."""
    from noxgraph.changes.changed_files import RepositoryFinder

    root = found.root
    finder = RepositoryFinder(through_superproject=False)
    top = finder.holder(os.fspath(root))
    repositories: dict[str, str] = {}
    if top is not None:
        repositories[os.fspath(root)] = ""
    for folder in found.folders:
        holder = finder.holder(os.fspath(folder))
        if holder is None or holder == top or _is_submodule(holder):
            continue
        if holder != os.fspath(root) and root not in Path(holder).parents:
            raise UsageError(
                f"--head reads the packages from git, and member {relative(folder, root)} is"
                f" in repository {holder}, outside the workspace root; run without --head"
            )
        repositories.setdefault(holder, relative(holder, root))
    scratch = Path(tempfile.mkdtemp(prefix="noxgraph-head-")).resolve()
    try:
        for repository, place in repositories.items():
            _write_tree(Path(repository), ref, scratch / place, shown=place or ".")
        git(scratch, "init", "-q")
        # The scratch tree holds only tracked files: none may be ignored by the user's
        # global excludes.
        git(scratch, "config", "core.excludesFile", os.devnull)
        try:
            reader = Reader(scratch, tolerant=False, cache=ParseCache(None))
            workspace = load_workspace(discover_with(scratch, reader), empty_is_answer=True)
        except PyprojectError as exc:
            raise PyprojectError(exc.file, f"as {ref} holds it: {exc.detail}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # A submodule never initialised has no commits here to read; the work tree's
    # discovery has reported it, and so does this answer.
    uninitialised = tuple(s for s in found.skipped if s.code == "not-initialised")
    return replace(_moved(workspace, scratch, root), skipped=workspace.skipped + uninitialised)


def _is_submodule(folder: str) -> bool:
    from noxgraph.changes.changed_files import is_submodule_checkout

    return is_submodule_checkout(folder)


def _write_tree(repository: Path, ref: str, into: Path, *, shown: str) -> None:
    """Write what decides the workspace in ``repository`` (the part under it) as commit
    ``ref`` holds it into ``into``; submodules checked out follow at their commits.
    ``shown``: the folder, relative to the workspace root (``.`` for the root)."""
    listed = git(repository, "ls-tree", "-r", "-z", "--end-of-options", ref, check=False)
    if listed.returncode != 0:
        raise GitError(
            f"repository {shown}: head {ref!r} cannot be read: {first_line(listed)}; pass a"
            " branch, tag or commit this repository has"
        )
    root_files = shown == "."
    files: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    for entry in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        info, _, path = entry.partition("\t")
        if not path or not _safe(path):
            continue
        mode, _kind, obj = info.split(" ")
        name = path.rsplit("/", 1)[-1]
        if mode == _GITLINK:
            submodule = repository / path
            if os.path.lexists(submodule / ".git"):
                place = path if shown == "." else f"{shown}/{path}"
                _write_tree(submodule, obj, into / path, shown=place)
        elif mode == _LINK:
            links.append((path, obj))
        elif name in _ANYWHERE or (root_files and path in _AT_ROOT):
            files.append((path, obj))
    # A uv.lock holds the edges of members whose dependencies are dynamic.
    contents = iter(_blobs(repository, [*(obj for _, obj in files), *(obj for _, obj in links)]))
    for path, _obj in files:
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = next(contents)
        if data is None:
            raise GitError(
                f"repository {shown}: git has no copy of {path} at {ref!r} (a partial"
                " clone that cannot fetch it?)"
            )
        target.write_bytes(data)
    # Links last, so no file above is written through one.
    for path, _obj in links:
        destination = next(contents)
        if destination is None:
            continue
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(os.fsdecode(destination))


def _safe(path: str) -> bool:
    """A path git may hold but no checkout writes: one that climbs or enters ``.git``."""
    return not path.startswith("/") and all(
        part not in ("", ".", "..", ".git") for part in path.split("/")
    )


def _blobs(repository: Path, objects: Sequence[str]) -> list[bytes | None]:
    if not objects:
        return []
    from noxgraph.changes.file_versions import read_batch

    done = git(
        repository, "cat-file", "--batch", stdin="".join(f"{obj}\n" for obj in objects).encode()
    )
    return read_batch(done.stdout, len(objects))


def _moved(workspace: Workspace, scratch: Path, root: Path) -> Workspace:
    """``workspace``, read in ``scratch``, with its folders under ``root`` instead."""

    def move(path: Path) -> Path:
        return Path(os.path.normpath(os.path.join(root, os.path.relpath(path, scratch))))

    def source(value: Source | None) -> Source | None:
        if value is None or value.path is None:
            return value
        return replace(value, path=move(value.path))

    def package(pkg: Package) -> Package:
        declarations = tuple(replace(d, source=source(d.source)) for d in pkg.declarations)
        return replace(pkg, path=move(pkg.path), declarations=declarations)

    return replace(
        workspace,
        root=root,
        packages=tuple(package(pkg) for pkg in workspace.packages),
        lock_roots={name: move(folder) for name, folder in workspace.lock_roots.items()},
    )
