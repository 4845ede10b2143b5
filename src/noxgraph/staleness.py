"""Whether a noxfile still declares the sessions its workspace gives.

A generated noxfile declares sessions; at every nox load it asks whether the
workspace now gives other ones (a package added, removed or renamed, an
ordering edge changed, a task gained or lost). Working that out reads every
``pyproject.toml``, so the answer is remembered with what it was made from:
the size, modification time and inode of every file discovery reads and of
every member folder (a new tests folder adds a test session). While none of
them changes, the remembered answer stands, at the cost of a few thousand
``stat`` calls; discovery itself runs every time, so a new member is seen.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from noxgraph._cache import cache_file, read_json, write_json
from noxgraph.sessions import Declarations, PackageSession

__all__ = ["changes_since", "compare", "digest"]


def digest(declarations: Declarations) -> str:
    """A short hash of every declared session and folder."""
    text = repr(
        (
            sorted(declarations.folders.items()),
            sorted(
                (s.task, s.package, s.after, s.requires)
                for sessions in declarations.tasks.values()
                for s in sessions
            ),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _stats(root: Path, files: list[str], folders: list[str]) -> list[Any]:
    base = os.fspath(root)
    out: list[Any] = []
    # Strings and os.stat, not Path objects: this runs at every nox load, per package.
    for name in [*files, *folders]:
        try:
            stat = os.stat(os.path.join(base, name))  # noqa: PTH116, PTH118
        except OSError:
            out.append(None)
            continue
        out.append([stat.st_size, stat.st_mtime_ns, stat.st_ino])
    return out


def _current(root: Path) -> Declarations:
    from noxgraph.graph import build_graph  # noqa: PLC0415 - only when files changed
    from noxgraph.sessions import declare  # noqa: PLC0415
    from noxgraph.workspace import load_workspace  # noqa: PLC0415

    workspace = load_workspace(root)
    return declare(workspace, build_graph(workspace))


def changes_since(root: Path, declared: Declarations) -> list[str]:
    """What the workspace at ``root`` gives differently from ``declared``, one
    short phrase per change; an empty list when the noxfile is current."""
    from noxgraph.workspace import discover  # noqa: PLC0415 - load-time check only

    found = discover(root)
    files = sorted(found.inputs)
    folders = sorted({os.path.dirname(name) or "." for name in files})  # noqa: PTH120
    stats = _stats(root, files, folders)
    cache = cache_file("sessions", root)
    remembered = read_json(cache)
    wanted = digest(declared)
    if remembered.get("files") == files and remembered.get("stats") == stats:
        if remembered.get("digest") == wanted:
            return []
        current = _current(root)
    else:
        current = _current(root)
        write_json(cache, {"files": files, "stats": stats, "digest": digest(current)})
    return compare(declared, current)


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
