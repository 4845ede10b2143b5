"""Where the command line's answers go: stdout, as JSON, as they are, or as a view.

A :data:`~noxgraph.cli.report.View` is drawn with rich on a terminal (styles, table
rules), and as plain text when stdout is piped or ``NO_COLOR`` is set: no colour, no
wrapping at an imagined width, no padding at the ends of lines, so it stays
greppable. The plain writer needs no rich, and draws thousands of rows at once where
rich would lay each out (``benchmarks/bench_graph.py`` measures both).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from noxgraph.cli.report import Line, Node, Table, View

__all__ = ["Output", "plain_text"]


class Output:
    """One stream the command writes its answer to."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.plain = not isatty or bool(os.environ.get("NO_COLOR"))

    def json(self, document: Mapping[str, Any]) -> None:
        """A JSON document: indented on a terminal, compact when piped."""
        from noxgraph.cli.report import dumps

        self.write(dumps(document, indent=not self.plain))

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def view(self, view: View) -> None:
        if self.plain:
            self.write(plain_text(view))
            return
        from rich.console import Console  # only a terminal needs rich

        Console(file=self.stream, highlight=False).print(*(_renderable(part) for part in view))


def _cell(cell: str | tuple[str, str]) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _table_lines(table: Table) -> list[str]:
    rows = [table.headers, *(tuple(map(_cell, row)) for row in table.rows)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(table.headers))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]


def _tree_lines(node: Node, guide: str = "", indent: str = "") -> list[str]:
    lines = [guide + node.label]
    last = len(node.children) - 1
    for number, child in enumerate(node.children):
        end = number == last
        lines += _tree_lines(
            child, indent + ("└── " if end else "├── "), indent + ("    " if end else "│   ")
        )
    return lines


def plain_text(view: Sequence[Line | Table | Node]) -> str:
    """``view`` as plain text, each line without trailing spaces."""
    from noxgraph.cli.report import Line, Table

    lines: list[str] = []
    for part in view:
        if isinstance(part, Line):
            lines.append(part.text)
        elif isinstance(part, Table):
            lines += _table_lines(part)
        else:
            lines += _tree_lines(part)
    return "".join(line.rstrip() + "\n" for line in lines)


def _renderable(part: Line | Table | Node) -> RenderableType:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text
    from rich.tree import Tree

    from noxgraph.cli.report import Line, Table

    if isinstance(part, Line):
        return Text(part.text, style=part.style)
    if isinstance(part, Table):
        table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header in part.headers:
            table.add_column(Text(header), overflow="fold")
        for row in part.rows:
            table.add_row(*(Text(cell) if isinstance(cell, str) else Text(*cell) for cell in row))
        return table

    def grow(tree: Tree, node: Node) -> None:
        for child in node.children:
            grow(tree.add(Text(child.label, style=child.style)), child)

    tree = Tree(Text(part.label, style=part.style), guide_style="dim")
    grow(tree, part)
    return tree
