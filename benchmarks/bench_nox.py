"""What a generated noxfile costs nox, measured against nox's own floor.

1. ``nox -l`` on the noxfile ``noxgraph generate`` writes for 1,000 packages and
   5,000 edges with the default tasks (build and test), against a hand-written
   noxfile that registers the same sessions with the same ``requires=`` in a loop
   (nox's own cost for that many sessions) and against a one-session noxfile, all
   three with the same PEP 723 block; interleaved, bytecode cached and not. Also
   the file's size.
2. ``noxgraph generate`` on that workspace against ``noxgraph graph --format json``.
3. ``nox -s build-all -j 4`` on 100 packages whose task sleeps 1 s: the generated
   noxfile against the hand-written one, both against max(critical path, work / 4).
4. ``nox -s build-affected`` after a change to one package of a 1,000-package git
   workspace (tasks that do nothing): the cost of each upstream session that
   ``requires=`` pulls in only to skip, against running the affected sessions alone.

    python benchmarks/bench_nox.py [--repeat 11] [--skip-list] [--skip-parallel] [--skip-affected]
"""

from __future__ import annotations

import argparse
import json
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
from noxgraph.sessions.declarations import Declarations, declare, describe
from noxgraph.workspace.load import load_workspace

WORK = Path(__file__).resolve().parent / ".work"

# The PEP 723 block a generated noxfile carries: nox checks it at every load.
SCRIPT_BLOCK = """# /// script
# requires-python = ">=3.10"
# dependencies = ["nox>=2026.8.10", "noxgraph>=0.1.0,<0.2"]
# ///
"""

SINGLE = '''import nox

nox.needs_version = ">=2026.8.10"


@nox.session(venv_backend="none")
def hello(session: nox.Session) -> None:
    """The one session."""
    session.log("hello")
'''

LOOP = """import nox

nox.needs_version = ">=2026.8.10"

SESSIONS = {sessions!r}


def _make(name, command):
    def run(session):
        session.run(*command)

    return run


for task, package, requires, doc in SESSIONS:
    run = _make(f"{{task}}-{{package}}", ["python", "-c", "pass"])
    run.__doc__ = doc
    nox.session(
        name=f"{{task}}-{{package}}",
        venv_backend={backend!r},
        tags=[task, package],
        requires=requires,
        allow_parallel=True,
    )(run)
for task in {tasks!r}:
    names = [f"{{t}}-{{p}}" for t, p, _, _ in SESSIONS if t == task]
    nox.session(
        name=f"{{task}}-all",
        venv_backend="none",
        requires=names,
        default=False,
        allow_parallel=True,
    )(_make(f"{{task}}-all", ["python", "-c", "pass"]))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    return env


def _run(folder: Path, *args: str, env: dict[str, str], program: str = "nox") -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", program, *args],
        cwd=folder,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _cpu(folder: Path, *args: str, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = _run(folder, *args, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _generate(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "noxgraph", "generate", "--root", str(root)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _declarations(root: Path) -> Declarations:
    workspace = load_workspace(root)
    return declare(workspace, build_graph(workspace))


def _loop_noxfile(root: Path, folder: Path, backend: str, block: str = SCRIPT_BLOCK) -> None:
    """A hand-written noxfile: the same sessions and requires, registered in a loop."""
    declared = _declarations(root)
    sessions = [(s.task, s.package, list(s.all_requires), describe(s)) for s in declared.sessions()]
    folder.mkdir(parents=True, exist_ok=True)
    text = LOOP.format(sessions=sessions, tasks=list(declared.tasks), backend=backend)
    (folder / "noxfile.py").write_text(block + text)


def _interleaved(
    folders: list[Path], args: list[str], repeat: int, env: dict[str, str]
) -> list[float]:
    for folder in folders:
        _run(folder, *args, env=env)
    times: dict[Path, list[float]] = {folder: [] for folder in folders}
    for index in range(repeat):
        for folder in folders if index % 2 == 0 else reversed(folders):
            times[folder].append(_run(folder, *args, env=env))
    return [statistics.median(times[folder]) for folder in folders]


def listing(repeat: int) -> None:
    work, _ = synth.ensure(WORK / "nox-list-1000-default", 1000, 5000, seed=2)
    _generate(work.root)
    loop = WORK / "nox-list-loop"
    _loop_noxfile(work.root, loop, "uv|virtualenv")
    single = WORK / "nox-list-single-script"
    single.mkdir(parents=True, exist_ok=True)
    (single / "noxfile.py").write_text(SCRIPT_BLOCK + SINGLE)
    size = (work.root / "noxfile.py").stat().st_size
    count = len(_declarations(work.root).sessions())
    print(
        f"1. nox -l: the noxfile generated for 1000 packages, 5000 edges, default tasks"
        f" ({count} package sessions, {size / 1024:.0f} KiB; target at most 150 KiB), against"
        " a hand-written noxfile registering the same sessions and requires= in a loop (L)"
        " and a one-session noxfile (S); all with the same PEP 723 block; medians"
    )
    print(f"{'':<24}{'S':>8}{'L':>8}{'generated':>11}{'vs L':>8}{'vs S':>8}")
    base = _env()
    for title, env in (
        ("compiled at every load", {**base, "PYTHONDONTWRITEBYTECODE": "1"}),
        ("bytecode cached", base),
    ):
        s, loop_time, ours = _interleaved([single, loop, work.root], ["-l"], repeat, env)
        print(
            f"{title:<24}{s:>7.3f}s{loop_time:>7.3f}s{ours:>10.3f}s"
            f"{ours / loop_time:>7.2f}x{ours / s:>7.2f}x"
        )
    print("   targets: at most 1.10x L; against S, nox's own floor is L/S\n")
    generate, graph = [], []
    for index in range(repeat):
        pair = [("generate", generate), ("graph", graph)]
        for name, times in pair if index % 2 == 0 else reversed(pair):
            args = ["generate", "--root", "."] if name == "generate" else ["graph", "--json"]
            times.append(_run(work.root, *args, env=base, program="noxgraph"))
    g, j = statistics.median(generate), statistics.median(graph)
    print(
        f"2. noxgraph generate {g:.3f}s against noxgraph graph --format json {j:.3f}s:"
        f" {g / j:.2f}x (target: at most 2x; medians)\n"
    )


def parallel(edges: int) -> None:
    work, _ = synth.ensure(WORK / f"nox-parallel-100-{edges}", 100, edges, seed=3, task_seconds=1.0)
    _generate(work.root)
    plain = WORK / f"nox-parallel-loop-{edges}"
    _loop_noxfile(work.root, plain, "none")
    text = (plain / "noxfile.py").read_text()
    (plain / "noxfile.py").write_text(
        text.replace('["python", "-c", "pass"]', '["python", "-c", "import time; time.sleep(1.0)"]')
    )
    graph = build_graph(load_workspace(work.root))
    critical = len(graph.levels())
    ideal = max(float(critical), 100 / 4)
    env = _env()
    print(
        f"3. nox -s build-all -j 4 on 100 packages, {edges} edges, tasks sleeping 1 s:"
        f" critical path {critical} s, total work 100 s, ideal = {ideal:.0f} s"
    )
    # --no-cache: every session runs, so nox's scheduling is what is measured (a second
    # run would otherwise take every session from noxgraph's session cache).
    ours, ours_cpu = _cpu(work.root, "-s", "build-all", "-j", "4", "--", "--no-cache", env=env)
    loop, loop_cpu = _cpu(plain, "-s", "build-all", "-j", "4", env=env)
    print(
        f"   generated: {ours:.1f} s = {ours / ideal:.2f}x the ideal (CPU {ours_cpu:.1f} s);"
        f" hand-written: {loop:.1f} s = {loop / ideal:.2f}x (CPU {loop_cpu:.1f} s);"
        f" generated / hand-written = {ours / loop:.3f}x (target: at most 1.03x)\n"
    )


def affected(repeat: int) -> None:
    work, _ = synth.ensure(
        WORK / "nox-affected-1000", 1000, 5000, seed=4, git=True, task_seconds=0.0
    )
    root = work.root
    _generate(root)
    subprocess.run(["git", "add", "noxfile.py"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "noxfile"], cwd=root, check=True)
    # The last package: nothing depends on it, and it depends on a long chain.
    name = work.names[-1]
    subprocess.run(["git", "checkout", "-q", "-B", "feature", "main"], cwd=root, check=True)
    module = root / "packages" / name / "src" / name.replace("-", "_") / "__init__.py"
    module.write_text(module.read_text() + "\nCHANGED = 1\n")
    env = {**_env(), "PWD": str(root)}
    plan = subprocess.run(
        [sys.executable, "-m", "noxgraph", "run", "build", "--affected", "--dry-run", "--json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    chosen = json.loads(plan.stdout)
    skipped = len(chosen["skipped"])
    ran = [s for s in chosen["sessions"] if s not in chosen["skipped"]]
    whole, alone = [], []
    for index in range(repeat):
        pair = [
            (whole, ["-s", "build-affected", "--", "--no-cache"]),
            (alone, ["-s", *ran, "--no-dependencies", "--", "--no-cache"]),
        ]
        for times, args in pair if index % 2 == 0 else reversed(pair):
            times.append(_run(root, *args, env=env))
    w, a = statistics.median(whole), statistics.median(alone)
    module.write_text(module.read_text().replace("\nCHANGED = 1\n", ""))
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    print(
        f"4. nox -s build-affected after a change to {name} in a 1000-package workspace:"
        f" {len(ran)} affected, {skipped} upstream sessions skipped; {w:.3f}s against"
        f" {a:.3f}s for the affected sessions alone: {(w - a) * 1000 / max(skipped, 1):.1f} ms"
        " a skipped session (target: at most 20 ms; medians)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--edges", type=int, default=150)
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--skip-parallel", action="store_true")
    parser.add_argument("--skip-affected", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    if not args.skip_list:
        listing(args.repeat)
    if not args.skip_parallel:
        parallel(args.edges)
    if not args.skip_affected:
        affected(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
