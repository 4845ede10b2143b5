"""A member's dependencies as its workspace's ``uv.lock`` records them.

A member whose ``[project].dynamic`` lists ``dependencies`` or
``optional-dependencies`` declares them in no file noxgraph reads: a hatch metadata
hook or setuptools' ``{file = ...}`` makes them when the backend runs. uv ran that
backend when it locked, and its lock holds the member's entry (an ``editable``,
``virtual`` or ``directory`` source) with what came out: ``[package.metadata]
requires-dist``, each requirement with its specifier, extras and marker, an optional
one marked ``extra == '...'``. From there the member's edges to its siblings are read,
as of the last ``uv lock``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from noxgraph._names import canonicalize_name
from noxgraph.kinds import Kind
from noxgraph.workspace.pyproject import (
    Declaration,
    InvalidRequirementError,
    Package,
    RequirementParser,
    normalize_group,
)

__all__ = ["LockedMembers", "member_entries"]

#: The sources of a uv.lock entry that is a workspace member (or a path sibling).
_MEMBER_SOURCES = frozenset({"editable", "virtual", "directory"})


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} is not a list of strings")
    return tuple(value)


def member_entries(document: Mapping[str, Any]) -> dict[str, Any]:
    """What :class:`LockedMembers` reads of a parsed ``uv.lock``: its member entries,
    and of each what tells its dependencies (the parse cache keeps only this)."""
    kept = ("name", "source", "metadata")
    entries = document.get("package")
    if not isinstance(entries, list):
        return {}
    return {
        "package": [
            {key: entry[key] for key in kept if key in entry}
            for entry in entries
            if isinstance(entry, dict) and _is_member(entry)
        ]
    }


def _is_member(entry: Mapping[str, Any]) -> bool:
    source = entry.get("source")
    return isinstance(source, dict) and bool(source.keys() & _MEMBER_SOURCES)


class LockedMembers:
    """The member entries of one ``uv.lock`` (``display`` names it), by name."""

    def __init__(self, entries: Mapping[str, Any], display: str) -> None:
        """``entries``: what :func:`member_entries` keeps of the lock; ``ValueError``
        when the lock had no list of ``[[package]]`` entries."""
        if not isinstance(entries.get("package"), list):
            raise ValueError("holds no [[package]] entries")
        self.display = display
        self._entries: dict[str, Mapping[str, Any]] = {}
        for entry in entries["package"]:
            if isinstance(entry.get("name"), str):
                self._entries.setdefault(canonicalize_name(entry["name"]), entry)

    def complete(
        self, pkg: Package, members: frozenset[str], parse: RequirementParser
    ) -> Package | None:
        """``pkg`` with its edges to ``members`` (the workspace's names) that the fields
        its ``[project].dynamic`` lists hold, each requirement parsed by ``parse``;
        ``None`` when the lock holds no entry for it. ``ValueError`` names what in the
        entry cannot be read."""
        entry = self._entries.get(pkg.name)
        if entry is None:
            return None
        metadata = entry.get("metadata")
        if not isinstance(metadata, dict):
            raise ValueError(f"the entry of {pkg.name} has no [package.metadata] table")
        provides = _strings(metadata.get("provides-extras"), f"provides-extras of {pkg.name}")
        requires = metadata.get("requires-dist") or []
        if not isinstance(requires, list) or not all(isinstance(r, dict) for r in requires):
            raise ValueError(f"requires-dist of {pkg.name} is not a list of tables")
        wanted = {
            kind
            for kind, field in (("runtime", "dependencies"), ("optional", "optional-dependencies"))
            if field in pkg.dynamic_dependencies
        }
        where = f"{self.display}: requires-dist of {pkg.name}"
        declarations = []
        for item in requires:
            found = _declaration(pkg.name, item, members, parse, where)
            if found is not None and found.kind in wanted:
                declarations.append(found)
        named = tuple(normalize_group(e) for e in provides) if "optional" in wanted else ()
        return replace(
            pkg,
            declarations=(*pkg.declarations, *declarations),
            extras=tuple(dict.fromkeys((*pkg.extras, *named))),
            dependencies_from=self.display,
        )


def _declaration(
    owner: str,
    item: Mapping[str, Any],
    members: frozenset[str],
    parse: RequirementParser,
    where: str,
) -> Declaration | None:
    """One requirement of ``owner``'s requires-dist as a declaration, when it names a
    sibling: optional for the extra its marker's own ``extra == '...'`` names (uv joins
    that to the requirement's marker with ``and``), else runtime."""
    name = item.get("name")
    if not isinstance(name, str):
        raise ValueError(f"requires-dist of {owner}: an entry has no 'name'")
    extras = _strings(item.get("extras"), f"the extras of {name!r} in requires-dist of {owner}")
    specifier, marker = item.get("specifier") or "", item.get("marker")
    if not isinstance(specifier, str) or not isinstance(marker, (str, type(None))):
        raise ValueError(f"requires-dist of {owner}: {name!r} has a non-string specifier or marker")
    text = name + (f"[{','.join(extras)}]" if extras else "") + specifier
    try:
        req = parse(text + (f"; {marker}" if marker else ""))
    except InvalidRequirementError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise ValueError(f"requires-dist of {owner}: {name!r} is invalid: {detail}") from None
    if req.name not in members or req.name == owner:
        return None
    extra, own = _split_extra(req.marker)
    if extra == "":
        return None  # asks two extras at once, which no install does
    requirement = text + (f"; {own}" if own else "")
    kind: Kind = "runtime" if extra is None else "optional"
    return Declaration(req.name, kind, where, requirement, req.specifier, req.extras, own, extra)


def _split_extra(marker: str | None) -> tuple[str | None, str | None]:
    """The extra that a top-level ``extra == "..."`` conjunct of ``marker`` (packaging's
    normal form) names, and the marker without it: ``(None, marker)`` without one, and
    ``("", None)`` with two that differ."""
    if marker is None:
        return None, None
    parts = _conjuncts(marker)
    named = {
        normalize_group(part[len('extra == "') : -1])
        for part in parts
        if part.startswith('extra == "') and part.endswith('"') and part.count('"') == 2
    }
    if not named:
        return None, marker
    if len(named) > 1:
        return "", None
    rest = [part for part in parts if not part.startswith('extra == "')]
    return named.pop(), " and ".join(rest) or None


def _conjuncts(marker: str) -> list[str]:
    """The parts of ``marker`` joined by ``and`` outside parentheses and quotes."""
    parts: list[str] = []
    depth, quoted, start, index = 0, False, 0, 0
    while index < len(marker):
        char = marker[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and marker.startswith(" and ", index):
            parts.append(marker[start:index])
            start = index = index + len(" and ")
            continue
        index += 1
    parts.append(marker[start:])
    return parts
