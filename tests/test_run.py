"""``noxgraph run``: its options and exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import cli, package, pyproject, write
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
        run = cli("run", "build", "--root", root, *args, cwd=root)
        assert run.code == 1, (args, run.out, run.err)
        assert run.err == (
            "noxgraph: error: noxfile.py is stale: the workspace gives other sessions"
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


# -- signals -----------------------------------------------------------------------------

#: A session command that starts a child, records both process ids, and sleeps.
SLEEPER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(f"{os.getpid()} {child.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
"""


def _sleeping_workspace(root: Path) -> Path:
    pyproject(
        root,
        ".",
        """
        [tool.noxgraph]
        members = ["a"]
        venv-backend = "none"

        [tool.noxgraph.tasks]
        build = []
        test = []
        hold = { commands = ["python {root}/sleeper.py {root}/pids"], package = false }
        """,
    )
    write(root / "sleeper.py", SLEEPER)
    package(root, "a", "a")
    assert cli("generate", "--root", root).code == 0
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone but for its parent's wait: /proc says so.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    return True


def _session_pids(root: Path) -> list[int]:
    deadline = time.monotonic() + 120
    while not (root / "pids").exists():
        assert time.monotonic() < deadline, "the session never started"
        time.sleep(0.1)
    return [int(pid) for pid in (root / "pids").read_text().split()]


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in pids if _alive(pid)]
    for pid in alive:  # leave nothing behind, whatever the answer
        os.kill(pid, signal.SIGKILL)
    return not alive


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_run_leaves_no_session_command_running(
    tmp_path: Path, signum: signal.Signals
) -> None:
    root = _sleeping_workspace(tmp_path)
    command = [sys.executable, "-m", "noxgraph", "run", "hold", "--root", str(root)]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    pids = _session_pids(root)
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert _gone(pids), "the session's command (or its child) outlived noxgraph run"
    assert process.returncode == 128 + signum
    assert b"Traceback" not in err


def test_sigterm_to_run_in_a_terminal_stops_the_session_as_ctrl_c_does(tmp_path: Path) -> None:
    """In a terminal's foreground job, nox shares the job (the session may read the
    terminal); SIGTERM still ends the session's command and what it started."""
    root = _sleeping_workspace(tmp_path)
    command = [sys.executable, "-m", "noxgraph", "run", "hold", "--root", str(root)]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a new session whose foreground job is noxgraph
        os.execv(sys.executable, command)  # noqa: S606 - the argv is ours
    try:
        pids = _session_pids(root)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        status = None
        while status is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                os.read(terminal, 65536)  # keep the terminal drained
            done, status_code = os.waitpid(pid, os.WNOHANG)
            status = status_code if done else None
            time.sleep(0.05)
        assert _gone(pids), "the session's command (or its child) outlived noxgraph run"
        assert status is not None, "noxgraph run did not end"
        assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGTERM
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(terminal)
