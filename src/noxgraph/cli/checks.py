"""``noxgraph check``: what is wrong, or doubtful, in a workspace.

Every finding is one line that names the file. Errors make ``check`` fail;
warnings make it fail with ``--strict``; notes never do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from noxgraph._files import SKIP_DIRS, relative
from noxgraph._text import some
from noxgraph.errors import CycleError, DuplicateNameError, NoxgraphError, PyprojectError
from noxgraph.graph import DependencyGraph
from noxgraph.sessions.declarations import reserved_names, session_name, task_names
from noxgraph.workspace.discovery import Skipped
from noxgraph.workspace.load import Workspace, unlisted_projects
from noxgraph.workspace.pyproject import is_test_module

if TYPE_CHECKING:
    from noxgraph.workspace.metadata import BackendMetadata
    from noxgraph.workspace.pyproject import Package

__all__ = ["Finding", "Severity", "run_checks"]

Severity = Literal["error", "warning", "note"]
_RANK = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True, order=True)
class Finding:
    """One thing ``check`` reports; ``code`` is a short stable identifier."""

    severity: Severity
    code: str
    file: str
    message: str

    def sort_key(self) -> tuple[int, str, str, str]:
        return (_RANK[self.severity], self.file, self.code, self.message)


def _problem(error: NoxgraphError) -> Finding:
    if isinstance(error, PyprojectError):
        return Finding("error", "invalid", error.file, error.detail)
    code = "duplicate-name" if isinstance(error, DuplicateNameError) else "invalid"
    return Finding("error", code, "", error.message)


def _versions(workspace: Workspace, told: Mapping[str, str]) -> dict[str, Version | str | None]:
    """Each member's version: parsed, the raw text when invalid, ``None`` when dynamic
    (and no backend was asked, in ``told``)."""
    result: dict[str, Version | str | None] = {}
    for pkg in workspace.packages:
        text = pkg.version or told.get(pkg.name)
        if text is None:
            result[pkg.name] = None
            continue
        try:
            result[pkg.name] = Version(text)
        except InvalidVersion:
            result[pkg.name] = text
    return result


def _backend_findings(
    workspace: Workspace,
    backend: Sequence[BackendMetadata],
    versions: Mapping[str, Version | str | None],
) -> list[Finding]:
    """What the backends said that the files do not: siblings named by dynamic
    dependencies, with their constraints checked."""
    if not backend:
        return []
    # Only --metadata reads requirement strings here: packaging.requirements brings
    # packaging.markers and packaging.tags (platform, sysconfig, logging) with it.
    from packaging.requirements import InvalidRequirement, Requirement

    from noxgraph._names import canonicalize_name

    findings: list[Finding] = []
    files = {pkg.name: pkg.pyproject for pkg in workspace.packages}
    for answer in backend:
        pkg = workspace.get(answer.name)
        if pkg is None:
            continue
        if answer.error is not None:
            findings.append(
                Finding(
                    "warning", "backend", pkg.pyproject, f"the build backend failed: {answer.error}"
                )
            )
            continue
        declared = {decl.name for decl in pkg.declarations}
        for text in answer.requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            name = canonicalize_name(req.name)
            if name not in files or name == pkg.name:
                continue
            if name not in declared:
                findings.append(
                    Finding(
                        "warning",
                        "dynamic-edge",
                        pkg.pyproject,
                        f"the build backend's metadata requires sibling {name} ({text!r}),"
                        " which the file does not declare: that edge is not in the graph",
                    )
                )
            version = versions.get(name)
            if isinstance(version, Version) and not req.specifier.contains(
                version, prereleases=True
            ):
                findings.append(
                    Finding(
                        "error",
                        "unsatisfied",
                        pkg.pyproject,
                        f"the build backend's metadata requires {text!r}, which sibling"
                        f" {name} {version} ({files[name]}) does not satisfy",
                    )
                )
    return findings


def _requirement_files(folder: Path) -> list[str]:
    """Files of ``folder`` (POSIX, relative) where repositories keep test requirements
    that no dependency group holds: pip's test or dev requirements beside the package
    or in its ``requirements/``, any requirements in its ``tests/``, and ``tox.ini``."""
    found: list[str] = []
    for sub in ("", "requirements", "tests", "test"):
        try:
            # A folder that cannot be entered holds none, not a traceback.
            names = sorted(entry.name for entry in os.scandir(folder / sub) if entry.is_file())
        except OSError:
            continue
        for name in names:
            lowered = name.lower()
            if sub == "" and lowered == "tox.ini":
                found.append(name)
                continue
            if not lowered.endswith(".txt"):
                continue
            words = set(re.split(r"[-_.]", lowered[: -len(".txt")]))
            for_tests = bool(words & {"test", "tests", "testing", "dev"})
            if (
                (sub == "" and "requirements" in words and for_tests)
                or (sub == "requirements" and for_tests)
                or (sub in ("tests", "test") and "requirements" in words)
            ):
                found.append(f"{sub}/{name}" if sub else name)
    return found


def _document(path: Path) -> Mapping[str, Any]:
    """A TOML file as parsed, ``{}`` when it is absent or cannot be read (a load reported
    a ``pyproject.toml`` that cannot)."""
    from noxgraph.workspace.toml import read_toml

    try:
        return read_toml(path, path.name)
    except NoxgraphError:
        return {}


def _table(table: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = table.get(key)
    return value if isinstance(value, dict) else {}


#: The extras that hold a package's development requirements, tests' among them.
_DEV_EXTRAS = ("dev", "develop", "development")


def _test_requirements_elsewhere(workspace: Workspace) -> list[Finding]:
    """A note for each package whose test session installs no group or extra of its
    own while the package keeps files or tables that look like test requirements, and
    for a uv workspace root's own groups: a test session installs neither, and a first
    run's tests fail on a missing module."""
    from noxgraph.sessions.plan import chosen_groups
    from noxgraph.workspace.config import DEFAULT_TASKS

    default = DEFAULT_TASKS["test"]
    findings: list[Finding] = []
    tested = False
    for pkg in workspace.packages:
        task = workspace.tasks_of(pkg.name).get("test")
        if task is None:
            continue
        tested = True
        # A test task told what to install (its own install or groups) is the user's word.
        chosen = task.install != default.install or task.groups != default.groups
        if chosen or any(chosen_groups(pkg, task)):
            continue
        found = _requirement_files(pkg.path)
        tool = _table(_document(pkg.path / "pyproject.toml"), "tool")
        if isinstance(_table(tool, "hatch").get("envs"), dict):
            found.append("[tool.hatch.envs]")
        if "tox" in tool:
            found.append("[tool.tox]")
        if _table(_document(pkg.path / "hatch.toml"), "envs"):
            found.append("hatch.toml [envs]")
        # What `pip install -e '.[dev]'` installs, the way before dependency groups.
        extra = next((e for e in pkg.extras if e in _DEV_EXTRAS), None)
        if extra is not None:
            where = (
                f"its {extra!r} extra{', or in ' + some(found) if found else ''}: install the"
                f" extra with groups = [{extra!r}] in its [tool.noxgraph.tasks.test], or name"
                " them in a `test` dependency group"
            )
        elif found:
            where = (
                f"{some(found)}, which noxgraph does not read: name them in a `test` dependency"
                " group, or in the test task's install"
            )
        else:
            continue
        findings.append(
            Finding(
                "note",
                "test-requirements",
                pkg.pyproject,
                f"test-{pkg.name} installs no dependency group or extra of {pkg.name}, and its"
                f" test requirements may be in {where}",
            )
        )
    if tested and _virtual_root(workspace):
        root = _document(workspace.root / "pyproject.toml")
        groups = _table(root, "dependency-groups")
        if groups and "workspace" in _table(_table(root, "tool"), "uv"):
            findings.append(
                Finding(
                    "note",
                    "root-groups",
                    "pyproject.toml",
                    f"[dependency-groups] {', '.join(groups)}: the workspace root's groups are"
                    " installed in no member's session, as `uv run --package` does not install"
                    " them; a member whose tests need them needs them in its own `test` group,"
                    " or in the test task's install",
                )
            )
    return findings


def _virtual_root(workspace: Workspace) -> bool:
    """Whether the workspace's root is no package (a uv workspace's virtual root)."""
    return all(pkg.path != workspace.root for pkg in workspace.packages)


def _holds_tests(folder: Path) -> bool:
    """Whether ``folder`` holds test modules or a ``conftest.py`` anywhere below it (a
    tests folder of data files, CSV and Parquet, holds none)."""
    for _, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        if any(is_test_module(name) or name == "conftest.py" for name in files):
            return True
    return False


def _nested_tests(folder: Path) -> list[str]:
    """Test folders and modules one level into ``folder`` or its ``src``: an import
    package's own (``pkg/tests``, ``src/pkg/tests``, ``pkg/test_model.py``), where
    pytest finds them from the top."""
    found: list[str] = []
    for parent in (folder, folder / "src"):
        try:
            children = sorted(entry.name for entry in os.scandir(parent) if entry.is_dir())
        except OSError:
            continue
        for child in children:
            # Another project's folder (a member under an umbrella package) keeps its own.
            if (
                child.startswith(".")
                or child in SKIP_DIRS
                or (parent / child / "pyproject.toml").exists()
            ):
                continue
            for name in ("tests", "test"):
                if (parent / child / name).is_dir():
                    found.append(relative(parent / child / name, folder))
            try:
                modules = sorted(
                    entry.name
                    for entry in os.scandir(parent / child)
                    if is_test_module(entry.name) and entry.is_file()
                )
            except OSError:
                continue
            found += (relative(parent / child / name, folder) for name in modules)
    return found


def _tests_out_of_sight(workspace: Workspace) -> list[Finding]:
    """A note for each package that gets no session of a task that needs tests while
    it keeps tests one level down: noxgraph looks for tests only at the top of its
    folder; and for tests at a root that is no package, which no session runs."""
    findings: list[Finding] = []
    if _virtual_root(workspace):
        for name in ("tests", "test"):
            if _holds_tests(workspace.root / name):
                findings.append(
                    Finding(
                        "note",
                        "tests-out-of-sight",
                        name,
                        f"{name}/ is at the workspace's root, which is no package, so no"
                        " session runs it; a session of your own can, written in the noxfile"
                        " outside the block noxgraph generates",
                    )
                )
    for pkg in workspace.packages:
        tasks = workspace.tasks.get(pkg.name, {})
        wanting = [name for name, task in tasks.items() if task.commands and task.needs_tests]
        if not wanting or pkg.has_tests:
            continue
        found = _nested_tests(pkg.path)
        if found:
            # The file column names the package's pyproject.toml: paths from the root too.
            shown = [f if pkg.relpath == "." else f"{pkg.relpath}/{f}" for f in found]
            sessions = ", ".join(f"{task}-{pkg.name}" for task in wanting)
            findings.append(
                Finding(
                    "note",
                    "tests-out-of-sight",
                    pkg.pyproject,
                    f"{pkg.name} keeps tests in {some(shown)}, and gets no {sessions}:"
                    " noxgraph looks for a tests folder or test modules at the top of a"
                    f" package's folder; set needs-tests = false in its"
                    f" [tool.noxgraph.tasks.{wanting[0]}] to give it one",
                )
            )
    return findings


def _virtual_in_lock(workspace: Workspace, graph: DependencyGraph) -> list[Finding]:
    """A note for each package that sessions install from a ``uv.lock`` while uv takes it
    for a virtual project: the lock's own project (its workspace's root, or a project on
    its own) with no ``[build-system]`` and no ``[tool.uv] package = true``; ``uv sync``
    installs its dependencies and not the package, so its tests do not import it unless
    they find it on their own path. uv builds the other members all the same."""
    from noxgraph.sessions.plan import plan_session

    findings: list[Finding] = []
    for pkg in workspace.packages:
        if workspace.lock_roots.get(pkg.name) != pkg.path:
            continue
        document = _document(pkg.path / "pyproject.toml")
        if "build-system" in document or _table(_table(document, "tool"), "uv").get("package"):
            continue
        tasks = workspace.tasks_of(pkg.name)
        locked = [
            (name, plan.lock)
            for name, task in tasks.items()
            if task.package
            and (plan := plan_session(workspace, graph, name, pkg.name)).lock is not None
        ]
        if locked:
            lock = relative(locked[0][1].root / "uv.lock", workspace.root)
            sessions = ", ".join(session_name(name, pkg.name) for name, _ in locked)
            findings.append(
                Finding(
                    "note",
                    "virtual-project",
                    pkg.pyproject,
                    f"{pkg.name} has no [build-system], so uv takes it for a virtual project"
                    f" and installs only its dependencies: {sessions}, installing {lock},"
                    f" {'runs' if len(locked) == 1 else 'run'} without {pkg.name} installed;"
                    " add a [build-system] table, or set [tool.uv] package = true",
                )
            )
    return findings


def _python_refused(workspace: Workspace) -> list[Finding]:
    """A note where ``requires-python`` excludes the Python noxgraph runs on while a
    session that installs the package runs on nox's own (most likely this one), so
    its install fails: for each ``uv.lock``, whose members' ``uv sync`` takes together,
    and for each package installed from its folder, its own."""
    import platform

    here = Version(platform.python_version())
    locked = workspace.config.environment != "folders"
    by_lock: dict[Path, list[Package]] = {}
    findings: list[Finding] = []
    refused: set[str] = set()
    for pkg in workspace.packages:
        try:
            specifier = pkg.python_specifier()
        except PyprojectError as exc:
            findings.append(Finding("error", "invalid", exc.file, exc.detail))
            continue
        if specifier is not None and not specifier.contains(here, prereleases=True):
            refused.add(pkg.name)
    for pkg in workspace.packages:
        lock_root = workspace.lock_roots.get(pkg.name)
        if lock_root is not None and locked:
            by_lock.setdefault(lock_root, []).append(pkg)
        elif _on_nox_python(workspace, [pkg]) and pkg.name in refused:
            findings.append(
                Finding(
                    "note",
                    "requires-python",
                    pkg.pyproject,
                    f"[project].requires-python {pkg.requires_python!r} admits no Python"
                    f" {here}, which noxgraph runs on: the sessions installing {pkg.name} on"
                    " nox's own interpreter fail; run nox on a Python it admits, or give"
                    " the tasks a python",
                )
            )
    for lock_root, packages in by_lock.items():
        refusing = [f"{p.name} ({p.requires_python})" for p in packages if p.name in refused]
        if refusing and _on_nox_python(workspace, packages):
            admit, they = ("admits", "it") if len(refusing) == 1 else ("admit", "they")
            findings.append(
                Finding(
                    "note",
                    "lock-python",
                    relative(lock_root / "uv.lock", workspace.root),
                    f"uv sync takes every member's requires-python together, and"
                    f" {some(refusing)} {admit} no Python {here}, which noxgraph runs on: a"
                    " session installing this lock on nox's own interpreter fails; run nox"
                    f" on a Python {they} {admit}, or give the tasks a python",
                )
            )
    return findings


def _on_nox_python(workspace: Workspace, packages: Sequence[Package]) -> bool:
    """Whether a session installing one of ``packages`` runs on nox's own interpreter."""
    return any(
        task.package and not task.python
        for pkg in packages
        for task in workspace.tasks_of(pkg.name).values()
    )


def _skip_severity(skipped: Skipped, workspace: Workspace) -> Severity:
    """A warning where packages may be missing (see :meth:`Skipped.may_hide_packages`);
    a note where a scan passed something over."""
    return "warning" if skipped.may_hide_packages(workspace.source) else "note"


def run_checks(
    workspace: Workspace, graph: DependencyGraph, backend: Sequence[BackendMetadata] = ()
) -> list[Finding]:
    """Every finding for ``workspace``, errors first; ``backend`` is what build
    backends said (``check --metadata``)."""
    findings = [_problem(error) for error in workspace.problems]
    for error in reserved_names(workspace, task_names(workspace)):
        findings.append(Finding("error", "reserved-name", error.file, error.detail))

    try:
        graph.levels()
    except CycleError as exc:
        findings.append(Finding("error", "cycle", "", exc.message))

    if workspace.config.environment == "lock":
        for pkg in workspace.packages:
            if pkg.name not in workspace.lock_roots:
                findings.append(
                    Finding(
                        "warning",
                        "no-lock",
                        pkg.pyproject,
                        f"environment = 'lock' ({workspace.config.file}), but no uv.lock covers"
                        f" {pkg.name} (its own, or its uv workspace's): its sessions install"
                        " from folders",
                    )
                )

    told = {answer.name: answer.version for answer in backend if answer.version}
    versions = _versions(workspace, told)
    findings += _backend_findings(workspace, backend, versions)
    files = {pkg.name: pkg.pyproject for pkg in workspace.packages}
    version_from = {pkg.name: pkg.version_from for pkg in workspace.packages}
    for pkg in workspace.packages:
        version = versions[pkg.name]
        if isinstance(version, str):
            findings.append(
                Finding(
                    "warning",
                    "version",
                    pkg.pyproject,
                    (
                        f"version {version!r} is not a valid PEP 440 version; constraints on"
                        f" {pkg.name!r} cannot be checked"
                    ),
                )
            )
        dynamic = pkg.dynamic_dependencies
        if dynamic and pkg.dependencies_from is not None:
            findings.append(
                Finding(
                    "note",
                    "dynamic",
                    pkg.pyproject,
                    (
                        f"[project].dynamic lists {', '.join(dynamic)}: the edges to siblings"
                        f" are read from {pkg.dependencies_from}, as it was last locked"
                    ),
                )
            )
        elif dynamic:
            findings.append(
                Finding(
                    "warning",
                    "dynamic",
                    pkg.pyproject,
                    (
                        f"[project].dynamic lists {', '.join(dynamic)}: the build backend decides"
                        " them, so edges it adds are not in the graph"
                    ),
                )
            )
        for decl in pkg.declarations:
            if decl.constraint_note:
                findings.append(
                    Finding(
                        "warning",
                        "constraint",
                        pkg.pyproject,
                        f"{decl.where}: {decl.constraint_note}",
                    )
                )

    for edge in graph.edges:
        target_version = versions[edge.target]
        for decl in edge.declarations:
            if not decl.specifier:
                continue
            if target_version is None:
                findings.append(
                    Finding(
                        "note",
                        "unchecked",
                        edge.declared_in,
                        (
                            f"{decl.where}: {decl.requirement!r} is not checked: {edge.target}'s"
                            f" version is dynamic ({files[edge.target]})"
                        ),
                    )
                )
                continue
            if isinstance(target_version, str):
                continue
            if not SpecifierSet(decl.specifier).contains(target_version, prereleases=True):
                findings.append(
                    Finding(
                        "error",
                        "unsatisfied",
                        edge.declared_in,
                        (
                            f"{decl.where}: {decl.requirement!r} is not satisfied by sibling"
                            f" {edge.target} {target_version} ({files[edge.target]}"
                            + (f", {source}" if (source := version_from[edge.target]) else "")
                            + ")"
                        ),
                    )
                )

    findings += _test_requirements_elsewhere(workspace)
    findings += _tests_out_of_sight(workspace)
    findings += _python_refused(workspace)
    findings += _virtual_in_lock(workspace, graph)
    for note in graph.notes:
        severity: Severity = "warning" if note.severity == "warning" else "note"
        findings.append(Finding(severity, note.code, note.file, note.message))

    for skipped in workspace.skipped:
        findings.append(
            Finding(_skip_severity(skipped, workspace), skipped.code, skipped.path, skipped.reason)
        )
    for unlisted in unlisted_projects(workspace):
        # A package the member list leaves out may be one it forgot; a template, a test
        # fixture or a build's copy not.
        hides_none = unlisted.code in ("unlisted-no-package", "test-fixture", "sdist-tree")
        left_out: Severity = "note" if hides_none else "warning"
        reason = unlisted.reason
        if unlisted.code == "not-a-member":
            reason += "; list it among the members, or leave it out with [tool.noxgraph].exclude"
        findings.append(Finding(left_out, unlisted.code, unlisted.path, reason))

    return sorted(set(findings), key=Finding.sort_key)
