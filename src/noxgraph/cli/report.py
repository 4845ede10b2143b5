"""Every answer as the command line shows it: JSON documents, DOT, Mermaid, text views.

Each function here is pure: it returns a document, a string or a :data:`View`, and
the command line decides where it goes (:mod:`noxgraph.cli.terminal` draws a view
with rich on a terminal, as plain text when piped). JSON documents carry
``"schema": 1``; their shape is a contract other tools read.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from noxgraph._text import some
from noxgraph.errors import CycleError
from noxgraph.graph import DependencyGraph, Edge
from noxgraph.kinds import KINDS, Kind

if TYPE_CHECKING:
    from noxgraph.changes.affected import Affected, AffectedPackage
    from noxgraph.changes.lock_changes import Entry, LockDiff, LockedHit
    from noxgraph.changes.locks import LockedChange
    from noxgraph.cli.checks import Finding
    from noxgraph.cli.ci import Job
    from noxgraph.cli.generate import Outcome
    from noxgraph.cli.run import ReportRow
    from noxgraph.sessions.timeline import Timeline
    from noxgraph.workspace.load import Workspace
    from noxgraph.workspace.pyproject import Package

__all__ = [
    "SCHEMA",
    "GraphView",
    "Line",
    "Node",
    "Table",
    "View",
    "affected_document",
    "affected_text",
    "check_document",
    "check_text",
    "ci_matrix_document",
    "dumps",
    "error_document",
    "generate_document",
    "generate_text",
    "graph_document",
    "graph_dot",
    "graph_mermaid",
    "graph_text",
    "graph_view",
    "run_plan_document",
    "run_plan_text",
    "run_summary_document",
    "run_summary_text",
    "show_document",
    "show_text",
]

SCHEMA = 1

T = TypeVar("T")


def dumps(document: Mapping[str, Any], *, indent: bool = True) -> str:
    """JSON as every command prints it, keys in contract order: indented for a person,
    compact for a program (``json``'s fast encoder is the compact one)."""
    spacing = 2 if indent else None
    text = json.dumps(document, indent=spacing, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A path that is not UTF-8 holds lone surrogates: escaped, the JSON stays valid
        # and still round-trips to the same path.
        text = json.dumps(document, indent=spacing, ensure_ascii=True)
    return text + "\n"


def error_document(message: str) -> dict[str, Any]:
    """What ``--format json`` prints when the command fails."""
    return {"schema": SCHEMA, "error": {"message": message}}


# -- text views -----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of text; ``style`` is a rich style, used on a terminal only."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Table:
    """Columns of one-line cells; a cell is its text, or ``(text, style)``."""

    headers: tuple[str, ...]
    rows: list[tuple[str | tuple[str, str], ...]] = field(default_factory=list)

    def add(self, *cells: str | tuple[str, str]) -> None:
        self.rows.append(cells)


@dataclass(frozen=True)
class Node:
    """A tree: a one-line label and the nodes below it."""

    label: str
    style: str = ""
    children: list[Node] = field(default_factory=list)

    def add(self, label: str, style: str = "") -> Node:
        child = Node(label, style)
        self.children.append(child)
        return child


#: A text answer: its parts, top to bottom.
View = list[Line | Table | Node]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _first(rows: Sequence[T], limit: int | None) -> tuple[Sequence[T], int]:
    """The first ``limit`` of ``rows`` (all for ``None``) and how many are left out."""
    if limit is None or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


def _more(left_out: int, what: str) -> Line:
    return Line(f"... and {_count(left_out, f'more {what}')} (--all lists every one)", "dim")


# -- graph ---------------------------------------------------------------------------------


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
    #: For each of ``cycles``, one shortest cycle through its first package, closed.
    cycle_paths: tuple[tuple[str, ...], ...]


def graph_view(graph: DependencyGraph, kinds: Sequence[Kind] | None = None) -> GraphView:
    shown = tuple(kinds or KINDS)
    order_kinds = tuple(k for k in graph.order_kinds if k in shown)
    error: CycleError | None = None
    try:
        levels = graph.levels(order_kinds)
    except CycleError as exc:
        levels, error = [], exc
    cycles = graph.cycles(shown)
    return GraphView(
        kinds=shown,
        order_kinds=order_kinds,
        edges=tuple(graph.edges_of(shown)),
        order=tuple(name for level in levels for name in level),
        levels=tuple(tuple(level) for level in levels),
        cycles=tuple(tuple(c) for c in cycles),
        order_error=error,
        cycle_paths=tuple(tuple(graph.cycle_path(c, shown)) for c in cycles),
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
        "groups": _declaring(edge),
    }


def graph_document(workspace: Workspace, view: GraphView, root: str) -> dict[str, Any]:
    """The ``graph --format json`` contract."""
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
        "cycle_paths": [list(path) for path in view.cycle_paths],
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


def _declaring(edge: Edge) -> list[str]:
    """The extras or dependency groups whose declarations make the edge."""
    return sorted({d.group for d in edge.declarations if d.group})


def _kind_named(edge: Edge) -> str:
    """The edge's kind, with the extras or groups that declare it: ``optional: all``."""
    named = _declaring(edge)
    return f"{edge.kind}: {', '.join(named)}" if named else edge.kind


def _edge_label(edge: Edge) -> str:
    """The dependency as a requirement names it, then how it is declared:
    ``agno-infra[aws,docker]>=1; python_version >= "3.10"  optional: aws``."""
    extras = f"[{','.join(edge.extras)}]" if edge.extras else ""
    marker = f"; {edge.marker}" if edge.marker else ""
    return f"{edge.target}{extras}{edge.specifier}{marker}  {_kind_named(edge)}"


def graph_text(workspace: Workspace, view: GraphView, *, limit: int | None = None) -> View:
    """Levels as a table, dependencies as a tree, then cycles and skipped files; each
    cut to its first ``limit`` rows (``None``: every row)."""
    by_kind = Counter(edge.kind for edge in view.edges)
    counted = ", ".join(f"{by_kind[kind]} {kind}" for kind in view.kinds if by_kind[kind])
    parts: View = [
        Line(
            f"{_count(len(workspace.packages), 'package')}, {_count(len(view.edges), 'edge')}"
            f"{f' ({counted})' if counted else ''}; members from {workspace.discovery}",
            "bold",
        )
    ]
    if view.order_error is None:
        levels = Table(("level", "packages (can build side by side)"))
        shown, left_out = _first(view.levels, limit)
        for number, level in enumerate(shown):
            levels.add(str(number), ", ".join(level))
        over = (
            f"Build order over {', '.join(view.order_kinds)} edges"
            if view.order_kinds
            else "Build order: no edge of the kinds shown orders sessions"
        )
        parts += [Line(""), Line(over), levels]
        if left_out:
            parts.append(_more(left_out, "level"))
    else:
        parts += [Line(""), Line(f"No build order: {view.order_error.message}", "red")]

    by_source: dict[str, list[Edge]] = {}
    for edge in view.edges:
        by_source.setdefault(edge.source, []).append(edge)
    tree = Node("Dependencies")
    packages, left_out = _first(workspace.packages, limit)
    for pkg in packages:
        node = tree.add(f"{pkg.name} {pkg.version or '(dynamic version)'}", "bold")
        for edge in by_source.get(pkg.name, []):
            node.add(_edge_label(edge))
    parts += [Line(""), tree]
    if left_out:
        parts.append(_more(left_out, "package"))

    if view.cycles:
        hops = _hop_labels(view.edges)
        cycles = Table(("cycle",))
        pairs = list(zip(view.cycles, view.cycle_paths, strict=True))
        shown_cycles, left_out = _first(pairs, limit)
        for component, path in shown_cycles:
            steps = [path[0], *_hops_along(path, hops)]
            among = f" (one of the cycles among {len(component)} packages)"
            cycles.add(" -> ".join(steps) + (among if len(path) - 1 < len(component) else ""))
        title = "Cycles"
        if view.order_error is None:
            # The steps no ordering edge takes close the cycles; their kinds are named.
            hops_shown = {pair for _, path in shown_cycles for pair in itertools.pairwise(path)}
            between: dict[tuple[str, str], set[str]] = {}
            for edge in view.edges:
                if (edge.source, edge.target) in hops_shown:
                    between.setdefault((edge.source, edge.target), set()).add(edge.kind)
            on_paths = {
                kind
                for kinds in between.values()
                if not kinds & set(view.order_kinds)
                for kind in kinds
            }
            closing = " and ".join(kind for kind in KINDS if kind in on_paths)
            title += f" (closed by {closing} edges, which do not order sessions)"
        parts += [Line(""), Line(title), cycles]
        if left_out:
            parts.append(_more(left_out, "cycle"))
    if workspace.skipped:
        skipped = Table(("skipped", "reason"))
        entries, left_out = _first(workspace.skipped, limit)
        for entry in entries:
            skipped.add(entry.path, entry.reason)
        parts += [Line(""), skipped]
        if left_out:
            parts.append(_more(left_out, "skipped file"))
    return parts


# -- show --------------------------------------------------------------------------------


def _task_document(
    workspace: Workspace, graph: DependencyGraph, pkg: Package, name: str, session: str
) -> dict[str, Any]:
    from noxgraph._files import relative
    from noxgraph.sessions.plan import chosen_groups, plan_session

    task = workspace.tasks_of(pkg.name)[name]
    groups, extras = chosen_groups(pkg, task) if task.package else ((), ())
    plan = plan_session(workspace, graph, name, pkg.name) if task.package else None
    lock = plan.lock if plan is not None else None
    return {
        "session": session,
        "commands": [list(argv) for argv in task.commands],
        "install": list(task.install),
        "installs_package": task.package,
        "groups": list(groups),
        "extras": list(extras),
        "environment": plan.environment if plan is not None else None,
        "lock": relative(lock.root / "uv.lock", workspace.root) if lock is not None else None,
        "locked_from_index": list(plan.locked_from_index) if plan is not None else [],
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
            name: _task_document(workspace, graph, pkg, name, sessions[name])
            for name in workspace.tasks_of(pkg.name)
        },
        "tasks_without_session": _tasks_without_session(workspace, pkg),
    }


def _tasks_without_session(workspace: Workspace, pkg: Package) -> dict[str, str]:
    """Each configured task that gives ``pkg`` no session, and why."""
    return {
        name: "it has no commands"
        if why == "no-commands"
        else f"it needs tests (needs-tests), and {pkg.relpath or '.'} has no tests folder"
        " or test modules at its top"
        for name, why in workspace.tasks_refused(pkg.name).items()
    }


def _installs(task: Mapping[str, Any]) -> str:
    """Where a session's packages come from, in a word or two."""
    if task["lock"] is not None:
        return f"locked versions ({task['lock']})"
    if task["environment"] == "folders":
        passed_over = task["locked_from_index"]
        why = f" (its uv.lock takes {some(passed_over)} from the index)" if passed_over else ""
        return f"siblings from folders, the rest from the index{why}"
    return ", ".join(task["install"]) or "-"


def show_text(document: Mapping[str, Any]) -> View:
    version = document["version"] or "(dynamic version)"
    parts: View = [
        Line(
            f"{document['name']} {version}  {document['path']}  ({document['pyproject']})",
            "bold",
        )
    ]
    if document["dynamic"]:
        parts.append(Line(f"dynamic: {', '.join(document['dynamic'])}"))
    parts.append(Line(""))
    if document["dependencies"]:
        deps = Table(("dependency", "kinds", "specifier", "declared in"))
        for dep in document["dependencies"]:
            # Each edge's own: a build requirement may pin otherwise than the run-time one.
            pins = {e["kind"]: e["specifier"] for e in dep["edges"]}
            if len(set(pins.values())) > 1:
                shown = "; ".join(f"{kind} {pin or 'any'}" for kind, pin in pins.items())
            else:
                shown = next(iter(pins.values()), "") or "-"
            deps.add(
                dep["name"], ", ".join(dep["kinds"]), shown, ", ".join(dict.fromkeys(dep["where"]))
            )
        parts += [Line("Workspace dependencies"), deps]
    else:
        parts.append(Line("Workspace dependencies: none"))
    parts.append(Line(""))
    if document["dependents"]:
        dependents = Table(("dependent", "kinds"))
        for dep in document["dependents"]:
            dependents.add(dep["name"], ", ".join(dep["kinds"]))
        parts += [Line("Dependents"), dependents]
    else:
        parts.append(Line("Dependents: none"))
    parts.append(Line(""))
    if document["tasks"]:
        tasks = Table(("task", "session", "commands", "installs"))
        for name, task in document["tasks"].items():
            commands = "; ".join(" ".join(argv) for argv in task["commands"])
            tasks.add(name, task["session"], commands, _installs(task))
        parts += [Line("Tasks"), tasks]
    else:
        parts.append(Line("Tasks: none"))
    parts += [
        Line(f"No {name} session: {why}", "dim")
        for name, why in document["tasks_without_session"].items()
    ]
    return parts


# -- check -------------------------------------------------------------------------------


def check_document(
    findings: Sequence[Finding], *, packages: int, failed: bool, strict: bool
) -> dict[str, Any]:
    """``check --format json``: how many packages were checked, and what was found."""
    counts = {severity: 0 for severity in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.severity] += 1
    return {
        "schema": SCHEMA,
        "ok": not failed,
        "strict": strict,
        "packages": packages,
        "counts": counts,
        "findings": [
            {"severity": f.severity, "code": f.code, "file": f.file, "message": f.message}
            for f in findings
        ],
    }


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "dim"}


def check_text(document: Mapping[str, Any], *, alike_notes: int | None = None) -> View:
    """``check``'s findings as a table; past the first ``alike_notes`` notes of one code
    (``None``: no limit), a count of the rest. Errors and warnings are always listed."""
    parts: View = []
    shown: list[Mapping[str, Any]] = []
    notes: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    for finding in document["findings"]:
        if finding["severity"] == "note":
            notes[finding["code"]] += 1
            if alike_notes is not None and notes[finding["code"]] > alike_notes:
                left_out[finding["code"]] += 1
                continue
        shown.append(finding)
    if shown:
        table = Table(("severity", "file", "finding"))
        for finding in shown:
            severity = finding["severity"]
            table.add(
                (severity, _SEVERITY_STYLE[severity]), finding["file"] or "-", finding["message"]
            )
        parts.append(table)
    parts += [_more(count, f"{code} note") for code, count in left_out.items()]
    counts = document["counts"]
    tally = ", ".join(_count(counts[s], s) for s in ("error", "warning", "note"))
    checked = _count(document["packages"], "package")
    ok = document["ok"]
    parts.append(
        Line(
            f"{checked}: {tally}: {'ok' if ok else 'check failed'}",
            "bold green" if ok else "bold red",
        )
    )
    return parts


# -- affected ----------------------------------------------------------------------------


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def affected_document(affected: Affected) -> dict[str, Any]:
    """``affected --format json``; paths POSIX, relative to the workspace root."""
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
        "unread_files": list(affected.unread_files),
        "non_member_files": list(affected.non_member_files),
        "ignored_files": list(affected.ignored_files),
        "global_files": list(affected.global_files),
        "generated_files": list(affected.generated_files),
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


def _hop_labels(edges: Iterable[Edge]) -> dict[tuple[str, str], str]:
    """What each step from a package to a dependency is, where it is not a run-time
    one (the step most chains are made of, so said by nothing): ``optional: all``."""
    by_pair: dict[tuple[str, str], list[Edge]] = {}
    for edge in edges:
        by_pair.setdefault((edge.source, edge.target), []).append(edge)
    labels: dict[tuple[str, str], str] = {}
    for pair, between in by_pair.items():
        if any(edge.kind == "runtime" for edge in between):
            continue
        labels[pair] = "; ".join(_kind_named(edge) for edge in between)
    return labels


def _hops_along(path: Sequence[str], hops: Mapping[tuple[str, str], str]) -> list[str]:
    """Each package a path steps to, with what the step is where :func:`_hop_labels`
    names it: ``openai [optional: all]``."""
    steps = []
    for source, target in itertools.pairwise(path):
        label = hops.get((source, target))
        steps.append(f"{target} [{label}]" if label else target)
    return steps


def _explain(pkg: AffectedPackage, hops: Mapping[tuple[str, str], str]) -> str:
    if pkg.reason == "locked":
        changed = some([_hit_text(hit) for hit in pkg.locked])
        noun = "dependency" if len(pkg.locked) == 1 else "dependencies"
        return f"locked {noun} changed: {changed} ({', '.join(pkg.files)})"
    if pkg.reason == "lock-unreadable":
        return f"lock not compared, so all it covers is affected: {pkg.problem}"
    if pkg.reason == "changed":
        return f"changed: {some(list(pkg.files))}"
    if pkg.reason == "global":
        if pkg.files:
            return f"global file changed: {some(list(pkg.files))}"
        return "no base to compare with (--if-base-missing all)"
    chain = " -> ".join(_hops_along((pkg.name, *pkg.via), hops))
    if pkg.reason == "deleted-dependency":
        return f"depends on {chain}, deleted since the base"
    # Only changed files pass on to dependents, so the chain always ends at one.
    return f"depends on {chain} (changed)"


def _lock_line(diff: LockDiff) -> str:
    """What one changed lock holds: its changed packages, and the members it affects."""
    if diff.problem is not None:
        count = len(diff.covers)
        return f"lock not compared: {diff.problem}; affects all {count} members it covers"
    changed = some([_locked_text(change) for change in diff.changes], limit=5)
    members = ", ".join(sorted(diff.affects)) or "no member"
    listed = f": {changed}" if diff.changes else ""
    return (
        f"{diff.path}: {_count(len(diff.changes), 'locked package')} changed{listed};"
        f" affects {members}"
    )


def _changes_line(affected: Affected) -> str:
    changes = affected.changes
    written = len(affected.generated_files)
    # What noxgraph wrote is no change: counted apart, so a fresh noxfile is not one.
    files = _count(len(changes.files) - written, "changed file")
    if written:
        files += f" (and {some(list(affected.generated_files))}, which noxgraph wrote: not counted)"
    if changes.source == "files":
        return f"{files}, named with --files"
    parts = []
    # The workspace's own repository, alone, needs no name ("." says nothing).
    alone = len(changes.repositories) == 1 and changes.repositories[0].path == "."
    for repo in changes.repositories:
        where = "" if alone else f"{repo.path}: "
        if repo.missing_base:
            parts.append(f"{where}no base ({repo.missing_base})")
            continue
        short = (repo.merge_base or "")[:10]
        extra = " plus uncommitted and untracked files" if repo.uncommitted else ""
        parts.append(f"{where}{repo.base}...{repo.head} (merge base {short}){extra}")
    return f"{files}; " + "; ".join(parts)


def _unread_line(files: Sequence[str]) -> str:
    """What a change to setuptools projects noxgraph does not read counts for: nothing."""
    return (
        f"{_count(len(files), 'changed file')} in setuptools projects noxgraph does not read"
        f" (setup.py, setup.cfg), counted for nothing: {some(files)}"
    )


def affected_text(affected: Affected, graph: DependencyGraph, *, explain: bool) -> View:
    """The affected packages in build order; with ``explain``, why each is (an edge
    other than a run-time one says its kind) and what else the change holds."""
    parts: View = [Line(_changes_line(affected), "dim")]
    hops = _hop_labels(graph.edges_of(affected.kinds)) if explain else {}
    if not affected.packages:
        parts.append(Line("No package is affected.", "bold"))
    else:
        count = _count(len(affected.packages), "package")
        parts.append(Line(f"{count} affected, in build order:", "bold"))
        table = Table(("package", "path", *(("reason",) if explain else ())))
        for pkg in affected.packages:
            table.add(pkg.name, pkg.path, *((_explain(pkg, hops),) if explain else ()))
        parts.append(table)
    if affected.unread_files:
        parts.append(Line(_unread_line(affected.unread_files), "yellow"))
    if affected.not_checked_out:
        shown = ", ".join(affected.not_checked_out)
        parts.append(Line(f"not checked out (sparse checkout), read from git: {shown}", "dim"))
    if explain:
        if affected.packages:
            task = f" for task {affected.task}" if affected.task else ""
            kinds = ", ".join(affected.kinds) or "none"
            parts.append(Line(f"dependents counted over {kinds} edges{task}", "dim"))
        for title, files in (
            ("unowned files (in no package)", affected.unowned_files),
            ("files of projects that are no member", affected.non_member_files),
            ("ignored files", affected.ignored_files),
            ("files noxgraph wrote (not counted)", affected.generated_files),
        ):
            if files:
                parts.append(Line(f"{title}: {', '.join(files)}", "dim"))
        for gone in affected.deleted:
            parts.append(Line(f"deleted since the base: {gone.name} ({gone.folder})", "dim"))
        for diff in affected.locks:
            parts.append(Line(_lock_line(diff), "dim"))
    return parts


# -- generate ------------------------------------------------------------------------------

_OUTCOME = {
    "written": "wrote {output}",
    "unchanged": "{output} is already up to date",
    "current": "{output} is up to date",
    "stale": "{output} is stale",
}


def generate_document(
    outcome: Outcome, display: str, packages: int, without_tests: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "output": display,
        "status": outcome.status,
        "sessions": outcome.sessions,
        "packages": packages,
        "without_tests": {task: list(names) for task, names in without_tests.items()},
        "diff": outcome.diff,
    }


def generate_text(
    outcome: Outcome, display: str, packages: int, without_tests: Mapping[str, Sequence[str]]
) -> str:
    """What ``generate`` did, and how many sessions and packages; then, for each task
    that needs tests, the packages it gives no session for want of any
    (``without_tests``), which a listing of the sessions never names."""
    done = _OUTCOME[outcome.status].format(output=display)
    lines = [f"{done}: {_count(outcome.sessions, 'session')} for {_count(packages, 'package')}"]
    for task, names in without_tests.items():
        its, them = ("its", "it") if len(names) == 1 else ("their", "them")
        lines.append(
            f"no {task} session for {_count(len(names), 'package')} with no tests at the top of"
            f" the folder: {some(list(names))} (noxgraph show NAME says why; where {its} tests"
            f" live elsewhere, needs-tests = false in [tool.noxgraph.tasks.{task}] gives {them}"
            " one)"
        )
    return "".join(f"{line}\n" for line in lines)


# -- run ---------------------------------------------------------------------------------


def run_plan_document(
    argv: Sequence[str],
    sessions: Sequence[str],
    skipped: Mapping[str, str],
    cached: Mapping[str, str],
) -> dict[str, Any]:
    """``skipped``: each session that will not run, and why; ``cached``: those of them
    the session cache holds, with their keys."""
    return {
        "schema": SCHEMA,
        "argv": list(argv),
        "sessions": list(sessions),
        "skipped": dict(skipped),
        "cached": dict(cached),
    }


def run_plan_text(
    argv: Sequence[str],
    sessions: Sequence[str],
    skipped: Mapping[str, str],
    *,
    limit: int | None = None,
) -> View:
    """The nox command, then the sessions it runs or skips: the first ``limit`` of
    them (``None``: every one) and a count of the rest."""
    table = Table(("session", "will"))
    shown, left_out = _first(sessions, limit)
    for name in shown:
        reason = skipped.get(name)
        table.add(name, f"skip: {reason}" if reason else "run")
    parts: View = [Line(" ".join(argv)), table]
    if left_out:
        skips = sum(1 for name in sessions if name in skipped)
        parts.append(
            Line(
                f"... and {_count(left_out, 'more session')} ({len(sessions)} in all:"
                f" {len(sessions) - skips} run, {skips} only skip); --all lists every one",
                "dim",
            )
        )
    return parts


def _timeline_document(run: Timeline, profile: str | None) -> dict[str, Any]:
    return {
        "wall_seconds": round(run.wall_seconds, 3),
        "critical_path_seconds": round(run.critical_seconds, 3),
        "critical_path": list(run.critical_path),
        "workers": run.lanes,
        "profile": profile,
    }


def run_summary_document(
    rows: Sequence[ReportRow],
    code: int,
    run: Timeline | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """The sessions nox ran; with ``run``, its wall time and critical path (and
    ``profile``, where its timeline was written)."""
    return {
        "schema": SCHEMA,
        "exit_status": code,
        "timeline": None if run is None else _timeline_document(run, profile),
        "sessions": [
            {
                "session": r.session,
                "package": r.package,
                "result": r.result,
                "duration": r.duration,
                "note": r.note,
            }
            for r in rows
        ],
    }


_RESULT_STYLE = {
    "success": "green",
    "cached": "cyan",
    "failed": "bold red",
    "aborted": "red",
    "skipped": "dim",
}


def _chain(names: Sequence[str]) -> str:
    if len(names) <= 6:
        return " -> ".join(names)
    return " -> ".join([*names[:3], "...", *names[-2:]])


def _timeline_line(run: Timeline, profile: str | None) -> Line:
    """The run's wall time and, beside it, its critical path: the least time the run
    could take with as many workers as it liked."""
    if not run.slices:
        return Line(f"wall time {run.wall_seconds:.1f}s", "dim")
    sessions = _count(len(run.critical_path), "session")
    text = (
        f"wall time {run.wall_seconds:.1f}s; critical path {run.critical_seconds:.1f}s"
        f" ({sessions}: {_chain(run.critical_path)}); {_count(run.lanes, 'worker')} used"
    )
    if profile is not None:
        text += f"; timeline in {profile}"
    return Line(text, "dim")


def run_summary_text(
    rows: Sequence[ReportRow],
    code: int,
    run: Timeline | None = None,
    profile: str | None = None,
) -> View:
    table = Table(("package", "session", "result", "time", "note"))
    for row in rows:
        table.add(
            row.package,
            row.session,
            (row.result, _RESULT_STYLE.get(row.result, "")),
            f"{row.duration:.1f}s",
            row.note,
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result] = counts.get(row.result, 0) + 1
    tally = ", ".join(f"{count} {result}" for result, count in sorted(counts.items()))
    parts: View = [
        Line(""),
        table,
        Line(f"{tally}; nox exited with {code}", "bold green" if code == 0 else "bold red"),
    ]
    if run is not None:
        parts.append(_timeline_line(run, profile))
    return parts


# -- ci ----------------------------------------------------------------------------------


def ci_matrix_document(jobs: Sequence[Job], nox: str) -> dict[str, Any]:
    """The jobs as a matrix for an existing workflow (``fromJSON(...).matrix``). A
    matrix has no order between its entries, so each entry's command lets nox run
    the sessions it requires itself; ``needs`` says which entries those are. ``nox``
    is the command that runs nox on the noxfile."""
    return {
        "schema": SCHEMA,
        "matrix": {
            "include": [
                {
                    "job": job.id,
                    "name": job.name,
                    "sessions": list(job.sessions),
                    "python-version": job.python_version,
                    "needs": list(job.needs),
                    "command": f"{nox} -s " + " ".join(job.sessions),
                }
                for job in jobs
            ]
        },
    }
