"""Tests of ex_text, with and without the optional ex_color package."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

import ex_text
from ex_text import banner, frame


def test_frame_pads_to_width() -> None:
    lines = frame("Hi", width=10)
    assert lines == ["**********", "*   Hi   *", "**********"]


def test_frame_grows_for_long_text() -> None:
    lines = frame("Hello, Grace Hopper!", width=5, char="#")
    assert {len(line) for line in lines} == {24}
    assert lines[1] == "# Hello, Grace Hopper! #"


def test_frame_rejects_long_char() -> None:
    with pytest.raises(ValueError, match="single character"):
        frame("Hi", char="**")


def test_banner_plain() -> None:
    text = banner("  ada ", width=20)
    assert text.splitlines() == [
        "*" * 20,
        "*   Hello, Ada!    *",
        "*" * 20,
    ]


@pytest.fixture
def text_without_color(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """ex_text re-imported as if ex_color were not installed."""
    monkeypatch.setitem(sys.modules, "ex_color", None)  # makes the import fail
    yield importlib.reload(ex_text)
    monkeypatch.undo()
    importlib.reload(ex_text)


def test_fallback_without_ex_color(text_without_color: ModuleType) -> None:
    assert text_without_color.HAS_COLOR is False
    coloured = text_without_color.banner("ada", width=20, color="red")
    assert "\x1b[" not in coloured
    assert coloured == text_without_color.banner("ada", width=20)


def test_color_with_ex_color() -> None:
    ex_color = pytest.importorskip("ex_color", reason="the 'color' extra is not installed")
    assert ex_text.HAS_COLOR is True
    coloured = banner("ada", width=20, color="red")
    assert "\x1b[1;31mHello, Ada!\x1b[0m" in coloured
    assert ex_color.strip_ansi(coloured) == banner("ada", width=20)
