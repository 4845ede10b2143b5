"""Running git: one place that knows how to call it and how it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from noxgraph.errors import GitError, one_line

__all__ = ["git", "git_available", "git_lines"]


@cache
def _executable() -> str | None:
    return shutil.which("git")


def git_available() -> bool:
    return _executable() is not None


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # A caller's GIT_DIR or GIT_WORK_TREE would point every command at one repository.
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"):
        env.pop(key, None)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["LC_ALL"] = "C"
    return env


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo ARGS``; with ``check``, a failure raises :class:`GitError`."""
    executable = _executable()
    if executable is None:
        raise GitError("git is not installed (or not on PATH); install git, or pass --files")
    try:
        done = subprocess.run(
            [executable, "-C", str(repo), *args],
            capture_output=True,
            env=_environment(),
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git in {repo}: {exc}") from None
    if check and done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise GitError(f"git {' '.join(args)} failed in {repo}: {one_line(detail)}")
    return done


def git_lines(repo: Path, *args: str) -> list[str] | None:
    """NUL-separated output of a git command, or ``None`` when git cannot answer."""
    if _executable() is None:
        return None
    done = git(repo, *args, check=False)
    if done.returncode != 0:
        return None
    return [item for item in done.stdout.decode("utf-8", "surrogateescape").split("\0") if item]
