"""What the session cache costs, against what it is measured by, side by side.

1. A no-op ``nox -s build-all`` on a 100-package git workspace whose every session
   is cached (the second run with nothing changed), against ``nox -l`` on the same
   noxfile; interleaved, medians.
2. The content keys of all 1,000 packages of a git workspace (one ``git ls-files
   -s`` and one ``git status`` for the whole repository, run side by side, then one
   hash per package), against running ``git ls-files -s`` and then ``git status``
   on that tree; and the whole key of every session (plans made beforehand, as the
   plan cache keeps them), against the same; interleaved, medians.

    python benchmarks/bench_cache.py [--repeat 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from noxgraph.changes.content import content_keys
from noxgraph.graph import build_graph
from noxgraph.sessions.declarations import declare
from noxgraph.sessions.plan import plan_all
from noxgraph.sessions.session_keys import session_keys
from noxgraph.workspace.load import load_workspace

WORK = Path(__file__).resolve().parent / ".work"


def _env(compiled: bool = True) -> dict[str, str]:
    """The environment of the nox runs: with bytecode kept (``compiled``), as a
    user's machine has it, or compiled at every load (``PYTHONDONTWRITEBYTECODE``)."""
    drop = ("NOXGRAPH_NO_CACHE", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    if not compiled:
        # Bytecode neither written nor found (an empty prefix): compiled at every load.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(WORK / "no-bytecode")
    return env


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _nox(root: Path, *args: str, compiled: bool = True) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(
            [sys.executable, "-m", "nox", *args],
            cwd=root,
            env={**_env(compiled), "PWD": str(root)},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    return run


def _interleaved(actions: list[Callable[[], object]], repeat: int) -> list[float]:
    for action in actions:
        action()  # warm: bytecode, the plan cache, the page cache
    times: list[list[float]] = [[] for _ in actions]
    for index in range(repeat):
        order = list(enumerate(actions))
        for slot, action in order if index % 2 == 0 else reversed(order):
            times[slot].append(_timed(action))
    return [statistics.median(t) for t in times]


def _commit_noxfile(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "noxgraph", "generate", "--root", str(root)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    synth._git(["add", "noxfile.py"], root)
    synth._git(["commit", "-q", "--allow-empty", "-m", "noxfile"], root)


def no_op_build(repeat: int) -> None:
    work, _ = synth.ensure(WORK / "cache-100", 100, 300, seed=5, git=True, task_seconds=0.0)
    root = work.root
    _commit_noxfile(root)
    _nox(root, "-s", "build-all")()  # the first run: every session runs and is recorded
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "build-all"],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    cached = done.stderr.count("skipped: cached (inputs ")
    print(
        f"1. no-op nox -s build-all on 100 packages against nox -l on the same noxfile"
        f" ({cached} of 100 sessions cached after a first run; target: at most 2x; medians)"
    )
    for title, compiled in (("bytecode cached", True), ("compiled at every load", False)):
        build, listing = _interleaved(
            [
                _nox(root, "-s", "build-all", compiled=compiled),
                _nox(root, "-l", compiled=compiled),
            ],
            repeat,
        )
        print(f"   {title:<24} {build:.3f}s against {listing:.3f}s: {build / listing:.2f}x")
    print()


def _git(root: Path, *args: str) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(
            ["git", "-C", str(root), *args], check=True, stdout=subprocess.DEVNULL
        )

    return run


def keys(repeat: int) -> None:
    work, _ = synth.ensure(WORK / "cache-1000", 1000, 5000, seed=6, git=True)
    root = work.root
    workspace = load_workspace(root)
    graph = build_graph(workspace)
    folders = [pkg.path for pkg in workspace.packages]
    plans = plan_all(workspace, graph)
    requires = {s.name: s.all_requires for s in declare(workspace, graph).sessions()}
    ls_files, status = _git(root, "ls-files", "-s"), _git(root, "status", "--porcelain")

    def both() -> None:
        ls_files()
        status()

    git_time, contents, whole = _interleaved(
        [
            both,
            lambda: content_keys(folders),
            lambda: session_keys(root, plans, requires, "dist"),
        ],
        repeat,
    )
    files = len(synth._git(["ls-files"], root).splitlines())
    print(
        f"2. keys of 1000 packages ({files} tracked files): git ls-files -s then git status"
        f" {git_time * 1000:.1f} ms; the package files' keys {contents * 1000:.1f} ms ="
        f" {contents / git_time:.2f}x (target: at most 1.2x); every session's whole key"
        f" ({len(plans)} sessions) {whole * 1000:.1f} ms = {whole / git_time:.2f}x; medians"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    no_op_build(args.repeat)
    keys(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
