"""The parse cache: the same answers, faster, never stale, never in the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from noxgraph.workspace.load import load_workspace
from tests.helpers import package, pyproject


def _workspace(root: Path) -> Path:
    package(root, "core", "core")
    package(root, "app", "app", "core>=1 ; python_version >= '3.10'", "requests[socks]>2")
    return root


def test_a_second_load_from_the_cache_gives_the_same_workspace(
    tmp_path: Path, _parse_cache: Path
) -> None:
    root = _workspace(tmp_path / "ws")
    first = load_workspace(root)
    [cache_file] = _parse_cache.glob("parsed-*.json")
    saved = json.loads(cache_file.read_text())
    assert len(saved["documents"]) == 2
    assert "requests[socks]>2" in saved["requirements"]
    second = load_workspace(root)
    assert second.packages == first.packages
    assert [p.declarations for p in second.packages] == [p.declarations for p in first.packages]


def test_changed_bytes_are_parsed_again(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    load_workspace(root)
    package(root, "app", "app", "core>=2")
    app = load_workspace(root).get("app")
    assert app is not None
    assert [d.specifier for d in app.declarations] == [">=2"]


def test_a_corrupt_cache_is_ignored_and_replaced(tmp_path: Path, _parse_cache: Path) -> None:
    root = _workspace(tmp_path / "ws")
    load_workspace(root)
    [cache_file] = _parse_cache.glob("parsed-*.json")
    cache_file.write_text('{"format": 1, "documents": [')
    assert load_workspace(root).names == ("app", "core")
    assert json.loads(cache_file.read_text())["format"] == 1


def test_a_malformed_entry_is_parsed_again(tmp_path: Path, _parse_cache: Path) -> None:
    root = _workspace(tmp_path / "ws")
    load_workspace(root)
    [cache_file] = _parse_cache.glob("parsed-*.json")
    data = json.loads(cache_file.read_text())
    data["requirements"]["core>=1 ; python_version >= '3.10'"] = ["x", 1]
    cache_file.write_text(json.dumps(data))
    app = load_workspace(root).get("app")
    assert app is not None
    assert app.declarations[0].name == "core"


def test_the_cache_can_be_turned_off(
    tmp_path: Path, _parse_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOXGRAPH_NO_CACHE", "1")
    load_workspace(_workspace(tmp_path / "ws"))
    assert list(_parse_cache.iterdir()) == []


def test_an_unwritable_cache_folder_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("NOXGRAPH_CACHE_DIR", str(blocker / "cache"))
    assert load_workspace(_workspace(tmp_path / "ws")).names == ("app", "core")


def _saved(cache: Path) -> tuple[int, int, bytes]:
    """What the parse cache file is: a rewrite changes its inode or its mtime."""
    [cache_file] = cache.glob("parsed-*.json")
    info = cache_file.stat()
    return info.st_ino, info.st_mtime_ns, cache_file.read_bytes()


def test_a_load_that_parsed_nothing_new_writes_nothing(tmp_path: Path, _parse_cache: Path) -> None:
    root = _workspace(tmp_path / "ws")
    load_workspace(root)
    before = _saved(_parse_cache)
    load_workspace(root)
    assert _saved(_parse_cache) == before


def test_switching_between_commands_writes_nothing(tmp_path: Path, _parse_cache: Path) -> None:
    # affected reads the root's pyproject through discover() before the members;
    # graph reads it through the cache: what one uses and the other does not is kept.
    from noxgraph.workspace.discovery import discover

    root = tmp_path / "ws"
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(root, "libs/app", "app", "core")
    load_workspace(root)
    load_workspace(discover(root))
    before = _saved(_parse_cache)
    for _ in range(2):
        load_workspace(root)
        load_workspace(discover(root))
    assert _saved(_parse_cache) == before


def test_entries_no_run_uses_are_dropped_once_they_outnumber_the_used(
    tmp_path: Path, _parse_cache: Path
) -> None:
    root = tmp_path / "ws"
    package(root, "core", "core", "one")
    load_workspace(root)
    for dependency in ["two", "three", "four", "five"]:
        package(root, "core", "core", dependency)
        load_workspace(root)
        [cache_file] = _parse_cache.glob("parsed-*.json")
        saved = json.loads(cache_file.read_text())
        assert dependency in saved["requirements"]
        # At most as many unused entries as used ones are kept.
        assert len(saved["documents"]) <= 2
        assert len(saved["requirements"]) <= 2
    assert "one" not in saved["requirements"]


def test_a_file_is_remembered_by_its_stats_and_read_again_when_they_change(
    tmp_path: Path, _parse_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from noxgraph import _files

    root = _workspace(tmp_path / "ws")
    app = root / "app" / "pyproject.toml"
    load_workspace(root)
    [cache_file] = _parse_cache.glob("parsed-*.json")
    # Just written: racily clean, so remembered by content only.
    assert json.loads(cache_file.read_text())["files"] == {}
    monkeypatch.setattr(_files, "RACY_NS", 0)
    load_workspace(root)
    assert os.fspath(app) in json.loads(cache_file.read_text())["files"]
    # The same size and the old mtime: only the ctime tells, and it is enough.
    info = app.stat()
    text = app.read_text()
    app.write_text(text.replace("requests[socks]>2", "requests[socks]>3"))
    os.utime(app, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert app.stat().st_size == info.st_size
    changed = load_workspace(root).get("app")
    assert changed is not None
    assert [d.specifier for d in changed.declarations] == [">=1", ">3"]


def test_a_file_remembered_by_its_stats_is_not_read(
    tmp_path: Path, _parse_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from noxgraph import _files
    from noxgraph.workspace import discovery

    root = _workspace(tmp_path / "ws")
    monkeypatch.setattr(_files, "RACY_NS", 0)
    first = load_workspace(root)

    def refuse(path: object) -> bytes:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(discovery, "read_regular", refuse)
    assert load_workspace(root).packages == first.packages
