"""noxgraph: one nox session per package and task, chained in dependency order."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
