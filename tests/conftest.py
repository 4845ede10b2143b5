"""Every test gets its own parse cache, so nothing is written to the user's cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _parse_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("noxgraph-cache")
    monkeypatch.setenv("NOXGRAPH_CACHE_DIR", str(folder))
    monkeypatch.delenv("NOXGRAPH_NO_CACHE", raising=False)
    return folder
