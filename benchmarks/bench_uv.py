"""Sessions at uv's cost: noxgraph's sessions against uv doing the same work, and
against a hand-written noxfile doing it too (nox's own cost), side by side.

1. build: ``nox -s build-all -j 2 -- --no-cache`` on ``examples/workspace`` (``.nox``
   and the wheelhouse removed first) against uv building the same seven package folders
   two at a time (``uv build --out-dir DIR PACKAGE``), and against a hand-written
   noxfile whose sessions, with the same ``requires=`` and no virtualenv, run that uv
   command under ``-j 2``.
2. test: the uv workspace members' test sessions (``nox -s test-ex-core ... -- --no-cache``,
   ``.nox`` removed first) against ``uv run --exact --package P --group test pytest`` in
   each member's folder one after another (the workspace's ``.venv`` removed first), and
   against a hand-written noxfile that makes each session's virtualenv with uv and
   installs into it what noxgraph installs: with a ``uv.lock`` (uv's own way, made by
   ``uv lock``), ``uv sync --locked`` of the member's group and the task's ``install``;
   without one, the same wheel files noxgraph builds, in one call.
3. ``nox -l`` on the noxfile generated for a 1,000-package workspace whose packages are
   found by a scan (no member list), in git and outside git, against the hand-written
   noxfile registering the same sessions in a loop (``bench_nox.py``'s), the staleness
   answer remembered (as at every load but the first after a change).

uv's cache is warm for every side (each runs once before the timed rounds), and so
is noxgraph's cache of sibling wheels, which outlives ``.nox`` as uv's cache outlives a
``.venv``. Rounds alternate the order of the sides; medians are reported.

    python benchmarks/bench_uv.py [--repeat 5] [--skip-build] [--skip-test] [--skip-list]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_nox
import synth

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "workspace"
WORK = HERE / ".work"
BIN = Path(sys.executable).parent

#: The example's members that are members of its uv workspace too (uv cannot hold the
#: poetry package apps/cli), so `uv run --package` can test them.
UV_MEMBERS = {
    "ex-core": "libs/core",
    "ex-hook": "tools/hook",
    "ex-color": "libs/color",
    "ex-testkit": "libs/testkit",
    "ex-text": "libs/text",
    "ex-app": "apps/app",
}

BUILD_NOXFILE = """import nox

FOLDERS = {folders!r}
REQUIRES = {requires!r}


def _build(folder):
    def run(session):
        session.run("uv", "build", "--out-dir", "dist", folder)

    return run


for name, folder in FOLDERS.items():
    nox.session(
        name=f"build-{{name}}",
        venv_backend="none",
        requires=REQUIRES[name],
        allow_parallel=True,
    )(_build(folder))
nox.session(
    name="build-all", venv_backend="none", requires=[f"build-{{n}}" for n in FOLDERS]
)(lambda session: None)
"""

TEST_NOXFILE = """import nox

SESSIONS = {sessions!r}


def _test(folder, sync, requirements):
    def run(session):
        if sync:
            location = str(session.virtualenv.location)
            session.run_install(*sync, env={{"UV_PROJECT_ENVIRONMENT": location}})
        session.install(*requirements)
        session.chdir(folder)
        session.run("pytest")

    return run


for name, (folder, sync, requirements) in SESSIONS.items():
    nox.session(name=f"test-{{name}}", venv_backend="uv")(_test(folder, sync, requirements))
"""


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["NOXGRAPH_CACHE_DIR"] = str(work / "noxgraph-cache")
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(args: Sequence[str | Path], cwd: Path, env: dict[str, str], check: bool = True) -> None:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed in {cwd}:\n{done.stdout}{done.stderr}")


def _timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _rounds(sides: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Each side once to warm the caches, then ``repeat`` rounds in alternating order."""
    for action in sides.values():
        action()
    times: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for index in range(repeat):
        for name in names if index % 2 == 0 else reversed(names):
            times[name].append(_timed(sides[name]))
    return {name: statistics.median(found) for name, found in times.items()}


def _example(work: Path, env: dict[str, str]) -> Path:
    """A fresh git copy of the example workspace with its generated noxfile."""
    root = work / "example"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(EXAMPLE, root)
    (root / ".gitignore").write_text(".nox/\ndist/\n.venv/\nuv.lock\nnoxfile_*.py\n")
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "example"]):
        _run([*git, *args], root, env)
    _run([sys.executable, "-m", "noxgraph", "generate"], root, env)
    return root


def _clean(root: Path, *names: str) -> None:
    for name in names:
        shutil.rmtree(root / name, ignore_errors=True)


def build(work: Path, repeat: int) -> None:
    from noxgraph.graph import build_graph
    from noxgraph.sessions.declarations import declare
    from noxgraph.workspace.load import load_workspace

    env = _env(work)
    root = _example(work, env)
    workspace = load_workspace(root)
    declared = declare(workspace, build_graph(workspace))
    folders = {pkg.name: pkg.relpath for pkg in workspace.packages}
    requires = {s.package: list(s.all_requires) for s in declared.tasks["build"]}
    (root / "noxfile_hand.py").write_text(BUILD_NOXFILE.format(folders=folders, requires=requires))

    def uv() -> None:
        _clean(root, "uv-dist")

        def one(folder: str) -> None:
            _run(["uv", "build", "-q", "--out-dir", root / "uv-dist", folder], root, env)

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, folders.values()))

    def hand() -> None:
        _clean(root, ".nox", "dist")
        _run(
            [sys.executable, "-m", "nox", "-f", "noxfile_hand.py", "-s", "build-all", "-j", "2"],
            root,
            env,
        )

    def noxgraph() -> None:
        _clean(root, ".nox", "dist")
        _run(
            [sys.executable, "-m", "nox", "-s", "build-all", "-j", "2", "--", "--no-cache"],
            root,
            env,
        )

    found = _rounds({"uv": uv, "hand": hand, "noxgraph": noxgraph}, repeat)
    print(
        "1. build the example's 7 packages, 2 at a time (uv's cache warm; .nox and the"
        " wheelhouse removed before each nox run); medians"
    )
    _report(found, "uv build, 2 at a time", "hand-written noxfile, -j 2", "noxgraph build-all -j 2")


def test(work: Path, repeat: int, locked: bool) -> None:
    from noxgraph.graph import build_graph
    from noxgraph.sessions.plan import plan_all, requirement_text
    from noxgraph.workspace.load import load_workspace
    from noxgraph.workspace.parse_cache import cache_folder

    env = _env(work)
    root = _example(work, env)
    if locked:
        _run(["uv", "lock"], root, env)
    sessions = [f"test-{name}" for name in UV_MEMBERS]

    def noxgraph() -> None:
        _clean(root, ".nox")
        _run([sys.executable, "-m", "nox", "-s", *sessions, "--", "--no-cache"], root, env)

    noxgraph()  # builds the sibling wheels the hand-written noxfile installs too
    workspace = load_workspace(root)
    plans = plan_all(workspace, build_graph(workspace))
    os.environ["NOXGRAPH_CACHE_DIR"] = env["NOXGRAPH_CACHE_DIR"]
    wheels = cache_folder("wheels", root.resolve())
    assert wheels is not None
    hand_sessions = {}
    for name in UV_MEMBERS:
        plan = plans[f"test-{name}"]
        requirements = list(plan.install)
        sync: list[str] = []
        if plan.lock is not None:
            sync = ["uv", "sync", "--locked", "--package", name, "--no-default-groups"]
            sync.append("--no-editable")
            for group in plan.lock.groups:
                sync += ["--group", group]
            for extra in plan.lock.extras:
                sync += ["--extra", extra]
        for sibling in plan.siblings:
            # The wheel noxgraph's run just built or reused: the newest of the package.
            wheel = max(
                wheels.glob(f"{sibling.name}-*/*.whl"), key=lambda path: path.stat().st_mtime
            )
            requirements.append(
                requirement_text(sibling.name, sibling.extras, sibling.marker, wheel.as_uri())
            )
        hand_sessions[name] = (str(plan.folder), sync, requirements)
    (root / "noxfile_tests.py").write_text(TEST_NOXFILE.format(sessions=hand_sessions))

    def uv() -> None:
        _clean(root, ".venv")
        for name, folder in UV_MEMBERS.items():
            # ex-app's tests want the hook's module in its wheel, which an editable
            # install has not: its failure is timed like a pass.
            _run(
                ["uv", "run", "--exact", "--package", name, "--group", "test", "pytest", "-q"],
                root / folder,
                env,
                check=False,
            )
        if not locked:
            # uv run made the lock it needs; the other sides run without one.
            (root / "uv.lock").unlink()

    def hand() -> None:
        _clean(root, ".nox")
        _run([sys.executable, "-m", "nox", "-f", "noxfile_tests.py"], root, env)

    found = _rounds({"uv": uv, "hand": hand, "noxgraph": noxgraph}, repeat)
    print(
        f"2{'b' if locked else 'a'}. test the example's {len(UV_MEMBERS)} uv workspace"
        f" members one after another, {'with a uv.lock' if locked else 'without a uv.lock'}"
        " (uv's cache and noxgraph's wheel cache warm; .nox or .venv removed before each);"
        " medians"
    )
    _report(found, "uv run --exact --package P", "hand-written noxfile", "noxgraph sessions")


def _report(found: dict[str, float], uv: str, hand: str, ours: str) -> None:
    print(f"   {uv}: {found['uv']:.2f} s")
    print(f"   {hand}: {found['hand']:.2f} s = {found['hand'] / found['uv']:.2f}x uv (nox's own)")
    print(
        f"   {ours}: {found['noxgraph']:.2f} s = {found['noxgraph'] / found['uv']:.2f}x uv,"
        f" {found['noxgraph'] / found['hand']:.2f}x the hand-written noxfile"
        " (target: at most 1.5x uv)\n"
    )


def listing(work: Path, repeat: int) -> None:
    print(
        "3. nox -l on the noxfile generated for 1000 scanned packages (no member list),"
        " against a hand-written noxfile registering the same sessions in a loop; medians"
    )
    # Outside this checkout: a workspace under it is in (an ignored part of) its repository.
    outside = Path(tempfile.gettempdir()) / "noxgraph-bench-scan"
    for in_git in (True, False):
        made, _ = synth.ensure(
            outside / f"nox-list-1000-{'git' if in_git else 'plain'}",
            1000,
            5000,
            seed=2,
            git=in_git,
        )
        root = made.root
        # No member list: the packages are found by a scan.
        (root / "pyproject.toml").write_text('[tool.noxgraph]\nignore = ["**/*.md"]\n')
        bench_nox._generate(root)
        loop = work / f"nox-list-loop-scan-{in_git}"
        bench_nox._loop_noxfile(root, loop, "uv|virtualenv")
        time.sleep(2.1)  # past the racy window of what was just written
        env = {**bench_nox._env(), "NOXGRAPH_CACHE_DIR": str(work / "noxgraph-cache")}
        ours, hand = bench_nox._interleaved([root, loop], ["-l"], repeat, env)
        where = "in git" if in_git else "outside git"
        print(
            f"   {where:<12} generated {ours:.3f} s, hand-written loop {hand:.3f} s:"
            f" {ours / hand:.2f}x (target: at most 1.10x)"
        )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-test", action="store_true")
    parser.add_argument("--skip-list", action="store_true")
    args = parser.parse_args()
    work = WORK / "uv"
    work.mkdir(parents=True, exist_ok=True)
    uv = subprocess.run(
        ["uv", "--version"], env=_env(work), capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"python {sys.version.split()[0]}, {uv}, {os.cpu_count()} cores\n")
    if not args.skip_build:
        build(work, args.repeat)
    if not args.skip_test:
        test(work, args.repeat, locked=False)
        test(work, args.repeat, locked=True)
    if not args.skip_list:
        listing(work, max(args.repeat, 7))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
