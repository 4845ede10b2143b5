"""The session cache: the last success of each package session, by its key.

A package session whose key (:mod:`noxgraph.sessions.session_keys`) is the key of its last success
skips, and a build puts back the wheel and sdist it made. The cache is a folder
of data only, which CI can carry between runs (GitHub Actions' ``actions/cache``)::

    .nox/.cache/noxgraph-sessions/
        build-foo/entry.json        {"key": ..., "files": [{"name", "sha256", "size"}], ...}
        build-foo/foo-1.0-py3-none-any.whl
        build-foo/foo-1.0.tar.gz

Nothing in it is ever executed or imported. An entry is used only when its JSON
has the expected shape, its own digest matches its content, its key is the
session's, and every file it lists has the recorded SHA-256; anything else is
no entry, and the session runs. Only successes are recorded; each replaces the
session's previous entry, so the folder holds one entry per session.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noxgraph._files import write_atomic
from noxgraph.errors import NoxgraphError

if TYPE_CHECKING:
    from noxgraph.sessions.declarations import PackageSession
    from noxgraph.sessions.plan import SessionPlan

__all__ = [
    "CI_CACHE_DIR",
    "ENV_CACHED_REPORT",
    "Artifact",
    "CacheError",
    "Entry",
    "Found",
    "cache_folder",
    "cached_reason",
    "carried_folders",
    "look_up",
    "lookup",
    "outputs",
    "record",
    "restore",
    "snapshot",
    "with_requires",
]

#: A folder where each session taken from the cache leaves a file named after it
#: (set by ``noxgraph run``, which shows those sessions as cached).
ENV_CACHED_REPORT = "NOXGRAPH_CACHED_REPORT"

_FORMAT = 1
_ENTRY = "entry.json"
#: The folder beside the session cache where sessions keep the sibling wheels they build.


class CacheError(NoxgraphError):
    """A cache entry changed after it was checked."""


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file a session left in the wheelhouse: its name there, SHA-256 and size."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Entry:
    """The last success of one session."""

    session: str
    key: str
    files: tuple[Artifact, ...] = ()


def ignored_by_git(envdir: Path) -> None:
    """Write a ``.gitignore`` of ``*`` into ``envdir`` where there is none: nox writes it
    into its folder where it makes a virtualenv, and a build or a cached session makes
    none, while noxgraph keeps its locks and this cache there; uv writes it into the
    folder it builds into, and a cached session restores its files without uv. An error
    only leaves it unwritten."""
    ignore = envdir / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            write_atomic(ignore, b"*\n")


def cache_folder(noxfile: Path) -> Path:
    """Beside nox's own cache (``.nox/.cache`` next to the noxfile)."""
    return noxfile.parent / ".nox" / ".cache" / "noxgraph-sessions"


#: Where CI keeps noxgraph's cache folder (``NOXGRAPH_CACHE_DIR``, relative to the
#: workspace root): beside nox's, so ``actions/cache`` can carry its sibling wheels.
CI_CACHE_DIR = ".nox/.cache/noxgraph"


def carried_folders(root: Path, noxfile: Path) -> tuple[Path, Path]:
    """What CI carries from one run to the next: the session cache beside ``noxfile``,
    and the sibling wheels in noxgraph's cache folder when it is :data:`CI_CACHE_DIR`
    of the workspace at ``root`` (a pattern: the wheels' folder is named after the root)."""
    return cache_folder(noxfile), root / CI_CACHE_DIR / "wheels-*"


def cached_reason(key: str) -> str:
    """Why a session skips when the cache has its last success (nox shows it)."""
    return f"cached, inputs {key} unchanged"


def _digest(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _plain_name(name: object) -> bool:
    """A file name and nothing else: no folder, no way up, nothing hidden."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and name != _ENTRY
    )


def _artifact(value: Any) -> Artifact | None:
    if not isinstance(value, dict):
        return None
    name, sha, size = value.get("name"), value.get("sha256"), value.get("size")
    if not _plain_name(name) or not isinstance(sha, str) or len(sha) != 64:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    return Artifact(str(name), sha, size)


def _read(folder: Path, session: str) -> Entry | None:
    try:
        data = json.loads((folder / session / _ENTRY).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    body = {k: v for k, v in data.items() if k != "digest"}
    if data.get("digest") != _digest(body) or body.get("format") != _FORMAT:
        return None
    key, files = body.get("key"), body.get("files")
    if body.get("session") != session or not isinstance(key, str) or not isinstance(files, list):
        return None
    artifacts = [_artifact(item) for item in files]
    if any(a is None for a in artifacts):
        return None
    return Entry(session, key, tuple(a for a in artifacts if a is not None))


def lookup(folder: Path, session: str, key: str) -> Entry | None:
    """The entry of ``session`` when it was recorded for ``key`` and every file it
    lists is there with its recorded hash; else ``None``."""
    entry = _read(folder, session)
    if entry is None or entry.key != key:
        return None
    for artifact in entry.files:
        path = folder / session / artifact.name
        if path.is_symlink() or _sha256(path) != artifact.sha256:
            return None
    return entry


@dataclass(frozen=True)
class Found:
    """What the cache holds for a run: the key of each session it may start, the
    entries of those whose last success had that key, and the wheelhouse."""

    keys: Mapping[str, str]
    entries: Mapping[str, Entry]
    wheelhouse: Path


def with_requires(sessions: Mapping[str, PackageSession], start: Iterable[str]) -> list[str]:
    """The package sessions ``start`` and every one they wait for (``sessions``: each
    package session by name)."""
    wanted: dict[str, None] = {}
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in wanted and name in sessions:
            wanted[name] = None
            stack.extend(sessions[name].all_requires)
    return list(wanted)


def look_up(
    noxfile: Path,
    root: Path,
    sessions: Mapping[str, PackageSession],
    start: Iterable[str],
    skips: Collection[str] = (),
    *,
    planned: tuple[Mapping[str, SessionPlan], str] | None = None,
) -> Found | None:
    """Key the sessions ``start`` and every session they wait for (``sessions``: each
    package session by name), and find the entries of those whose inputs are unchanged
    since their last success, except ``skips`` (which skip for another reason). The
    one answer for nox's load and ``noxgraph run --dry-run``; ``None`` when the
    sessions cannot be planned (each one says what is wrong when it runs). ``planned``:
    their plans and the wheelhouse, when the caller has them already."""
    from noxgraph.sessions.session_keys import session_keys

    wanted = with_requires(sessions, start)
    if planned is None:
        from noxgraph.sessions.plan_cache import planned_many

        try:
            planned = planned_many(noxfile.resolve(), root, wanted)
        except NoxgraphError:
            return None
    plans, wheelhouse = planned
    requires = {name: sessions[name].all_requires for name in wanted}
    keys = session_keys(root, plans, requires, wheelhouse)
    folder = cache_folder(noxfile.resolve())
    entries: dict[str, Entry] = {}
    for name, key in keys.items():
        entry = None if name in skips else lookup(folder, name, key)
        if entry is not None:
            entries[name] = entry
    return Found(keys, entries, (root / wheelhouse).resolve())


def restore(folder: Path, entry: Entry, wheelhouse: Path) -> list[Path]:
    """Copy the entry's files into ``wheelhouse``, each checked against its hash as it
    is read, and written atomically; raises :class:`CacheError` on a mismatch. A
    wheelhouse this makes holds a ``.gitignore`` of ``*``, as one ``uv build`` makes does,
    and so does nox's folder, as a session that makes a virtualenv leaves it."""
    ignored_by_git(folder.parents[1])
    written: list[Path] = []
    for artifact in entry.files:
        source = folder / entry.session / artifact.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise CacheError(f"{source}: cannot read the cached file: {exc}") from None
        if hashlib.sha256(data).hexdigest() != artifact.sha256:
            raise CacheError(
                f"{source} changed after it was checked; run the session again, or pass --no-cache"
            )
        target = wheelhouse / artifact.name
        if not wheelhouse.is_dir():
            wheelhouse.mkdir(parents=True, exist_ok=True)
            ignored_by_git(wheelhouse)
        write_atomic(target, data)
        written.append(target)
    return written


def snapshot(wheelhouse: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of each file in the wheelhouse, to tell later
    which files a session made."""
    found: dict[str, tuple[int, int]] = {}
    with contextlib.suppress(OSError):
        for item in os.scandir(wheelhouse):
            with contextlib.suppress(OSError):
                if item.is_file(follow_symlinks=False):
                    stat = item.stat(follow_symlinks=False)
                    found[item.name] = (stat.st_size, stat.st_mtime_ns)
    return found


def outputs(wheelhouse: Path, before: Mapping[str, tuple[int, int]], package: str) -> list[Path]:
    """The wheels and sdists of ``package`` that appeared or changed in the wheelhouse
    since ``before`` (other packages' sessions write there too, side by side)."""
    from packaging.utils import (  # only when recording
        InvalidSdistFilename,
        InvalidWheelFilename,
        canonicalize_name,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    made: list[Path] = []
    for name, stat in sorted(snapshot(wheelhouse).items()):
        if before.get(name) == stat or not _plain_name(name):
            continue
        try:
            if name.endswith(".whl"):
                distribution = parse_wheel_filename(name)[0]
            else:
                distribution = parse_sdist_filename(name)[0]
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        if canonicalize_name(distribution) == package:
            made.append(wheelhouse / name)
    return made


def record(folder: Path, session: str, key: str, files: Iterable[Path]) -> None:
    """Keep the success of ``session`` for ``key`` with copies of ``files``, replacing
    its previous entry; a cache that cannot be written only means no entry."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        ignored_by_git(folder.parents[1])
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=f".{session}-"))
        try:
            artifacts = []
            for path in files:
                data = path.read_bytes()
                (staging / path.name).write_bytes(data)
                sha = hashlib.sha256(data).hexdigest()
                artifacts.append({"name": path.name, "sha256": sha, "size": len(data)})
            body = {"format": _FORMAT, "session": session, "key": key, "files": artifacts}
            entry = json.dumps({**body, "digest": _digest(body)}, separators=(",", ":"))
            (staging / _ENTRY).write_text(entry, encoding="utf-8")
            target = folder / session
            # Aside, then in: a reader between the two renames finds no entry and runs.
            old = folder / f".{session}-old-{os.getpid()}"
            if target.exists():
                target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
