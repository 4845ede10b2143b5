"""Session plans kept between sessions, keyed by what they were made from.

Planning a session reads the whole workspace; under ``-j`` every session runs in
a nox process of its own, so each would read it again. The first session that
plans plans every session of the workspace and keeps the plans with the size,
modification time and inode of every file and folder they were made from (the
files discovery reads, the folders holding them, and each ``uv.lock``). A later
session whose inputs still have those uses its plan as it is; any change, and
it plans afresh. The cache is JSON in noxgraph's cache folder, data only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from noxgraph._cache import cache_file, read_json, write_json
from noxgraph.staleness import stats_of, watched_for

if TYPE_CHECKING:
    from pathlib import Path

    from noxgraph.plan import SessionPlan

__all__ = ["planned"]


def _remembered(noxfile: Path, root: Path, name: str) -> tuple[SessionPlan, str] | None:
    data = read_json(cache_file("plans", noxfile))
    watched, plans = data.get("watched"), data.get("plans")
    if (
        not isinstance(watched, list)
        or not all(isinstance(item, str) for item in watched)
        or not isinstance(plans, dict)
        or name not in plans
    ):
        return None
    if stats_of(root, watched) != data.get("stats"):
        return None
    from noxgraph.plan import decode

    try:
        return decode(plans[name]), str(data["wheelhouse"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def planned(noxfile: Path, root: Path, name: str) -> tuple[SessionPlan, str]:
    """The plan of session ``name`` and the workspace's wheelhouse (relative to the
    root), from the cache when its inputs are unchanged."""
    found = _remembered(noxfile, root, name)
    if found is not None:
        return found
    from noxgraph.discovery import discover
    from noxgraph.errors import WorkspaceError
    from noxgraph.graph import build_graph
    from noxgraph.plan import encode, plan_all
    from noxgraph.workspace import load_workspace

    discovery = discover(root)
    locks = [f"{folder}/uv.lock" for folder in sorted(_lock_folders(root, discovery.folders))]
    watched = watched_for([*discovery.inputs, *locks])
    stats = stats_of(root, watched)
    workspace = load_workspace(discovery)
    plans = plan_all(workspace, build_graph(workspace))
    content: dict[str, Any] = {
        "watched": watched,
        "stats": stats,
        "wheelhouse": workspace.config.wheelhouse,
        "plans": {session: encode(plan) for session, plan in plans.items()},
    }
    write_json(cache_file("plans", noxfile), content)
    if name not in plans:
        raise WorkspaceError(f"the workspace has no session {name} now; run `noxgraph generate`")
    return plans[name], workspace.config.wheelhouse


def _lock_folders(root: Path, folders: tuple[Path, ...]) -> set[str]:
    """The folders under ``root`` holding a member or above one that have a ``uv.lock``
    (relative, POSIX): a lock's content decides what a session installs."""
    from noxgraph._paths import relative

    found: set[str] = set()
    seen: set[Path] = set()
    for folder in folders:
        for candidate in (folder, *folder.parents):
            if candidate in seen or (candidate != root and root not in candidate.parents):
                break
            seen.add(candidate)
            if (candidate / "uv.lock").is_file():
                found.add(relative(candidate, root))
    return found
