"""Piped text is written without rich's layout, and reads exactly as rich prints it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Group
from rich.text import Text
from rich.tree import Tree

from noxgraph.cli.report import _rich_plain, _table, plain_text

# Names, paths and messages: wide and combining characters, spaces, brackets (no markup).
cell_text = st.text(
    st.sampled_from([*"abz09-_./ []=<>;,'\"", "é", "漢", "字", "\u0301", "😀"]),
    max_size=12,
)


def _expected(renderable: object) -> str:
    return "".join(line.rstrip() + "\n" for line in _rich_plain(renderable).splitlines())


@st.composite
def tables(draw: st.DrawFn) -> object:
    columns = draw(st.integers(1, 4))
    table = _table(True, *draw(st.lists(cell_text, min_size=columns, max_size=columns)))
    for _ in range(draw(st.integers(0, 6))):
        table.add_row(*draw(st.lists(cell_text, min_size=columns, max_size=columns)))
    return table


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    tree = Tree(Text(draw(cell_text)), guide_style="dim")
    for _ in range(draw(st.integers(0, 4))):
        node = tree.add(Text(draw(cell_text)), style="bold")
        for _ in range(draw(st.integers(0, 3))):
            inner = node.add(Text(draw(cell_text)))
            for _ in range(draw(st.integers(0, 2))):
                inner.add(Text(draw(cell_text)))
    return tree


parts = st.one_of(
    tables(), trees(), st.builds(Text, st.text(max_size=20)), st.builds(Text, cell_text)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(parts, max_size=5))
def test_plain_text_reads_as_rich_prints_it(renderables: list[object]) -> None:
    group = Group(*renderables)  # type: ignore[arg-type]
    assert plain_text(group) == _expected(group)


def test_a_cell_of_two_lines_and_a_label_of_two_fall_back_to_rich() -> None:
    table = _table(True, "name", "status")
    table.add_row("core", Text("ok", style="green"))
    table.add_row("app", Group(Text("built"), Text("tested")))
    tree = Tree(Text("root"), guide_style="dim")
    tree.add(Text("two\nlines"))
    group = Group(table, tree, Text("tab\there"))
    assert table.cells is None
    assert plain_text(group) == _expected(group)
    assert "    lines" in plain_text(group)
    assert "app   built" in plain_text(group)


def test_five_thousand_package_tree_is_drawn_without_rich() -> None:
    tree = Tree(Text("Dependencies"), guide_style="dim")
    for index in range(5000):
        node = tree.add(Text(f"pkg-{index:05} 1.0"))
        for target in range(4):
            node.add(Text(f"pkg-{target:05}  runtime"))
    lines = plain_text(tree).splitlines()
    assert len(lines) == 25001
    assert lines[1:3] == ["├── pkg-00000 1.0", "│   ├── pkg-00000  runtime"]
    assert lines[-1] == "    └── pkg-00003  runtime"
