"""A command imports what its answer needs and defers the rest, as nox and pypa/build
do: the TOML and requirement parsers, and hashlib, only when something is not in
the parse cache,
rich only for text on a terminal, the session machinery only for a noxfile's question.
Each check runs the command in a fresh interpreter, on a workspace shaped as real
ones are (markers, extras, ``~=``, an ``ignore`` pattern)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import cli, commit_all, git, init_repo, package, write

#: Runs ``noxgraph ARGS`` and lists every module it imported on stderr, one a line.
_PROBE = (
    "import sys\n"
    "sys.argv = ['noxgraph', *sys.argv[1:]]\n"
    "from noxgraph.cli.main import main\n"
    "try:\n"
    "    code = main()\n"
    "finally:\n"
    "    sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    "raise SystemExit(code)\n"
)


def _imported(root: Path, *args: str, cold: bool = False) -> set[str]:
    env = dict(os.environ)
    if cold:
        env["NOXGRAPH_NO_CACHE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stderr.splitlines())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A uv workspace in git whose requirements carry markers, extras and ``~=``, with
    an ``ignore`` pattern, and a change on a branch off main; its files are old
    enough for the parse cache to trust their fingerprints."""
    root = init_repo(tmp_path_factory.mktemp("imports") / "ws")
    write(
        root / "pyproject.toml",
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.noxgraph]\nignore = ["**/*.md"]\n',
    )
    package(root, "packages/core", "core", "attrs~=23.1", "tomli>=2; python_version < '3.11'")
    package(root, "packages/lib", "lib", "core[fast]>=1.0", "rich>=13,<15")
    package(root, "packages/app", "app", "lib~=1.0; sys_platform != 'win32'")
    # A version hatchling reads through a hatch.toml beside pyproject.toml.
    write(
        root / "packages/tool/pyproject.toml",
        '[project]\nname = "tool"\ndynamic = ["version"]\ndependencies = ["app"]\n',
    )
    write(root / "packages/tool/hatch.toml", '[version]\npath = "src/tool/__about__.py"\n')
    write(root / "packages/tool/src/tool/__about__.py", '__version__ = "2.1"\n')
    commit_all(root)
    git(root, "checkout", "-q", "-b", "change")
    write(root / "packages/core/src/core/__init__.py", "VALUE = 1\n")
    commit_all(root, "change core")
    time.sleep(2.1)  # older than a racy fingerprint, so the parse cache trusts them
    return root


@pytest.mark.parametrize(
    "args",
    [
        ("graph", "--format", "json"),
        ("affected", "--base", "main", "--format", "names"),
        ("check", "--format", "json"),
    ],
)
def test_a_warm_run_parses_nothing_and_lays_out_nothing(
    workspace: Path, args: tuple[str, ...]
) -> None:
    assert cli(*args, "--root", workspace).code == 0  # warms the parse cache
    imported = _imported(workspace, *args)
    assert "noxgraph.workspace.load" in imported
    assert not imported & {"packaging.requirements", "rich", "importlib.metadata"}
    assert not imported & {"tomli", "hashlib"}
    assert "packaging.tags" not in imported  # packaging.utils imports it, for wheel tags


def test_a_cold_run_parses_toml_and_requirements(workspace: Path) -> None:
    imported = _imported(workspace, "graph", "--format", "json", cold=True)
    assert {"tomli", "packaging.requirements"} <= imported


def test_affected_names_import_neither_the_report_nor_the_sessions(workspace: Path) -> None:
    imported = _imported(workspace, "affected", "--base", "main", "--format", "names")
    assert not imported & {"noxgraph.cli.report", "noxgraph.sessions.declarations", "rich"}


def test_version_reads_no_workspace(workspace: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "--version"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("noxgraph ")
    imported = set(done.stderr.splitlines())
    assert "noxgraph.cli.main" in imported
    assert "noxgraph.workspace.load" not in imported
