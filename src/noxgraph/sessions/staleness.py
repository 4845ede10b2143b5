"""Whether a noxfile still declares the sessions its workspace gives.

A generated noxfile declares sessions; at every nox load it asks whether the
workspace now gives other ones (a package added, removed or renamed, an
ordering edge changed, a task gained or lost). Working that out reads every
``pyproject.toml``, so the answer is remembered with what it was made from: the
fingerprint (:class:`noxgraph._files.Fingerprint`) of every file discovery reads
and of every folder that holds one, up to the root (a member added beside the others
changes its parent folder; a tests folder added to a member, the member's). While
none of them changes, the remembered answer stands, at the cost of a few
thousand ``stat`` calls. A workspace found by a scan is discovered again at every
load, since a new ``pyproject.toml`` may appear in any folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from noxgraph._files import fingerprints
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
    watched = remembered.get("watched")
    own = fingerprints(root, [os.fspath(noxfile)])
    answer = remembered.get("answer")
    if (
        isinstance(watched, list)
        and all(isinstance(item, str) for item in watched)
        and isinstance(answer, list)
        and remembered.get("source") != "scan"
        and own is not None
        and remembered.get("noxfile") == own
        and fingerprints(root, watched) == remembered.get("fingerprints")
    ):
        return [str(line) for line in answer]
    from noxgraph.workspace.discovery import discover  # only when files changed

    found = discover(root)
    watched = watched_for(list(found.inputs))
    seen = fingerprints(root, watched)
    current = _current(found)
    changes = [] if current == declared else compare(declared, current)
    if seen is None or own is None:
        return changes  # a racy fingerprint: the answer cannot be trusted later
    write_json(
        cache,
        noxfile,
        {
            "source": found.source,
            "noxfile": own,
            "watched": watched,
            "fingerprints": seen,
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
