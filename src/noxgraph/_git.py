"""Running git: one place that knows how to call it and how it fails."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from noxgraph.errors import GitError, one_line

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

__all__ = ["Started", "first_line", "git"]

#: Variables that tell git which repository, index or objects to use, or how to find
#: them (``git help git``, "The Git Repository"), and how to read pathspecs. noxgraph
#: names every repository itself with ``-C``; a caller's value would answer for
#: another repository, or for none.
_LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_INDEX_VERSION",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_DEFAULT_HASH",
    "GIT_PREFIX",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_QUARANTINE_PATH",
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
)


_NOT_INSTALLED = "git is not installed (or not on PATH); install git, or pass --files"


def _cannot_run(repo: Path, exc: OSError) -> GitError:
    if isinstance(exc, FileNotFoundError):  # nothing is passed as a path but git itself
        return GitError(_NOT_INSTALLED, git_missing=True)
    return GitError(f"cannot run git in {repo}: {exc}")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    for key in _LOCATING:
        env.pop(key, None)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["LC_ALL"] = "C"
    return env


def first_line(done: subprocess.CompletedProcess[bytes]) -> str:
    """git's own reason for a failure: its first ``fatal:`` or ``error:`` line (the
    lines after it are advice), else its first line, else the exit status."""
    lines = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
    return one_line(reason or (lines[0] if lines else f"exit {done.returncode}"))


def git(
    repo: Path, *args: str, check: bool = True, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo ARGS`` (``stdin`` as its input); with ``check``, a failure
    raises :class:`GitError`."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            input=stdin,
            env=_environment(),
            check=False,
        )
    except OSError as exc:
        raise _cannot_run(repo, exc) from None
    if check and done.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {repo}: {first_line(done)}")
    return done


class Started:
    """git commands in one repository, started together (each git process takes a few
    milliseconds to start and to walk a tree, which the caller spends working); read
    their answers with :meth:`result`, or stop them with :meth:`close`."""

    def __init__(self, repo: Path, commands: Sequence[Sequence[str]]) -> None:
        self.repo = repo
        self.commands = commands
        self._processes: list[subprocess.Popen[bytes]] = []
        self._error: GitError | None = None
        try:
            for args in commands:
                self._processes.append(
                    subprocess.Popen(
                        ["git", "-C", str(repo), *args],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        env=_environment(),
                    )
                )
        except OSError as exc:
            self.close()
            self._error = _cannot_run(repo, exc)

    def result(self, *, check: bool = True) -> list[subprocess.CompletedProcess[bytes]]:
        """Each command's answer, in order; with ``check``, a failure raises
        :class:`GitError` as :func:`git` does."""
        if self._error is not None:
            raise self._error
        answers = []
        for process in self._processes:
            stdout, stderr = process.communicate()
            answers.append(
                subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
            )
        self._processes = []
        for args, done in zip(self.commands, answers, strict=True):
            if check and done.returncode != 0:
                raise GitError(f"git {' '.join(args)} failed in {self.repo}: {first_line(done)}")
        return answers

    def close(self) -> None:
        """Stop what still runs and reap it: nothing is left behind when the answer is
        no longer wanted."""
        for process in self._processes:
            process.kill()
            process.communicate()
        self._processes = []
