"""``noxgraph run``: its options and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, package


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_run_rejects_fewer_than_one_job(tmp_path: Path, jobs: str) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    run = cli("run", "build", "--root", tmp_path, "-j", jobs)
    assert run.code == 2
    assert run.err.startswith(f"noxgraph: error: -j {jobs}:")
    assert len(run.err.splitlines()) == 1
