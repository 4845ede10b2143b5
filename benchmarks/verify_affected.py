"""Check ``noxgraph affected`` against an independent computation on a real monorepo.

For real changes of a real repository (its most recent merges, or its most recent
squash commits), this runs ``noxgraph affected --base B --head H --format json`` in a
clean checkout of the head and computes the same answer a second way, without
importing noxgraph: changed files from ``git diff --name-status -M base...head``,
members from every ``pyproject.toml`` git tracks at the head, edges from the
requirements each member declares, owners by the longest member folder, and the
transitive dependents of the owners. It prints one row per change, a summary, and
for every disagreement the evidence needed to explain it: both reasons, the edges
each side drew, the declarations in the ``pyproject.toml`` files involved, and a
first guess at the cause.

Why: the unit tests check noxgraph against workspaces written to exercise it; this
checks it against workspaces nobody wrote for it, at commits nobody chose for it.

    python benchmarks/verify_affected.py REPO_GIT_DIR [--merges N] [--root-subdir SUBDIR]
        [--mode auto|merges|squash] [--commit SHA ...] [--noxgraph CMD] [--keep]

``REPO_GIT_DIR`` is any git repository (a bare mirror is fine); it is cloned once,
``--shared``, into a temporary folder, and never written to. The independent
computation is deliberately simple; where it and noxgraph legitimately differ (a
package deleted since the base, a dependency named only by a path), the report says so.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import itertools
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name

#: Folders whose ``pyproject.toml`` files are never members (as the brief of the scan says).
SKIP_DIRS = frozenset({".venv", "node_modules", "build", "dist", ".nox", ".tox"})


# -- git ------------------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    """The environment for git: no inherited GIT_DIR and friends, C locale."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["LC_ALL"] = "C"
    return env


def git(repo: Path, *args: str) -> str:
    """Run ``git -C repo ARGS`` and return its standard output (an error raises)."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        env=_git_env(),
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"git {' '.join(args)} failed: {detail}")
    return done.stdout.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Range:
    """One real change: the commit it comes from and the base and head it compares."""

    commit: str
    base: str
    head: str
    kind: str  # "merge" (base = C^1, head = C^2) or "squash" (base = C^1, head = C)
    subject: str

    @property
    def label(self) -> str:
        return f"{self.base[:9]}..{self.head[:9]}"


def pick_ranges(clone: Path, tip: str, count: int, mode: str) -> tuple[str, list[Range]]:
    """The ``count`` most recent real changes on the first-parent history of ``tip``.

    ``auto`` takes merges when at least half of the latest ``4 * count`` first-parent
    commits are two-parent merges, else squash commits: a repository that has switched
    to squash merging is judged by what it does now, not by its old merges.
    """
    lines = git(clone, "rev-list", "--first-parent", "--parents", tip).splitlines()
    commits = [line.split() for line in lines if line]
    if mode == "auto":
        window = commits[: 4 * count]
        merges = sum(1 for c in window if len(c) == 3)
        mode = "merges" if merges * 2 >= len(window) else "squash"
    chosen: list[list[str]] = []
    for entry in commits:
        if len(chosen) == count:
            break
        wanted = len(entry) == 3 if mode == "merges" else len(entry) >= 2
        if wanted:
            chosen.append(entry)
    ranges: list[Range] = []
    for entry in chosen:
        commit = entry[0]
        subject = git(clone, "log", "-1", "--format=%s", commit).strip()
        if mode == "merges":
            ranges.append(Range(commit, entry[1], entry[2], "merge", subject))
        else:
            ranges.append(Range(commit, entry[1], commit, "squash", subject))
    return mode, ranges


def given_ranges(clone: Path, commits: Sequence[str], mode: str) -> list[Range]:
    """Ranges for commits named on the command line: a merge compares its two
    parents (unless ``--mode squash``), any other commit its first parent with itself."""
    ranges: list[Range] = []
    for given in commits:
        entry = git(clone, "rev-list", "--parents", "-n", "1", given).split()
        subject = git(clone, "log", "-1", "--format=%s", entry[0]).strip()
        if len(entry) == 3 and mode != "squash":
            ranges.append(Range(entry[0], entry[1], entry[2], "merge", subject))
        elif len(entry) >= 2:
            ranges.append(Range(entry[0], entry[1], entry[0], "squash", subject))
    return ranges


_MISSING_BLOB = re.compile(r"unable to read sha1 file of (.+) \([0-9a-f]+\)")


def checkout(clone: Path, head: str, left_out: set[str]) -> None:
    """A clean work tree at ``head``: forced checkout, every untracked file removed.

    A mirror may lack the blobs of its largest files (videos, say). Those paths are
    left out of the work tree with a sparse checkout (they stay in the index, as
    skip-worktree entries), and are collected in ``left_out`` for the report; no
    ``pyproject.toml`` is ever among them, or the run stops.
    """
    for _ in range(3):
        try:
            git(clone, "checkout", "-q", "-f", head)
            break
        except RuntimeError as exc:
            missing = set(_MISSING_BLOB.findall(str(exc)))
            if not missing or missing <= left_out:
                raise
            if any(p.endswith("pyproject.toml") for p in missing):
                raise
            left_out |= missing
            patterns = ["/*", *(f"!/{glob.escape(path)}" for path in sorted(left_out))]
            git(clone, "sparse-checkout", "set", "--no-cone", *patterns)
    git(clone, "clean", "-qfdx")


# -- noxgraph -------------------------------------------------------------------------------


@dataclass
class NoxgraphAnswer:
    """What ``noxgraph affected --format json`` said, and how long it took."""

    seconds: float
    returncode: int
    error: str = ""
    affected: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    owners: dict[str, str | None] = field(default_factory=dict)
    deleted: list[dict[str, str]] = field(default_factory=list)
    unowned: list[str] = field(default_factory=list)


def run_noxgraph(
    command: Sequence[str], root: Path, base: str, head: str, env: Mapping[str, str]
) -> NoxgraphAnswer:
    """Run the command line a user would run, and read its JSON answer."""
    argv = [*command, "affected", "--root", str(root), "--base", base, "--head", head]
    argv += ["--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=dict(env), check=False)
    seconds = time.perf_counter() - start
    answer = NoxgraphAnswer(seconds, done.returncode)
    if done.returncode != 0:
        answer.error = done.stderr.decode("utf-8", "replace").strip()
        return answer
    document = json.loads(done.stdout)
    answer.affected = {pkg["name"]: pkg for pkg in document["affected"]}
    answer.changed = {item["path"] for item in document["changed_files"]}
    answer.owners = {item["path"]: item["package"] for item in document["changed_files"]}
    answer.deleted = list(document["deleted_packages"])
    answer.unowned = list(document["unowned_files"])
    return answer


def noxgraph_graph(
    command: Sequence[str], root: Path, env: Mapping[str, str]
) -> dict[str, Any] | None:
    """``noxgraph graph --format json`` at the current checkout (for evidence only)."""
    argv = [*command, "graph", "--root", str(root), "--format", "json"]
    done = subprocess.run(argv, capture_output=True, env=dict(env), check=False)
    if done.returncode != 0:
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- the independent computation ------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A folder (relative POSIX, ``"."`` for the root) whose ``pyproject.toml`` names a package."""

    name: str
    folder: str
    data: Mapping[str, Any]

    @property
    def pyproject(self) -> str:
        return "pyproject.toml" if self.folder == "." else f"{self.folder}/pyproject.toml"


@dataclass(frozen=True)
class Edge:
    """``source`` depends on ``target``; ``where`` is the table that declares it."""

    source: str
    target: str
    where: str


@dataclass
class Independent:
    """The answer computed without noxgraph, with what it saw on the way."""

    changed: dict[str, str]  # path -> git status letter
    members: dict[str, Member]  # canonical name -> member
    edges: list[Edge]
    owners: dict[str, str | None]  # changed path -> owning member, or None
    affected: dict[str, str]  # name -> reason ("changed: ..." or "via a <- b")
    skipped: list[str]
    problems: list[str]
    notes: list[str]


def changed_files(clone: Path, base: str, head: str, subdir: str) -> dict[str, str]:
    """``git diff --name-status -M base...head``: both sides of a rename count.

    Paths are made relative to ``subdir``; files outside it are left out.
    """
    fields = git(clone, "diff", "--name-status", "-z", "-M", f"{base}...{head}").split("\0")
    result: dict[str, str] = {}
    index = 0
    while index < len(fields) and fields[index]:
        letter = fields[index][0]
        count = 2 if letter in "RC" else 1
        paths = fields[index + 1 : index + 1 + count]
        if letter == "C":
            paths = paths[1:]  # a copy leaves its source untouched
        index += 1 + count
        for path in paths:
            inside = _inside(path, subdir)
            if inside is not None:
                result[inside] = letter
    return result


def _inside(path: str, subdir: str) -> str | None:
    """``path`` relative to ``subdir``, or ``None`` when it lies outside."""
    if not subdir:
        return path
    prefix = subdir.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _table(data: Any, *keys: str) -> dict[str, Any]:
    """The nested table at ``keys``, or an empty one when absent or not a table."""
    current = data
    for key in keys:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def _string_list(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def package_name(data: Mapping[str, Any]) -> str | None:
    """The canonical name ``[project].name`` (else ``[tool.poetry].name``) gives, if valid."""
    written = _table(data, "project").get("name")
    if not isinstance(written, str):
        written = _table(data, "tool", "poetry").get("name")
    if not isinstance(written, str):
        return None
    try:
        return canonicalize_name(written, validate=True)
    except InvalidName:
        return None


def find_members(clone: Path, head: str, subdir: str) -> tuple[list[Member], list[str]]:
    """Every tracked ``pyproject.toml`` at ``head`` under the root that names a package.

    Duplicated names are dropped altogether, as noxgraph's scan does.
    """
    listing = git(clone, "ls-tree", "-r", "-z", "--name-only", head).split("\0")
    found: list[Member] = []
    skipped: list[str] = []
    for tracked in listing:
        if not (tracked == "pyproject.toml" or tracked.endswith("/pyproject.toml")):
            continue
        path = _inside(tracked, subdir)
        if path is None:
            continue
        folder = path.rsplit("/", 1)[0] if "/" in path else "."
        if set(folder.split("/")) & SKIP_DIRS:
            continue
        if "{{" in path:
            skipped.append(f"{path}: template path")
            continue
        try:
            data = tomli.loads((clone / tracked).read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, tomli.TOMLDecodeError) as exc:
            skipped.append(f"{path}: not valid TOML ({exc})")
            continue
        name = package_name(data)
        if name is None:
            skipped.append(f"{path}: names no valid package")
            continue
        found.append(Member(name, folder, data))
    counts: dict[str, int] = {}
    for member in found:
        counts[member.name] = counts.get(member.name, 0) + 1
    for member in found:
        if counts[member.name] > 1:
            skipped.append(f"{member.pyproject}: duplicate name {member.name!r}")
    return [m for m in found if counts[m.name] == 1], skipped


def declared_members(root: Path) -> list[str] | None:
    """Member folders the root declares (``[tool.uv.workspace]``), or ``None`` for a scan.

    noxgraph does not scan when the root declares its members; neither does this.
    (``[tool.noxgraph].members`` would be mirrored the same way.)
    """
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomli.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomli.TOMLDecodeError):
        return None
    table = _table(data, "tool", "noxgraph")
    if "members" not in table:
        table = _table(data, "tool", "uv", "workspace")
        if not table:
            return None
    folders: list[str] = ["."]
    excluded = {
        os.path.normpath(m)
        for pattern in _string_list(table.get("exclude"))
        for m in glob.glob(pattern.rstrip("/") or ".", root_dir=root, recursive=True)
    }
    for pattern in _string_list(table.get("members")):
        for match in sorted(glob.glob(pattern.rstrip("/") or ".", root_dir=root, recursive=True)):
            folder = Path(os.path.normpath(match)).as_posix()
            if folder not in excluded and (root / folder / "pyproject.toml").is_file():
                folders.append(folder)
    return list(dict.fromkeys(folders))


def requirement_strings(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every PEP 508 string a ``pyproject.toml`` declares, with the table it is in."""
    found: list[tuple[str, str]] = []
    project = _table(data, "project")
    found += [(t, "[project].dependencies") for t in _string_list(project.get("dependencies"))]
    for extra, values in _table(project, "optional-dependencies").items():
        found += [(t, f"[project.optional-dependencies].{extra}") for t in _string_list(values)]
    groups = _table(data, "dependency-groups")
    for group in groups:
        found += [(t, f"[dependency-groups].{group}") for t in _group_strings(groups, group)]
    build = _table(data, "build-system").get("requires")
    found += [(t, "[build-system].requires") for t in _string_list(build)]
    dev = _table(data, "tool", "uv").get("dev-dependencies")
    found += [(t, "[tool.uv].dev-dependencies") for t in _string_list(dev)]
    return found


def _group_strings(groups: Mapping[str, Any], group: str) -> list[str]:
    """The strings of a dependency group with ``{include-group = ...}`` resolved."""
    by_normal = {canonicalize_name(key): key for key in groups}
    out: list[str] = []
    seen: set[str] = set()
    pending = [group]
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        for item in groups.get(key, []) if isinstance(groups.get(key), list) else []:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
                included = by_normal.get(canonicalize_name(item["include-group"]))
                if included is not None:
                    pending.append(included)
    return out


def poetry_names(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Keys of poetry's dependency tables (``python`` excluded), with their table."""
    poetry = _table(data, "tool", "poetry")
    tables = [("[tool.poetry.dependencies]", _table(poetry, "dependencies"))]
    tables.append(("[tool.poetry.dev-dependencies]", _table(poetry, "dev-dependencies")))
    for group in _table(poetry, "group"):
        where = f"[tool.poetry.group.{group}.dependencies]"
        tables.append((where, _table(poetry, "group", group, "dependencies")))
    return [(key, where) for where, table in tables for key in table if key.lower() != "python"]


def uv_source_paths(data: Mapping[str, Any], folder: Path) -> dict[str, Path]:
    """``[tool.uv.sources]`` entries that have a ``path``: canonical name -> absolute folder."""
    result: dict[str, Path] = {}
    for key, entry in _table(data, "tool", "uv", "sources").items():
        entries = entry if isinstance(entry, list) else [entry]
        for item in entries:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                result[canonicalize_name(key)] = Path(os.path.normpath(folder / item["path"]))
                break
    return result


def find_edges(
    members: Mapping[str, Member], root: Path, root_data: Mapping[str, Any] | None
) -> tuple[list[Edge], list[str]]:
    """Edges between members: by canonical name, or by a uv ``path`` source to a member."""
    by_folder = {os.path.normpath(root / m.folder): name for name, m in members.items()}
    root_sources = uv_source_paths(root_data, root) if root_data is not None else {}
    edges: dict[tuple[str, str], Edge] = {}
    problems: list[str] = []
    for name, member in members.items():
        declared: list[tuple[str, str]] = []
        for text, where in requirement_strings(member.data):
            try:
                declared.append((canonicalize_name(Requirement(text).name), where))
            except InvalidRequirement as exc:
                problems.append(f"{member.pyproject} {where}: invalid requirement {text!r}: {exc}")
        declared += [(canonicalize_name(key), where) for key, where in poetry_names(member.data)]
        sources = {**root_sources, **uv_source_paths(member.data, root / member.folder)}
        for target, where in declared:
            if target in members and target != name:
                edges.setdefault((name, target), Edge(name, target, f"{member.pyproject} {where}"))
            path = sources.get(target)
            by_path = by_folder.get(os.fspath(path)) if path is not None else None
            if by_path is not None and by_path != name:
                shown = f"{member.pyproject} [tool.uv.sources].{target} (path)"
                edges.setdefault((name, by_path), Edge(name, by_path, shown))
    return list(edges.values()), problems


def owner_of(path: str, folders: Mapping[str, str]) -> str | None:
    """The member whose folder is the longest prefix of ``path`` (or is ``path``)."""
    candidate = path
    while True:
        if candidate in folders:
            return folders[candidate]
        if "/" not in candidate:
            return folders.get(".")
        candidate = candidate.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Patterns:
    """``[tool.noxgraph]`` ignore / global-files, matched approximately with fnmatch."""

    ignore: tuple[str, ...] = ()
    global_files: tuple[str, ...] = ()

    @staticmethod
    def matches(path: str, patterns: Iterable[str]) -> bool:
        for pattern in patterns:
            clean = pattern.lstrip("/")
            if "/" not in pattern.rstrip("/"):
                if any(fnmatch.fnmatchcase(part, clean.rstrip("/")) for part in path.split("/")):
                    return True
            elif fnmatch.fnmatchcase(path, clean) or fnmatch.fnmatchcase(path, clean + "/**"):
                return True
        return False


def read_patterns(root: Path, root_data: Mapping[str, Any] | None) -> Patterns | None:
    """The workspace's ignore and global-files patterns, when it configures noxgraph."""
    table: Mapping[str, Any] | None = None
    if (root / "noxgraph.toml").is_file():
        table = tomli.loads((root / "noxgraph.toml").read_text(encoding="utf-8"))  # top level
    elif root_data is not None and "noxgraph" in _table(root_data, "tool"):
        table = _table(root_data, "tool", "noxgraph")
    if table is None:
        return None
    return Patterns(
        tuple(_string_list(table.get("ignore"))), tuple(_string_list(table.get("global-files")))
    )


def compute_independent(clone: Path, subdir: str, rng: Range) -> Independent:
    """The affected set of ``rng`` computed from git and the TOML files alone."""
    root = clone / subdir if subdir else clone
    changed = changed_files(clone, rng.base, rng.head, subdir)
    found, skipped = find_members(clone, rng.head, subdir)
    notes: list[str] = []
    root_data: dict[str, Any] | None = None
    if (root / "pyproject.toml").is_file():
        try:
            root_data = tomli.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomli.TOMLDecodeError):
            root_data = None
    declared = declared_members(root)
    if declared is not None:
        notes.append(f"the root declares its members ({len(declared)} folders); mirrored")
        found = [m for m in found if m.folder in declared]
    members = {m.name: m for m in found}
    edges, problems = find_edges(members, root, root_data)
    patterns = read_patterns(root, root_data)
    if patterns is not None:
        notes.append("the root configures [tool.noxgraph]: ignore/global-files mirrored (fnmatch)")

    folders = {m.folder: name for name, m in members.items()}
    owners: dict[str, str | None] = {}
    affected: dict[str, str] = {}
    owned: dict[str, list[str]] = {}
    everything = False
    for path in sorted(changed):
        if patterns is not None and Patterns.matches(path, patterns.ignore):
            owners[path] = None
            continue
        if patterns is not None and Patterns.matches(path, patterns.global_files):
            owners[path] = None
            everything = True
            continue
        owner = owner_of(path, folders)
        owners[path] = owner
        if owner is not None:
            owned.setdefault(owner, []).append(path)
    for name, paths in sorted(owned.items()):
        affected[name] = "changed: " + ", ".join(paths[:3]) + (" ..." if len(paths) > 3 else "")
    if everything:
        for name in members:
            affected.setdefault(name, "global file changed")
    dependents: dict[str, list[str]] = {}
    for edge in edges:
        dependents.setdefault(edge.target, []).append(edge.source)
    chains: dict[str, list[str]] = {name: [] for name in affected}
    queue = deque(sorted(affected))
    while queue:
        current = queue.popleft()
        for dependent in sorted(dependents.get(current, ())):
            if dependent not in affected:
                chains[dependent] = [current, *chains[current]]
                affected[dependent] = "via " + " <- ".join(chains[dependent])
                queue.append(dependent)
    return Independent(changed, members, edges, owners, affected, skipped, problems, notes)


# -- investigation ------------------------------------------------------------------------


def _name_pattern(name: str) -> re.Pattern[str]:
    """A name in any spelling (``a-b``, ``a_b``, ``A.B``), not inside a longer name."""
    body = "[-_.]".join(re.escape(part) for part in name.split("-"))
    return re.compile(rf"(?<![\w.-]){body}(?![\w-])", re.IGNORECASE)


def declaration_lines(root: Path, member: Member | None, target: str, folder: str) -> list[str]:
    """Lines of ``member``'s ``pyproject.toml`` that name ``target`` or its folder."""
    if member is None:
        return []
    path = root / member.pyproject
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    name = _name_pattern(target)
    base = folder.rsplit("/", 1)[-1] if folder not in ("", ".") else None
    hits: list[str] = []
    for number, line in enumerate(lines, 1):
        if name.search(line) or (base and re.search(rf"[/\"']{re.escape(base)}[/\"']", line)):
            hits.append(f"{member.pyproject}:{number}: {line.strip()}")
    return hits[:6]


@dataclass
class Finding:
    """One disagreement: the packages on each side, the evidence, and a first guess."""

    rng: Range
    only_noxgraph: list[str]
    only_independent: list[str]
    evidence: list[str]
    guess: str


def investigate(
    rng: Range,
    root: Path,
    ours: Independent,
    theirs: NoxgraphAnswer,
    graph: Mapping[str, Any] | None,
) -> Finding:
    """Explain a disagreement as far as the files allow, and guess its class."""
    only_n = sorted(set(theirs.affected) - set(ours.affected))
    only_i = sorted(set(ours.affected) - set(theirs.affected))
    evidence: list[str] = []
    guesses: set[str] = set()
    our_edges = {(e.source, e.target): e for e in ours.edges}
    their_edges: dict[tuple[str, str], list[dict[str, Any]]] = {}
    their_members: dict[str, str] = {}
    if graph is not None:
        for edge in graph["edges"]:
            their_edges.setdefault((edge["from"], edge["to"]), []).append(edge)
        their_members = {pkg["name"]: pkg["path"] for pkg in graph["packages"]}

    def folder(name: str) -> str:
        member = ours.members.get(name)
        return member.folder if member else their_members.get(name, "")

    def explain_edge(source: str, target: str) -> None:
        ours_edge = our_edges.get((source, target))
        kinds = ",".join(e["kind"] for e in their_edges.get((source, target), []))
        evidence.append(
            f"    edge {source} -> {target}: noxgraph {kinds or 'no'}; independent "
            + (ours_edge.where if ours_edge else "no")
        )
        if ours_edge is None or not kinds:
            for line in declaration_lines(root, ours.members.get(source), target, folder(target)):
                evidence.append(f"      {line}")

    if theirs.deleted:
        shown = ", ".join(f"{d['name']} ({d['path']})" for d in theirs.deleted)
        evidence.append(f"  noxgraph: packages deleted since the base: {shown}")
    for name in only_n:
        pkg = theirs.affected[name]
        evidence.append(
            f"  {name} ({pkg['path']}): noxgraph {pkg['reason']}"
            + (f" files {pkg['files'][:3]}" if pkg["files"] else "")
            + (f" via {' <- '.join(pkg['via'])}" if pkg["via"] else "")
            + "; independent: not affected"
            + ("" if name in ours.members else " (not a member here)")
        )
        if pkg["reason"] == "deleted-dependency":
            guesses.add("expected: depends on a package deleted since the base")
            chain = [name, *pkg["via"]]
            for source, target in itertools.pairwise(chain[:-1]):
                explain_edge(source, target)
            deleted = pkg["via"][-1]
            gone = next((d["path"] for d in theirs.deleted if d["name"] == deleted), "")
            for line in declaration_lines(root, ours.members.get(chain[-2]), deleted, gone):
                evidence.append(f"      {line}")
        elif pkg["reason"] == "changed":
            for path in pkg["files"][:5]:
                evidence.append(f"    {path}: independent owner {ours.owners.get(path, '-')}")
            home = pkg["path"].rstrip("/") + "/"
            outside = [p for p in pkg["files"] if home != "./" and not p.startswith(home)]
            if outside:
                guesses.add(
                    f"noxgraph counts files outside {pkg['path']} for {name}"
                    " (an old folder of a package of that name?)"
                )
            else:
                guesses.add("ownership: a changed file belongs to different packages")
        elif pkg["reason"] == "dependency":
            chain = [name, *pkg["via"]]
            for source, target in itertools.pairwise(chain):
                explain_edge(source, target)
            missing = [(s, t) for s, t in itertools.pairwise(chain) if (s, t) not in our_edges]
            guesses.add(
                "edge noxgraph draws and the independent computation does not"
                if missing
                else "chain edges agree; the start differs"
            )
        else:
            guesses.add(f"noxgraph reason {pkg['reason']}")
    for name in only_i:
        reason = ours.affected[name]
        evidence.append(
            f"  {name} ({folder(name)}): independent {reason}; noxgraph: not affected"
            + ("" if name in their_members or graph is None else " (not a noxgraph member)")
        )
        if reason.startswith("via "):
            chain = [name, *reason[4:].split(" <- ")]
            for source, target in itertools.pairwise(chain):
                explain_edge(source, target)
            if all(pair in their_edges for pair in itertools.pairwise(chain)):
                guesses.add("noxgraph has every edge of the chain yet does not spread: bug?")
            else:
                guesses.add("edge the independent computation draws and noxgraph does not")
        else:
            files = [p for p, o in ours.owners.items() if o == name]
            for path in files[:5]:
                owner = theirs.owners.get(path, "-")
                evidence.append(f"    {path}: noxgraph owner {owner}")
                if any(d["path"] and path.startswith(d["path"] + "/") for d in theirs.deleted):
                    guesses.add("expected: file of a package deleted since the base")
            if all(theirs.owners.get(path) == name for path in files):
                guesses.add("noxgraph gives the files to it yet does not report it: bug?")
            elif not any(g.startswith("expected") for g in guesses):
                guesses.add("ownership: a changed file belongs to different packages")
    if graph is not None:
        extra_n = sorted(set(their_members) - set(ours.members))
        extra_i = sorted(set(ours.members) - set(their_members))
        if extra_n or extra_i:
            evidence.append(f"  members only noxgraph: {extra_n}; only independent: {extra_i}")
    return Finding(rng, only_n, only_i, evidence, "; ".join(sorted(guesses)) or "unexplained")


def owner_mismatches(ours: Independent, theirs: NoxgraphAnswer) -> list[str]:
    """Changed files that the two sides give to different packages (a secondary check:
    the affected sets can agree while single files are owned differently)."""
    gone = [d["path"] for d in theirs.deleted if d["path"]]
    lines: list[str] = []
    for path in sorted(set(ours.owners) & set(theirs.owners)):
        mine, other = ours.owners[path], theirs.owners[path]
        if mine == other:
            continue
        why = ""
        if any(path == g or path.startswith(g.rstrip("/") + "/") or g == "." for g in gone):
            why = " (in a package deleted since the base)"
        lines.append(f"{path}: noxgraph {other}, independent {mine}{why}")
    return lines


# -- the run --------------------------------------------------------------------------------


def _noxgraph_command(text: str | None) -> list[str]:
    if text:
        return shlex.split(text)
    return [sys.executable, "-m", "noxgraph"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a git repository (a bare mirror is fine)")
    parser.add_argument("--merges", type=int, default=25, metavar="N", help="changes to check")
    parser.add_argument("--root-subdir", default="", metavar="SUBDIR", help="workspace root")
    parser.add_argument(
        "--mode",
        choices=("auto", "merges", "squash"),
        default="auto",
        help="merge commits (C^1..C^2), squash commits (C^1..C), or decide from history",
    )
    parser.add_argument(
        "--noxgraph", metavar="CMD", help="how to run noxgraph (default: this python -m noxgraph)"
    )
    parser.add_argument(
        "--commit",
        action="append",
        metavar="SHA",
        help="check this commit instead of the latest ones (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = parser.parse_args()
    subdir = args.root_subdir.strip("/")
    command = _noxgraph_command(args.noxgraph)

    scratch = Path(tempfile.mkdtemp(prefix="verify-affected-"))
    clone = scratch / "clone"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["NOXGRAPH_CACHE_DIR"] = str(scratch / "cache")  # never the user's cache
    env["NO_COLOR"] = "1"
    try:
        subprocess.run(
            ["git", "clone", "--shared", "-q", "--no-checkout", str(args.repo), str(clone)],
            check=True,
            env=_git_env(),
        )
        tip = git(clone, "rev-parse", "HEAD").strip()
        branch = git(clone, "rev-parse", "--abbrev-ref", "HEAD").strip()
        if args.commit:
            mode, ranges = "given", given_ranges(clone, args.commit, args.mode)
        else:
            mode, ranges = pick_ranges(clone, tip, args.merges, args.mode)
        root = clone / subdir if subdir else clone
        print(f"repository {args.repo} ({branch} at {tip[:9]}), root {subdir or '.'}")
        print(f"{len(ranges)} {mode} ranges; noxgraph: {' '.join(command)}\n")
        header = (
            f"{'#':>3} {'range':<20} {'files':>11} {'noxgraph':>8} {'indep.':>6}"
            f" {'agree':<5} {'seconds':>7}  commit"
        )
        print(header)
        print("-" * len(header))
        findings: list[Finding] = []
        times: list[float] = []
        errors: list[tuple[Range, str, list[str]]] = []
        file_mismatch: list[tuple[Range, set[str], set[str]]] = []
        owner_mismatch: list[tuple[Range, list[str]]] = []
        agreeing = 0
        notes: set[str] = set()
        left_out: set[str] = set()
        for number, rng in enumerate(ranges, 1):
            checkout(clone, rng.head, left_out)
            if not root.is_dir():
                print(f"{number:>3} {rng.label:<20} root {subdir} absent at head: skipped")
                continue
            theirs = run_noxgraph(command, root, rng.base, rng.head, env)
            times.append(theirs.seconds)
            ours = compute_independent(clone, subdir, rng)
            notes.update(ours.notes)
            subject = rng.subject[:60]
            if theirs.returncode != 0:
                message = theirs.error.replace(str(clone) + "/", "").replace(str(clone), ".")
                related = [p for p in ours.skipped if p.split(":", 1)[0] in message]
                errors.append((rng, message, ours.problems + related))
                print(
                    f"{number:>3} {rng.label:<20} {'-':>5}/{len(ours.changed):<5} {'error':>8}"
                    f" {len(ours.affected):>6} {'ERR':<5} {theirs.seconds:>7.2f}  {subject}"
                )
                continue
            same = set(theirs.affected) == set(ours.affected)
            agreeing += same
            if theirs.changed != set(ours.changed):
                file_mismatch.append((rng, theirs.changed, set(ours.changed)))
            owners = owner_mismatches(ours, theirs)
            if owners:
                owner_mismatch.append((rng, owners))
            files = f"{len(theirs.changed)}/{len(ours.changed)}"
            print(
                f"{number:>3} {rng.label:<20} {files:>11} {len(theirs.affected):>8}"
                f" {len(ours.affected):>6} {'yes' if same else 'NO':<5} {theirs.seconds:>7.2f}"
                f"  {subject}"
            )
            if not same:
                graph = noxgraph_graph(command, root, env)
                findings.append(investigate(rng, root, ours, theirs, graph))

        checked = len(times) - len(errors)
        print(f"\nsummary: {agreeing}/{checked} ranges agree", end="")
        print(f" ({len(errors)} noxgraph errors)" if errors else "")
        if times:
            print(
                f"noxgraph affected: median {statistics.median(times):.3f}s,"
                f" max {max(times):.3f}s over {len(times)} runs"
            )
        for note in sorted(notes):
            print(f"note: {note}")
        if left_out:
            shown = ", ".join(sorted(left_out)[:3]) + (" ..." if len(left_out) > 3 else "")
            print(
                f"note: {len(left_out)} files without blobs in the mirror not checked out: {shown}"
            )
        for rng, theirs_files, ours_files in file_mismatch:
            print(f"\nchanged files differ in {rng.label}:")
            print(f"  only noxgraph: {sorted(theirs_files - ours_files)[:10]}")
            print(f"  only independent: {sorted(ours_files - theirs_files)[:10]}")
        for rng, lines in owner_mismatch:
            print(f"\nchanged files owned differently in {rng.label} (affected sets may agree):")
            for line in lines[:8]:
                print(f"  {line}")
            if len(lines) > 8:
                print(f"  ... and {len(lines) - 8} more")
        by_message: dict[str, list[Range]] = {}
        seen_by_independent: dict[str, list[str]] = {}
        for rng, message, problems in errors:
            by_message.setdefault(message, []).append(rng)
            seen_by_independent.setdefault(message, problems)
        for message, failed in by_message.items():
            shown = ", ".join(r.label for r in failed[:4]) + (" ..." if len(failed) > 4 else "")
            print(f"\nnoxgraph error (exit 2) in {len(failed)} ranges ({shown}):")
            print(f"  {message}")
            for problem in seen_by_independent[message][:8]:
                print(f"  independent saw: {problem}")
        for finding in findings:
            rng = finding.rng
            print(f"\ndisagreement in {rng.label} ({rng.kind} {rng.commit[:9]}: {rng.subject})")
            print(f"  only noxgraph: {finding.only_noxgraph}")
            print(f"  only independent: {finding.only_independent}")
            for line in finding.evidence:
                print(line)
            print(f"  first guess: {finding.guess}")
        return 0 if agreeing == checked and not errors else 1
    finally:
        if args.keep:
            print(f"\nclone kept in {clone}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
