"""Helpers for testing greetings made with ex_core."""

from __future__ import annotations

from ex_core import DEFAULT_SALUTATION, normalize

__all__ = ["NAME_CASES", "assert_greeting", "assert_single_line"]

#: Pairs of (raw name, normalized name) shared by the tests of the workspace.
NAME_CASES: list[tuple[str, str]] = [
    ("ada", "Ada"),
    ("  grace   hopper ", "Grace Hopper"),
    ("ALAN\tturing", "Alan Turing"),
    ("x", "X"),
]


def assert_single_line(text: str) -> None:
    """Fail unless *text* is a single, non-empty line."""
    if not text or "\n" in text or "\r" in text:
        raise AssertionError(f"expected a single non-empty line, got {text!r}")


def assert_greeting(text: str, name: str, salutation: str = DEFAULT_SALUTATION) -> None:
    """Fail unless *text* is the greeting of *name*: ``"<salutation>, <Name>!"``."""
    assert_single_line(text)
    prefix = f"{salutation}, "
    if not text.startswith(prefix):
        raise AssertionError(f"{text!r} does not start with {prefix!r}")
    if not text.endswith("!"):
        raise AssertionError(f"{text!r} does not end with '!'")
    addressed = text[len(prefix) : -1]
    expected = normalize(name)
    if addressed != expected:
        raise AssertionError(f"{text!r} greets {addressed!r}, expected {expected!r}")
