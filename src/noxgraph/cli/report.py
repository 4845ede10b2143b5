"""Turn answers into output: JSON documents, DOT, Mermaid, and rich renderables.

Every function here is pure: it returns a document, a string or a rich
renderable, and the command line decides where it goes. JSON documents carry
``"schema": 1``; their shape is a contract other tools read. ``rich`` is
imported only by the text renderers, so JSON output never pays for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from noxgraph.errors import CycleError
from noxgraph.graph import DependencyGraph, Edge
from noxgraph.kinds import KINDS, Kind
from noxgraph.workspace.config import Task
from noxgraph.workspace.load import Workspace
from noxgraph.workspace.pyproject import Package

if TYPE_CHECKING:
    T = TypeVar("T")

    from rich.console import RenderableType
    from rich.tree import Tree

    from noxgraph.changes.affected import Affected, AffectedPackage
    from noxgraph.changes.lock_changes import Entry, LockDiff, LockedHit
    from noxgraph.changes.locks import LockedChange
    from noxgraph.cli.checks import Finding
    from noxgraph.cli.run import ReportRow

__all__ = [
    "SCHEMA",
    "GraphView",
    "affected_document",
    "affected_text",
    "check_document",
    "check_text",
    "dumps",
    "graph_document",
    "graph_dot",
    "graph_mermaid",
    "graph_text",
    "graph_view",
    "plain_text",
    "run_plan_text",
    "run_summary_text",
    "show_document",
    "show_text",
]

SCHEMA = 1


def dumps(document: Mapping[str, Any], *, indent: bool = True) -> str:
    """JSON as every command prints it, keys in contract order.

    Indented for a person; compact for a program (``json`` only has a fast
    encoder for compact output, which matters for thousands of entries).
    """
    spacing = 2 if indent else None
    text = json.dumps(document, indent=spacing, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A path that is not UTF-8 holds lone surrogates: escaped, the JSON stays valid
        # and still round-trips to the same path.
        text = json.dumps(document, indent=spacing, ensure_ascii=True)
    return text + "\n"


@dataclass(frozen=True)
class GraphView:
    """What ``noxgraph graph`` shows: edges of some kinds, with order, levels, cycles.

    ``order`` and ``levels`` follow the configured order kinds among the kinds
    shown; when those edges hold a cycle there is no order, ``order`` and
    ``levels`` are empty and ``order_error`` says why.
    """

    kinds: tuple[Kind, ...]
    order_kinds: tuple[Kind, ...]
    edges: tuple[Edge, ...]
    order: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    cycles: tuple[tuple[str, ...], ...]
    order_error: CycleError | None


def graph_view(graph: DependencyGraph, kinds: Sequence[Kind] | None = None) -> GraphView:
    shown = tuple(kinds or KINDS)
    order_kinds = tuple(k for k in graph.order_kinds if k in shown)
    error: CycleError | None = None
    try:
        levels = graph.levels(order_kinds)
    except CycleError as exc:
        levels, error = [], exc
    return GraphView(
        kinds=shown,
        order_kinds=order_kinds,
        edges=tuple(graph.edges_of(shown)),
        order=tuple(name for level in levels for name in level),
        levels=tuple(tuple(level) for level in levels),
        cycles=tuple(tuple(c) for c in graph.cycles(shown)),
        order_error=error,
    )


def _edge_document(edge: Edge) -> dict[str, Any]:
    return {
        "from": edge.source,
        "to": edge.target,
        "kind": edge.kind,
        "specifier": edge.specifier,
        "extras": list(edge.extras),
        "marker": edge.marker,
        "declared_in": edge.declared_in,
    }


def graph_document(workspace: Workspace, view: GraphView, root: str) -> dict[str, Any]:
    """The ``graph --format json`` contract (schema 1)."""
    return {
        "schema": SCHEMA,
        "root": root,
        "packages": [
            {
                "name": pkg.name,
                "path": pkg.relpath,
                "version": pkg.version,
                "dynamic": list(pkg.dynamic),
            }
            for pkg in workspace.packages
        ],
        "edges": [_edge_document(edge) for edge in view.edges],
        "order": list(view.order),
        "levels": [list(level) for level in view.levels],
        "cycles": [list(cycle) for cycle in view.cycles],
        "skipped": [{"path": s.path, "reason": s.reason} for s in workspace.skipped],
    }


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_STYLE = {
    "runtime": "solid",
    "optional": "dashed",
    "group": "dotted",
    "dev": "dotted",
    "build": "bold",
}


def graph_dot(workspace: Workspace, view: GraphView) -> str:
    """Graphviz DOT: one node per package, one arrow per edge, styled by kind."""
    lines = ["digraph noxgraph {", "  rankdir=BT;", "  node [shape=box];"]
    for pkg in workspace.packages:
        # Each line is quoted on its own; only the DOT line break between them is raw.
        label = _quote(pkg.name)[:-1] + "\\n" + _quote(pkg.version or "dynamic")[1:]
        lines.append(f"  {_quote(pkg.name)} [label={label}];")
    for edge in view.edges:
        lines.append(
            f"  {_quote(edge.source)} -> {_quote(edge.target)}"
            f" [label={_quote(edge.kind)}, style={_DOT_STYLE[edge.kind]}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_ARROW = {
    "runtime": "-->",
    "optional": "-.->",
    "group": "-.->",
    "dev": "-.->",
    "build": "==>",
}


def graph_mermaid(workspace: Workspace, view: GraphView) -> str:
    """A Mermaid flowchart, for a README or a pull request."""
    ids = {pkg.name: f"n{i}" for i, pkg in enumerate(workspace.packages)}
    lines = ["flowchart BT"]
    for pkg in workspace.packages:
        lines.append(f"  {ids[pkg.name]}[{_quote(pkg.name)}]")
    for edge in view.edges:
        arrow = _MERMAID_ARROW[edge.kind]
        lines.append(f"  {ids[edge.source]} {arrow}|{edge.kind}| {ids[edge.target]}")
    return "\n".join(lines) + "\n"


class _Table:
    """A rich table whose headers and cells are literal text: none passes as rich markup."""

    def __init__(self, plain: bool, *headers: str) -> None:
        from rich import box  # rich only for text output
        from rich.table import Table
        from rich.text import Text

        self.table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header in headers:
            self.table.add_column(Text(header), overflow="fold")
        self.plain = plain
        self.cells: list[tuple[str, ...]] | None = [headers]

    def add_row(self, *cells: str | RenderableType) -> None:
        from rich.text import Text

        row = [Text(c) if isinstance(c, str) else c for c in cells]
        self.table.add_row(*row)
        texts = [cell for cell in row if isinstance(cell, Text)]
        if self.cells is not None and len(texts) == len(row):
            self.cells.append(tuple(text.plain for text in texts))
        else:
            self.cells = None  # a cell rich alone lays out

    def __rich__(self) -> RenderableType:
        return self.table


def _table(plain: bool, *headers: str) -> _Table:
    return _Table(plain, *headers)


def _kind_label(edge: Edge) -> str:
    parts: list[str] = [edge.kind]
    if edge.specifier:
        parts.append(edge.specifier)
    if edge.extras:
        parts.append(f"[{','.join(edge.extras)}]")
    if edge.marker:
        parts.append(f"; {edge.marker}")
    return " ".join(parts)


def _first(rows: Sequence[T], limit: int | None) -> tuple[Sequence[T], int]:
    """The first ``limit`` of ``rows`` (all for ``None``) and how many are left out:
    rich lays a table out in time that grows with its rows, so long ones are cut."""
    if limit is None or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


def _more(left_out: int, what: str) -> RenderableType:
    from rich.text import Text

    return Text(f"... and {left_out} more {what} (--all lists every one)", style="dim")


def plain_text(renderable: RenderableType) -> str:
    """``renderable`` as rich prints it without colour at an unbounded width, each line
    without trailing spaces; the text, trees and plain tables noxgraph makes are written
    here directly, since rich takes seconds to lay out the thousands of lines of
    ``--all`` on a large workspace."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
    lines: list[str] = []
    for part in parts:
        drawn: list[str] | None = None
        if isinstance(part, Text) and "\t" not in part.plain:
            drawn = (part.plain + "\n").splitlines()
        elif isinstance(part, Tree):
            drawn = _plain_tree(part)
        elif isinstance(part, _Table) and part.plain and part.cells is not None:
            drawn = _plain_table(part.cells)
        lines += _rich_plain(part).splitlines() if drawn is None else drawn
    return "".join(line.rstrip() + "\n" for line in lines)


def _rich_plain(renderable: RenderableType) -> str:
    from rich.console import Console

    console = Console(width=100_000, no_color=True, highlight=False, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def _plain_tree(tree: Tree) -> list[str] | None:
    """``tree``'s lines, as rich draws them with its standard guides; ``None`` for a
    tree drawn otherwise: labels other than one line of text, folded or hidden nodes."""
    from rich.text import Text

    lines: list[str] = []

    def draw(node: Tree, guide: str, indent: str) -> bool:
        label = node.label
        if not isinstance(label, Text) or node.hide_root or not node.expanded:
            return False
        if "\t" in label.plain or len((label.plain + "\n").splitlines()) != 1:
            return False
        lines.append(guide + label.plain)
        last = len(node.children) - 1
        return all(
            draw(
                child,
                indent + ("└── " if i == last else "├── "),
                indent + ("    " if i == last else "│   "),
            )
            for i, child in enumerate(node.children)
        )

    return lines if tree.guide_style == "dim" and draw(tree, "", "") else None


def _plain_table(rows: Sequence[tuple[str, ...]]) -> list[str] | None:
    """The lines of a table without borders, as rich lays it out: each column as wide
    as its widest cell (in terminal cells), two spaces between columns; ``None`` when a
    column takes no cells at all, which rich lays out its own way."""
    from rich.cells import cell_len

    widths = [max(cell_len(row[column]) for row in rows) for column in range(len(rows[0]))]
    if 0 in widths:
        return None
    return [
        "  ".join(
            cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths, strict=True)
        )
        for row in rows
    ]


def graph_text(
    workspace: Workspace, view: GraphView, *, plain: bool, limit: int | None = None
) -> RenderableType:
    """Levels as a table, dependencies as a tree, then cycles and skipped files; each
    cut to its first ``limit`` rows (``None``: every row)."""
    from rich.console import Group  # rich only for text output
    from rich.text import Text
    from rich.tree import Tree

    parts: list[RenderableType] = [
        Text(
            f"{len(workspace.packages)} packages, {len(view.edges)} edges"
            f" ({', '.join(view.kinds)}); members from {workspace.discovery}",
            style="bold",
        )
    ]
    if view.order_error is None:
        levels = _table(plain, "level", "packages (can build side by side)")
        shown, left_out = _first(view.levels, limit)
        for number, level in enumerate(shown):
            levels.add_row(str(number), ", ".join(level))
        parts += [Text(f"\nBuild order over {', '.join(view.order_kinds)} edges"), levels]
        if left_out:
            parts.append(_more(left_out, "levels"))
    else:
        parts.append(Text(f"\nNo build order: {view.order_error.message}", style="red"))

    by_source: dict[str, list[Edge]] = {}
    for edge in view.edges:
        by_source.setdefault(edge.source, []).append(edge)
    tree = Tree(Text("Dependencies"), guide_style="dim")
    packages, left_out = _first(workspace.packages, limit)
    for pkg in packages:
        node = tree.add(Text(f"{pkg.name} {pkg.version or '(dynamic version)'}", style="bold"))
        for edge in by_source.get(pkg.name, []):
            node.add(Text(f"{edge.target}  {_kind_label(edge)}"))
    parts += [Text(""), tree]
    if left_out:
        parts.append(_more(left_out, "packages"))

    if view.cycles:
        cycles = _table(plain, "cycle", "kinds")
        shown_cycles, left_out = _first(view.cycles, limit)
        for cycle in shown_cycles:
            members = set(cycle)
            kinds = sorted(
                {e.kind for e in view.edges if e.source in members and e.target in members},
                key=KINDS.index,
            )
            cycles.add_row(" <-> ".join(cycle), ", ".join(kinds))
        parts += [Text("\nCycles (normal through group and dev edges; they do not order)"), cycles]
        if left_out:
            parts.append(_more(left_out, "cycles"))
    if workspace.skipped:
        skipped = _table(plain, "skipped", "reason")
        entries, left_out = _first(workspace.skipped, limit)
        for entry in entries:
            skipped.add_row(entry.path, entry.reason)
        parts += [Text(""), skipped]
        if left_out:
            parts.append(_more(left_out, "skipped files"))
    return Group(*parts)


# -- show --------------------------------------------------------------------------------


def _task_document(task: Task, session: str) -> dict[str, Any]:
    return {
        "session": session,
        "commands": [list(argv) for argv in task.commands],
        "install": list(task.install),
        "installs_package": task.package,
        "groups": list(task.groups),
    }


def _grouped(edges: Iterable[Edge], key: str) -> dict[str, list[Edge]]:
    result: dict[str, list[Edge]] = {}
    for edge in edges:
        result.setdefault(getattr(edge, key), []).append(edge)
    return result


def show_document(
    workspace: Workspace, graph: DependencyGraph, pkg: Package, sessions: Mapping[str, str]
) -> dict[str, Any]:
    """``show --format json``: one package, its edges both ways, and its tasks."""
    outgoing = _grouped((e for e in graph.edges if e.source == pkg.name), "target")
    incoming = _grouped((e for e in graph.edges if e.target == pkg.name), "source")
    siblings = set(outgoing)
    return {
        "schema": SCHEMA,
        "name": pkg.name,
        "display_name": pkg.display_name,
        "path": pkg.relpath,
        "pyproject": pkg.pyproject,
        "version": pkg.version,
        "dynamic": list(pkg.dynamic),
        "dependencies": [
            {
                "name": target,
                "kinds": [e.kind for e in edges],
                "specifier": next((e.specifier for e in edges if e.specifier), ""),
                "edges": [_edge_document(e) for e in edges],
                "where": [d.where for e in edges for d in e.declarations],
            }
            for target, edges in sorted(outgoing.items())
        ],
        "dependents": [
            {"name": source, "kinds": [e.kind for e in edges]}
            for source, edges in sorted(incoming.items())
        ],
        "external": [
            {"requirement": d.requirement, "kind": d.kind, "where": d.where}
            for d in pkg.declarations
            if d.name not in siblings and d.name != pkg.name
        ],
        "tasks": {
            name: _task_document(task, sessions[name])
            for name, task in workspace.tasks_of(pkg.name).items()
        },
    }


def show_text(document: Mapping[str, Any], *, plain: bool) -> RenderableType:
    from rich.console import Group  # rich only for text output
    from rich.text import Text

    title = Text(f"{document['name']} {document['version'] or '(dynamic version)'}", style="bold")
    title.append(f"  {document['path']}  ({document['pyproject']})", style="dim")
    parts: list[RenderableType] = [title]
    if document["dynamic"]:
        parts.append(Text(f"dynamic: {', '.join(document['dynamic'])}"))
    deps = _table(plain, "dependency", "kinds", "specifier", "declared in")
    for dep in document["dependencies"]:
        deps.add_row(
            dep["name"],
            ", ".join(dep["kinds"]),
            dep["specifier"] or "-",
            ", ".join(dict.fromkeys(dep["where"])),
        )
    parts += (
        [Text("\nWorkspace dependencies"), deps]
        if document["dependencies"]
        else [Text("\nWorkspace dependencies: none")]
    )
    if document["dependents"]:
        dependents = _table(plain, "dependent", "kinds")
        for dep in document["dependents"]:
            dependents.add_row(dep["name"], ", ".join(dep["kinds"]))
        parts += [Text("\nDependents"), dependents]
    else:
        parts.append(Text("\nDependents: none"))
    tasks = _table(plain, "task", "session", "commands")
    for name, task in document["tasks"].items():
        commands = "; ".join(" ".join(argv) for argv in task["commands"])
        tasks.add_row(name, task["session"], commands)
    parts += [Text("\nTasks"), tasks] if document["tasks"] else [Text("\nTasks: none")]
    return Group(*parts)


# -- check -------------------------------------------------------------------------------


def check_document(findings: Sequence[Finding], *, failed: bool, strict: bool) -> dict[str, Any]:
    counts = {severity: 0 for severity in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.severity] += 1
    return {
        "schema": SCHEMA,
        "ok": not failed,
        "strict": strict,
        "counts": counts,
        "findings": [
            {"severity": f.severity, "code": f.code, "file": f.file, "message": f.message}
            for f in findings
        ],
    }


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "dim"}


def check_text(document: Mapping[str, Any], *, plain: bool) -> RenderableType:
    from rich.console import Group  # rich only for text output
    from rich.text import Text

    table = _table(plain, "severity", "file", "finding")
    for finding in document["findings"]:
        table.add_row(
            Text(finding["severity"], style=_SEVERITY_STYLE[finding["severity"]]),
            finding["file"] or "-",
            finding["message"],
        )
    counts = document["counts"]
    tally = ", ".join(
        f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in ("error", "warning", "note")
    )
    summary = Text(
        f"{tally}: " + ("ok" if document["ok"] else "check failed"),
        style="bold green" if document["ok"] else "bold red",
    )
    return Group(table, summary) if document["findings"] else summary


# -- affected ----------------------------------------------------------------------------


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def affected_document(affected: Affected) -> dict[str, Any]:
    """``affected --format json`` (schema 1); paths POSIX, relative to the workspace root."""
    changes = affected.changes
    repositories = changes.repositories
    return {
        "schema": SCHEMA,
        "source": changes.source,
        "base": _common(repo.base for repo in repositories),
        "head": _common(repo.head for repo in repositories),
        "uncommitted": any(repo.uncommitted for repo in repositories),
        "repositories": [
            {
                "path": repo.path,
                "base": repo.base,
                "merge_base": repo.merge_base,
                "head": repo.head,
                "uncommitted": repo.uncommitted,
                "missing_base": repo.missing_base,
            }
            for repo in repositories
        ],
        "changed_files": [
            {"path": f.path, "status": f.status, "package": f.package} for f in affected.files
        ],
        "affected": [
            {
                "name": pkg.name,
                "path": pkg.path,
                "reason": pkg.reason,
                "files": list(pkg.files),
                "via": list(pkg.via),
                "locked": [
                    _locked_document(hit.change)
                    | {"via": [{"name": name, "extra": extra} for name, extra in hit.via]}
                    for hit in pkg.locked
                ],
                "problem": pkg.problem,
            }
            for pkg in affected.packages
        ],
        "locks": [
            {
                "path": diff.path,
                "format": diff.format,
                "covers": list(diff.covers),
                "changed": [_locked_document(change) for change in diff.changes],
                "affects": sorted(diff.affects),
                "problem": diff.problem,
            }
            for diff in affected.locks
        ],
        "task": affected.task,
        "kinds": list(affected.kinds),
        "unowned_files": list(affected.unowned_files),
        "non_member_files": list(affected.non_member_files),
        "ignored_files": list(affected.ignored_files),
        "global_files": list(affected.global_files),
        "deleted_packages": [{"name": gone.name, "path": gone.folder} for gone in affected.deleted],
        "not_checked_out": list(affected.not_checked_out),
    }


def _locked_document(change: LockedChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "change": change.change,
        "before": list(change.before),
        "after": list(change.after),
    }


def _versions(versions: Sequence[str | None]) -> str:
    return ", ".join("(no version)" if v is None else v for v in versions)


def _locked_text(change: LockedChange) -> str:
    """``httpx 0.27.0 -> 0.28.1``, ``httpx 0.28.1 (added)``, ``httpx 0.27.0 (source)``."""
    if change.change == "version":
        return f"{change.name} {_versions(change.before)} -> {_versions(change.after)}"
    shown = change.after if change.change == "added" else change.before
    return f"{change.name} {_versions(shown)} ({change.change})"


def _entry(entry: Entry) -> str:
    name, extra = entry
    return name if extra is None else f"{name}[{extra}]"


def _hit_text(hit: LockedHit) -> str:
    """A changed package, and the members' entries that lead to it:
    ``six 1.16.0 -> 1.17.0 via core[fast]``."""
    via = f" via {' -> '.join(map(_entry, hit.via))}" if hit.via else ""
    return _locked_text(hit.change) + via


def _some(items: Sequence[str], limit: int = 3) -> str:
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def _explain(pkg: AffectedPackage) -> str:
    if pkg.reason == "locked":
        changed = _some([_hit_text(hit) for hit in pkg.locked])
        return f"locked {'dependency' if len(pkg.locked) == 1 else 'dependencies'} changed:" + (
            f" {changed} ({', '.join(pkg.files)})"
        )
    if pkg.reason == "lock-unreadable":
        return f"lock unreadable, so all it covers is affected: {pkg.problem}"
    if pkg.reason == "changed":
        shown = ", ".join(pkg.files[:3]) + (
            f" and {len(pkg.files) - 3} more" if len(pkg.files) > 3 else ""
        )
        return f"changed: {shown}"
    if pkg.reason == "global":
        return (
            f"global file changed: {', '.join(pkg.files[:3])}"
            if pkg.files
            else ("no base to compare with (--if-base-missing all)")
        )
    chain = " -> ".join(pkg.via)
    if pkg.reason == "deleted-dependency":
        return f"depends on {chain}, deleted since the base"
    # Only changed files pass on to dependents, so the chain always ends at one.
    return f"depends on {chain} (changed)"


def _lock_line(diff: LockDiff) -> str:
    """What one changed lock holds: its changed packages, and the members it affects."""
    if diff.problem is not None:
        count = len(diff.covers)
        return f"lock could not be read: {diff.problem}; affects all {count} members it covers"
    count = len(diff.changes)
    changed = _some([_locked_text(change) for change in diff.changes], limit=5)
    members = ", ".join(sorted(diff.affects)) or "no member"
    noun = "package" if count == 1 else "packages"
    listed = f": {changed}" if count else ""
    return f"{diff.path}: {count} locked {noun} changed{listed}; affects {members}"


def _changes_line(affected: Affected) -> str:
    changes = affected.changes
    count = len(changes.files)
    files = f"{count} changed file{'' if count == 1 else 's'}"
    if changes.source == "files":
        return f"{files}, named with --files"
    parts = []
    for repo in changes.repositories:
        if repo.missing_base:
            parts.append(f"{repo.path}: no base ({repo.missing_base})")
            continue
        short = (repo.merge_base or "")[:10]
        extra = " plus uncommitted and untracked files" if repo.uncommitted else ""
        parts.append(f"{repo.path}: {repo.base}...{repo.head} (merge base {short}){extra}")
    return f"{files}; " + "; ".join(parts)


def affected_text(affected: Affected, *, explain: bool, plain: bool) -> RenderableType:
    from rich.console import Group  # rich only for text output
    from rich.text import Text

    parts: list[RenderableType] = [Text(_changes_line(affected), style="dim")]
    count = len(affected.packages)
    if not count:
        parts.append(Text("No package is affected.", style="bold"))
    else:
        noun = "package" if count == 1 else "packages"
        parts.append(Text(f"{count} {noun} affected, in build order:", style="bold"))
        table = _table(plain, "package", "path", *(("reason",) if explain else ()))
        for pkg in affected.packages:
            table.add_row(pkg.name, pkg.path, *((_explain(pkg),) if explain else ()))
        parts.append(table)
    if affected.not_checked_out:
        parts.append(
            Text(
                "not checked out (sparse checkout), read from git: "
                + ", ".join(affected.not_checked_out),
                style="dim",
            )
        )
    if explain:
        if affected.packages:
            task = f" for task {affected.task}" if affected.task else ""
            kinds = ", ".join(affected.kinds) or "none"
            parts.append(Text(f"dependents counted over {kinds} edges{task}", style="dim"))
        for title, files in (
            ("unowned files (in no package)", affected.unowned_files),
            ("files of projects that are no member", affected.non_member_files),
            ("ignored files", affected.ignored_files),
        ):
            if files:
                parts.append(Text(f"{title}: {', '.join(files)}", style="dim"))
        for gone in affected.deleted:
            parts.append(Text(f"deleted since the base: {gone.name} ({gone.folder})", style="dim"))
        for diff in affected.locks:
            parts.append(Text(_lock_line(diff), style="dim"))
    return Group(*parts)


# -- run ---------------------------------------------------------------------------------


def run_plan_text(
    argv: Sequence[str],
    sessions: Sequence[str],
    skipped: Mapping[str, str],
    *,
    plain: bool,
    limit: int | None = None,
) -> RenderableType:
    """The nox command, then the sessions it runs or skips: the first ``limit`` of
    them (``None``: every one) and a count of the rest."""
    from rich.console import Group  # rich only for text output
    from rich.text import Text

    table = _table(plain, "session", "will")
    shown, left_out = _first(sessions, limit)
    for name in shown:
        reason = skipped.get(name)
        table.add_row(name, f"skip: {reason}" if reason else "run")
    parts: list[RenderableType] = [Text(" ".join(argv)), table]
    if left_out:
        skips = sum(1 for name in sessions if name in skipped)
        parts.append(
            Text(
                f"... and {left_out} more sessions ({len(sessions)} in all:"
                f" {len(sessions) - skips} run, {skips} only skip); --all lists every one",
                style="dim",
            )
        )
    return Group(*parts)


_RESULT_STYLE = {
    "success": "green",
    "cached": "cyan",
    "failed": "bold red",
    "aborted": "red",
    "skipped": "dim",
}


def run_summary_text(rows: Sequence[ReportRow], code: int, *, plain: bool) -> RenderableType:
    from rich.console import Group  # rich only for text output
    from rich.text import Text

    table = _table(plain, "package", "session", "result", "time", "note")
    for row in rows:
        table.add_row(
            row.package,
            row.session,
            Text(row.result, style=_RESULT_STYLE.get(row.result, "")),
            f"{row.duration:.1f}s",
            row.note,
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result] = counts.get(row.result, 0) + 1
    tally = ", ".join(f"{count} {result}" for result, count in sorted(counts.items()))
    return Group(
        Text(""),
        table,
        Text(f"{tally}; nox exited with {code}", style="bold green" if code == 0 else "bold red"),
    )
