"""ANSI colouring helpers for greetings."""

from __future__ import annotations

import re

from ex_core import greet

__all__ = ["COLORS", "RESET", "colorize", "greet_colored", "strip_ansi"]

#: Foreground colour names and their ANSI SGR codes.
COLORS: dict[str, int] = {
    "red": 31,
    "green": 32,
    "yellow": 33,
    "blue": 34,
    "magenta": 35,
    "cyan": 36,
}
RESET = "\x1b[0m"
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def colorize(text: str, color: str, *, bold: bool = False) -> str:
    """Wrap *text* in the ANSI codes of *color* (and bold), ending with a reset."""
    try:
        code = COLORS[color]
    except KeyError:
        known = ", ".join(sorted(COLORS))
        raise ValueError(f"unknown color {color!r}; choose one of: {known}") from None
    codes = f"1;{code}" if bold else str(code)
    return f"\x1b[{codes}m{text}{RESET}"


def strip_ansi(text: str) -> str:
    """Remove ANSI colour codes from *text*."""
    return _ANSI_RE.sub("", text)


def greet_colored(name: str, color: str = "green") -> str:
    """Return the ex_core greeting of *name*, coloured."""
    return colorize(greet(name), color, bold=True)
