"""Where a short noxgraph command's time goes: CPython, each library, noxgraph, the work.

On the workspaces of ``bench_peers.py`` (a uv workspace of ``synth.py``, its ``ignore``
pattern, requirements with markers, extras and ``~=``, a branch changing three packages),
it reads which modules ``noxgraph affected --base main --format names`` (or the command
given after ``--``) imports, with ``python -X importtime``, and times side by side,
interleaved, as fresh processes:

* ``python -c pass``: CPython's start-up;
* the floor: importing every module the command imports but noxgraph's own;
* the floor without each library in turn (a library: a module imported by noxgraph, with
  every module first imported under it), so each library's own cost is the difference;
* the floor and noxgraph's own modules;
* the whole command.

It also runs the command once with ``dataclasses`` timed, to tell how much of importing
noxgraph is making the methods of its value types. The parse cache is warm.

With ``--instructions`` it counts instead of timing: the instructions each process runs
in user space, under valgrind's callgrind (its children, git, are not counted), once each,
the same from run to run where times differ by more than the parts measured; difftrace,
where installed, is counted on the same workspace. It also counts the command with
noxgraph's value types made with other ``dataclasses`` options (without ``__repr__``,
without ``__eq__``, not frozen), run through ``runpy`` beside a run with their own
options: what each generated method costs, and whether the answer stays the same.

    python benchmarks/bench_imports.py [--size 100] [--repeat 31] [--instructions]
        [-- affected ...]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import bench_peers  # noqa: E402

#: Run in a child: the command, with the time ``dataclasses`` spends on noxgraph's classes.
_TIMED_DATACLASSES = """
import dataclasses, json, runpy, sys, time
spent, made = 0.0, []
process = dataclasses._process_class
def timed(cls, *args, **kwargs):
    global spent
    start = time.perf_counter()
    try:
        return process(cls, *args, **kwargs)
    finally:
        if cls.__module__.startswith("noxgraph"):
            spent += time.perf_counter() - start
            made.append(cls.__qualname__)
dataclasses._process_class = timed
sys.argv = ["noxgraph", *sys.argv[1:]]
try:
    runpy.run_module("noxgraph", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write(json.dumps({"spent": spent, "classes": made}) + "\\n")
"""


#: Run in a child: the command, with noxgraph's value types made with the dataclasses
#: options in argv[1] (JSON) instead of their own, to count what each generated method costs.
_WITH_OPTIONS = """
import dataclasses, inspect, json, runpy, sys
changed = json.loads(sys.argv[1])
process = dataclasses._process_class
names = list(inspect.signature(process).parameters)
def made(*args, **kwargs):
    options = dict(zip(names, args), **kwargs)
    if options["cls"].__module__.startswith("noxgraph") and not options["order"]:
        options.update(changed)
    return process(**options)
dataclasses._process_class = made
sys.argv = ["noxgraph", *sys.argv[2:]]
runpy.run_module("noxgraph", run_name="__main__")
"""

#: What the value types give up in each count: the options given to dataclasses.
_TRIMMED: dict[str, dict[str, bool]] = {
    "their own options (frozen, eq, repr)": {},
    "without __repr__": {"repr": False},
    "without __eq__ and __hash__ (identity)": {"eq": False},
    "not frozen (__hash__ kept: unsafe_hash)": {"frozen": False, "unsafe_hash": True},
    "not frozen, without __eq__": {"frozen": False, "eq": False},
}


def instructions(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    """The instructions the process of ``command`` runs in user space, from callgrind."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind counted nothing for {command}: {done.stderr[-300:]}")
    return int(found.group(1))


def imported(python: str, argv: list[str], cwd: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """Each module ``argv`` imports, in the order its import ended, with its library:
    the outermost module above it that is not noxgraph's (itself if none is)."""
    lines = bench_peers.imports_of(python, ["-m", "noxgraph", *argv], cwd, env)
    # importtime prints a module after the modules it imported, one level deeper.
    parent: dict[int, int] = {}
    for index, (depth, _) in enumerate(lines):
        later = next((i for i in range(index + 1, len(lines)) if lines[i][0] < depth), None)
        if later is not None:
            parent[index] = later
    owners: list[tuple[str, str]] = []
    for index, (_, name) in enumerate(lines):
        at = index
        while at in parent and not lines[parent[at]][1].startswith("noxgraph"):
            at = parent[at]
        library = "noxgraph" if name.startswith("noxgraph") else lines[at][1]
        owners.append((name, library))
    return owners


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100, help="packages (default: 100)")
    parser.add_argument("--repeat", type=int, default=31, help="timed runs of each (>= 9)")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions under valgrind instead of timing",
    )
    parser.add_argument("command", nargs="*", help="the noxgraph command (after --)")
    args = parser.parse_args()
    if args.repeat < 9:
        parser.error("--repeat must be at least 9")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    argv = args.command or ["affected", "--base", bench_peers.BASE, "--format", "names"]
    if bench_peers.find_tool("noxgraph") is None:
        print("noxgraph is not installed beside this interpreter (pip install .)")
        return 2
    python = sys.executable
    space = bench_peers.prepare(args.size, 4, 1, bench_peers.find_tool("uv"))
    env = bench_peers._environment(cache=True)
    subprocess.run(
        [python, "-m", "noxgraph", *argv],
        cwd=space.root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started = subprocess.run(
        [python, "-c", "import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # What CPython loads to start (and runpy, for -m) is start-up, not a library.
    owners = [
        (module, library)
        for module, library in imported(python, argv, space.root, env)
        if library not in started and library != "runpy"
    ]
    libraries = [m for m, library in owners if library != "noxgraph"]
    own = [m for m, library in owners if library == "noxgraph"]
    by_library: dict[str, list[str]] = {}
    for module, library in owners:
        if library != "noxgraph":
            by_library.setdefault(library, []).append(module)

    runs: dict[str, list[str]] = {
        "python -c pass": [python, "-c", "pass"],
        "floor": bench_peers.importing(python, libraries),
        "floor + noxgraph's modules": bench_peers.importing(python, libraries + own),
        "the command": [python, "-m", "noxgraph", *argv],
    }
    for library, modules in by_library.items():
        left = [m for m in libraries if m not in modules]
        runs[f"floor without {library}"] = bench_peers.importing(python, left)

    if args.instructions:
        return count(runs, by_library, argv, space.root, env)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, command in runs.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=space.root, env=env, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}

    timed = subprocess.run(
        [python, "-c", _TIMED_DATACLASSES, *argv],
        cwd=space.root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    made = json.loads(timed.stderr.strip().splitlines()[-1])

    print(f"{args.size} packages: noxgraph {' '.join(argv)}")
    print(f"python {sys.version.split()[0]}, {args.repeat} interleaved runs of each, medians\n")
    rows = [
        ("CPython's start-up (python -c pass)", median["python -c pass"]),
        (
            "the libraries (the floor less start-up; each: the floor without it)",
            median["floor"] - median["python -c pass"],
        ),
        *sorted(
            (
                (
                    f"  of which {library}",
                    median["floor"] - median[f"floor without {library}"],
                )
                for library in by_library
            ),
            key=lambda row: -row[1],
        ),
        ("noxgraph's own modules", median["floor + noxgraph's modules"] - median["floor"]),
        (
            f"  of which dataclasses making {len(made['classes'])} classes (timed once)",
            made["spent"] * 1000,
        ),
        ("the work", median["the command"] - median["floor + noxgraph's modules"]),
        ("the whole command", median["the command"]),
    ]
    floor = sorted(times["floor"])
    spread = (floor[len(floor) * 3 // 4] - floor[len(floor) // 4]) * 1000
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value:6.1f} ms")
    print(f"\nrun to run, the floor's interquartile range is {spread:.1f} ms: smaller differences")
    print("are noise. A library's part is what it alone needs: modules it shares are the others'")
    return 0


def count(
    runs: dict[str, list[str]],
    by_library: dict[str, list[str]],
    argv: list[str],
    root: Path,
    env: dict[str, str],
) -> int:
    """Print the rows of :func:`main` in instructions (millions), counted once each."""
    difftrace = bench_peers.find_tool("difftrace")
    if difftrace is not None and argv[0] == "affected":
        runs["difftrace"] = [difftrace, "--base", bench_peers.BASE, "--names"]
    counted = {name: instructions(command, root, env) / 1e6 for name, command in runs.items()}
    own = counted["floor + noxgraph's modules"]
    start = counted["python -c pass"]
    rows: list[tuple[str, float | None]] = [
        ("CPython's start-up (python -c pass)", start),
        ("the libraries (each: the floor without it)", counted["floor"] - start),
        *sorted(
            (
                (f"  of which {library}", counted["floor"] - counted[f"floor without {library}"])
                for library in by_library
            ),
            key=lambda row: -row[1],
        ),
        ("noxgraph's own modules", own - counted["floor"]),
        ("the work", counted["the command"] - own),
        ("the whole command", counted["the command"]),
    ]
    if "difftrace" in counted:
        rows.append(("difftrace --base main --names", counted["difftrace"]))
    python = runs["the command"][0]
    answer = subprocess.run(
        runs["the command"], cwd=root, env=env, capture_output=True, check=True
    ).stdout
    rows.append(("the command run by runpy, its value types made by dataclasses with:", None))
    for label, options in _TRIMMED.items():
        trimmed = [python, "-c", _WITH_OPTIONS, json.dumps(options), *argv]
        done = subprocess.run(trimmed, cwd=root, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            why = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
            rows.append((f"  {label} (FAILED: {why})", None))
            continue
        same = done.stdout == answer
        rows.append(
            (
                f"  {label}{'' if same else ' (ANSWER DIFFERS)'}",
                instructions(trimmed, root, env) / 1e6,
            )
        )
    print(f"noxgraph {' '.join(argv)}; python {sys.version.split()[0]}; callgrind, once each\n")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label}" if value is None else f"  {label:<{width}}  {value:8.1f} M instructions")
    if "difftrace" in counted:
        print(f"\nnoxgraph / difftrace: {counted['the command'] / counted['difftrace']:.3f}x")
    print("git, run by both, is not counted: its processes are children")
    return 0


if __name__ == "__main__":
    sys.exit(main())
