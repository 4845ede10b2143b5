"""The project's formatter settings, as ruff and black would find them for the noxfile.

The generated block is laid out the way the project's own formatter lays it out, so
``ruff format --check`` (or ``black --check``) passes on a fresh file. Each setting
comes from ruff's configuration where it sets one, else from black's, else it is the
default both share:

- ruff: the nearest ``.ruff.toml``, ``ruff.toml``, or ``pyproject.toml`` with a
  ``[tool.ruff]`` table, in the noxfile's folder or above it (in one folder, in that
  order), and the files it ``extend``\\s; ``line-length``, ``indent-width``,
  ``[format]``'s ``quote-style``, ``indent-style`` and ``skip-magic-trailing-comma``,
  and ``[lint.isort]``'s (or ``[isort]``'s) ``lines-after-imports``;
- black: ``[tool.black]`` of the ``pyproject.toml`` in its project root (the nearest
  folder above the noxfile with ``.git``, ``.hg`` or a ``pyproject.toml`` holding
  ``[tool.black]``); ``line-length`` and ``skip-magic-trailing-comma``.

Ruff's and black's user-level configurations are not read: the same workspace must
give the same noxfile on every machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noxgraph.workspace.toml import Table, describe, read_toml

__all__ = ["CodeStyle", "find_code_style"]

#: Ruff's, in one folder: the first of these that is ruff's configuration wins.
_RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
#: The longest line-length ruff accepts.
_RUFF_LONGEST = 320


@dataclass(frozen=True)
class CodeStyle:
    """How the formatter lays out code: ``quote`` is the quote strings prefer (``"``
    or ``'``), ``indent`` one level of indentation (spaces or a tab), ``tab_width``
    the columns a tab counts for; ``magic_trailing_comma``: a trailing comma keeps a
    collection one item a line, as ruff and black do by default."""

    line_length: int = 88
    quote: str = '"'
    indent: str = "    "
    tab_width: int = 4
    magic_trailing_comma: bool = True
    #: Blank lines after the imports, as ruff's isort rule (I001) wants them before a
    #: statement: ``lines-after-imports``, within the one or two its formatter keeps.
    lines_after_imports: int = 1

    def width(self, line: str) -> int:
        """The columns ``line`` takes, a tab at the start counting ``tab_width``."""
        text = line.lstrip("\t")
        return (len(line) - len(text)) * self.tab_width + len(text)


def _integer(table: Table, key: str, *, largest: int | None = None) -> int | None:
    value = table.raw(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise table.error(key, f"expected a positive integer, got {describe(value)}")
    if largest is not None and value > largest:
        raise table.error(key, f"expected at most {largest}, got {describe(value)}")
    return value


def _choice(table: Table, key: str, choices: tuple[str, ...]) -> str | None:
    value = table.string(key)
    if value is not None and value not in choices:
        raise table.error(key, f"expected one of {', '.join(choices)}, got {describe(value)}")
    return value


def _ruff_table(path: Path) -> Table | None:
    """Ruff's settings in ``path``: a ``ruff.toml``'s top level, a ``pyproject.toml``'s
    ``[tool.ruff]`` (``None`` when it has none)."""
    document = read_toml(path, str(path))
    if path.name != "pyproject.toml":
        return Table(document, str(path))
    tool = Table(document, str(path)).table("tool")
    return tool.table("ruff") if tool is not None else None


def _ruff_settings(path: Path, table: Table, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The layout settings of one ruff configuration, over those of the file it
    ``extend``s (its path relative to this file's folder)."""
    settings: dict[str, Any] = {}
    extended = table.string("extend")
    if extended is not None:
        target = Path(os.path.expandvars(os.path.expanduser(extended)))
        target = (path.parent / target).resolve()
        if target in seen:
            raise table.error("extend", f"{extended!r} extends this file again, in a loop")
        if not target.is_file():
            raise table.error("extend", f"no file {extended!r} (from {target.parent})")
        base = _ruff_table(target) or Table({}, str(target))
        settings = _ruff_settings(target, base, (*seen, path.resolve()))
    settings.update(
        (key, value)
        for key, value in (
            ("line_length", _integer(table, "line-length", largest=_RUFF_LONGEST)),
            ("tab_width", _integer(table, "indent-width")),
        )
        if value is not None
    )
    lint = table.table("lint")
    isort = (lint.table("isort") if lint is not None else None) or table.table("isort")
    if isort is not None:
        after = isort.raw("lines-after-imports")
        if after is not None:
            if isinstance(after, bool) or not isinstance(after, int) or after < -1:
                wanted = f"expected an integer of -1 or more, got {describe(after)}"
                raise isort.error("lines-after-imports", wanted)
            settings["lines_after_imports"] = after
    form = table.table("format")
    if form is not None:
        choices = (
            ("quote_style", _choice(form, "quote-style", ("double", "single", "preserve"))),
            ("indent_style", _choice(form, "indent-style", ("space", "tab"))),
            ("skip_magic_trailing_comma", form.boolean("skip-magic-trailing-comma")),
        )
        settings.update((key, value) for key, value in choices if value is not None)
    return settings


def _ruff(folder: Path) -> dict[str, Any]:
    for directory in (folder, *folder.parents):
        for name in _RUFF_FILES:
            path = directory / name
            if path.is_file():
                table = _ruff_table(path)
                if table is not None:
                    return _ruff_settings(path, table)
    return {}


def _black(folder: Path) -> dict[str, Any]:
    for directory in (folder, *folder.parents):
        path = directory / "pyproject.toml"
        if path.is_file():
            tool = Table(read_toml(path, str(path)), str(path)).table("tool")
            black = tool.table("black") if tool is not None else None
            if black is not None:
                found = {
                    "line_length": _integer(black, "line-length"),
                    "skip_magic_trailing_comma": black.boolean("skip-magic-trailing-comma"),
                }
                return {key: value for key, value in found.items() if value is not None}
        if (directory / ".git").exists() or (directory / ".hg").is_dir():
            break
    return {}


def find_code_style(folder: Path) -> CodeStyle:
    """The layout ruff's or black's configuration asks of a file in ``folder``; raises
    :class:`~noxgraph.errors.PyprojectError` for a setting neither would accept."""
    folder = folder.resolve()
    settings = {**_black(folder), **_ruff(folder)}
    tab_width = settings.get("tab_width", 4)
    # -1, ruff's default, is one line before a statement, such as the one that follows;
    # ruff's formatter keeps one or two.
    after = settings.get("lines_after_imports", -1)
    return CodeStyle(
        line_length=settings.get("line_length", 88),
        quote="'" if settings.get("quote_style") == "single" else '"',
        indent="\t" if settings.get("indent_style") == "tab" else " " * tab_width,
        tab_width=tab_width,
        magic_trailing_comma=not settings.get("skip_magic_trailing_comma", False),
        lines_after_imports=1 if after == -1 else max(1, min(after, 2)),
    )
