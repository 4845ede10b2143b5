"""Session plans kept between sessions, keyed by what they were made from.

Planning a session reads the whole workspace; under ``-j`` every session runs in
a nox process of its own, so each would read it again. The first session that
plans plans every session of the workspace and keeps the plans with the
fingerprint of every file and folder they were made from (the files discovery
reads, the folders holding them, and each ``uv.lock``). A later session whose
inputs still have those uses its plan as it is; any change, and it plans afresh.
The cache is JSON in noxgraph's cache folder, data only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from noxgraph._files import fingerprints
from noxgraph.sessions.staleness import watched_for
from noxgraph.workspace.parse_cache import cache_file, read_json, write_json

if TYPE_CHECKING:
    from pathlib import Path

    from noxgraph.sessions.plan import SessionPlan

__all__ = ["planned", "planned_many"]


def _remembered(noxfile: Path, root: Path) -> tuple[dict[str, Any], str] | None:
    """The encoded plans and the wheelhouse kept for ``noxfile``, while the files
    they were made from are unchanged."""
    data = read_json(cache_file("plans", noxfile), noxfile)
    watched, plans = data.get("watched"), data.get("plans")
    if (
        not isinstance(watched, list)
        or not all(isinstance(item, str) for item in watched)
        or not isinstance(plans, dict)
    ):
        return None
    if fingerprints(root, watched) != data.get("fingerprints"):
        return None
    wheelhouse = data.get("wheelhouse")
    return (plans, wheelhouse) if isinstance(wheelhouse, str) else None


def _fresh(noxfile: Path, root: Path) -> tuple[dict[str, Any], str]:
    """Plan every session now, and keep the plans for the sessions that follow."""
    from noxgraph.graph import build_graph
    from noxgraph.sessions.plan import encode, plan_all
    from noxgraph.workspace.discovery import discover, lock_files
    from noxgraph.workspace.load import load_workspace

    discovery = discover(root)
    watched = watched_for([*discovery.inputs, *lock_files(root, discovery.folders)])
    seen = fingerprints(root, watched)
    workspace = load_workspace(discovery)
    plans = plan_all(workspace, build_graph(workspace))
    encoded = {session: encode(plan) for session, plan in plans.items()}
    if seen is not None:  # a racy fingerprint: the plans cannot be trusted later
        content: dict[str, Any] = {
            "watched": watched,
            "fingerprints": seen,
            "wheelhouse": workspace.config.wheelhouse,
            "plans": encoded,
        }
        write_json(cache_file("plans", noxfile), noxfile, content)
    return encoded, workspace.config.wheelhouse


def _decoded(
    found: tuple[dict[str, Any], str], names: Iterable[str]
) -> tuple[dict[str, SessionPlan], str]:
    from noxgraph.sessions.plan import decode

    encoded, wheelhouse = found
    return {name: decode(encoded[name]) for name in names if name in encoded}, wheelhouse


def planned_many(
    noxfile: Path, root: Path, names: Iterable[str]
) -> tuple[dict[str, SessionPlan], str]:
    """The plans of those of the sessions ``names`` that the workspace has (from the
    cache when its inputs are unchanged), and its wheelhouse (relative to the root)."""
    wanted = list(names)
    kept = _remembered(noxfile, root)
    if kept is not None:
        try:
            return _decoded(kept, wanted)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass  # a damaged cache: plan afresh
    return _decoded(_fresh(noxfile, root), wanted)


def planned(noxfile: Path, root: Path, name: str) -> tuple[SessionPlan, str]:
    """The plan of session ``name`` and the workspace's wheelhouse (relative to the
    root), from the cache when its inputs are unchanged."""
    plans, wheelhouse = planned_many(noxfile, root, [name])
    if name not in plans:
        # Unknown to the kept plans: the workspace may have it now.
        plans, wheelhouse = _decoded(_fresh(noxfile, root), [name])
    if name not in plans:
        from noxgraph.errors import WorkspaceError

        raise WorkspaceError(f"the workspace has no session {name} now; run `noxgraph generate`")
    return plans[name], wheelhouse
