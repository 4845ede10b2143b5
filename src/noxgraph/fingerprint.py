"""The fingerprint of a workspace: what a generated noxfile was made from.

The inputs are the files discovery reads (configuration and every candidate
``pyproject.toml``) and which candidate folders have tests, since a new tests
folder adds a ``test-<package>`` session. A generated noxfile records a hash of
each input; at load time it hashes them again and names what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noxgraph._cache import cache_file, read_json, write_json
from noxgraph.pyproject import has_tests
from noxgraph.workspace import Discovery, Workspace, discover

__all__ = ["Inputs", "compare", "describe_changes", "read_inputs"]

_MISSING = "missing"


@dataclass(frozen=True)
class Inputs:
    """Hashes of the input files and the candidate folders that have tests."""

    files: Mapping[str, str]
    tested: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(
            {"files": dict(sorted(self.files.items())), "tested": sorted(self.tested)},
            sort_keys=True,
        )
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return _MISSING


def _relative_folder(file: str) -> str:
    return file.rsplit("/", 1)[0] if "/" in file else "."


def _pyproject_of(folder: str) -> str:
    return "pyproject.toml" if folder == "." else f"{folder}/pyproject.toml"


def read_inputs(found: Discovery | Workspace | Path, *, reuse_by_stat: bool = False) -> Inputs:
    """Hash every input of the workspace (discovering it first when given a root).

    ``noxgraph generate`` hashes every file. The check at nox load time may
    ``reuse_by_stat``: a file whose size, modification time and inode are those
    it had at the last check keeps the hash it had, and a folder whose
    modification time is unchanged keeps its answer about tests (adding a tests
    folder or module changes the folder's modification time). The check only
    warns, and it runs at every nox load, so it trades that for speed.
    """
    discovery = discover(found) if isinstance(found, Path) else found
    root = discovery.root
    remembered: dict[str, Any] = {}
    cache = cache_file("inputs", root) if reuse_by_stat else None
    if cache is not None:
        remembered = read_json(cache)
    old_files: dict[str, Any] = remembered.get("files", {})
    old_folders: dict[str, Any] = remembered.get("folders", {})
    new_files: dict[str, list[Any]] = {}
    new_folders: dict[str, list[Any]] = {}
    files: dict[str, str] = {}
    tested: list[str] = []
    base = os.fspath(root)
    # Strings and os.stat, not Path objects: this runs at every nox load, per package.
    for name in discovery.inputs:
        path = os.path.join(base, name)  # noqa: PTH118
        try:
            stat = os.stat(path)  # noqa: PTH116
        except OSError:
            files[name] = _MISSING
            continue
        key = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        old = old_files.get(name)
        digest = old[3] if isinstance(old, list) and old[:3] == key else _hash(Path(path))
        files[name] = digest
        new_files[name] = [*key, digest]
        if not name.endswith("pyproject.toml"):
            continue
        folder = _relative_folder(name)
        try:
            folder_time = os.stat(os.path.dirname(path)).st_mtime_ns  # noqa: PTH116, PTH120
        except OSError:
            continue
        previous = old_folders.get(folder)
        if isinstance(previous, list) and previous[0] == folder_time:
            answer = bool(previous[1])
        else:
            answer = has_tests(Path(path).parent)
        new_folders[folder] = [folder_time, answer]
        if answer:
            tested.append(folder)
    if cache is not None and (new_files != old_files or new_folders != old_folders):
        write_json(cache, {"files": new_files, "folders": new_folders})
    return Inputs(files, tuple(sorted(tested)))


def compare(recorded: Inputs, current: Inputs) -> list[str]:
    """What changed between two sets of inputs, one short phrase per change."""
    changes: list[str] = []
    added = sorted(set(current.files) - set(recorded.files))
    removed = sorted(set(recorded.files) - set(current.files))
    changed = sorted(
        name
        for name in set(current.files) & set(recorded.files)
        if current.files[name] != recorded.files[name]
    )
    changes += [f"new {name}" for name in added]
    changes += [f"removed {name}" for name in removed]
    changes += [f"changed {name}" for name in changed]
    gained = sorted(set(current.tested) - set(recorded.tested))
    lost = sorted(set(recorded.tested) - set(current.tested))
    # A new package with tests is already named as new.
    changes += [f"tests added in {f}" for f in gained if _pyproject_of(f) not in added]
    changes += [f"tests removed from {f}" for f in lost if _pyproject_of(f) not in removed]
    return changes


def describe_changes(changes: Iterable[str], limit: int = 5) -> str:
    listed = list(changes)
    shown = "; ".join(listed[:limit])
    if len(listed) > limit:
        shown += f"; and {len(listed) - limit} more"
    return shown
