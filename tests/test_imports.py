"""A command imports only what its answer needs (issue 13): start-up is most of a run
on a workspace of a hundred packages, so each module a command loads for nothing
shows in every run. Each check runs the command in a fresh interpreter, with the
parse cache warm as it is from the second run on."""

from __future__ import annotations

import contextlib
import io
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
    "from noxgraph.cli import main\n"
    "code = main()\n"
    "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    "raise SystemExit(code)\n"
)

#: What the answers read from a warm cache never need: the TOML parser, the requirement
#: parser (and packaging.tags, with platform, sysconfig and logging), hashlib (and
#: OpenSSL), shutil with the compression modules it loads, and rich, which is only
#: for text on a terminal.
_NEVER = {
    "tomli",
    "packaging.requirements",
    "packaging.tags",
    "logging",
    "hashlib",
    "_hashlib",
    "shutil",
    "bz2",
    "lzma",
    "rich",
}


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
    """A uv workspace of three packages in git, with a change on a branch off main,
    whose files are old enough for the parse cache to trust their stats."""
    root = init_repo(tmp_path_factory.mktemp("imports") / "ws")
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    package(root, "packages/core", "core")
    package(root, "packages/lib", "lib", "core")
    package(root, "packages/app", "app", "lib")
    commit_all(root)
    git(root, "checkout", "-q", "-b", "change")
    write(root / "packages/core/src/core/__init__.py", "VALUE = 1\n")
    commit_all(root, "change core")
    # A file changed less than two seconds before it is read is hashed on every read
    # (the cache's "racily clean" rule), which would import hashlib.
    time.sleep(2.1)
    return root


@pytest.mark.parametrize(
    "args",
    [
        ("graph", "--format", "json"),
        ("affected", "--base", "main", "--format", "names"),
        ("affected", "--base", "main", "--format", "json"),
        ("check", "--format", "json"),
    ],
)
def test_a_warm_run_imports_no_parser_digest_or_terminal_library(
    workspace: Path, args: tuple[str, ...]
) -> None:
    assert cli(*args, "--root", workspace).code == 0  # warms the parse cache
    imported = _imported(workspace, *args)
    assert "noxgraph.workspace" in imported
    assert not imported & _NEVER, sorted(imported & _NEVER)


@pytest.mark.parametrize(
    "args",
    [
        ("graph", "--format", "json"),
        ("affected", "--base", "main", "--format", "names"),
        ("affected", "--base", "main", "--format", "json"),
    ],
)
def test_graph_and_affected_do_not_import_typing(workspace: Path, args: tuple[str, ...]) -> None:
    # typing alone takes about 3 ms to import; annotations are never evaluated, and
    # noxgraph's modules take TYPE_CHECKING from a constant of their own.
    assert cli(*args, "--root", workspace).code == 0
    assert "typing" not in _imported(workspace, *args)


def test_generate_imports_neither_typing_nor_importlib_resources(
    workspace: Path, tmp_path: Path
) -> None:
    output = tmp_path / "noxfile.py"
    assert cli("generate", "--root", workspace, "--output", output).code == 0
    imported = _imported(workspace, "generate", "--output", str(output))
    assert not imported & {*_NEVER, "typing", "importlib.resources", "zipfile", "difflib"}


def test_a_cold_run_does_import_the_parser(workspace: Path) -> None:
    # The probe above sees what a run imports: without a cache, every file is parsed.
    assert "tomli" in _imported(workspace, "graph", "--format", "json", cold=True)


def test_affected_names_import_neither_render_nor_sessions(workspace: Path) -> None:
    imported = _imported(workspace, "affected", "--base", "main", "--format", "names")
    assert not imported & {"noxgraph.render", "noxgraph.sessions", "rich"}


def test_version_imports_no_parser_and_prints_what_argparse_would(workspace: Path) -> None:
    from noxgraph.cli import build_parser

    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "--version"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = set(done.stderr.splitlines())
    assert not imported & {"argparse", "noxgraph.workspace", "tomli", "shutil"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--version"])
    assert exited.value.code == 0
    assert done.stdout == printed.getvalue()
