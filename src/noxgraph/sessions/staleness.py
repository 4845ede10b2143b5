"""Whether a noxfile still declares the sessions its workspace gives.

A generated noxfile declares sessions; at every nox load it asks whether the
workspace now gives other ones (a package added, removed or renamed, an
ordering edge changed, a task gained or lost). Working that out reads every
``pyproject.toml``, so the answer is remembered with what it was made from: the
modification and change times of every file discovery reads, and the folders where
a change could give another workspace, each with its times and its *entries* (the
subfolders a scan may enter, and whether it holds a ``pyproject.toml`` or a
``.gitignore``); times too recent to be trusted later (``_files.RACY_NS``) are never
remembered. Those folders are the ones holding an input
file, up to the root (a member added beside the others changes its parent folder; a
tests folder added to a member, the member's); for a workspace found by a scan, every
folder a scan may enter, since a ``pyproject.toml`` may appear in any of them, and every
``.gitignore``. While no file changes and every folder that changed still has the same
entries (a ``__pycache__`` or ``build`` made and removed), the remembered answer stands,
at the cost of a ``stat`` per file and folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from noxgraph import _files
from noxgraph._files import SKIP_DIRS, fingerprints
from noxgraph.sessions.declarations import Declarations, PackageSession
from noxgraph.workspace.parse_cache import cache_file, read_json, write_json

if TYPE_CHECKING:
    from noxgraph.workspace.discovery import Discovery

__all__ = ["changes_since", "compare", "watched_for"]


def watched_for(inputs: list[str]) -> list[str]:
    """The input files, and every folder that holds one up to the root: a member
    added or removed beside the others changes one of those folders, and a tests
    folder added to a member changes that member's folder."""
    folders: set[str] = {"."}
    for name in inputs:
        folder = os.path.dirname(name)
        while folder and folder not in folders:
            folders.add(folder)
            folder = os.path.dirname(folder)
    return [*sorted(inputs), *sorted(folders)]


def _entered(name: str) -> bool:
    """Whether a scan may find a ``pyproject.toml`` under a subfolder called ``name``."""
    return name not in SKIP_DIRS and not name.endswith(".egg-info")


def _entries(folder: str) -> str | None:
    """What of ``folder``'s entries can change the workspace: the subfolders a scan
    may enter, and whether it holds a ``pyproject.toml`` or a ``.gitignore``."""
    try:
        with os.scandir(folder) as found:
            names = sorted(
                f"{entry.name}/" if entry.is_dir(follow_symlinks=False) else entry.name
                for entry in found
                if entry.name in ("pyproject.toml", ".gitignore")
                or (_entered(entry.name) and entry.is_dir(follow_symlinks=False))
            )
    except OSError:
        return None
    return "\0".join(names)


def _scanned(root: Path) -> tuple[list[str], list[str]]:
    """Every folder under ``root`` a scan may enter (relative, ``"."`` for the root),
    and the ignore files that decide what git lists there."""
    folders: list[str] = []
    ignores: list[str] = []
    stack = [""]
    while stack:
        folder = stack.pop()
        folders.append(folder or ".")
        try:
            with os.scandir(os.path.join(root, folder)) as found:
                entries = list(found)
        except OSError:
            continue
        for entry in entries:
            path = f"{folder}/{entry.name}" if folder else entry.name
            if entry.name == ".gitignore":
                ignores.append(path)
            elif entry.name == ".git" and entry.is_dir(follow_symlinks=False):
                ignores.append(f"{path}/info/exclude")
            elif (
                _entered(entry.name)
                and entry.is_dir(follow_symlinks=False)
                and not os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))
            ):
                stack.append(path)
    return folders, ignores


def _watched(root: Path, found: Discovery) -> tuple[list[str], list[str]]:
    """The files and the folders an answer for ``found`` stands on (see the module
    docstring), relative to ``root``."""
    from noxgraph.workspace.discovery import lock_files

    # A uv.lock holds the edges of members whose dependencies are dynamic.
    locks = lock_files(root, found.folders)
    if found.source != "scan":
        files = sorted({*found.inputs, *locks})
        inputs = watched_for(files)
        return files, inputs[len(files) :]
    folders, ignores = _scanned(root)
    return sorted({*found.inputs, *locks, *ignores}), sorted(folders)


def _still(root: Path, remembered: dict[str, Any]) -> dict[str, Any] | None:
    """Whether what ``remembered`` was made from still gives its answer: ``None`` when
    not, else what to remember now (the folders' new times, when a folder changed
    but not its entries), or ``{}`` when nothing changed at all."""
    files, folders, entries = (remembered.get(k) for k in ("files", "folders", "entries"))
    known = remembered.get("folder_times")
    if not (
        _strings(files)
        and _strings(folders)
        and _strings(entries)
        and isinstance(known, list)
        and len(entries) == len(folders)
        and len(known) == 2 * len(folders)
        and _times(root, files) == remembered.get("file_times")
    ):
        return None
    now = _times(root, folders)
    if now == known:
        return {}
    for index, folder in enumerate(folders):
        pair = slice(2 * index, 2 * index + 2)
        if now[pair] != known[pair] and _entries(os.path.join(root, folder)) != entries[index]:
            return None
    if _racy(now):
        return {}  # the answer stands; racy times are not to be remembered
    return {**remembered, "folder_times": now}


def _times(root: Path, paths: list[str]) -> list[int]:
    """Each path's modification and change times in nanoseconds, one after the other
    (``-1, -1`` for one that is gone): writing a file changes both, and so does adding,
    removing or renaming an entry of a folder. Asked relative to the root's descriptor
    where the system can: the thousands of folders of a scanned workspace are asked at
    every nox load."""
    times: list[int] = []
    try:
        descriptor = os.open(root, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
    except OSError:
        descriptor = None
    try:
        for path in paths:
            try:
                if descriptor is None:
                    info = os.stat(os.path.join(root, path))
                else:
                    info = os.stat(path, dir_fd=descriptor)
            except OSError:
                times += (-1, -1)
                continue
            times += (info.st_mtime_ns, info.st_ctime_ns)
    finally:
        if descriptor is not None:
            os.close(descriptor)
    return times


def _racy(times: list[int]) -> bool:
    """Whether a time is too recent to be trusted later (see :mod:`noxgraph._files`)."""
    return bool(times) and max(times) > time.time_ns() - _files.RACY_NS


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _current(root: Path | Discovery) -> Declarations:
    from noxgraph.graph import build_graph  # only when files changed
    from noxgraph.sessions.declarations import declare
    from noxgraph.workspace.load import load_workspace

    workspace = load_workspace(root)
    return declare(workspace, build_graph(workspace))


def changes_since(root: Path, declared: Declarations, noxfile: Path) -> list[str]:
    """What the workspace at ``root`` gives differently from ``declared`` (what
    ``noxfile`` declares), one short phrase per change; none when it is current.

    While neither the noxfile nor a watched file or folder changed since the last
    answer, that answer stands; a workspace found by a scan is discovered again
    every time, since a new ``pyproject.toml`` may appear in any folder."""
    cache = cache_file("sessions", noxfile)
    remembered = read_json(cache, noxfile)
    own = fingerprints(root, [os.fspath(noxfile)])
    answer = remembered.get("answer")
    if own is not None and remembered.get("noxfile") == own and _strings(answer):
        still = _still(root, remembered)
        if still is not None:
            if still:
                write_json(cache, noxfile, still)
            return list(answer)
    from noxgraph.workspace.discovery import discover  # only when files changed

    found = discover(root)
    files, folders = _watched(root, found)
    file_times = _times(root, files)
    folder_times = _times(root, folders)
    entries = [_entries(os.path.join(root, folder)) for folder in folders]
    current = _current(found)
    changes = [] if current == declared else compare(declared, current)
    if _racy(file_times) or _racy(folder_times) or own is None:
        return changes  # racy times: the answer cannot be trusted later
    if any(entry is None for entry in entries):
        return changes  # a folder that cannot be read: nothing to compare with later
    write_json(
        cache,
        noxfile,
        {
            "noxfile": own,
            "files": files,
            "file_times": file_times,
            "folders": folders,
            "folder_times": folder_times,
            "entries": entries,
            "answer": changes,
        },
    )
    return changes


def _sessions(declarations: Declarations) -> dict[str, PackageSession]:
    return {s.name: s for sessions in declarations.tasks.values() for s in sessions}


def compare(declared: Declarations, current: Declarations) -> list[str]:
    """What changed between two declarations, one short phrase per change."""
    changes: list[str] = []
    old_folders, new_folders = declared.folders, current.folders
    by_folder = {folder: name for name, folder in old_folders.items()}
    renamed = {
        by_folder[folder]: name
        for name, folder in new_folders.items()
        if name not in old_folders and by_folder.get(folder) not in (None, *new_folders)
    }
    for old, new in sorted(renamed.items()):
        changes.append(f"package {old} renamed to {new}")
    for name in sorted(set(new_folders) - set(old_folders) - set(renamed.values())):
        changes.append(f"new package {name} ({new_folders[name]})")
    for name in sorted(set(old_folders) - set(new_folders) - set(renamed)):
        changes.append(f"package {name} removed")
    for name in sorted(set(old_folders) & set(new_folders)):
        if old_folders[name] != new_folders[name]:
            changes.append(f"package {name} moved to {new_folders[name]}")
    before_sessions, now_sessions = _sessions(declared), _sessions(current)
    moved = set(renamed) | set(renamed.values())
    for name in sorted(set(now_sessions) - set(before_sessions)):
        package = now_sessions[name].package
        if package in old_folders and package not in moved:
            changes.append(f"new session {name}")
    for name in sorted(set(before_sessions) - set(now_sessions)):
        package = before_sessions[name].package
        if package in new_folders and package not in moved:
            changes.append(f"session {name} removed")
    for name in sorted(set(before_sessions) & set(now_sessions)):
        python = now_sessions[name].python
        if before_sessions[name].python != python:
            on = f"Python {', '.join(python)}" if python else "nox's own interpreter"
            changes.append(f"{name} now on {on}")
        before = set(before_sessions[name].all_requires)
        after = set(now_sessions[name].all_requires)
        if before != after:
            parts = []
            if after - before:
                parts.append(f"now after {', '.join(sorted(after - before))}")
            if before - after:
                parts.append(f"no longer after {', '.join(sorted(before - after))}")
            changes.append(f"{name} {'; '.join(parts)}")
    return changes
