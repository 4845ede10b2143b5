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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from noxgraph._names import canonicalize_name
from noxgraph.kinds import Kind
from noxgraph.workspace.pyproject import Declaration, Package, normalize_group

if TYPE_CHECKING:
    from packaging.markers import Marker

__all__ = ["Edge", "LockedMembers", "member_entries", "uv_edges"]

#: The sources of a uv.lock entry that is a workspace member (or a path sibling).
_MEMBER_SOURCES = frozenset({"editable", "virtual", "directory"})

#: What a lock entry asks of a package: its name, and the extras it asks for.
Edge = tuple[str, tuple[str, ...]]


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} is not a list of strings")
    return tuple(value)


def uv_edges(entries: Any, canonical: Callable[[str], str] = canonicalize_name) -> tuple[Edge, ...]:
    """The ``(name, extras)`` of each of a lock entry's dependencies (names made
    canonical by ``canonical``); ``ValueError`` when one is not a table with a ``name``
    and a list of extras."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ValueError("dependencies are not a list")
    edges: list[Edge] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("a dependency is not a table with a 'name'")
        # uv writes names normalized already; a lock written by hand may not.
        edges.append((canonical(entry["name"]), _strings(entry.get("extra"), "'extra'")))
    return tuple(edges)


def member_entries(document: Mapping[str, Any]) -> dict[str, Any]:
    """What :class:`LockedMembers` reads of a parsed ``uv.lock``: its member entries,
    and of each what tells its dependencies (the parse cache keeps only this)."""
    kept = ("name", "source", "dependencies", "optional-dependencies", "metadata")
    entries = document.get("package")
    return {
        "package": [
            {key: entry[key] for key in kept if key in entry}
            for entry in (entries if isinstance(entries, list) else ())
            if isinstance(entry, dict) and _is_member(entry)
        ]
    }


def _is_member(entry: Mapping[str, Any]) -> bool:
    source = entry.get("source")
    return isinstance(source, dict) and bool(source.keys() & _MEMBER_SOURCES)


class LockedMembers:
    """The member entries of one parsed ``uv.lock`` (``display`` names it), by name."""

    def __init__(self, document: Mapping[str, Any], display: str) -> None:
        self.display = display
        self._entries: dict[str, Mapping[str, Any]] = {}
        for entry in member_entries(document)["package"]:
            if isinstance(entry.get("name"), str):
                self._entries.setdefault(canonicalize_name(entry["name"]), entry)

    def complete(self, pkg: Package, members: frozenset[str]) -> Package | None:
        """``pkg`` with its edges to ``members`` (the workspace's names) that the fields
        its ``[project].dynamic`` lists hold; ``None`` when the lock holds no entry for
        it. ``ValueError`` names what in the entry cannot be read."""
        entry = self._entries.get(pkg.name)
        if entry is None:
            return None
        metadata = entry.get("metadata")
        if not isinstance(metadata, dict):
            raise ValueError(f"the entry of {pkg.name} has no [package.metadata] table")
        provides = _strings(metadata.get("provides-extras"), f"provides-extras of {pkg.name}")
        provided = tuple(normalize_group(extra) for extra in provides)
        requires = metadata.get("requires-dist") or []
        if not isinstance(requires, list) or not all(isinstance(r, dict) for r in requires):
            raise ValueError(f"requires-dist of {pkg.name} is not a list of tables")
        wanted = {
            kind
            for kind, field in (("runtime", "dependencies"), ("optional", "optional-dependencies"))
            if field in pkg.dynamic_dependencies
        }
        declarations = [
            found
            for item in requires
            for found in self._declarations(pkg.name, item, provided, members, entry)
            if found.kind in wanted
        ]
        named = provided if "optional" in wanted else ()
        return replace(
            pkg,
            declarations=(*pkg.declarations, *declarations),
            extras=tuple(dict.fromkeys((*pkg.extras, *named))),
            dependencies_from=self.display,
        )

    def _declarations(
        self,
        owner: str,
        item: Mapping[str, Any],
        provided: Sequence[str],
        members: frozenset[str],
        entry: Mapping[str, Any],
    ) -> list[Declaration]:
        """One requirement of ``owner``'s requires-dist, when it names a sibling: a
        declaration for each extra it belongs to (or one runtime declaration)."""
        name = item.get("name")
        if not isinstance(name, str):
            raise ValueError(f"requires-dist of {owner}: an entry has no 'name'")
        canonical = canonicalize_name(name)
        if canonical not in members or canonical == owner:
            return []
        extras = _strings(item.get("extras"), f"the extras of {name!r} in {owner}'s entry")
        specifier, marker = item.get("specifier") or "", item.get("marker")
        if not isinstance(specifier, str) or not isinstance(marker, (str, type(None))):
            raise ValueError(
                f"requires-dist of {owner}: {name!r} has a non-string specifier or marker"
            )
        text = name + (f"[{','.join(extras)}]" if extras else "") + specifier
        where = f"{self.display}: requires-dist of {owner}"
        found = []
        for extra in _extras_of(marker, provided, lambda: _resolved(entry, canonical)):
            own = None if extra is not None and _only_the_extra(marker, extra) else marker
            kind: Kind = "runtime" if extra is None else "optional"
            requirement = text + (f"; {own}" if own else "")
            found.append(
                Declaration(canonical, kind, where, requirement, specifier, extras, own, extra)
            )
        return found


def _resolved(entry: Mapping[str, Any], name: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the entry's resolved ``dependencies`` name ``name``, and the extras whose
    resolved ``optional-dependencies`` do: what uv made of requirements whose markers
    this interpreter cannot tell."""
    runtime = any(n == name for n, _ in uv_edges(entry.get("dependencies")))
    optional = entry.get("optional-dependencies") or {}
    if not isinstance(optional, dict):
        raise ValueError("optional-dependencies is not a table")
    extras = tuple(
        normalize_group(str(extra))
        for extra, edges in optional.items()
        if any(n == name for n, _ in uv_edges(edges))
    )
    return runtime, extras


def _extras_of(
    marker: str | None,
    provided: Sequence[str],
    resolved: Callable[[], tuple[bool, tuple[str, ...]]],
) -> tuple[str | None, ...]:
    """The extras a requirement of requires-dist belongs to (``None``: no extra, so a
    runtime dependency): those for which its marker holds here and does not without
    an extra; where it holds for none here (another platform's), the extras uv
    resolved it under."""
    if marker is None:
        return (None,)
    parsed = _marker(marker)
    if parsed.evaluate({"extra": ""}):
        return (None,)
    holding = tuple(e for e in provided if parsed.evaluate({"extra": e}))
    if holding:
        return holding
    runtime, extras = resolved()
    return extras if extras and not runtime else (None,)


def _only_the_extra(marker: str | None, extra: str) -> bool:
    """Whether ``marker`` says no more than ``extra == '<extra>'``."""
    return marker is not None and str(_marker(marker)) == str(_marker(f"extra == '{extra}'"))


def _marker(text: str) -> Marker:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except InvalidMarker as exc:
        raise ValueError(f"marker {text!r} is invalid: {exc}") from None
