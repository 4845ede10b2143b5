"""Reading TOML files into checked values, with errors that say where.

``tomli`` parses; :class:`Table` wraps a parsed
table with its file and dotted location, so that every type error names the
file, the table and the offending value in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from noxgraph._files import read_regular
from noxgraph.errors import PyprojectError

__all__ = ["Table", "describe", "parse_toml", "read_toml"]

_UTF8_BOM = b"\xef\xbb\xbf"


def describe(value: object, limit: int = 60) -> str:
    """A short, safe rendering of a TOML value for an error message."""
    kind = {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)
    try:
        text = repr(value)
    except RecursionError:
        text = "(nested too deeply to show)"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{kind} {text}"


def parse_toml(data: bytes, display: str) -> dict[str, Any]:
    """Parse TOML bytes, or raise :class:`PyprojectError` naming ``display``."""
    if data.startswith(_UTF8_BOM):
        raise PyprojectError(
            display,
            "starts with a UTF-8 byte-order mark, which TOML tools such as pip reject;"
            " save the file as UTF-8 without a BOM",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PyprojectError(
            display, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    # tomli, not stdlib tomllib (a copy of tomli): its compiled wheels parse faster
    # (benchmarks/), and a warm run takes every document from the parse cache.
    import tomli

    try:
        document: dict[str, Any] = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        conflict = _conflict_line(text)
        if conflict is not None:
            raise PyprojectError(
                display,
                f"holds merge-conflict markers (line {conflict}); resolve the conflict",
            ) from None
        raise PyprojectError(display, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise PyprojectError(display, "invalid TOML: values are nested too deeply") from None
    return document


def _conflict_line(text: str) -> int | None:
    """The line of git's first merge-conflict marker in ``text``, if it has one (whole,
    from ``<<<<<<<`` through ``=======`` to ``>>>>>>>``)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("<<<<<<< ")), None)
    if start is None or not any(line.startswith(">>>>>>> ") for line in lines[start:]):
        return None
    return start + 1 if any(line == "=======" for line in lines[start:]) else None


def read_toml(path: Path, display: str) -> dict[str, Any]:
    """Read and parse one TOML file; ``display`` is the path shown in errors."""
    try:
        data = read_regular(path)
    except OSError as exc:
        raise PyprojectError(display, f"cannot be read: {exc.strerror or exc}") from None
    return parse_toml(data, display)


class Table:
    """A parsed TOML table that knows where it came from.

    ``where`` is the dotted location of the table in its file (``project``,
    ``tool.poetry.dependencies``); ``""`` is the document itself.
    """

    __slots__ = ("data", "file", "where")

    def __init__(self, data: Mapping[str, Any], file: str, where: str = "") -> None:
        self.data = data
        self.file = file
        self.where = where

    def location(self, key: str | None = None) -> str:
        """``[table].key`` as shown in messages."""
        table = f"[{self.where}]" if self.where else "top level"
        if key is None:
            return table
        return f"{table}.{key}" if self.where else key

    def error(self, key: str | None, message: str) -> PyprojectError:
        return PyprojectError(self.file, f"{self.location(key)}: {message}")

    def _child(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def table(self, key: str) -> Table | None:
        """The sub-table at ``key``, ``None`` when absent, an error when not a table."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {describe(value)}")
        return Table(value, self.file, self._child(key))

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {describe(value)}")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {describe(value)}")
        return value

    def strings(self, key: str) -> list[str] | None:
        """An array of strings at ``key``; ``None`` when absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"expected an array of strings, got {describe(value)}")
        return list(value)

    def items(self) -> list[tuple[str, Any]]:
        return list(self.data.items())
