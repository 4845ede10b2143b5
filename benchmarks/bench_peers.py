"""noxgraph against its peers on uv workspaces: difftrace for "affected", uv for the members.

On synthetic uv workspaces of ``synth.py`` (default: 100 and 1,000 packages, four
dependency edges a package on average, members ``packages/*``), each locked with
``uv lock`` (the lock committed on ``main``) and with one commit on the branch
``peers-change`` that edits three low-level packages (``pkg-00000`` to
``pkg-00002``, the bottom of the graph), this times, as fresh processes run from
the workspace root, interleaved A, B, A, B, ... after one warm-up run of each:

* ``noxgraph affected --base main --format names`` (A) against
  ``difftrace --base main --names`` (B), which reads ``uv.lock`` and diffs
  ``main...HEAD``; noxgraph once with its parse cache warm, once cold
  (``NOXGRAPH_NO_CACHE=1``, as on a CI machine that starts empty); and once with
  ``--no-uncommitted``, which asks git what difftrace asks (``main...HEAD``), where
  by default noxgraph also asks for the work tree's changes and its untracked files;
* ``noxgraph graph --format json`` (A) against ``uv workspace list`` (B);
* each noxgraph command (warm) against its floor: CPython's start-up and the imports
  its work needs (every module it imports but noxgraph's own), so what noxgraph's own
  code spends is told apart from what the interpreter and the libraries cost.

The workspaces are shaped as real ones are: requirements with markers, extras and
``~=``, third-party requirements, and an ``ignore`` pattern in the root's
``[tool.noxgraph]``.

Before timing, it checks that the answers agree: the set of affected names from
noxgraph against difftrace's, and the member names in noxgraph's graph against
uv's list. Any difference is printed name by name, with noxgraph's path from each
extra name to a changed package and the kind of every edge on it, and the affected
set worked out again from noxgraph's graph without "build" edges (uv.lock does not
record ``[build-system] requires``). So that both answer the same question, each
workspace's root sets ``[tool.noxgraph] affected-kinds`` to the kinds ``uv.lock``
records (runtime, optional, group, dev), committed on ``main``. The table gives the
medians and the ratios A/B (noxgraph's time over the peer's: below 1, noxgraph is
faster) and B/A, and for A/B the interval that holds 95% of the ratios of medians
over the runs resampled in their A, B pairs (a bootstrap): how far the machine's
noise moves the ratio in this run. Where the interval spans 1, this run cannot tell
the two apart. The exit status is 1 when an answer differs.

The executables are taken from the folder of the interpreter that runs this
script (a virtualenv's ``bin``), else from ``PATH``. A peer that is not installed
is skipped with a message; without uv no ``uv.lock`` can be written, so difftrace
is skipped too unless a workspace was locked by an earlier run. ``uv lock``
resolves pytest and hatchling's requirements from the package index once; the
workspaces and the lock are reused afterwards. Workspaces go to ``benchmarks/.work/``.

    python -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install . difftrace uv
    /tmp/peers-venv/bin/python benchmarks/bench_peers.py [--sizes 100,1000]
        [--deps 4] [--repeat 11] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synth  # noqa: E402

WORK = HERE / ".work"
BASE = "main"
BRANCH = "peers-change"
#: The low-level packages the branch changes: the lowest indices, which every
#: dependency edge of synth points towards.
CHANGED = tuple(synth.package_name(index) for index in range(3))
_GIT_IDENTITY = (
    "-c",
    "user.name=noxgraph benchmarks",
    "-c",
    "user.email=benchmarks@noxgraph.invalid",
    "-c",
    "commit.gpgsign=false",
)
_GIT_DATE = "2000-01-01T00:00:00+0000"
#: A command line and the environment it runs in.
Command = tuple[list[str], dict[str, str]]


def find_tool(name: str) -> str | None:
    """``name`` from the running interpreter's scripts folder, else from PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``argv`` in ``cwd``; its standard output, or an error with its standard error."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} (in {cwd}) exited {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout


def _git(root: Path, *args: str) -> str:
    """git in ``root`` with a fixed identity and date, so commits are reproducible."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_DATE=_GIT_DATE, GIT_COMMITTER_DATE=_GIT_DATE)
    return _run(["git", *_GIT_IDENTITY, *args], root, env)


def _on_main(root: Path, path: str) -> bool:
    """Whether ``main`` holds ``path``."""
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{BASE}:{path}"], cwd=root, capture_output=True, check=False
    )
    return done.returncode == 0


#: The edge kinds ``uv.lock`` records: a member's dependencies, extras, dependency
#: groups and dev dependencies, but not its ``[build-system] requires``.
LOCKED_KINDS = ("runtime", "optional", "group", "dev")
#: Appended to the root's ``[tool.noxgraph]``, which synth's root ends with.
_CONFIG = f"affected-kinds = {json.dumps(list(LOCKED_KINDS))}\n"


def _ask_what_the_lock_records(root: Path) -> None:
    """Have noxgraph spread a change over the kinds difftrace can see, committed on
    ``main``: then both answer one question, and their answers can be compared.

    difftrace reads ``uv.lock``, which holds no ``[build-system] requires``, so a
    change that reaches a package only through a build edge is no change to it;
    noxgraph counts build edges by default (a new build backend changes a wheel).
    Timing is not affected: noxgraph reads every table either way."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if "affected-kinds" in text:
        return
    _git(root, "checkout", "-q", BASE)
    pyproject.write_text(text + _CONFIG, encoding="utf-8")
    _git(root, "add", "pyproject.toml")
    _git(root, "commit", "-q", "--no-verify", "-m", "noxgraph: affected over what uv.lock records")


@dataclass(frozen=True)
class Workspace:
    """A prepared workspace: its root and whether ``main`` has a ``uv.lock``."""

    root: Path
    locked: bool


def prepare(packages: int, deps: int, seed: int, uv: str | None) -> Workspace:
    """Generate (or reuse) the workspace, lock it on ``main``, commit the change on a branch."""
    edges = deps * packages
    root = WORK / f"peers-{packages}-{edges}-s{seed}"
    _, generated = synth.ensure(root, packages, edges, seed=seed, git=True)
    if generated:
        print(f"generated {root}")
    _ask_what_the_lock_records(root)
    locked = _on_main(root, "uv.lock")
    if not locked and uv is None:
        print(f"  no uv: cannot write {root.name}/uv.lock, so difftrace has nothing to read")
    elif not locked:
        _git(root, "checkout", "-q", BASE)
        start = time.perf_counter()
        try:
            _run([uv, "lock", "--no-progress"], root)
        except RuntimeError as exc:
            print(f"  uv lock failed, difftrace is skipped: {exc}")
        else:
            _git(root, "add", "uv.lock")
            _git(root, "commit", "-q", "--no-verify", "-m", "uv lock")
            locked = True
            print(f"  uv lock: {time.perf_counter() - start:.1f}s, committed on {BASE}")
    # The branch is made anew each time (same content, same dates, same commit).
    _git(root, "checkout", "-q", "-B", BRANCH, BASE)
    paths = []
    for name in CHANGED:
        path = f"packages/{name}/src/{name.replace('-', '_')}/__init__.py"
        with (root / path).open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nCHANGED_ON_{BRANCH.upper().replace('-', '_')} = True\n")
        paths.append(path)
    _git(root, "add", "--", *paths)
    _git(root, "commit", "-q", "--no-verify", "-m", f"Change {', '.join(CHANGED)}")
    return Workspace(root, locked)


def _environment(*, cache: bool) -> dict[str, str]:
    """The environment of the timed commands: bytecode caches on, noxgraph's cache in .work/."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    env.pop("NOXGRAPH_NO_CACHE", None)
    if not cache:
        env["NOXGRAPH_NO_CACHE"] = "1"
    return env


def _time(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one run of ``argv``; an error if it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {error}")
    return elapsed


def interleaved(a: Command, b: Command, cwd: Path, repeat: int) -> tuple[list[float], list[float]]:
    """``repeat`` times of A and of B, run A, B, A, B, ... after one warm-up run each."""
    _time(a[0], cwd, a[1])
    _time(b[0], cwd, b[1])
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(repeat):
        times_a.append(_time(a[0], cwd, a[1]))
        times_b.append(_time(b[0], cwd, b[1]))
    return times_a, times_b


def ratio_interval(
    times_a: list[float], times_b: list[float], resamples: int = 2000
) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of median(A) / median(B) over the runs drawn
    again with replacement, each A with the B run beside it, so that the machine's
    drift, which moves both, is mostly kept out of the spread."""
    draw = random.Random(0)
    count = len(times_a)
    ratios = []
    for _ in range(resamples):
        picks = [draw.randrange(count) for _ in range(count)]
        ratios.append(
            statistics.median(times_a[i] for i in picks)
            / statistics.median(times_b[i] for i in picks)
        )
    ratios.sort()
    return ratios[int(resamples * 0.025)], ratios[int(resamples * 0.975) - 1]


def _compare(title: str, ours: set[str], theirs: set[str], peer: str, total: int) -> bool:
    """Print whether two answers are equal, and every name only one of them gave."""
    if ours == theirs:
        print(f"  {title}: equal ({len(ours)} of {total} packages)")
        return True
    print(f"  {title}: DIFFERENT (noxgraph {len(ours)}, {peer} {len(theirs)} of {total})")
    print(f"    only noxgraph: {' '.join(sorted(ours - theirs)) or '-'}")
    print(f"    only {peer}: {' '.join(sorted(theirs - ours)) or '-'}")
    return False


def _lines(text: str) -> set[str]:
    """The non-blank lines of ``text``, stripped, as a set."""
    return {line.strip() for line in text.splitlines() if line.strip()}


def explain_affected(
    noxgraph: str, root: Path, env: dict[str, str], ours: set[str], theirs: set[str]
) -> None:
    """Why noxgraph and difftrace differ: noxgraph's paths to a change, with edge kinds.

    uv.lock records a member's dependencies, extras and dependency groups, not its
    ``[build-system] requires``; so the affected set is also worked out again from
    noxgraph's graph without its "build" edges, to show whether those explain it all.
    """
    answer = json.loads(_run([noxgraph, "affected", "--base", BASE, "--format", "json"], root, env))
    graph = json.loads(_run([noxgraph, "graph", "--format", "json"], root, env))
    kinds: dict[tuple[str, str], set[str]] = {}
    dependents: dict[str, set[str]] = {}
    for edge in graph["edges"]:
        kinds.setdefault((edge["from"], edge["to"]), set()).add(edge["kind"])
        if edge["kind"] != "build":
            dependents.setdefault(edge["to"], set()).add(edge["from"])
    by_name = {entry["name"]: entry for entry in answer["affected"]}
    for name in sorted(ours - theirs):
        entry = by_name.get(name, {})
        chain = [name, *entry.get("via", [])]
        path = name
        for dependent, dependency in itertools.pairwise(chain):
            path += (
                f" -[{'+'.join(sorted(kinds.get((dependent, dependency), {'?'})))}]-> {dependency}"
            )
        print(f"    noxgraph on {name} ({entry.get('reason', '?')}): {path}")
    direct = {entry["name"] for entry in answer["affected"] if entry.get("reason") != "dependency"}
    reached, todo = set(direct), list(direct)
    while todo:
        for dependent in dependents.get(todo.pop(), ()):
            if dependent not in reached:
                reached.add(dependent)
                todo.append(dependent)
    verdict = "equal to difftrace's" if reached == theirs else "still different from difftrace's"
    print(f"    noxgraph's graph without build edges reaches {len(reached)}: {verdict}")


def floor_of(argv: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    """CPython's start-up plus the imports a run of ``argv`` (a noxgraph command) needs:
    a ``python -c`` that imports every module that run imported, noxgraph's own left out,
    in the order the run finished importing them. noxgraph's time above this floor is
    what its own code spends."""
    script = Path(argv[0])
    python = str(script.parent / "python")
    modules = [
        name
        for _, name in imports_of(python, [str(script), *argv[1:]], cwd, env)
        if not name.startswith(("noxgraph", "__main__"))
    ]
    return importing(python, list(dict.fromkeys(modules)))


def imports_of(
    python: str, args: list[str], cwd: Path, env: dict[str, str]
) -> list[tuple[int, str]]:
    """Each module ``python -X importtime ARGS`` imports, in the order its import ended,
    with its depth (how many imports it ran inside)."""
    done = subprocess.run(
        [python, "-X", "importtime", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            field = line.rsplit("|", 1)[1]
            name = field.strip()
            if name != "imported package":
                lines.append(((len(field) - len(field.lstrip())) // 2, name))
    return lines


def importing(python: str, modules: list[str]) -> list[str]:
    """A ``python -c`` importing ``modules`` in order; those a library only tries (``nt``
    on POSIX, optional accelerators) fail here too, and are passed over."""
    script = (
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        pass\n"
    )
    return [python, "-c", script]


def _degrees(packages: int, deps: int, seed: int) -> str:
    """min / median / max of the workspace's dependencies per package, for the header."""
    counts = Counter(
        dependent for dependent, _, _ in synth.generate_edges(packages, deps * packages, seed)
    )
    per = [counts[index] for index in range(packages)]
    return f"{min(per)} / {statistics.median(per):g} / {max(per)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="package counts (default: 100,1000)")
    parser.add_argument(
        "--deps", type=int, default=4, help="dependency edges a package, on average"
    )
    parser.add_argument("--repeat", type=int, default=11, help="timed runs of each command (>= 9)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.repeat < 9:
        parser.error("--repeat must be at least 9")
    sizes = [int(size) for size in args.sizes.split(",")]

    noxgraph = find_tool("noxgraph")
    if noxgraph is None:
        print("noxgraph is not installed here (pip install .): nothing to compare with")
        return 2
    difftrace = find_tool("difftrace")
    uv = find_tool("uv")
    versions = {"noxgraph": noxgraph, "difftrace": difftrace, "uv": uv}
    for name, path in versions.items():
        if path is None:
            print(f"{name}: not installed (neither beside {sys.executable} nor on PATH): skipped")
        else:
            print(f"{name}: {_run([path, '--version'], HERE).strip()} ({path})")
    workspace_list = uv is not None
    if uv is not None:
        probe = subprocess.run(
            [uv, "workspace", "list", "--help"], capture_output=True, check=False
        )
        if probe.returncode != 0:
            print("uv: this version has no `uv workspace list`: the uv row is skipped")
            workspace_list = False

    cold, warm = _environment(cache=False), _environment(cache=True)
    affected = [noxgraph, "affected", "--base", BASE, "--format", "names"]
    committed = [*affected, "--no-uncommitted"]
    graph = [noxgraph, "graph", "--format", "json"]
    rows: list[tuple[int, str, float, float, tuple[float, float]]] = []
    agreed = True
    for size in sizes:
        print(
            f"\n{size} packages, {args.deps * size} edges (dependencies a package,"
            f" min / median / max: {_degrees(size, args.deps, args.seed)});"
            f" {BRANCH} changes {', '.join(CHANGED)}"
        )
        space = prepare(size, args.deps, args.seed, uv)
        root = space.root
        pairs: list[tuple[str, Command, Command]] = []
        ours = _lines(_run(affected, root, warm))
        if difftrace is not None and space.locked:
            trace = [difftrace, "--base", BASE, "--names"]
            theirs = _lines(_run(trace, root))
            if not _compare("affected", ours, theirs, "difftrace", size):
                agreed = False
                explain_affected(noxgraph, root, warm, ours, theirs)
            committed_only = _lines(_run(committed, root, warm))
            if not _compare("affected, committed", committed_only, theirs, "difftrace", size):
                agreed = False
            pairs.append(("affected (warm) / difftrace", (affected, warm), (trace, warm)))
            pairs.append(("affected (cold) / difftrace", (affected, cold), (trace, warm)))
            title = "affected committed (warm) / difftrace"
            pairs.append((title, (committed, warm), (trace, warm)))
        else:
            print(f"  affected: {len(ours)} of {size} packages; difftrace skipped")
        if workspace_list and uv is not None:
            members = [uv, "workspace", "list"]
            shown = json.loads(_run(graph, root, warm))
            names = {package["name"] for package in shown["packages"]}
            if not _compare("members", names, _lines(_run(members, root)), "uv", size):
                agreed = False
            pairs.append(("graph json (warm) / uv workspace list", (graph, warm), (members, warm)))
        pairs.append(
            ("graph json (warm) / its floor", (graph, warm), (floor_of(graph, root, warm), warm))
        )
        pairs.append(
            (
                "affected (warm) / its floor",
                (affected, warm),
                (floor_of(affected, root, warm), warm),
            )
        )
        for title, a, b in pairs:
            times_a, times_b = interleaved(a, b, root, args.repeat)
            median_a, median_b = statistics.median(times_a), statistics.median(times_b)
            rows.append((size, title, median_a, median_b, ratio_interval(times_a, times_b)))

    print(f"\npython {sys.version.split()[0]}, {args.repeat} interleaved runs of each, medians")
    print(
        f"{'size':>6}  {'command pair (A / B)':<40}{'median A':>10}{'median B':>10}"
        f"{'A/B':>8}{'B/A':>8}  A/B, 95% interval"
    )
    if not rows:
        print("  (no peer is installed: nothing was timed)")
    for size, title, median_a, median_b, (low, high) in rows:
        print(
            f"{size:>6}  {title:<40}{median_a:>9.3f}s{median_b:>9.3f}s"
            f"{median_a / median_b:>7.2f}x{median_b / median_a:>7.2f}x  {low:.2f}-{high:.2f}x"
        )
    print(
        "\nA: noxgraph affected --base main --format names | noxgraph graph --format json"
        "\nB: difftrace --base main --names | uv workspace list | the floor: python -c 'import"
        " M, ...' of every module A imports but noxgraph's own (CPython's start-up and the"
        " imports the work needs)"
        "\ncold: NOXGRAPH_NO_CACHE=1; warm: noxgraph's parse cache filled by the warm-up run"
        "\ncommitted: with --no-uncommitted, the question difftrace answers (main...HEAD);"
        " by default noxgraph also asks git for the work tree's changes and untracked files"
    )
    print(f"answers: {'all equal' if agreed else 'DIFFERENT, see above'}")
    return 0 if agreed else 1


if __name__ == "__main__":
    raise SystemExit(main())
