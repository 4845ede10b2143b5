"""Lists written into a one-line message."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["some"]


def some(items: Sequence[str], limit: int = 3) -> str:
    """The first ``limit`` of ``items``, then how many more: ``a, b, c and 4 more``."""
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")
