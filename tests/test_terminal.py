"""Views drawn as plain text when piped, and with rich on a terminal."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from noxgraph.cli.report import Line, Node, Table
from noxgraph.cli.terminal import Output, plain_text

cells = st.text(st.sampled_from([*"abz09-_./ []=<>;,'\"", "é"]), max_size=12)


def test_a_table_is_columns_as_wide_as_their_widest_cell_two_spaces_apart() -> None:
    table = Table(("package", "path"))
    table.add("ex-core", "libs/core")
    table.add(("ex-cli", "bold"), "apps/cli")
    assert plain_text([table]).splitlines() == [
        "package  path",
        "ex-core  libs/core",
        "ex-cli   apps/cli",
    ]


@given(st.lists(st.tuples(cells, cells), max_size=6))
def test_plain_lines_never_end_in_spaces_and_keep_every_cell(rows: list[tuple[str, str]]) -> None:
    table = Table(("a", "b"))
    for row in rows:
        table.add(*row)
    text = plain_text([Line("title  "), table])
    assert all(line == line.rstrip() for line in text.splitlines())
    for left, right in rows:
        assert left.strip() in text
        assert right.strip() in text


def test_a_tree_is_drawn_with_guides() -> None:
    tree = Node("Dependencies")
    app = tree.add("app 1.0", "bold")
    app.add("core  runtime")
    app.add("lib  build")
    tree.add("core 1.0").add("util  runtime")
    assert plain_text([tree]).splitlines() == [
        "Dependencies",
        "├── app 1.0",
        "│   ├── core  runtime",
        "│   └── lib  build",
        "└── core 1.0",
        "    └── util  runtime",
    ]


def test_five_thousand_package_tree_is_drawn_whole() -> None:
    tree = Node("Dependencies")
    for index in range(5000):
        node = tree.add(f"pkg-{index:05} 1.0")
        for target in range(4):
            node.add(f"pkg-{target:05}  runtime")
    lines = plain_text([tree]).splitlines()
    assert len(lines) == 25001
    assert lines[-1] == "    └── pkg-00003  runtime"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_same_text_laid_out_by_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    table = Table(("package", "result"))
    table.add("ex-core", ("success", "green"))
    tree = Node("Dependencies")
    tree.add("ex-core 1.0").add("ex-util  runtime")
    stream = _Terminal()
    output = Output(stream)
    assert not output.plain
    output.view([Line("2 packages", "bold"), table, tree])
    drawn = stream.getvalue()
    for text in ("2 packages", "package", "ex-core", "success", "ex-util  runtime"):
        assert text in drawn
    assert "└──" in drawn


def test_no_color_draws_plain_text_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    Output(stream).view([Line("plain", "bold")])
    assert stream.getvalue() == "plain\n"
