"""The parse cache: the same answers, faster, never stale, never in the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from noxgraph.workspace import load_workspace
from tests.helpers import package


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
