"""TOML read into checked values: every error names the file, the table and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxgraph.errors import PyprojectError
from noxgraph.workspace.toml import Table, describe, parse_toml, read_toml


def test_a_bom_non_utf8_and_invalid_toml_are_one_line_errors_naming_the_file() -> None:
    with pytest.raises(PyprojectError, match=r"^a/pyproject.toml: starts with a UTF-8 byte-order"):
        parse_toml(b"\xef\xbb\xbf[project]\n", "a/pyproject.toml")
    with pytest.raises(PyprojectError, match=r"is not UTF-8 text \(byte 0xff at offset 1\)"):
        parse_toml(b"#\xff\n", "a/pyproject.toml")
    with pytest.raises(PyprojectError, match=r"^a/pyproject.toml: invalid TOML: ") as raised:
        parse_toml(b"[project\nname = 1\n", "a/pyproject.toml")
    assert "\n" not in raised.value.message


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(PyprojectError, match=r"^shown.toml: cannot be read: "):
        read_toml(tmp_path / "missing.toml", "shown.toml")


def test_each_accessor_names_the_table_and_the_value_it_refuses() -> None:
    table = Table({"name": 3, "list": ["a", 1], "flag": "yes", "sub": []}, "f.toml", "tool.x")
    with pytest.raises(PyprojectError, match=r"f.toml: \[tool.x\].name: expected a string, got"):
        table.string("name")
    with pytest.raises(PyprojectError, match=r"\[tool.x\].list: expected an array of strings"):
        table.strings("list")
    with pytest.raises(PyprojectError, match=r"\[tool.x\].flag: expected true or false"):
        table.boolean("flag")
    with pytest.raises(PyprojectError, match=r"\[tool.x\].sub: expected a table, got array"):
        table.table("sub")
    assert table.string("absent") is None and table.table("absent") is None


def test_a_nested_table_knows_its_dotted_place() -> None:
    top = Table({"tool": {"uv": {"sources": {"a": 1}}}}, "pyproject.toml")
    sources = top.table("tool").table("uv").table("sources")  # type: ignore[union-attr]
    assert sources is not None
    assert sources.location("a") == "[tool.uv.sources].a"
    assert top.location("name") == "name"
    assert top.location() == "top level"


def test_a_value_is_described_by_its_kind_and_cut_short() -> None:
    assert describe(True) == "boolean True"
    assert describe([1]) == "array [1]"
    shown = describe("x" * 500)
    assert shown.startswith("string 'xxx") and shown.endswith("...") and len(shown) < 80
