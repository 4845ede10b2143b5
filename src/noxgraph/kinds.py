"""The kinds of edges, by where a dependency is declared (see DESIGN.md, "Edges")."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without importing typing, 3 ms of start-up

__all__ = ["KINDS", "Kind"]

if TYPE_CHECKING:
    from typing import Literal

    Kind = Literal["runtime", "optional", "group", "dev", "build"]
else:
    Kind = str  # the Literal is for type checkers; at run time, a str
#: Every edge kind, in the order they are listed everywhere.
KINDS: tuple[Kind, ...] = ("runtime", "optional", "group", "dev", "build")
