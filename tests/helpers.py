"""Helpers the tests share: real files, real git repositories, the real command line."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from noxgraph.cli.main import main
from noxgraph.graph import DependencyGraph, build_graph
from noxgraph.workspace.load import Workspace, load_workspace

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "workspace"


def write(path: Path, text: str = "") -> Path:
    """Write ``text`` (dedented) to ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def pyproject(root: Path, folder: str, text: str) -> Path:
    """Write ``root/folder/pyproject.toml``."""
    return write(root / folder / "pyproject.toml", text)


def package(root: Path, folder: str, name: str, *deps: str, extra: str = "") -> Path:
    """A minimal PEP 621 package with runtime ``deps`` and any ``extra`` TOML after it."""
    listed = ", ".join(f'"{d}"' for d in deps)
    return pyproject(
        root,
        folder,
        f'[project]\nname = "{name}"\nversion = "1.0.0"\ndependencies = [{listed}]\n'
        + textwrap.dedent(extra),
    )


def load(root: Path) -> tuple[Workspace, DependencyGraph]:
    workspace = load_workspace(root)
    return workspace, build_graph(workspace)


def edges(root: Path) -> set[tuple[str, str, str]]:
    """``(from, to, kind)`` for every edge of the workspace at ``root``."""
    return {(e.source, e.target, e.kind) for e in load(root)[1].edges}


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a clean, fixed identity; return its stdout."""
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always", *args],
        cwd=cwd,
        env=git_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def init_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    return path


def commit_all(path: Path, message: str = "commit") -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", message)
    return git(path, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def cli(*args: str | Path, cwd: Path | None = None) -> Run:
    """Run ``noxgraph ARGS`` in this process (fast); output is captured as text."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse's own usage errors
                code = int(exc.code or 0)
    finally:
        os.chdir(previous)
    return Run(code, out.getvalue(), err.getvalue())


def cli_process(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run ``python -m noxgraph ARGS`` as a real process."""
    done = subprocess.run(
        [sys.executable, "-m", "noxgraph", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)
