"""Text formatting of greetings: framed banners, optionally coloured.

Colour comes from the optional ``ex-color`` package (the ``color`` extra); without
it, a colour request is ignored and the banner is plain text.
"""

from __future__ import annotations

from collections.abc import Callable

from ex_core import greet

__all__ = ["HAS_COLOR", "banner", "frame"]

_colorize: Callable[..., str] | None
try:
    from ex_color import colorize as _colorize
except ImportError:  # the "color" extra is not installed
    _colorize = None

#: Whether ex_color was importable, i.e. whether ``color=`` has any effect.
HAS_COLOR = _colorize is not None


def frame(text: str, width: int = 40, char: str = "*") -> list[str]:
    """Return the lines of *text* centred in a box of *char*, at least *width* wide."""
    if len(char) != 1:
        raise ValueError("char must be a single character")
    width = max(width, len(text) + 4)
    edge = char * width
    return [edge, f"{char} {text.center(width - 4)} {char}", edge]


def banner(name: str, width: int = 40, *, char: str = "*", color: str | None = None) -> str:
    """Return the greeting of *name* framed in a banner at least *width* wide.

    With *color* set and ex_color installed, the greeting is coloured; otherwise
    the banner is plain text.
    """
    greeting = greet(name)
    top, middle, bottom = frame(greeting, width, char)
    if color is not None and _colorize is not None:
        middle = middle.replace(greeting, _colorize(greeting, color, bold=True), 1)
    return "\n".join([top, middle, bottom])
