"""The pre-commit hook this repository offers, run by the real pre-commit as a user's
repository would run it (``pre-commit try-repo``, which installs noxgraph from here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.helpers import REPO, cli, commit_all, git, git_env, init_repo, package


def test_the_hook_runs_generate_check_once_on_every_commit() -> None:
    (hook,) = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "noxgraph-check"
    assert hook["entry"] == "noxgraph generate --check"
    # A change anywhere can change the sessions (a package, a tests folder): never
    # filtered by file name, never given file names.
    assert hook["always_run"] is True
    assert hook["pass_filenames"] is False
    assert "files" not in hook


def try_repo(root: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "noxgraph-check"],
        cwd=root,
        env={**git_env(), "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.slow
def test_pre_commit_passes_a_current_noxfile_and_fails_a_stale_one(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "workspace")
    package(root, "libs/a", "a")
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "a and its noxfile")
    current = try_repo(root, tmp_path / "home")
    assert current.returncode == 0, current.stdout + current.stderr
    assert "noxgraph generate --check" in current.stdout and "Passed" in current.stdout
    # What is about to be committed (pre-commit sets unstaged changes aside).
    package(root, "libs/b", "b", "a")
    git(root, "add", "-A")
    stale = try_repo(root, tmp_path / "home")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "Failed" in stale.stdout
    assert '+build("b", ["a"])' in stale.stdout
    assert "noxfile.py is stale; run `noxgraph generate` to update it" in stale.stdout
    assert cli("generate", "--root", root).code == 0
    git(root, "add", "noxfile.py")
    fixed = try_repo(root, tmp_path / "home")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
