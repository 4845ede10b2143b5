"""A member's dependencies as its workspace's ``uv.lock`` records them.

A member whose ``[project].dynamic`` lists ``dependencies`` or
``optional-dependencies`` declares them in no file noxgraph reads: a hatch metadata
hook or setuptools' ``{file = ...}`` makes them when the backend runs. uv ran that
backend when it locked, and its lock holds the member's entry (an ``editable``,
``virtual`` or ``directory`` source) with what came out: ``dependencies`` (runtime)
and ``optional-dependencies`` by extra. From there the member's edges to its
siblings are read, as of the last ``uv lock``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from noxgraph._names import canonicalize_name
from noxgraph.workspace.pyproject import Declaration, Package, normalize_group

__all__ = ["Edge", "uv_edges", "with_locked_dependencies"]

#: The sources of a uv.lock entry that is a workspace member (or a path sibling).
_MEMBER_SOURCES = frozenset({"editable", "virtual", "directory"})

#: What a lock entry asks of a package: its name, and the extras it asks for.
Edge = tuple[str, tuple[str, ...]]


def uv_edges(entries: Any, canonical: Callable[[str], str] = canonicalize_name) -> tuple[Edge, ...]:
    """The ``(name, extras)`` of each of a lock entry's dependencies (names made
    canonical by ``canonical``); ``ValueError`` when one is not a table with a ``name``."""
    if entries is None:
        return ()
    try:
        # uv writes names normalized already; a lock written by hand may not.
        return tuple(
            (canonical(entry["name"]), tuple(map(str, entry.get("extra", ())))) for entry in entries
        )
    except (TypeError, KeyError, AttributeError):
        raise ValueError("a dependency is not a table with a 'name'") from None


def _member_entry(document: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    entries = document.get("package")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        source = entry.get("source")
        member = isinstance(source, dict) and bool(source.keys() & _MEMBER_SOURCES)
        if member and canonicalize_name(entry["name"]) == name:
            return entry
    return None


def with_locked_dependencies(
    pkg: Package, document: Mapping[str, Any], display: str, members: frozenset[str]
) -> Package | None:
    """``pkg`` with its edges to ``members`` (the workspace's names) that the fields
    its ``[project].dynamic`` lists hold, as the lock at ``display`` (parsed into
    ``document``) records them; ``None`` when the lock holds no entry for it or the
    entry cannot be read."""
    entry = _member_entry(document, pkg.name)
    if entry is None:
        return None
    dynamic = pkg.dynamic_dependencies
    optional = entry.get("optional-dependencies") or {}
    if not isinstance(optional, dict):
        return None
    try:
        tables: list[tuple[str | None, tuple[Edge, ...]]] = []
        if "dependencies" in dynamic:
            tables.append((None, uv_edges(entry.get("dependencies"))))
        if "optional-dependencies" in dynamic:
            tables += [(normalize_group(str(e)), uv_edges(found)) for e, found in optional.items()]
    except ValueError:
        return None
    where = f"{display}: {pkg.name}"
    declarations = [
        Declaration(
            name,
            "runtime" if extra is None else "optional",
            f"{where} dependencies" if extra is None else f"{where} optional-dependencies.{extra}",
            f"{name}[{','.join(asked)}]" if asked else name,
            extras=asked,
            group=extra,
        )
        for extra, edges in tables
        for name, asked in edges
        if name in members and name != pkg.name
    ]
    named = [e for e, _ in tables if e is not None]
    metadata = entry.get("metadata")
    provided = metadata.get("provides-extras") if isinstance(metadata, dict) else None
    if "optional-dependencies" in dynamic and isinstance(provided, list):
        named += [normalize_group(str(e)) for e in provided]
    extras = dict.fromkeys((*pkg.extras, *named))
    return replace(
        pkg,
        declarations=(*pkg.declarations, *declarations),
        extras=tuple(extras),
        dependencies_from=display,
    )
