"""``noxgraph run``: its options and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, package
from tests.test_noxfile import done_order, log, nox, recording_workspace


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_run_rejects_fewer_than_one_job(tmp_path: Path, jobs: str) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    run = cli("run", "build", "--root", tmp_path, "-j", jobs)
    assert run.code == 2
    assert run.err.startswith(f"noxgraph: error: -j {jobs}:")
    assert len(run.err.splitlines()) == 1


# -- a noxfile that no longer declares the workspace's sessions --------------------------


def test_run_refuses_a_stale_noxfile_instead_of_building_less(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    package(root, "libs/newcomer", "newcomer", "core")
    for args in (["--affected", "--dry-run"], ["--affected"], []):
        run = cli("run", "build", "--root", root, *args)
        assert run.code == 1, (args, run.out, run.err)
        assert run.err == (
            f"noxgraph: error: {root / 'noxfile.py'} is stale: the workspace gives other sessions"
            " than it declares; run `noxgraph generate` first (`noxgraph generate --check`"
            " shows how)\n"
        )
    assert log(root) == []
    document = cli("run", "build", "--root", root, "--json")
    assert json.loads(document.out)["error"]["message"].endswith("shows how)")
    assert cli("generate", "--root", root).code == 0
    fresh = cli("run", "build", "--root", root, "--affected")
    assert fresh.code == 0, fresh.err
    assert done_order(root) == ["newcomer"]


def test_the_affected_session_of_a_stale_noxfile_fails_naming_what_it_lacks(
    tmp_path: Path,
) -> None:
    root = recording_workspace(tmp_path)
    package(root, "libs/newcomer", "newcomer", "core")
    run = nox(root, "-s", "build-affected")
    assert run.code == 1
    assert (
        "build: the change affects newcomer, for which noxfile.py declares no session: it is"
        " stale; run `noxgraph generate`"
    ) in run.err
    assert log(root) == []
