"""The lock files noxgraph reads, by name: telling a changed file is a lock takes no
more than this, and reading one (:mod:`noxgraph.changes.lock_changes`) happens only
when a lock changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = ["LOCK_FILES", "LockFormat", "lock_format"]

LockFormat = Literal["uv", "poetry", "pdm"]
#: The lock files noxgraph reads, by file name.
LOCK_FILES: Mapping[str, LockFormat] = {"uv.lock": "uv", "poetry.lock": "poetry", "pdm.lock": "pdm"}


def lock_format(path: str) -> LockFormat | None:
    """The format of a lock file, by its name; ``None`` for any other file."""
    return LOCK_FILES.get(path.rsplit("/", 1)[-1])
