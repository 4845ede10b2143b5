"""Tests of ex_color."""

from __future__ import annotations

import pytest
from ex_core import greet

from ex_color import COLORS, RESET, colorize, greet_colored, strip_ansi


def test_colorize_wraps_text_in_codes() -> None:
    assert colorize("hi", "red") == "\x1b[31mhi\x1b[0m"
    assert colorize("hi", "blue", bold=True) == "\x1b[1;34mhi\x1b[0m"


@pytest.mark.parametrize("color", sorted(COLORS))
def test_strip_ansi_round_trips(color: str) -> None:
    text = colorize("Hello, Ada!", color, bold=True)
    assert text.endswith(RESET)
    assert strip_ansi(text) == "Hello, Ada!"


def test_unknown_color() -> None:
    with pytest.raises(ValueError, match="unknown color 'mauve'"):
        colorize("hi", "mauve")


def test_greet_colored_uses_core_greeting() -> None:
    text = greet_colored("  ada ", color="cyan")
    assert text.startswith("\x1b[1;36m")
    assert strip_ansi(text) == greet("ada") == "Hello, Ada!"
