"""Parse results kept between runs, keyed by content, in the user's cache folder.

Parsing every ``pyproject.toml`` and every requirement string is most of what
noxgraph spends on a large workspace, and most files do not change between two
runs. The cache maps the SHA-1 of a file's bytes to its parsed TOML, and a
requirement string to its parsed fields, so it can never be stale: changed
bytes are a new key. Each file read is remembered with its fingerprint
(:class:`noxgraph._files.Fingerprint`) and the key of its bytes, so while the
fingerprint holds the file is neither read nor hashed (a racy fingerprint is
never remembered).
It is JSON (data only, never code), written atomically and only when a run added
to it, and holds what recent runs used, so it does not grow without bound. A
cache that cannot be read or written is ignored: it only ever saves time.

``NOXGRAPH_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/noxgraph``, else
``~/.cache/noxgraph``); ``NOXGRAPH_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from noxgraph._files import Fingerprint, fingerprint, read_regular, write_atomic

T = TypeVar("T")

__all__ = ["ParseCache", "cache_file", "cache_folder", "read_json", "write_json"]

_FORMAT = 1


@functools.cache
def _versions() -> str:
    """What gives the cached values their meaning: a new version of either starts
    afresh. packaging's own ``__version__``, as importlib.metadata would scan every
    installed distribution. The TOML parser's version is not part of it, so a warm run
    never imports the parser: TOML fixes the value of every document a parser accepts,
    and only what a parser accepts moves between versions (docs/cache.md)."""
    import packaging

    from noxgraph import __version__

    return f"noxgraph={__version__},packaging={packaging.__version__}"


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


def cache_folder(kind: str, root: Path) -> Path | None:
    """The cache folder of ``kind`` for the workspace at ``root``, for what outlives
    ``.nox`` as uv's cache outlives a ``.venv``; ``None`` when turned off."""
    folder = _folder()
    if folder is None:
        return None
    # A checksum names the file well enough, as the file records whose it is; a
    # digest would load hashlib (OpenSSL) on every run for nothing.
    return folder / f"{kind}-{zlib.crc32(os.fsencode(root)):08x}"


def cache_file(kind: str, root: Path) -> Path | None:
    """The cache file of ``kind`` for the workspace at ``root``; ``None`` when turned off."""
    folder = cache_folder(kind, root)
    return None if folder is None else folder.with_name(f"{folder.name}.json")


def read_json(path: Path | None, owner: Path) -> dict[str, Any]:
    """A cache file's content for this version of noxgraph and its parsers and for
    ``owner`` (the path :func:`cache_file` named it after), else ``{}``."""
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
        or data.get("for") != os.fsdecode(owner)
    ):
        return {}
    return data


def write_json(path: Path | None, owner: Path, content: dict[str, Any]) -> None:
    """Replace the cache file of ``owner`` atomically; a failure only means no cache
    next time."""
    if path is None:
        return
    payload = {"format": _FORMAT, "versions": _versions(), "for": os.fsdecode(owner), **content}
    # json.dumps of the whole object runs in C; json.dump to a file streams through
    # the pure-Python encoder.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


class ParseCache:
    """The parse cache of one workspace (one file per workspace root).

    It holds parsed documents by the SHA-1 of their bytes, parsed requirements by
    their text, and for each file read its fingerprint with its SHA-1, so a file
    whose fingerprint did not change is neither read nor hashed again.
    """

    def __init__(self, root: Path | None) -> None:
        """The cache of the workspace at ``root``; ``None`` keeps none."""
        self.root = root
        path = None if root is None else cache_file("parsed", root)
        self.path = path
        self._documents: dict[str, Any] = {}
        self._requirements: dict[str, Any] = {}
        self._files: dict[str, Any] = {}
        self._used_documents: dict[str, Any] = {}
        self._used_requirements: dict[str, Any] = {}
        self._changed = False
        if path is not None and root is not None:
            self._load(path, root)

    def _load(self, path: Path, root: Path) -> None:
        data = read_json(path, root)
        documents, requirements = data.get("documents"), data.get("requirements")
        files = data.get("files")
        if isinstance(documents, dict) and isinstance(requirements, dict):
            self._documents, self._requirements = documents, requirements
            if isinstance(files, dict):
                self._files = files

    def known(self, path: str, seen: Fingerprint | None = None) -> dict[str, Any] | None:
        """The parsed TOML of the file at ``path`` when its fingerprint (``seen``, if
        it was just taken) is the one it had when it was parsed, else ``None`` (read it,
        then call :meth:`document`)."""
        entry = self._files.get(path)
        if not isinstance(entry, list) or len(entry) != 2:
            return None
        recorded, key = entry
        if (seen or fingerprint(path, regular=True)) != tuple(recorded):
            return None
        found = self._documents.get(key)
        if not isinstance(found, dict):
            return None
        self._used_documents[key] = found
        return found

    def document(
        self,
        content: bytes,
        parse: Callable[[], dict[str, Any]],
        *,
        path: str | None = None,
        seen: Fingerprint | None = None,
        kind: str = "",
    ) -> dict[str, Any]:
        """The parsed TOML of ``content``: from the cache, or ``parse()`` and remember it.

        ``seen`` is the fingerprint of ``path`` taken before ``content`` was read: a
        file that changed in between has another by the next run, so it is read again.
        ``kind`` tells apart what different ``parse`` functions keep of the same bytes."""
        if self.path is None:
            return parse()  # nothing is kept, so the bytes need no key
        import hashlib  # only a file read again needs a key: a warm run never does

        key = kind + hashlib.sha1(content, usedforsecurity=False).hexdigest()
        found = self._documents.get(key)
        if isinstance(found, dict):
            self._used_documents[key] = found
            self._remember(path, seen, key)
            return found
        parsed = parse()
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            # Documents holding TOML dates, or nested past what json can write, are
            # parsed each time.
            json.dumps(parsed)
            self._used_documents[key] = parsed
            self._changed = True
            self._remember(path, seen, key)
        return parsed

    def _remember(self, path: str | None, seen: Fingerprint | None, key: str) -> None:
        if path is None or seen is None or self.path is None:
            return
        if seen.racy:
            return
        entry = [list(seen), key]
        if self._files.get(path) != entry:
            self._files[path] = entry
            self._changed = True

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
        if self.path is not None:
            self._used_requirements[text] = encode(value)
            self._changed = True
        return value

    def save(self) -> None:
        """Write the cache when this run added to it; errors are ignored.

        Entries other commands used (``graph`` reads files ``affected`` does not) are
        kept, so switching between commands rewrites nothing; they are dropped only
        when they outnumber those this run used, so the cache does not grow without
        bound as files change.
        """
        if self.path is None or self.root is None or not self._changed:
            return
        documents = _kept(self._documents, self._used_documents)
        files = {
            path: entry
            for path, entry in self._files.items()
            if isinstance(entry, list) and len(entry) == 2 and entry[1] in documents
        }
        write_json(
            self.path,
            self.root,
            {
                "documents": documents,
                "requirements": _kept(self._requirements, self._used_requirements),
                "files": files,
            },
        )


def _kept(loaded: dict[str, Any], used: dict[str, Any]) -> dict[str, Any]:
    """``used``, with the ``loaded`` entries it does not hold while those are fewer."""
    unused = len(loaded.keys() - used.keys())
    if unused > len(used):
        return used
    return {**loaded, **used}
