"""The key of a session's inputs: equal keys, same work.

A package session's key is a hash of everything that decides what it does:

- the content of its package's folder and of every sibling folder it installs or
  builds (:mod:`noxgraph._content`: git's blob ids plus the working tree's changes);
- its task's commands, and its planned install: requirements, extras, markers,
  extra indexes, and where there is a ``uv.lock``, that lock's content (so the
  locked versions; where there is none, requirements count as declared, and a new
  release on the index does not change the key);
- the keys of the sessions it ``requires=``, so a change to a dependency changes
  the key of everything after it;
- the interpreter nox gives the session (the one running nox: implementation,
  version, platform) and noxgraph's version.

Paths count relative to the workspace root, so a checkout elsewhere (another CI
runner) has the same keys.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noxgraph import __version__
from noxgraph._content import content_keys, file_digest
from noxgraph._paths import relative

if TYPE_CHECKING:
    from noxgraph.plan import SessionPlan, Sibling

__all__ = ["interpreter", "session_keys"]


def interpreter() -> list[str]:
    """What identifies the interpreter nox makes a session's virtualenv with (the
    one running nox, as sessions name no python): not its path, which differs
    between machines that give the same results."""
    return [
        sys.implementation.name,
        sys.implementation.cache_tag or "",
        sys.version,
        sys.platform,
        platform.machine(),
    ]


def _folders(plan: SessionPlan) -> list[Path]:
    members = plan.lock.members if plan.lock is not None else ()
    return [plan.folder, *(s.folder for s in (*plan.siblings, *plan.wheels, *members))]


class _Material:
    """Turns plans into the JSON values their keys hash."""

    def __init__(self, root: Path, contents: Mapping[Path, str]) -> None:
        self.root = root
        self.contents = contents

    def sibling(self, sibling: Sibling) -> list[Any]:
        folder = sibling.folder
        return [
            sibling.name,
            relative(folder, self.root),
            list(sibling.extras),
            sibling.marker,
            self.contents[folder],
        ]

    def plan(self, plan: SessionPlan) -> dict[str, Any]:
        lock = plan.lock
        return {
            "task": plan.task,
            "package": plan.package,
            "folder": [relative(plan.folder, self.root), self.contents[plan.folder]],
            "commands": [list(argv) for argv in plan.commands],
            "environment": plan.environment,
            "install": list(plan.install),
            "siblings": [self.sibling(s) for s in plan.siblings],
            "wheels": [self.sibling(s) for s in plan.wheels],
            "lock": None
            if lock is None
            else [
                relative(lock.root, self.root),
                lock.package,
                lock.group,
                lock.extra,
                file_digest(lock.root / "uv.lock"),
                [self.sibling(s) for s in lock.members],
            ],
            "editable": plan.editable,
            "index_urls": list(plan.index_urls),
        }


def session_keys(
    root: Path,
    plans: Mapping[str, SessionPlan],
    requires: Mapping[str, Iterable[str]],
    wheelhouse: str,
) -> dict[str, str]:
    """The key of every session in ``plans`` whose ``requires`` (session -> the
    sessions it waits for) all have keys too; a session waiting for one without a
    plan has none, and is never taken from the cache."""
    contents = content_keys(folder for plan in plans.values() for folder in _folders(plan))
    material = _Material(root, contents)
    common = [__version__, interpreter(), wheelhouse]
    keys: dict[str, str] = {}
    for name in _dependencies_first(plans, requires):
        waits = sorted(requires.get(name, ()))
        before = [keys.get(other) for other in waits]
        if any(found is None for found in before):
            continue
        value = [common, material.plan(plans[name]), list(zip(waits, before, strict=True))]
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        keys[name] = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return keys


def _dependencies_first(
    plans: Mapping[str, SessionPlan], requires: Mapping[str, Iterable[str]]
) -> list[str]:
    """The sessions of ``plans``, each after those it waits for (without recursion:
    a chain of a thousand packages is a thousand deep)."""
    order: list[str] = []
    seen: set[str] = set()
    for start in plans:
        stack = [(start, False)]
        while stack:
            name, ready = stack.pop()
            if ready:
                order.append(name)
                continue
            if name in seen:
                continue
            seen.add(name)
            stack.append((name, True))
            stack.extend((o, False) for o in requires.get(name, ()) if o in plans and o not in seen)
    return order
