"""Parse results kept between runs, keyed by content, in the user's cache folder.

Parsing every ``pyproject.toml`` and every requirement string is most of what
noxgraph spends on a large workspace, and most files do not change between two
runs. The cache maps the SHA-1 of a file's bytes to its parsed TOML, and a
requirement string to its parsed fields, so it can never be stale: changed
bytes are a new key. Each file read is remembered with its stats (size, mtime,
ctime, inode, device) and the key of its bytes, so while those stats hold the
file is neither read nor hashed (a file modified less than two seconds before it
was read is not remembered by its stats, as git does with "racily clean" files).
It is JSON (data only, never code), written atomically and only when a run added
to it, and holds what recent runs used, so it does not grow without bound. A
cache that cannot be read or written is ignored: it only ever saves time.

``NOXGRAPH_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/noxgraph``, else
``~/.cache/noxgraph``); ``NOXGRAPH_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from noxgraph._atomic import write_atomic
from noxgraph._paths import read_regular

TYPE_CHECKING = False  # typing's constant without importing typing, 3 ms of start-up

if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["ParseCache", "Stats", "cache_file", "file_stats", "read_json", "write_json"]

_FORMAT = 1


def _installed_version(module: str) -> str:
    """The version of the distribution that installed ``module``, from the name of the
    ``.dist-info`` folder beside it. Importing tomli for its ``__version__`` would load
    its parser, which a run served from the cache never calls."""
    for finder in sys.meta_path:  # the finders an import asks, in its order
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(module, None) if find_spec is not None else None
        if spec is None:
            continue
        if spec.submodule_search_locations:
            folder: str = os.path.dirname(next(iter(spec.submodule_search_locations)))
            prefix, suffix = f"{module}-", ".dist-info"
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                found = [
                    entry.name[len(prefix) : -len(suffix)]
                    for entry in entries
                    if entry.name.startswith(prefix) and entry.name.endswith(suffix)
                ]
                if len(found) == 1:
                    return found[0]
        break
    import importlib  # installed some other way: its own word, at the cost of importing it

    return str(importlib.import_module(module).__version__)


def _versions() -> str:
    """The parsers whose output is cached: a new version of any starts afresh."""
    import packaging  # its __init__ holds only its metadata

    from noxgraph import __version__

    tomli = _installed_version("tomli")
    return f"noxgraph={__version__},tomli={tomli},packaging={packaging.__version__}"


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
    return folder / f"{kind}-{_fnv1a(os.fsencode(root)):016x}.json"


def _fnv1a(data: bytes) -> int:
    """The 64-bit FNV-1a hash of ``data``: a file name for any root, computed without
    hashlib, whose OpenSSL costs more to load than this loop over a path takes. Two roots
    of one name are told apart by the root each file records (:func:`read_json`)."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


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
    # the pure-Python encoder, ten times slower on a large cache.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


#: A file modified this close to the moment it was read may change again within the
#: file system's timestamp granularity without changing its stats (git's "racily
#: clean" entries): such a file is not remembered by its stats, only by its content.
_RACY_NS = 2_000_000_000

#: What a file's stats are remembered as: size, mtime, ctime, inode, device.
Stats = tuple[int, int, int, int, int]


def file_stats(path: str) -> Stats | None:
    """The stats a remembered file must still have, or ``None`` for no regular file."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


class ParseCache:
    """The parse cache of one workspace (one file per workspace root).

    It holds parsed documents by the SHA-1 of their bytes, parsed requirements by
    their text, and for each file read the stats it had with its SHA-1, so a file
    whose stats did not change is neither read nor hashed again.
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

    def known(self, path: str, stats: Stats | None = None) -> dict[str, Any] | None:
        """The parsed TOML of the file at ``path`` when its stats (``stats``, if they
        were just taken) are those it had when it was parsed, else ``None`` (read it,
        then call :meth:`document`)."""
        entry = self._files.get(path)
        if not isinstance(entry, list) or len(entry) != 2:
            return None
        recorded, key = entry
        if (stats or file_stats(path)) != tuple(recorded):
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
        stats: Stats | None = None,
    ) -> dict[str, Any]:
        """The parsed TOML of ``content``: from the cache, or ``parse()`` and remember it.

        ``stats`` are those of ``path`` taken before ``content`` was read: a file that
        changed in between has other stats by the next run, so it is read again."""
        if self.path is None:
            return parse()  # nothing is kept, so the bytes need no key
        import hashlib  # only files whose stats changed are hashed

        key = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        found = self._documents.get(key)
        if isinstance(found, dict):
            self._used_documents[key] = found
            self._remember(path, stats, key)
            return found
        parsed = parse()
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            # Documents holding TOML dates, or nested past what json can write, are
            # parsed each time.
            json.dumps(parsed)
            self._used_documents[key] = parsed
            self._changed = True
            self._remember(path, stats, key)
        return parsed

    def _remember(self, path: str | None, stats: Stats | None, key: str) -> None:
        if path is None or stats is None or self.path is None:
            return
        if time.time_ns() - max(stats[1], stats[2]) < _RACY_NS:
            return
        entry = [list(stats), key]
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
