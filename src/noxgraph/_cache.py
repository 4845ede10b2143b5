"""Parse results kept between runs, keyed by content, in the user's cache folder.

Parsing every ``pyproject.toml`` and every requirement string is most of what
noxgraph spends on a large workspace, and most files do not change between two
runs. The cache maps the SHA-1 of a file's bytes to its parsed TOML, and a
requirement string to its parsed fields, so it can never be stale: changed
bytes are a new key. It is JSON (data only, never code), written atomically,
and holds only what the last run used, so it does not grow without bound. A
cache that cannot be read or written is ignored: it only ever saves time.

``NOXGRAPH_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/noxgraph``, else
``~/.cache/noxgraph``); ``NOXGRAPH_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from noxgraph._atomic import write_atomic
from noxgraph._paths import read_regular

__all__ = ["ParseCache", "cache_file", "read_json", "write_json"]

_FORMAT = 1
T = TypeVar("T")


def _versions() -> str:
    """The parsers whose output is cached: a new version of any starts afresh."""
    import packaging  # only their versions are needed here
    import tomli

    from noxgraph import __version__

    return f"noxgraph={__version__},tomli={tomli.__version__},packaging={packaging.__version__}"


def _folder() -> Path | None:
    if os.environ.get("NOXGRAPH_NO_CACHE"):
        return None
    chosen = os.environ.get("NOXGRAPH_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = os.path.join(Path.home(), ".cache")
        except (RuntimeError, KeyError):
            return None  # no HOME and no passwd entry: no cache, which only costs time
    return Path(base) / "noxgraph"


def cache_file(kind: str, root: Path) -> Path | None:
    """The cache file of ``kind`` for the workspace at ``root``; ``None`` when turned off."""
    folder = _folder()
    if folder is None:
        return None
    key = hashlib.sha256(os.fsencode(root)).hexdigest()[:20]
    return folder / f"{kind}-{key}.json"


def read_json(path: Path | None) -> dict[str, Any]:
    """A cache file's content for this version of noxgraph and its parsers, else ``{}``."""
    if path is None:
        return {}
    try:
        data = json.loads(read_regular(path))  # a FIFO there must not block
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format") != _FORMAT
        or data.get("versions") != _versions()
    ):
        return {}
    return data


def write_json(path: Path | None, content: dict[str, Any]) -> None:
    """Replace a cache file atomically; a failure only means no cache next time."""
    if path is None:
        return
    payload = {"format": _FORMAT, "versions": _versions(), **content}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


class ParseCache:
    """The parse cache of one workspace (one file per workspace root)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._documents: dict[str, Any] = {}
        self._requirements: dict[str, Any] = {}
        self._used_documents: dict[str, Any] = {}
        self._used_requirements: dict[str, Any] = {}
        self._missed = False
        if path is not None:
            self._load(path)

    @classmethod
    def for_root(cls, root: Path) -> ParseCache:
        return cls(cache_file("parsed", root))

    def _load(self, path: Path) -> None:
        data = read_json(path)
        documents, requirements = data.get("documents"), data.get("requirements")
        if isinstance(documents, dict) and isinstance(requirements, dict):
            self._documents, self._requirements = documents, requirements

    def document(self, content: bytes, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The parsed TOML of ``content``: from the cache, or ``parse()`` and remember it."""
        key = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        found = self._documents.get(key)
        if isinstance(found, dict):
            self._used_documents[key] = found
            return found
        parsed = parse()
        self._missed = True
        if self.path is None:
            return parsed
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            # Documents holding TOML dates, or nested past what json can write, are
            # parsed each time.
            json.dumps(parsed)
            self._used_documents[key] = parsed
        return parsed

    def requirement(
        self,
        text: str,
        parse: Callable[[], T],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> T:
        """A parsed requirement string, cached as ``encode()``'s JSON-ready value."""
        found = self._requirements.get(text)
        if found is not None:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                value = decode(found)
                self._used_requirements[text] = found
                return value
        value = parse()
        self._missed = True
        if self.path is not None:
            self._used_requirements[text] = encode(value)
        return value

    def save(self) -> None:
        """Write what this run used, when it parsed anything new; errors are ignored."""
        unused = len(self._used_documents) != len(self._documents) or len(
            self._used_requirements
        ) != len(self._requirements)
        if self.path is None or not (self._missed or unused):
            return
        write_json(
            self.path,
            {"documents": self._used_documents, "requirements": self._used_requirements},
        )
