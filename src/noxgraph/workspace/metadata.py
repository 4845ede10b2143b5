"""Metadata that only the build backend knows, asked of it on request.

``noxgraph check --metadata`` asks the backend of each package whose version or
dependencies are dynamic (and could not be read statically) for its metadata,
through PEP 517's ``prepare_metadata_for_build_wheel`` in an isolated build
environment, with pypa/build's ``project_wheel_metadata``. This runs the
package's build backend, so it is never done unless asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from noxgraph.errors import one_line

if TYPE_CHECKING:
    from noxgraph.workspace.pyproject import Package

__all__ = ["BackendMetadata", "ask_backends", "needs_backend"]


@dataclass(frozen=True)
class BackendMetadata:
    """What a backend said: the version and the ``Requires-Dist`` lines, or why it
    could not say (``error``)."""

    name: str
    version: str | None = None
    requires: tuple[str, ...] = ()
    error: str | None = None


def needs_backend(pkg: Package) -> bool:
    """Whether the backend alone knows the package's version or dependencies."""
    dynamic = set(pkg.dynamic)
    return bool(
        (pkg.version is None and "version" in dynamic)
        or dynamic & {"dependencies", "optional-dependencies"}
    )


def ask_backends(packages: Iterable[Package]) -> list[BackendMetadata]:
    """Each package's metadata from its own build backend (slow: one isolated
    build environment per package)."""
    from build.util import project_wheel_metadata  # only on request

    answers: list[BackendMetadata] = []
    for pkg in packages:
        try:
            found = project_wheel_metadata(pkg.path, isolated=True)
        except Exception as exc:  # any failure of a backend is that package's answer
            answers.append(
                BackendMetadata(pkg.name, error=one_line(str(exc) or type(exc).__name__))
            )
            continue
        answers.append(
            BackendMetadata(pkg.name, found["Version"], tuple(found.get_all("Requires-Dist") or ()))
        )
    return answers
