"""The key of a session's inputs: equal keys, same work.

A package session's key is a hash of everything that decides what it does:

- the content of its package's folder and of every sibling folder it installs or
  builds (:mod:`noxgraph.changes.content`: git's blob ids plus the working tree's changes);
- its task's commands, and its planned install: requirements, extras, markers,
  extra indexes, and where there is a ``uv.lock``, that lock's content (so the
  locked versions; where there is none, requirements count as declared, and a new
  release on the index does not change the key);
- the keys of the sessions it ``requires=``, so a change to a dependency changes
  the key of everything after it;
- the interpreter nox gives the session (the one running nox: implementation,
  version, platform) and noxgraph's version;
- for a package whose version only its build backend knows (setuptools-scm,
  hatch-vcs and their kind make it from git), what its version is made of
  (:func:`~noxgraph.changes.content.described_commits`): a new commit or tag is a new
  version, and a wheel restored from an older one would pin its siblings to a version
  that is not built.

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
from noxgraph._files import relative
from noxgraph.changes.content import content_keys, described_commits, file_digest

if TYPE_CHECKING:
    from noxgraph.sessions.plan import SessionPlan, Sibling

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


def _members(plan: SessionPlan) -> tuple[Sibling, ...]:
    return plan.lock.members if plan.lock is not None else ()


class _Material:
    """Turns plans into the text their keys hash: JSON values, one a line.

    A package has one folder in a workspace, so each package's folder and content
    are written once and reused by every plan that installs it (a test session of
    a large workspace installs hundreds of siblings).
    """

    def __init__(self, root: Path, plans: Mapping[str, SessionPlan]) -> None:
        self.root = root
        folders: dict[str, Path] = {}
        for plan in plans.values():
            folders.setdefault(plan.package, plan.folder)
            for group in (plan.siblings, plan.wheels, _members(plan)):
                for sibling in group:
                    if sibling.name not in folders:
                        folders[sibling.name] = sibling.folder
        contents = content_keys(folders.values())
        from_backend = {n for plan in plans.values() for n in plan.versions_from_backend}
        described = (
            described_commits(folders[n] for n in from_backend if n in folders)
            if from_backend
            else {}
        )
        self.named = {
            name: json.dumps(
                [name, relative(folder, root), contents[folder]]
                + ([described[folder]] if name in from_backend else [])
            )
            for name, folder in folders.items()
        }

    def siblings(self, siblings: Iterable[Sibling]) -> str:
        named = self.named
        return "\n".join(
            named[s.name]
            if not s.extras and s.marker is None
            else named[s.name] + json.dumps([list(s.extras), s.marker])
            for s in siblings
        )

    def plan(self, plan: SessionPlan) -> str:
        lock = plan.lock
        fields: dict[str, Any] = {
            "task": plan.task,
            "package": self.named[plan.package],
            "commands": [list(argv) for argv in plan.commands],
            "environment": plan.environment,
            "install": list(plan.install),
            "lock": None
            if lock is None
            else [
                relative(lock.root, self.root),
                lock.package,
                list(lock.groups),
                list(lock.extras),
                file_digest(lock.root / "uv.lock"),
            ],
            "editable": plan.editable,
            "index_urls": list(plan.index_urls),
        }
        # JSON never holds a raw NUL: the parts cannot run into each other.
        return "\0".join(
            [
                json.dumps(fields, sort_keys=True),
                self.siblings(plan.siblings),
                self.siblings(plan.wheels),
                self.siblings(_members(plan)),
            ]
        )


def session_keys(
    root: Path,
    plans: Mapping[str, SessionPlan],
    requires: Mapping[str, Iterable[str]],
    wheelhouse: str,
) -> dict[str, str]:
    """The key of every session in ``plans`` whose ``requires`` (session -> the
    sessions it waits for) all have keys too; a session waiting for one without a
    plan has none, and is never taken from the cache."""
    material = _Material(root, plans)
    common = json.dumps([__version__, interpreter(), wheelhouse])
    keys: dict[str, str] = {}
    for name in _dependencies_first(plans, requires):
        waits = sorted(requires.get(name, ()))
        before = [keys.get(other) for other in waits]
        if any(found is None for found in before):
            continue
        text = "\0".join([common, material.plan(plans[name]), json.dumps([waits, before])])
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
