"""The fingerprint of a workspace: what a generated noxfile was made from.

The inputs are the files discovery reads (configuration and every candidate
``pyproject.toml``) and which candidate folders have tests, since a new tests
folder adds a ``test-<package>`` session. A generated noxfile records a hash of
each input; at load time it hashes them again and names what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from noxgraph.pyproject import has_tests
from noxgraph.workspace import Discovery, discover

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


def read_inputs(found: Discovery | Path) -> Inputs:
    """Hash every input of the workspace (discovering it first when given a root)."""
    discovery = found if isinstance(found, Discovery) else discover(found)
    root = discovery.root
    files = {name: _hash(root / name) for name in discovery.inputs}
    tested = tuple(
        sorted(
            _relative_folder(name)
            for name in discovery.inputs
            if name.endswith("pyproject.toml") and has_tests(root / _relative_folder(name))
        )
    )
    return Inputs(files, tested)


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
