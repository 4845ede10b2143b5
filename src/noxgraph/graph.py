"""The dependency graph between the members of a workspace.

:func:`build_graph` turns declarations into edges: a declaration names a
sibling by canonical name, or by a path that leads to the sibling's folder.
:class:`DependencyGraph` answers the questions asked of it (dependencies,
dependents, build order, levels, cycles) in time linear in packages plus
edges, filtered by edge kind, without recursion, so ten thousand packages
cost milliseconds and no recursion limit is ever met.

An edge points from the dependent to the dependency: ``app -> lib`` means
``app`` declares ``lib``, so ``lib`` is built first.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from noxgraph._files import relative
from noxgraph.errors import CycleError
from noxgraph.kinds import KINDS, Kind
from noxgraph.workspace.load import Workspace
from noxgraph.workspace.pyproject import Declaration, any_marker

__all__ = ["DependencyGraph", "Edge", "Note", "build_graph"]

_BIT = {kind: 1 << index for index, kind in enumerate(KINDS)}
_ALL = (1 << len(KINDS)) - 1


def kind_mask(kinds: Iterable[Kind] | None) -> int:
    """The bit mask of ``kinds`` (every kind when ``None``)."""
    if kinds is None:
        return _ALL
    mask = 0
    for kind in kinds:
        mask |= _BIT[kind]
    return mask


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` depends on ``target`` with one kind; the declarations merged.

    A package may name a sibling more than once with one kind (in two extras,
    in a group and in a group that includes it): that is one edge, whose
    specifier is the intersection, extras the union, and marker the "or" of
    the declarations' markers (none when any declaration has none).
    """

    source: str
    target: str
    kind: Kind
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    declared_in: str
    declarations: tuple[Declaration, ...]

    @property
    def where(self) -> str:
        """The tables that declare the edge, for messages."""
        return ", ".join(dict.fromkeys(decl.where for decl in self.declarations))


#: The cases a :class:`Note` reports: a path that names another package than the
#: declaration (or the declaring package itself), a path to no member, a member taken
#: from git or a URL, a ``workspace = true`` source with no member of that name.
NoteCode = Literal[
    "path-names-other",
    "path-to-itself",
    "path-to-no-member",
    "remote-source",
    "no-workspace-member",
]


@dataclass(frozen=True, slots=True)
class Note:
    """Something :func:`build_graph` met that ``check`` reports.

    ``severity`` is ``"warning"`` (the graph may not be what the files mean)
    or ``"info"`` (worth knowing, nothing wrong); ``code`` says which case it is.
    """

    severity: str
    code: NoteCode
    file: str
    message: str


def _merge(source: str, target: str, kind: Kind, file: str, decls: Sequence[Declaration]) -> Edge:
    if len(decls) == 1:
        only = decls[0]
        return Edge(
            source, target, kind, only.specifier, only.extras, only.marker, file, tuple(decls)
        )
    specs = [decl.specifier for decl in decls if decl.specifier]
    if specs:
        from packaging.specifiers import SpecifierSet  # only a name declared twice needs it

        specifier = str(SpecifierSet(",".join(specs)))
    else:
        specifier = ""
    extras = sorted({extra for decl in decls for extra in decl.extras})
    markers = [decl.marker for decl in decls]
    marker: str | None
    if any(m is None for m in markers):
        marker = None
    else:
        marker = any_marker(m for m in markers if m is not None)
    return Edge(source, target, kind, specifier, tuple(extras), marker, file, tuple(decls))


def build_graph(workspace: Workspace) -> DependencyGraph:
    """Resolve every member's declarations into edges between members."""
    by_folder = {pkg.path: pkg.name for pkg in workspace.packages}
    names = set(by_folder.values())
    grouped: dict[tuple[str, str, Kind], list[Declaration]] = {}
    notes: list[Note] = []
    files = {pkg.name: pkg.pyproject for pkg in workspace.packages}
    for pkg in workspace.packages:
        for decl in pkg.declarations:
            target = _resolve(pkg.name, pkg.pyproject, decl, by_folder, names, workspace, notes)
            if target is None or target == pkg.name:
                continue
            grouped.setdefault((pkg.name, target, decl.kind), []).append(decl)
    edges = [
        _merge(source, target, kind, files[source], decls)
        for (source, target, kind), decls in grouped.items()
    ]
    return DependencyGraph(names, edges, order_kinds=workspace.config.order_kinds, notes=notes)


def _resolve(
    name: str,
    file: str,
    decl: Declaration,
    by_folder: dict[Path, str],
    names: set[str],
    workspace: Workspace,
    notes: list[Note],
) -> str | None:
    """The member ``decl`` names, or ``None``; anything doubtful becomes a :class:`Note`."""
    source = decl.source
    label = decl.name or decl.requirement
    by_name = decl.name if decl.name in names else None
    if source is not None and source.kind == "path" and source.path is not None:
        # Where the path is given, when not in the declaration itself ([tool.uv.sources]).
        given_in = f" ({source.where})" if source.where != decl.where else ""
        target = by_folder.get(source.path)
        if target is not None:
            if decl.name and decl.name != target and target == name:
                notes.append(
                    Note(
                        "warning",
                        "path-to-itself",
                        file,
                        (
                            f"{decl.where}: declares {decl.name!r} but its path {source.text!r}"
                            f"{given_in} is this package's own folder; no edge is drawn"
                        ),
                    )
                )
            elif decl.name and decl.name != target:
                notes.append(
                    Note(
                        "warning",
                        "path-names-other",
                        file,
                        (
                            f"{decl.where}: declares {decl.name!r} but its path {source.text!r}"
                            f"{given_in} is package {target!r}; the edge goes to {target!r}"
                        ),
                    )
                )
            return target
        inside = source.path == workspace.root or workspace.root in source.path.parents
        where = "to a folder that is no member" if inside else "outside the workspace"
        outcome = (
            f"the edge is drawn to member {by_name!r} by name" if by_name else "no edge is drawn"
        )
        shown = relative(source.path, workspace.root)
        notes.append(
            Note(
                "warning",
                "path-to-no-member",
                file,
                (
                    f"{decl.where}: path {source.text!r} for {label!r}{given_in}"
                    f" leads {where}"
                    f" ({shown}); {outcome}"
                ),
            )
        )
        return by_name
    if by_name is not None:
        if source is not None and source.kind in ("git", "url"):
            notes.append(
                Note(
                    "info",
                    "remote-source",
                    file,
                    (
                        f"{decl.where}: {decl.name!r} is a member but is taken from {source.kind}"
                        f" {source.text!r} ({source.where}); the edge to the member is drawn"
                    ),
                )
            )
        return by_name
    if source is not None and source.kind == "workspace":
        notes.append(
            Note(
                "warning",
                "no-workspace-member",
                file,
                (
                    f"{source.where}: {decl.name!r} is marked workspace = true but no member"
                    " has that name"
                ),
            )
        )
    return None


class DependencyGraph:
    """Members and the edges between them; every query takes the kinds to follow.

    Nodes are canonical names. Internally each node is an index into the
    sorted names, and each pair of nodes keeps one bit mask of the kinds of
    edges between them, so filtering by kind costs nothing extra.
    """

    def __init__(
        self,
        names: Iterable[str],
        edges: Iterable[Edge],
        *,
        order_kinds: Sequence[Kind] = ("runtime", "optional", "build"),
        notes: Sequence[Note] = (),
    ) -> None:
        self.names: tuple[str, ...] = tuple(sorted(set(names)))
        self.order_kinds: tuple[Kind, ...] = tuple(order_kinds)
        self.notes: tuple[Note, ...] = tuple(notes)
        self._index = {name: i for i, name in enumerate(self.names)}
        rank = {kind: i for i, kind in enumerate(KINDS)}
        self.edges: tuple[Edge, ...] = tuple(
            sorted(edges, key=lambda e: (e.source, e.target, rank[e.kind]))
        )
        self._out: list[dict[int, int]] = [{} for _ in self.names]
        self._in: list[dict[int, int]] = [{} for _ in self.names]
        for edge in self.edges:
            u, v, bit = self._index[edge.source], self._index[edge.target], _BIT[edge.kind]
            self._out[u][v] = self._out[u].get(v, 0) | bit
            self._in[v][u] = self._in[v].get(u, 0) | bit

    def __contains__(self, name: str) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self.names)

    def edges_of(self, kinds: Iterable[Kind] | None = None) -> list[Edge]:
        """The edges of ``kinds`` (all when ``None``), sorted."""
        wanted = set(KINDS if kinds is None else kinds)
        return [edge for edge in self.edges if edge.kind in wanted]

    def edges_between(self, source: str, target: str) -> list[Edge]:
        return [e for e in self.edges if e.source == source and e.target == target]

    # -- neighbours ----------------------------------------------------------------------

    def _walk(self, start: Iterable[int], mask: int, outward: bool) -> list[int]:
        adjacency = self._out if outward else self._in
        seen = set(start)
        queue = deque(seen)
        while queue:
            node = queue.popleft()
            for other, kinds in adjacency[node].items():
                if kinds & mask and other not in seen:
                    seen.add(other)
                    queue.append(other)
        return sorted(seen)

    def _related(
        self, name: str, kinds: Iterable[Kind] | None, transitive: bool, outward: bool
    ) -> list[str]:
        node = self._index[name]
        mask = kind_mask(kinds)
        if not transitive:
            adjacency = self._out if outward else self._in
            return sorted(self.names[o] for o, m in adjacency[node].items() if m & mask)
        return [self.names[i] for i in self._walk([node], mask, outward) if i != node]

    def dependencies(
        self, name: str, kinds: Iterable[Kind] | None = None, *, transitive: bool = False
    ) -> list[str]:
        """What ``name`` depends on (directly, or transitively), sorted."""
        return self._related(name, kinds, transitive, outward=True)

    def dependents(
        self, name: str, kinds: Iterable[Kind] | None = None, *, transitive: bool = False
    ) -> list[str]:
        """What depends on ``name`` (directly, or transitively), sorted."""
        return self._related(name, kinds, transitive, outward=False)

    def closure(
        self, names: Iterable[str], kinds: Iterable[Kind] | None = None, *, dependents: bool
    ) -> list[str]:
        """``names`` and everything reachable from them, sorted by name."""
        start = [self._index[n] for n in names]
        return [self.names[i] for i in self._walk(start, kind_mask(kinds), not dependents)]

    # -- order and levels ------------------------------------------------------------------

    def levels(self, kinds: Iterable[Kind] | None = None) -> list[list[str]]:
        """Packages in waves: each wave depends only on earlier ones (names sorted).

        Level 0 holds the packages with no dependency over ``kinds`` (default:
        ``order_kinds``); the packages of one level can be built side by side.
        A cycle over ``kinds`` raises :class:`~noxgraph.errors.CycleError`.
        """
        chosen = self.order_kinds if kinds is None else tuple(kinds)
        mask = kind_mask(chosen)
        waiting = [sum(1 for m in out.values() if m & mask) for out in self._out]
        wave = [i for i, count in enumerate(waiting) if count == 0]
        levels: list[list[str]] = []
        placed = 0
        while wave:
            levels.append([self.names[i] for i in wave])
            placed += len(wave)
            ready: list[int] = []
            for node in wave:
                for dependent, m in self._in[node].items():
                    if m & mask:
                        waiting[dependent] -= 1
                        if waiting[dependent] == 0:
                            ready.append(dependent)
            wave = sorted(ready)
        if placed != len(self.names):
            raise self.cycle_error(chosen)
        return levels

    def order(self, kinds: Iterable[Kind] | None = None) -> list[str]:
        """A deterministic build order: level by level, by name within a level."""
        return [name for level in self.levels(kinds) for name in level]

    # -- cycles ------------------------------------------------------------------------------

    def cycles(self, kinds: Iterable[Kind] | None = None) -> list[list[str]]:
        """Every strongly connected component of more than one package, sorted.

        Tarjan's algorithm, with an explicit stack instead of recursion.
        """
        mask = kind_mask(kinds)
        count = len(self.names)
        index = [-1] * count
        low = [0] * count
        on_stack = [False] * count
        stack: list[int] = []
        components: list[list[str]] = []
        counter = 0
        for start in range(count):
            if index[start] != -1:
                continue
            work: list[tuple[int, list[int], int]] = []
            index[start] = low[start] = counter
            counter += 1
            stack.append(start)
            on_stack[start] = True
            work.append((start, [v for v, m in self._out[start].items() if m & mask], 0))
            while work:
                node, successors, position = work[-1]
                if position < len(successors):
                    work[-1] = (node, successors, position + 1)
                    nxt = successors[position]
                    if index[nxt] == -1:
                        index[nxt] = low[nxt] = counter
                        counter += 1
                        stack.append(nxt)
                        on_stack[nxt] = True
                        work.append((nxt, [v for v, m in self._out[nxt].items() if m & mask], 0))
                    elif on_stack[nxt]:
                        low[node] = min(low[node], index[nxt])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[int] = []
                    while True:
                        member = stack.pop()
                        on_stack[member] = False
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(self.names[i] for i in component))
        return sorted(components)

    def cycle_path(
        self, component: Sequence[str], kinds: Iterable[Kind] | None = None
    ) -> list[str]:
        """One shortest cycle through the first package of ``component``, closed."""
        mask = kind_mask(kinds)
        members = {self._index[n] for n in component}
        start = self._index[component[0]]
        parent: dict[int, int] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in sorted(self._out[node]):
                if not self._out[node][nxt] & mask or nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [self.names[i] for i in reversed(path)] + [self.names[start]]
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        raise ValueError(f"{component} is not a cycle")  # pragma: no cover - SCCs always are

    def describe_cycle(self, component: Sequence[str], kinds: Iterable[Kind] | None = None) -> str:
        """``a -[runtime: a/pyproject.toml]-> b -[build: b/pyproject.toml]-> a``."""
        path = self.cycle_path(component, kinds)
        wanted = set(KINDS if kinds is None else kinds)
        parts = [path[0]]
        for source, target in itertools.pairwise(path):
            edges = [e for e in self.edges_between(source, target) if e.kind in wanted]
            label = "+".join(e.kind for e in edges)
            parts.append(f"-[{label}: {edges[0].declared_in}]-> {target}")
        return " ".join(parts)

    def cycle_error(self, kinds: Sequence[Kind]) -> CycleError:
        components = self.cycles(kinds)
        described = "; ".join(self.describe_cycle(c, kinds) for c in components)
        return CycleError(
            f"dependency cycle over edges that order sessions ({', '.join(kinds)}): "
            f"{described}. Remove one of these declarations, or leave its kind out of"
            " [tool.noxgraph].order-kinds",
            components,
        )
