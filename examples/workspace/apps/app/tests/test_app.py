"""Tests of ex_app, run against the installed (non-editable) wheel."""

from __future__ import annotations

from importlib.metadata import version

from ex_core import greet
from ex_text import banner

import ex_app
from ex_app import build_info, welcome


def test_welcome_composes_banner_and_line() -> None:
    text = welcome("  grace hopper ", width=30)
    lines = text.splitlines()
    assert len(lines) == 4
    assert "\n".join(lines[:3]) == banner("grace hopper", 30)
    assert greet("grace hopper") in lines[1]
    assert lines[3] == "Welcome aboard, Grace Hopper."


def test_built_by_the_sibling_hook() -> None:
    from ex_app import _build_info  # exists only in a wheel built with ex-hook

    assert _build_info.BUILT_BY == "ex-hook"
    assert _build_info.PROJECT == "ex-app"
    assert _build_info.VERSION == version("ex-app")
    assert build_info() == {"built_by": "ex-hook", "project": "ex-app", "version": "1.0.0"}


def test_installed_not_from_source_tree() -> None:
    assert "site-packages" in ex_app.__file__
