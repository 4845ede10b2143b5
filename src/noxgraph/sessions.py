"""Session specs: what each nox session is called, needs, and does."""

from __future__ import annotations

__all__ = ["session_name"]


def session_name(task: str, package: str) -> str:
    """``<task>-<package>``: task names hold no ``-``, so names never collide."""
    return f"{task}-{package}"
