"""``noxgraph affected`` against the least any tool must do to answer the same question.

On a synthetic monorepo (default: 1,000 packages, 5,000 edges, 1,000 changed files
committed on a feature branch), this times, side by side and interleaved:

* **baseline**: a Python script that finds the merge base, runs
  ``git diff --name-only`` and parses every ``pyproject.toml`` with the standard
  library's ``tomllib`` (what "git diff plus reading every pyproject.toml" costs);
* **noxgraph**: ``noxgraph affected --format json``, the whole command line.

Both run as fresh processes, as a user would run them. Two modes: against the
working tree (noxgraph's default; the baseline diffs the working tree too) and
``--head HEAD`` (committed changes only). Each pair runs ``--repeat`` times, the
order alternating; the report gives medians, minimums and their ratios.

Both get a warm-up run first, and ``PYTHONDONTWRITEBYTECODE`` is removed from
their environment, so imports come from bytecode caches as they do for an
installed package. noxgraph keeps parse results between runs (keyed by file
content); the "no cache" modes turn that off (``NOXGRAPH_NO_CACHE=1``), as on a
CI machine that starts empty.

    python benchmarks/bench_affected.py [--packages 1000] [--edges 5000]
        [--changed 1000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

WORK = Path(__file__).resolve().parent / ".work"

BASELINE = """
import subprocess, sys, tomllib
from pathlib import Path
root, head = Path(sys.argv[1]), sys.argv[2:]
def git(*args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=True).stdout
merge_base = git("merge-base", "main", "HEAD").strip()
changed = git("diff", "--name-only", merge_base, *head).split()
for name in git("ls-files", "*pyproject.toml").split():
    tomllib.loads((root / name).read_text(encoding="utf-8"))
print(len(changed))
"""


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(root: Path, repeat: int, head: bool, *, cache: bool) -> tuple[list[float], list[float]]:
    """Interleaved wall-clock times of the baseline and of noxgraph, in seconds."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    if not cache:
        env["NOXGRAPH_NO_CACHE"] = "1"
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(BASELINE)
    baseline = [sys.executable, handle.name, str(root), *(["HEAD"] if head else [])]
    noxgraph = [
        sys.executable,
        "-m",
        "noxgraph",
        "affected",
        "--root",
        str(root),
        "--format",
        "json",
        *(["--head", "HEAD"] if head else []),
    ]
    try:
        _time(baseline, env)
        _time(noxgraph, env)
        base_times: list[float] = []
        tool_times: list[float] = []
        for index in range(repeat):
            pair = [(baseline, base_times), (noxgraph, tool_times)]
            for argv, times in pair if index % 2 == 0 else reversed(pair):
                times.append(_time(argv, env))
        return base_times, tool_times
    finally:
        Path(handle.name).unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    root = WORK / f"affected-{args.packages}-{args.edges}-{args.changed}-s{args.seed}"
    _, reused = synth.ensure(root, args.packages, args.edges, seed=args.seed, git=True)
    if not reused or not (root / ".git" / "refs" / "heads" / "feature").exists():
        changed = synth.change_files(root, args.changed, args.seed)
        print(f"committed {len(changed)} changed files on branch 'feature'")
    count = subprocess.run(
        ["git", "diff", "--name-only", "main...HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.count("\n")
    print(
        f"workspace: {args.packages} packages, {args.edges} edges, {count} files changed"
        f" since main ({root})"
    )
    print(f"python {sys.version.split()[0]}, {args.repeat} interleaved runs each\n")
    print(
        f"{'mode':<26}{'baseline median':>16}{'noxgraph median':>17}{'ratio':>8}"
        f"{'baseline min':>14}{'noxgraph min':>14}{'ratio':>8}"
    )
    modes = (
        ("working tree (default)", False, True),
        ("working tree, no cache", False, False),
        ("--head HEAD", True, True),
        ("--head HEAD, no cache", True, False),
    )
    for title, head, cache in modes:
        base, tool = measure(root, args.repeat, head, cache=cache)
        median_ratio = statistics.median(tool) / statistics.median(base)
        min_ratio = min(tool) / min(base)
        print(
            f"{title:<26}{statistics.median(base):>15.3f}s{statistics.median(tool):>16.3f}s"
            f"{median_ratio:>7.2f}x{min(base):>13.3f}s{min(tool):>13.3f}s{min_ratio:>7.2f}x"
        )
    print("\ntarget: noxgraph at most 1.5x the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
