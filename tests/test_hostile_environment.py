"""Hostile environments give one-line errors or a skipped cache, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, package, pyproject

# -- hostile environments ----------------------------------------------------------------


def test_a_deleted_working_directory_is_one_line(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    (tmp_path / "gone").mkdir()
    script = (
        f"cd {tmp_path / 'gone'} && rmdir {tmp_path / 'gone'} &&"
        f" exec {sys.executable} -m noxgraph graph"
    )
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("noxgraph: error: the current folder no longer exists")


def _as_nobody() -> list[str]:
    """A command prefix that runs as a uid with no passwd entry."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run as a uid with no passwd entry")
    uid = 4242
    import pwd

    with pytest.raises(KeyError):
        pwd.getpwuid(uid)
    prefix = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    # A checkout in a folder only root may enter (``mktemp -d`` makes one 0700) holds a
    # virtualenv that uid cannot run: there is nothing to test then.
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import noxgraph"],
        cwd="/",
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("the test environment is not readable by another uid")
    return prefix


def _readable_by_anyone(path: Path) -> None:
    for found in path.rglob("*"):
        found.chmod(found.stat().st_mode | 0o055)
    path.chmod(0o755)
    for folder in path.parents:
        folder.chmod(folder.stat().st_mode | 0o011)


def test_no_home_and_no_passwd_entry_means_no_cache_not_a_traceback(tmp_path: Path) -> None:
    prefix = _as_nobody()
    package(tmp_path, "a", "a")
    _readable_by_anyone(tmp_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HOME", "XDG_CACHE_HOME", "NOXGRAPH_CACHE_DIR")
    }
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "noxgraph", "graph", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "a 1.0.0" in done.stdout


def test_a_folder_that_can_be_written_but_not_read(tmp_path: Path) -> None:
    prefix = _as_nobody()
    root = tmp_path / "ws"
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["a"]\n')
    package(root, "a", "a")
    _readable_by_anyone(tmp_path)
    for path in (root, *root.rglob("*")):
        os.chown(path, 4242, 4242)
    root.chmod(0o311)
    env = {**os.environ, "NOXGRAPH_NO_CACHE": "1"}
    for command in (["generate"], ["check"], ["affected", "--files", str(root / "a/x.py")]):
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "noxgraph", *command, "--root", str(root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert "Traceback" not in done.stderr, (command, done.stderr)
        assert done.returncode == 0, (command, done.stderr)
    root.chmod(0o755)
    assert (root / "noxfile.py").is_file()


def test_a_parse_cache_of_the_wrong_shape_is_parsed_again(tmp_path: Path) -> None:
    from noxgraph.workspace.load import load_workspace
    from noxgraph.workspace.parse_cache import _FORMAT, _versions, cache_file

    package(tmp_path, "core", "core")
    package(tmp_path, "app", "app", "core>=1")
    root = tmp_path.resolve()
    path = cache_file("parsed", root)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    wrong = {"core>=1": ["core", ">=1", [], 5, None]}
    path.write_text(
        json.dumps(
            {
                "format": _FORMAT,
                "versions": _versions(),
                "for": os.fspath(root),
                "documents": {},
                "requirements": wrong,
            }
        )
    )
    app = load_workspace(root).get("app")
    assert app is not None
    assert [(d.name, d.marker) for d in app.declarations] == [("core", None)]


def test_a_plan_cache_of_the_wrong_shape_is_planned_again(tmp_path: Path) -> None:
    from noxgraph.sessions.plan_cache import planned
    from noxgraph.workspace.parse_cache import _FORMAT, _versions, cache_file

    package(tmp_path, "a", "a")
    root = tmp_path.resolve()
    assert cli("generate", "--root", root).code == 0
    noxfile = root / "noxfile.py"
    path = cache_file("plans", noxfile)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = {
        "format": _FORMAT,
        "versions": _versions(),
        "for": os.fspath(noxfile),
        "watched": [5],
        "stats": [None],
    }
    path.write_text(json.dumps({**shape, "plans": {"build-a": {}}, "wheelhouse": "dist"}))
    plan, wheelhouse = planned(noxfile, root, "build-a")
    assert plan.package == "a" and wheelhouse == "dist"
