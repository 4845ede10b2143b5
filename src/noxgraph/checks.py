"""``noxgraph check``: what is wrong, or doubtful, in a workspace.

Every finding is one line that names the file. Errors make ``check`` fail;
warnings make it fail with ``--strict``; notes never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from noxgraph.errors import CycleError, DuplicateNameError, NoxgraphError
from noxgraph.graph import DependencyGraph
from noxgraph.workspace import Workspace, unlisted_projects

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
    file = getattr(error, "file", "") or ""
    message = error.message
    if file and message.startswith(f"{file}: "):
        message = message[len(file) + 2 :]
    code = "duplicate-name" if isinstance(error, DuplicateNameError) else "invalid"
    return Finding("error", code, file, message)


def _versions(workspace: Workspace) -> dict[str, Version | str | None]:
    """Each member's version: parsed, the raw text when invalid, ``None`` when dynamic."""
    result: dict[str, Version | str | None] = {}
    for pkg in workspace.packages:
        if pkg.version is None:
            result[pkg.name] = None
            continue
        try:
            result[pkg.name] = Version(pkg.version)
        except InvalidVersion:
            result[pkg.name] = pkg.version
    return result


def run_checks(workspace: Workspace, graph: DependencyGraph) -> list[Finding]:
    """Every finding for ``workspace``, errors first."""
    findings = [_problem(error) for error in workspace.problems]

    try:
        graph.levels()
    except CycleError as exc:
        findings.append(Finding("error", "cycle", "", exc.message))

    versions = _versions(workspace)
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
        dynamic = [f for f in pkg.dynamic if f in ("dependencies", "optional-dependencies")]
        if dynamic:
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

    for note in graph.notes:
        severity: Severity = "warning" if note.severity == "warning" else "note"
        code = "source" if "source" in note.message or "path" in note.message else "edge"
        findings.append(Finding(severity, code, note.file, note.message))

    for skipped in workspace.skipped:
        if skipped.reason.startswith("duplicate package name"):
            continue
        findings.append(Finding("note", "skipped", skipped.path, skipped.reason))
    for unlisted in unlisted_projects(workspace):
        findings.append(Finding("warning", "not-a-member", unlisted.path, unlisted.reason))

    return sorted(set(findings), key=Finding.sort_key)
