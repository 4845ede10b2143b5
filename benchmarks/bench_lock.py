"""What a changed ``uv.lock`` costs ``noxgraph affected``.

On a synthetic uv workspace (default: 1,000 packages, 5,000 edges) with a
``uv.lock`` written for it (every member an editable entry with its runtime,
optional and group edges, and a few hundred third-party packages, laid out as
``uv lock`` does, one sdist each: real locks list many wheels per package, so
their files are larger and take longer to parse), two branches carry the same
changed files; one of them also
bumps one third-party package in ``uv.lock``. This times, interleaved, as fresh
processes, ``noxgraph affected --format json --base main --head BRANCH`` on each
branch, for two sizes of change: the changed files alone are one file or 1,000.
Without a lock change no lock is read at all; with one, the lock is read at the
base and at head and every member's locked closure walked. Last, the lock bump
alone (branch ``lock-only``), where what the lock affects is not hidden by what
the changed files affect.

    python benchmarks/bench_lock.py [--packages 1000] [--edges 5000] [--third-party 300]
        [--repeat 11]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

WORK = Path(__file__).resolve().parent / ".work"


def _third_party(count: int) -> list[str]:
    return [f"lib-{index:04d}" for index in range(count)]


def _lock(workspace: synth.SynthWorkspace, count: int, bumped: int | None, seed: int) -> str:
    """A ``uv.lock`` for ``workspace``: members with their edges, each also using two
    third-party packages; third-party package ``bumped`` at version 1.1.0."""
    rng = random.Random(seed)
    libraries = _third_party(count)
    edges: dict[str, dict[str, list[str]]] = {name: {} for name in workspace.names}
    for source, target, kind in workspace.edges:
        edges[source].setdefault(kind, []).append(target)
    parts = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n']
    members = "".join(f'    "{name}",\n' for name in workspace.names)
    parts.append(f"\n[manifest]\nmembers = [\n{members}]\n")

    def listed(names: list[str]) -> str:
        return "".join(f'    {{ name = "{name}" }},\n' for name in sorted(set(names)))

    for index, name in enumerate(libraries):
        version = "1.1.0" if index == bumped else "1.0.0"
        # Sparse, as third-party trees are: a bump reaches a few members, not all.
        deps = [libraries[rng.randrange(index)]] if index and rng.random() < 0.3 else []
        parts.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            + (f"dependencies = [\n{listed(deps)}]\n" if deps else "")
            + f'sdist = {{ url = "https://example.invalid/{name}-{version}.tar.gz",'
            f' hash = "sha256:{index:064x}", size = 1000 }}\n'
        )
    for name in workspace.names:
        kinds = edges[name]
        runtime = kinds.get("runtime", []) + rng.sample(libraries, 2)
        parts.append(
            f'\n[[package]]\nname = "{name}"\nversion = "1.0.0"\n'
            f'source = {{ editable = "packages/{name}" }}\n'
            f"dependencies = [\n{listed(runtime)}]\n"
        )
        if kinds.get("optional"):
            parts.append(
                f"\n[package.optional-dependencies]\nextra = [\n{listed(kinds['optional'])}]\n"
            )
        groups = kinds.get("group", [])
        parts.append(
            f"\n[package.dev-dependencies]\ntest = [\n{listed([*groups, libraries[0]])}]\n"
        )
        if kinds.get("dev"):
            parts.append(f"dev = [\n{listed(kinds['dev'])}]\n")
    return "".join(parts)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def _prepare(root: Path, args: argparse.Namespace) -> None:
    """Branches ``files-N`` (N changed files) and ``lock-N`` (the same, and a bumped
    third-party package in uv.lock), for N in 1 and ``args.changed``; ``lock-only``
    (the bump alone)."""
    workspace, _ = synth.ensure(root, args.packages, args.edges, seed=args.seed, git=True)
    bumped = _lock(workspace, args.third_party, args.third_party // 2, args.seed)
    if not _git(root, "branch", "--list", "lock-only").strip():
        _commit_lock(root, "lock-only", bumped)
    if _git(root, "branch", "--list", "lock-1").strip():
        return
    (root / "uv.lock").write_text(_lock(workspace, args.third_party, None, args.seed))
    _git(root, "add", "uv.lock")
    _git(root, "-c", "user.name=b", "-c", "user.email=b@b.invalid", "commit", "-qm", "lock")
    for count in (1, args.changed):
        synth.change_files(root, count, args.seed, branch=f"files-{count}")
        synth.change_files(root, count, args.seed, branch=f"lock-{count}")
        (root / "uv.lock").write_text(bumped)
        _git(root, "-c", "user.name=b", "-c", "user.email=b@b.invalid", "commit", "-qam", "bump")
    _git(root, "checkout", "-q", "main")


def _commit_lock(root: Path, branch: str, text: str) -> None:
    """``branch`` off ``main`` with ``text`` as its uv.lock and nothing else changed."""
    _git(root, "checkout", "-q", "-B", branch, "main")
    (root / "uv.lock").write_text(text)
    _git(root, "-c", "user.name=b", "-c", "user.email=b@b.invalid", "commit", "-qam", "bump")
    _git(root, "checkout", "-q", "main")


def _count(argv: list[str], env: dict[str, str]) -> int:
    """How many packages the command says are affected."""
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return len(json.loads(done.stdout)["affected"])


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=5000)
    parser.add_argument("--third-party", type=int, default=300)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    root = WORK / f"lock2-{args.packages}-{args.edges}-{args.third_party}-s{args.seed}"
    _prepare(root, args)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NOXGRAPH_CACHE_DIR"] = str(WORK / "cache")
    size = (root / "uv.lock").stat().st_size
    print(
        f"workspace: {args.packages} packages, {args.edges} edges, uv.lock of"
        f" {args.third_party + args.packages} entries ({size // 1024} KiB) ({root})"
    )
    print(f"python {sys.version.split()[0]}, {args.repeat} interleaved runs each\n")
    print(
        f"{'changed files':<16}{'no lock change':>16}{'lock bumped':>14}{'ratio':>8}"
        f"{'min':>10}{'min':>10}{'ratio':>8}   affected"
    )
    command = [sys.executable, "-m", "noxgraph", "affected", "--root", str(root)]
    command += ["--format", "json", "--base", "main", "--head"]
    for count in (1, args.changed):
        plain, locked = [*command, f"files-{count}"], [*command, f"lock-{count}"]
        _time(plain, env)
        _time(locked, env)
        times: dict[str, list[float]] = {"plain": [], "locked": []}
        for index in range(args.repeat):
            pair = [("plain", plain), ("locked", locked)]
            for key, argv in pair if index % 2 == 0 else reversed(pair):
                times[key].append(_time(argv, env))
        plain_median, lock_median = (statistics.median(times[k]) for k in ("plain", "locked"))
        plain_min, lock_min = (min(times[k]) for k in ("plain", "locked"))
        print(
            f"{count:<16}{plain_median:>15.3f}s{lock_median:>13.3f}s"
            f"{lock_median / plain_median:>7.2f}x{plain_min:>9.3f}s{lock_min:>9.3f}s"
            f"{lock_min / plain_min:>7.2f}x   {_count(plain, env)} / {_count(locked, env)}"
        )
    alone = [*command, "lock-only"]
    _time(alone, env)
    runs = [_time(alone, env) for _ in range(args.repeat)]
    print(
        f"\nlock bump alone: median {statistics.median(runs):.3f}s, min {min(runs):.3f}s,"
        f" {_count(alone, env)} affected"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
