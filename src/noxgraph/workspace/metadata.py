"""Metadata that only the build backend knows, asked of it on request.

``noxgraph check --metadata`` asks the backend of each package whose version or
dependencies are dynamic (and could not be read statically) for its metadata,
through PEP 517's ``prepare_metadata_for_build_wheel`` in an isolated build
environment made by pypa/build (uv's when uv is installed). This runs the
package's build backend, so it is never done unless asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from noxgraph.errors import one_line

if TYPE_CHECKING:
    from build.env import Installer

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
    return pkg.version_from_backend or bool(pkg.dynamic_dependencies)


def ask_backends(packages: Iterable[Package]) -> list[BackendMetadata]:
    """Each package's metadata from its own build backend, several at a time (each in
    an isolated build environment of its own: uv's when uv is installed, as pypa/build
    makes it, else venv and pip)."""
    import os
    import sysconfig
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    wanted = list(packages)
    installer = _installer()
    # Finding uv reads sysconfig, whose first read fills a cache that threads race to
    # fill (one of them reads None): fill it before they start.
    sysconfig.get_config_vars()
    workers = max(1, min(len(wanted), os.cpu_count() or 1))
    # pyproject_hooks raises each warning a backend gave again here (setuptools'
    # deprecations, a dozen lines each): the project's business, not its metadata.
    with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=workers) as pool:
        warnings.simplefilter("ignore")
        return list(pool.map(lambda pkg: _ask(pkg, installer), wanted))


def _installer() -> Installer:
    """uv where pypa/build finds it (the ``uv`` package beside noxgraph, else on
    ``PATH``), else pip."""
    import importlib.util
    import os
    import shutil

    found = importlib.util.find_spec("uv") is not None or shutil.which(os.environ.get("UV") or "uv")
    return "uv" if found else "pip"


def _ask(pkg: Package, installer: Installer) -> BackendMetadata:
    """What ``pkg``'s backend says through PEP 517's ``prepare_metadata_for_build_wheel``
    (pypa/build's ``project_wheel_metadata``, with the installer chosen)."""
    import importlib.metadata
    import tempfile

    import pyproject_hooks
    from build import ProjectBuilder
    from build.env import DefaultIsolatedEnv

    try:
        with DefaultIsolatedEnv(installer=installer) as env, tempfile.TemporaryDirectory() as out:
            builder = ProjectBuilder.from_isolated_env(
                env, pkg.path, runner=pyproject_hooks.quiet_subprocess_runner
            )
            env.install(builder.build_system_requires)
            env.install(builder.get_requires_for_build("wheel"))
            found = importlib.metadata.PathDistribution(Path(builder.metadata_path(out))).metadata
            return BackendMetadata(
                pkg.name, found["Version"], tuple(found.get_all("Requires-Dist") or ())
            )
    except Exception as exc:  # any failure of a backend is that package's answer
        return BackendMetadata(pkg.name, error=one_line(str(exc) or type(exc).__name__))
