"""What a generated noxfile costs nox, and what nox's parallel mode gains on a graph.

1. ``nox -l`` on the noxfile ``noxgraph generate`` writes for a synthetic workspace
   of 1,000 packages with one task, against ``nox -l`` on a noxfile with a single
   session: nox reads, parses and runs the whole noxfile at every load. Timed side
   by side, interleaved, twice: compiling the noxfile at every load (as with
   ``PYTHONDONTWRITEBYTECODE=1``, common in CI images) and with bytecode cached.
2. ``nox -s build-all -j 4`` on a synthetic graph of 100 packages whose task
   sleeps 1 s, against the ideal ``max(critical path, total work / 4)`` and against
   the same run without ``-j``.

    python benchmarks/bench_nox.py [--repeat 15] [--skip-list] [--skip-parallel]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from noxgraph.graph import build_graph
from noxgraph.sessions import build_specs
from noxgraph.workspace import load_workspace

WORK = Path(__file__).resolve().parent / ".work"

SINGLE = '''import nox

nox.needs_version = ">=2026.8.10"


@nox.session(venv_backend="none")
def hello(session: nox.Session) -> None:
    """The one session."""
    session.log("hello")
'''


# The PEP 723 block a generated noxfile carries: nox checks it at every load.
SCRIPT_BLOCK = """# /// script
# requires-python = ">=3.10"
# dependencies = ["nox>=2026.8.10", "noxgraph>=0.1.0,<0.2"]
# ///
"""


def _nox(folder: Path, *args: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nox", *args],
        cwd=folder,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _nox_cpu(folder: Path, *args: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and the CPU time (user + system) of nox and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = _nox(folder, *args, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _generate(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "noxgraph", "generate", "--root", str(root)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def listing(repeat: int) -> None:
    big, _ = synth.ensure(WORK / "nox-list-1000", 1000, 5000, seed=2, task_seconds=1.0)
    one, _ = synth.ensure(WORK / "nox-list-1", 1, 0, seed=2, task_seconds=1.0)
    for work in (big, one):
        _generate(work.root)
    single = WORK / "nox-list-single"
    single.mkdir(parents=True, exist_ok=True)
    (single / "noxfile.py").write_text(SINGLE)
    scripted = WORK / "nox-list-single-script"
    scripted.mkdir(parents=True, exist_ok=True)
    (scripted / "noxfile.py").write_text(SCRIPT_BLOCK + SINGLE)
    size = (big.root / "noxfile.py").stat().st_size
    print(
        f"1. nox -l on the noxfile generated for 1000 packages ({size // 1024} KiB, 1002"
        " sessions), against a hand-written one-session noxfile (A), the same with the"
        " PEP 723 block a generated noxfile carries (B), and the noxfile generated for"
        " one package (C: the same header and block, 3 sessions)"
    )
    print(f"{'':<24}{'A':>8}{'B':>8}{'C':>8}{'1000 pkgs':>11}{'vs A':>8}{'vs B':>8}{'vs C':>8}")
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    folders = (single, scripted, one.root, big.root)
    for title, env in (
        ("compiled at every load", {**base, "PYTHONDONTWRITEBYTECODE": "1"}),
        ("bytecode cached", base),
    ):
        for folder in folders:
            _nox(folder, "-l", env=env)
        times: dict[Path, list[float]] = {folder: [] for folder in folders}
        for index in range(repeat):
            for folder in folders if index % 2 == 0 else reversed(folders):
                times[folder].append(_nox(folder, "-l", env=env))
        for label, pick in (("median", statistics.median), ("min", min)):
            a, b, c, big_time = (pick(times[folder]) for folder in folders)
            name = title if label == "median" else ""
            print(
                f"{name:<24}{a:>7.3f}s{b:>7.3f}s{c:>7.3f}s{big_time:>10.3f}s"
                f"{big_time / a:>7.2f}x{big_time / b:>7.2f}x{big_time / c:>7.2f}x   {label}"
            )
    print("target: at most 1.6x a noxfile with a single session")
    default_tasks(repeat, single, base)


def default_tasks(repeat: int, single: Path, env: dict[str, str]) -> None:
    """The same graph with the default tasks: ``test`` installs each package's whole
    closure of siblings from their folders, so its table lists them per package."""
    work, _ = synth.ensure(WORK / "nox-list-1000-default", 1000, 5000, seed=2)
    _generate(work.root)
    size = (work.root / "noxfile.py").stat().st_size
    folders = (single, work.root)
    times: dict[Path, list[float]] = {folder: [] for folder in folders}
    for index in range(repeat):
        for folder in folders if index % 2 == 0 else reversed(folders):
            times[folder].append(_nox(folder, "-l", env=env))
    a, big_time = (statistics.median(times[folder]) for folder in folders)
    print(
        f"   with the default tasks (build and test, 2004 sessions, {size // 1024} KiB):"
        f" {big_time:.3f}s against A {a:.3f}s = {big_time / a:.2f}x (medians, bytecode cached)\n"
    )


def _plain_noxfile(root: Path, folder: Path) -> None:
    """A hand-written equivalent: the same sessions, requires and command, no noxgraph."""
    workspace = load_workspace(root)
    specs = [s for s in build_specs(workspace, build_graph(workspace)) if s.kind == "package"]
    lines = ["import nox", ""]
    for index, spec in enumerate(specs):
        lines += [
            f"@nox.session(name={spec.name!r}, venv_backend='none', allow_parallel=True,"
            f" default=False, requires={list(spec.requires)!r})",
            f"def session_{index}(session: nox.Session) -> None:",
            f"    session.run(*{list(spec.commands[0])!r})",
            "",
        ]
    lines += [
        f"@nox.session(name='build-all', venv_backend='none', allow_parallel=True,"
        f" default=False, requires={[s.name for s in specs]!r})",
        "def build_all(session: nox.Session) -> None:",
        "    pass",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "noxfile.py").write_text("\n".join(lines) + "\n")


def parallel(edges: int) -> None:
    work, _ = synth.ensure(WORK / f"nox-parallel-100-{edges}", 100, edges, seed=3, task_seconds=1.0)
    _generate(work.root)
    plain = WORK / f"nox-parallel-plain-{edges}"
    _plain_noxfile(work.root, plain)
    graph = build_graph(load_workspace(work.root))
    critical = len(graph.levels())
    ideal = max(float(critical), 100 / 4)
    env = dict(os.environ)
    print(
        f"2. nox -s build-all on 100 packages, {edges} edges, every task sleeping 1 s:"
        f" critical path {critical} sessions ({critical} s), total work 100 s,"
        f" ideal with -j 4 = max({critical} s, 25 s) = {ideal:.0f} s"
    )
    parallel_time, parallel_cpu = _nox_cpu(work.root, "-s", "build-all", "-j", "4", env=env)
    plain_time, plain_cpu = _nox_cpu(plain, "-s", "build-all", "-j", "4", env=env)
    serial_time, serial_cpu = _nox_cpu(work.root, "-s", "build-all", env=env)
    cores = os.cpu_count() or 1
    print(
        f"   generated noxfile, -j 4: {parallel_time:.1f} s = {parallel_time / ideal:.2f}x the"
        f" ideal (target: at most 1.25x); CPU {parallel_cpu:.1f} s"
        f" = {parallel_cpu / (parallel_time * cores):.0%} of {cores} cores"
    )
    print(
        f"   hand-written noxfile, same sessions and requires, -j 4: {plain_time:.1f} s ="
        f" {plain_time / ideal:.2f}x the ideal (what nox's own parallel mode costs here);"
        f" CPU {plain_cpu:.1f} s"
    )
    print(
        f"   generated noxfile, serial: {serial_time:.1f} s (CPU {serial_cpu:.1f} s); -j 4 is"
        f" {serial_time / parallel_time:.2f}x faster (target: at least 3x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--edges", type=int, default=150)
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--skip-parallel", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    if not args.skip_list:
        listing(args.repeat)
    if not args.skip_parallel:
        parallel(args.edges)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
