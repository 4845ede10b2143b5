"""The kinds of edges, by where a dependency is declared (see DESIGN.md, "Edges")."""

from __future__ import annotations

from typing import Literal

__all__ = ["KINDS", "Kind"]

Kind = Literal["runtime", "optional", "group", "dev", "build"]

#: Every edge kind, in the order they are listed everywhere.
KINDS: tuple[Kind, ...] = ("runtime", "optional", "group", "dev", "build")
