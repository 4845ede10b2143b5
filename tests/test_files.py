"""Files as noxgraph reads, fingerprints and writes them (``noxgraph._files``)."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from noxgraph import _files
from noxgraph._files import (
    NotRegularFileError,
    ReadOnlyError,
    fingerprint,
    fingerprints,
    leftovers,
    read_regular,
    relative,
    write_atomic,
)


def test_relative_paths_are_posix_and_dot_for_the_root(tmp_path: Path) -> None:
    assert relative(tmp_path, tmp_path) == "."
    assert relative(tmp_path / "libs" / "a", tmp_path) == "libs/a"
    assert relative(tmp_path.parent / "other", tmp_path) == "../other"


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"data")
    assert read_regular(tmp_path / "file") == b"data"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotRegularFileError):
        read_regular(tmp_path / "fifo")  # would block if it were opened for reading
    with pytest.raises(NotRegularFileError):
        read_regular(tmp_path)


def test_a_fresh_fingerprint_is_racy_and_an_old_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    fresh = fingerprint(path)
    assert fresh is not None and fresh.racy
    old = time.time_ns() - 10_000_000_000
    os.utime(path, ns=(old, old))
    # The change time moved when the times were set: it stays racy until it too is old.
    assert fingerprint(path) != fresh
    assert fingerprints(tmp_path, ["file"]) is None


def test_fingerprints_are_json_ready_and_none_where_nothing_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_files, "RACY_NS", 0)
    (tmp_path / "file").write_text("x")
    found = fingerprints(tmp_path, ["file", "missing"])
    assert found is not None
    first, second = found
    assert isinstance(first, list) and len(first) == 5
    assert second is None
    assert fingerprint(tmp_path / "file", regular=True) is not None
    assert fingerprint(tmp_path, regular=True) is None


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "noxfile.py"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(path) == []


def test_write_atomic_writes_through_a_link_and_refuses_what_is_no_regular_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "real.py"
    target.write_text("old")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotRegularFileError):
        write_atomic(tmp_path / "fifo", b"x")
    target.chmod(0o444)
    with pytest.raises(ReadOnlyError):
        write_atomic(target, b"again")
    assert target.read_bytes() == b"new"


def test_leftovers_are_only_the_writers_own_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "noxfile.py"
    own = tmp_path / ".noxfile.py.0123abcd.noxgraph.tmp"
    own.write_text("half")
    (tmp_path / ".noxfile.py.swp").write_text("the user's")
    (tmp_path / ".noxfile.py.0123abcd.tmp").write_text("the user's")
    assert leftovers(path) == [own]
