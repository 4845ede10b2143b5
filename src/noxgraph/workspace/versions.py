"""A dynamic version, read statically where the build backend says it lives.

- setuptools: ``[tool.setuptools.dynamic] version = {file = ...}`` or ``{attr = ...}``;
- hatchling: ``[tool.hatch.version] path`` (the default ``regex`` source), or
  ``[version] path`` in the ``hatch.toml`` beside ``pyproject.toml``; the ``nodejs``
  source (hatch-nodejs-version) from ``package.json``, as JupyterLab extensions keep it;
- pdm: ``[tool.pdm.version] source = "file"`` with ``path``;
- flit: the module's ``__version__``.

A module counts only through a literal assignment (``__version__ = "1.2"``),
found with :mod:`ast`; nothing is imported or run. Anything else (a VCS
version, a computed one) stays dynamic.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["SideFileReader", "read_side_file", "static_version"]

#: Reads a TOML file a build backend keeps beside ``pyproject.toml`` (``hatch.toml``):
#: its content, or ``None`` where it cannot be read or parsed.
SideFileReader = Callable[[Path], Mapping[str, Any] | None]

_NAMES = ("__version__", "VERSION", "version")


def _assigned(path: Path, names: Iterable[str] = _NAMES) -> str | None:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    wanted = tuple(names)
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        value = getattr(node, "value", None)
        for target in targets:
            if (
                isinstance(target, ast.Name)
                and target.id in wanted
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value.strip()
    return None


def _package_json_version(path: Path) -> str | None:
    """The ``version`` of an npm ``package.json``, as PEP 440 writes it (hatch's nodejs
    source makes ``1.0.0-alpha.2`` into ``1.0.0a2``), or ``None``."""
    import json

    from packaging.version import InvalidVersion, Version

    from noxgraph._files import read_regular

    try:
        version = json.loads(read_regular(path)).get("version")  # a FIFO must not block
        return str(Version(version)) if isinstance(version, str) else None
    except (OSError, ValueError, AttributeError, RecursionError, InvalidVersion):
        return None


def _module_file(folder: Path, module: str, package_dir: Mapping[str, Any]) -> Path | None:
    parts = module.split(".")
    bases = [folder / "src", folder]
    root_dir = package_dir.get("")
    if isinstance(root_dir, str):
        bases.insert(0, folder / root_dir)
    mapped = package_dir.get(parts[0])
    if isinstance(mapped, str):
        bases.insert(0, (folder / mapped).parent)
        parts = [Path(mapped).name, *parts[1:]]
    for base in bases:
        for candidate in (
            base.joinpath(*parts, "__init__.py"),
            base.joinpath(*parts[:-1], f"{parts[-1]}.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def _table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    current: Any = data
    for key in keys:
        current = current.get(key) if isinstance(current, Mapping) else None
    return current if isinstance(current, Mapping) else {}


def read_side_file(path: Path) -> Mapping[str, Any] | None:
    """A :data:`SideFileReader` that parses the file every time."""
    from noxgraph.errors import NoxgraphError
    from noxgraph.workspace.toml import read_toml

    try:
        return read_toml(path, path.name)
    except NoxgraphError:
        return None


def _hatch_version(
    folder: Path, data: Mapping[str, Any], read: SideFileReader
) -> tuple[Mapping[str, Any], str]:
    """hatchling's version table and where it is: a ``hatch.toml`` beside
    ``pyproject.toml`` holds hatch's settings without the ``tool.hatch`` prefix, and
    its tables win over ``[tool.hatch]``'s, as hatchling merges the two."""
    hatch_toml = folder / "hatch.toml"
    if hatch_toml.is_file():
        parsed = read(hatch_toml)
        if parsed is None:  # nor can hatchling read it: the version stays dynamic
            return {}, "hatch.toml"
        version = _table(parsed, "version")
        if version:
            return version, "hatch.toml [version]"
    return _table(data, "tool", "hatch", "version"), "[tool.hatch.version]"


def static_version(
    folder: Path, data: Mapping[str, Any], name: str, read: SideFileReader = read_side_file
) -> tuple[str, str] | None:
    """``(version, where it was read)`` for a package whose ``[project].version`` is
    dynamic, or ``None`` when it cannot be read without running the backend. ``read``
    reads the files beside ``pyproject.toml`` the backend reads too."""
    setuptools = _table(data, "tool", "setuptools", "dynamic", "version")
    files = setuptools.get("file")
    if isinstance(files, str):
        files = [files]
    if isinstance(files, list) and files and all(isinstance(f, str) for f in files):
        try:
            text = "".join((folder / f).read_text(encoding="utf-8") for f in files).strip()
        except (OSError, UnicodeDecodeError):
            return None
        return (text, f"[tool.setuptools.dynamic].version file {files[0]}") if text else None
    attr = setuptools.get("attr")
    if isinstance(attr, str) and "." in attr:
        module, _, variable = attr.rpartition(".")
        package_dir = _table(data, "tool", "setuptools", "package-dir")
        found = _module_file(folder, module, package_dir)
        value = _assigned(found, [variable]) if found is not None else None
        return (value, f"[tool.setuptools.dynamic].version attr {attr}") if value else None
    hatch, where = _hatch_version(folder, data, read)
    path = hatch.get("path")
    if isinstance(path, str) and hatch.get("source", "regex") == "regex":
        value = _assigned(folder / path)
        return (value, f"{where}.path {path}") if value else None
    if hatch.get("source") == "nodejs":
        manifest = path if isinstance(path, str) else "package.json"
        value = _package_json_version(folder / manifest)
        return (value, f"{where} nodejs {manifest}") if value else None
    pdm = _table(data, "tool", "pdm", "version")
    if pdm.get("source") == "file" and isinstance(pdm.get("path"), str):
        value = _assigned(folder / str(pdm["path"]))
        return (value, f"[tool.pdm.version].path {pdm['path']}") if value else None
    backend = _table(data, "build-system").get("build-backend")
    if isinstance(backend, str) and backend.startswith("flit_core"):
        module = _table(data, "tool", "flit", "module").get("name") or name.replace("-", "_")
        found = _module_file(folder, str(module), {})
        value = _assigned(found, ["__version__"]) if found is not None else None
        return (value, f"flit: {module}.__version__") if value else None
    return None
