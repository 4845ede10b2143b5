"""Synthetic workspaces of any size, for noxgraph's benchmarks.

Benchmarks need workspaces far larger than any example in the repository (ten
thousand packages, fifty thousand edges), reproducible run after run, so that
two runs, or two branches, measure the same input. This module makes them:

* :func:`generate_edges` draws the dependency edges between package indices,
  in memory only, so graph benchmarks can skip the files altogether;
* :func:`generate` writes a whole workspace: one ``pyproject.toml`` (PEP 621,
  hatchling), one module and one test per package, optionally as git
  repositories;
* :func:`ensure` reuses a workspace generated earlier with the same
  parameters (recorded in ``.synth.json`` at its root) instead of writing it
  again;
* :func:`change_files` commits changes to a branch, for "affected packages"
  benchmarks.

Everything is deterministic for a given seed (``random.Random(seed)``), and
only the standard library is used. As a script::

    python benchmarks/synth.py OUT --packages N --edges E [--seed S]
        [--layout monorepo|multirepo] [--git] [--cycles K] [--task-seconds T]

Other benchmarks import it (``from synth import generate``). They are run as
``python benchmarks/<script>.py`` from any folder: Python puts the script's
folder, this one, first on ``sys.path`` (and they add it when it is missing).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "KIND_WEIGHTS",
    "ORDER_KINDS",
    "SynthWorkspace",
    "change_files",
    "default_window",
    "ensure",
    "generate",
    "generate_edges",
    "import_name",
    "package_name",
    "shape",
]

Layout = Literal["monorepo", "multirepo"]
#: An edge between package indices: (dependent, dependency, kind).
IndexEdge = tuple[int, int, str]

#: How edge kinds are mixed, in percent. Cycle back-edges come on top, all "group".
KIND_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("runtime", 70),
    ("optional", 10),
    ("group", 10),
    ("dev", 5),
    ("build", 5),
)
#: The kinds noxgraph orders sessions by, by default (``[tool.noxgraph].order-kinds``).
ORDER_KINDS: tuple[str, ...] = ("runtime", "build")

#: Share of edges whose dependency is drawn from the window of nearby lower indices.
LOCAL_SHARE = 0.85
#: Back-edges reverse forward edges spanning at most this many indices (small cycles).
CYCLE_SPAN = 8
#: Bumped whenever the files written for given parameters change, so old ones are not reused.
FORMAT_VERSION = 3
STAMP = ".synth.json"

# Fixed identity and dates make commits (and so their hashes) reproducible too.
_GIT_CONFIG = (
    "-c",
    "user.name=noxgraph benchmarks",
    "-c",
    "user.email=benchmarks@noxgraph.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
)
_GIT_DATE = "2000-01-01T00:00:00+0000"


def package_name(index: int) -> str:
    """The distribution name of package ``index``: ``pkg-00042``."""
    return f"pkg-{index:05d}"


def import_name(index: int) -> str:
    """The import name of package ``index``: ``pkg_00042``."""
    return f"pkg_{index:05d}"


def default_window(packages: int) -> int:
    """How far below a package its nearby dependencies lie: about twice sqrt(packages).

    A fixed window would make the critical path grow linearly with the size;
    this one gives ~110 levels at 1,000 packages / 5,000 edges and ~400 levels
    (the widest ~150 packages) at 10,000 / 50,000: long chains and wide levels.
    """
    return max(5, round(2 * math.sqrt(packages)))


def _kind_sequence(count: int, rng: random.Random) -> list[str]:
    """``count`` kinds in the proportions of :data:`KIND_WEIGHTS`, exactly, shuffled."""
    total = sum(weight for _, weight in KIND_WEIGHTS)
    exact = [(kind, count * weight / total) for kind, weight in KIND_WEIGHTS]
    counts = {kind: int(share) for kind, share in exact}
    # Largest remainder; ties broken by the order of KIND_WEIGHTS, so deterministic.
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for kind, _ in by_remainder[: count - sum(counts.values())]:
        counts[kind] += 1
    kinds = [kind for kind, _ in KIND_WEIGHTS for _ in range(counts[kind])]
    rng.shuffle(kinds)
    return kinds


def generate_edges(
    packages: int,
    edges: int,
    seed: int = 0,
    *,
    cycles: int = 0,
    window: int | None = None,
) -> list[IndexEdge]:
    """``edges`` distinct (dependent, dependency, kind) pairs, then ``cycles`` back-edges.

    Every forward edge has dependency < dependent, so the forward graph is
    acyclic. The dependent is uniform; the dependency comes from the
    ``window`` indices just below it :data:`LOCAL_SHARE` of the time (long
    chains), uniformly from all lower indices otherwise (wide fan-in). Kinds
    follow :data:`KIND_WEIGHTS` exactly (largest-remainder rounding).

    Each back-edge reverses a short forward edge with kind "group" (see
    :func:`_back_edges`), so runtime (and every order kind) stays acyclic
    while ``cycles()`` over all kinds finds them; cycles that share packages
    form one component, so there can be fewer components than back-edges.
    The result is sorted.
    """
    if packages < 1:
        raise ValueError("packages must be at least 1")
    most = packages * (packages - 1) // 2
    if not 0 <= edges <= most:
        raise ValueError(f"{packages} packages allow 0 to {most} acyclic edges, not {edges}")
    if cycles < 0:
        raise ValueError("cycles must not be negative")
    if cycles and not edges:
        raise ValueError("cycles need edges to close")
    rng = random.Random(seed)
    reach = default_window(packages) if window is None else max(1, window)
    pairs: list[tuple[int, int]] = []
    if edges > most // 2:
        # Dense: rejection sampling would mostly draw duplicates; sample the set instead.
        every = [(i, j) for i in range(1, packages) for j in range(i)]
        pairs = rng.sample(every, edges)
    else:
        seen: set[tuple[int, int]] = set()
        while len(pairs) < edges:
            dependent = rng.randrange(1, packages)
            if rng.random() < LOCAL_SHARE:
                dependency = dependent - rng.randint(1, min(reach, dependent))
            else:
                dependency = rng.randrange(dependent)
            pair = (dependent, dependency)
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
    kinds = _kind_sequence(edges, rng)
    result: list[IndexEdge] = [(i, j, kind) for (i, j), kind in zip(pairs, kinds, strict=True)]
    if cycles:
        result.extend(_back_edges(pairs, cycles, rng))
    result.sort()
    return result


def _back_edges(
    pairs: Sequence[tuple[int, int]], count: int, rng: random.Random
) -> list[IndexEdge]:
    """``count`` distinct "group" edges that each reverse a short forward edge.

    ``a`` depends on ``b``, and ``b``'s test group names ``a``: the usual
    dev-group cycle. Only forward edges spanning at most :data:`CYCLE_SPAN`
    indices are reversed, so each cycle stays small; reversing a long edge
    would pull every package on a path between its ends into one component.
    """
    short = sorted({pair for pair in pairs if pair[0] - pair[1] <= CYCLE_SPAN})
    if len(short) < count:
        raise ValueError(f"only {len(short)} edges are short enough to close a cycle; use fewer")
    return [(dependency, dependent, "group") for dependent, dependency in rng.sample(short, count)]


def shape(
    packages: int, edges: Sequence[IndexEdge], kinds: Sequence[str] = ORDER_KINDS
) -> tuple[int, int]:
    """(number of levels, size of the widest level) over ``kinds``, for summaries.

    Relies on forward edges pointing to lower indices; back-edges (dependency
    above dependent) are never of an order kind and are ignored.
    """
    wanted = set(kinds)
    deps: list[list[int]] = [[] for _ in range(packages)]
    for dependent, dependency, kind in edges:
        if kind in wanted and dependency < dependent:
            deps[dependent].append(dependency)
    depth = [0] * packages
    for i in range(packages):
        depth[i] = 1 + max((depth[j] for j in deps[i]), default=-1)
    widths = Counter(depth)
    return (max(depth) + 1 if packages else 0), max(widths.values(), default=0)


# -- files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthWorkspace:
    """What :func:`generate` wrote: the root, the package names, the edges by name.

    ``edges`` are (dependent, dependency, kind) names, sorted, back-edges included.
    """

    root: Path
    layout: Layout
    seed: int
    names: tuple[str, ...]
    edges: tuple[tuple[str, str, str], ...]

    def folder(self, name: str) -> Path:
        """The folder of package ``name``."""
        if self.layout == "monorepo":
            return self.root / "packages" / name
        return self.root / name


def _toml_list(items: Sequence[str]) -> str:
    """A TOML array of strings, one item a line (the names need no escaping)."""
    if not items:
        return "[]"
    inner = "".join(f'    "{item}",\n' for item in items)
    return f"[\n{inner}]"


#: How a dependency on a sibling is written, in turn, as real workspaces write them: a
#: lower bound, a compatible release, a marker, an extra. Each form makes packaging parse
#: the requirement in full, as any real workspace does.
SPECIFIERS = (
    "{name}>=1.0",
    "{name}~=1.0",
    "{name}>=1.0; python_version >= '3.10'",
    "{name}[extra]>=1.0",
)
#: Third-party requirements every package declares, with a marker and a compatible release.
EXTERNAL = ("typing-extensions>=4.0; python_version < '3.11'", "packaging~=24.0")


def _requirement(name: str, position: int) -> str:
    return SPECIFIERS[position % len(SPECIFIERS)].format(name=name)


def _pyproject(index: int, total: int, deps: dict[str, list[str]], layout: Layout) -> str:
    """The ``pyproject.toml`` of package ``index``; ``deps`` maps kind -> dependency names."""
    name = package_name(index)
    build = ["hatchling", *deps["build"]]
    runtime = [_requirement(d, index + i) for i, d in enumerate(deps["runtime"])]
    parts = [
        f'[build-system]\nrequires = {_toml_list(build)}\nbuild-backend = "hatchling.build"\n',
        "[project]\n"
        f'name = "{name}"\n'
        'version = "1.0.0"\n'
        f'description = "Synthetic package {index} of {total} for noxgraph benchmarks."\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = {_toml_list([*EXTERNAL, *runtime])}\n",
    ]
    # Every package has the extra, so a sibling may ask for it (name[extra]).
    optional = [_requirement(d, index + i) for i, d in enumerate(deps["optional"])]
    parts.append(f"[project.optional-dependencies]\nextra = {_toml_list(optional)}\n")
    parts.append(f"[dependency-groups]\ntest = {_toml_list(['pytest>=8', *deps['group']])}\n")
    members = sorted({d for kind_deps in deps.values() for d in kind_deps})
    if deps["dev"]:
        parts.append(f"[tool.uv]\ndev-dependencies = {_toml_list(deps['dev'])}\n")
    if members:
        # uv takes members from the workspace (monorepo) or from sibling folders (multirepo).
        sources = ["[tool.uv.sources]\n"]
        for member in members:
            if layout == "monorepo":
                sources.append(f"{member} = {{ workspace = true }}\n")
            else:
                sources.append(f'{member} = {{ path = "../{member}", editable = true }}\n')
        parts.append("".join(sources))
    return "\n".join(parts)


def _module(index: int) -> str:
    """The ``__init__.py`` of package ``index``: one trivial function."""
    return (
        f'"""Synthetic package {index}, generated by benchmarks/synth.py."""\n\n\n'
        f"def answer() -> int:\n"
        f'    """A trivial function for the trivial test to call."""\n'
        f"    return {index}\n"
    )


def _test(index: int) -> str:
    """The test module of package ``index``: one trivial test of that function."""
    module = import_name(index)
    return (
        f"from {module} import answer\n\n\n"
        f"def test_answer() -> None:\n"
        f"    assert answer() == {index}\n"
    )


def _root_pyproject(task_seconds: float | None) -> str:
    """The root ``pyproject.toml``: a uv workspace, no [project]; tasks that sleep if asked."""
    text = '[tool.uv.workspace]\nmembers = ["packages/*"]\n'
    text += '\n[tool.noxgraph]\nignore = ["**/*.md", "docs/**"]\n'
    if task_seconds is not None:
        sleep = f'python -c \\"import time; time.sleep({task_seconds!r})\\"'
        text += (
            'venv-backend = "none"\n\n'
            "[tool.noxgraph.tasks]\n"
            f'build = {{ commands = ["{sleep}"], install = [], package = false }}\n'
            "test = []\n"
        )
    return text


_GITIGNORE = ".nox/\n.venv/\ndist/\n__pycache__/\n*.egg-info/\n"


def _git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> str:
    """Run git with the fixed identity, outside the caller's git environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
    }
    env.update(GIT_AUTHOR_DATE=_GIT_DATE, GIT_COMMITTER_DATE=_GIT_DATE)
    done = subprocess.run(
        ["git", *_GIT_CONFIG, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"git {' '.join(args)} in {cwd} failed: {error}")
    return done.stdout.decode("utf-8", "replace")


def _git_commit_files(repo: Path, files: Sequence[tuple[str, str]], message: str) -> None:
    """Make ``repo`` a git repository whose ``main`` has ``files`` in one commit.

    ``files`` are (POSIX path relative to ``repo``, text), already written to
    the work tree. ``git fast-import`` writes them as one pack from memory:
    ``git add -A`` + ``commit`` would write two loose objects per file and
    folder, which for 10,000 packages took 40+ s of file-system time here
    against a few seconds. ``git reset`` then fills the index, so the work
    tree is clean.
    """
    when = b"946684800 +0000"  # _GIT_DATE, in fast-import's raw format
    who = b"noxgraph benchmarks <benchmarks@noxgraph.invalid> " + when
    text = message.encode()
    parts = [
        b"commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n%s\n"
        % (who, who, len(text), text)
    ]
    for path, content in sorted(files):
        data = content.encode("utf-8")
        parts.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    parts.append(b"\n")
    # No template: the sample hooks are a dozen more files per repository.
    _git(["init", "-q", "-b", "main", "--template="], repo)
    _git(["fast-import", "--quiet"], repo, stdin=b"".join(parts))
    _git(["reset", "-q"], repo)


def _parameters(
    packages: int,
    edges: int,
    seed: int,
    *,
    layout: Layout,
    git: bool,
    cycles: int,
    task_seconds: float | None,
) -> dict[str, object]:
    """What ``.synth.json`` records: everything that decides the files written."""
    return {
        "format": FORMAT_VERSION,
        "packages": packages,
        "edges": edges,
        "seed": seed,
        "layout": layout,
        "git": git,
        "cycles": cycles,
        "task_seconds": task_seconds,
    }


def _summary(
    root: Path, packages: int, edges: Sequence[IndexEdge], layout: Layout, seed: int
) -> SynthWorkspace:
    """The :class:`SynthWorkspace` for edges between indices."""
    return SynthWorkspace(
        root=root,
        layout=layout,
        seed=seed,
        names=tuple(package_name(i) for i in range(packages)),
        edges=tuple((package_name(i), package_name(j), kind) for i, j, kind in edges),
    )


def _workers(most: int) -> int:
    """Threads for file and git work: a few per CPU, at most ``most``."""
    return max(1, min(most, (os.cpu_count() or 1) * 4))


def _clear(root: Path) -> None:
    """Empty ``root`` if synth generated it; refuse to delete anything else."""
    if not root.exists():
        return
    if not root.is_dir():
        raise FileExistsError(f"{root} exists and is not a folder")
    if not any(root.iterdir()):
        return
    if not (root / STAMP).is_file():
        raise FileExistsError(
            f"{root} is not empty and was not generated by synth.py ({STAMP} is missing);"
            " choose another folder"
        )
    shutil.rmtree(root)


def generate(
    root: Path | str,
    packages: int,
    edges: int,
    *,
    seed: int = 0,
    layout: Layout = "monorepo",
    git: bool = False,
    cycles: int = 0,
    task_seconds: float | None = None,
    overwrite: bool = False,
) -> SynthWorkspace:
    """Write a workspace of ``packages`` packages and ``edges`` (+ ``cycles``) edges.

    ``root`` must be empty or missing; with ``overwrite`` a workspace that
    synth generated before is removed first. ``task_seconds`` (monorepo only)
    configures one nox session per package that sleeps that long. The
    parameters are recorded in ``.synth.json`` (kept out of git) for :func:`ensure`.
    """
    if layout not in ("monorepo", "multirepo"):
        raise ValueError(f"unknown layout {layout!r}")
    if task_seconds is not None and layout != "monorepo":
        raise ValueError("task_seconds needs the monorepo layout (its root pyproject.toml)")
    if task_seconds is not None and task_seconds < 0:
        raise ValueError("task_seconds must not be negative")
    root = Path(root).resolve()
    if overwrite:
        _clear(root)
    elif root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(
            f"{root} is not empty; overwrite=True (--force) replaces a workspace synth generated"
        )
    index_edges = generate_edges(packages, edges, seed, cycles=cycles)
    by_package: list[dict[str, list[str]]] = [
        {kind: [] for kind, _ in KIND_WEIGHTS} for _ in range(packages)
    ]
    for dependent, dependency, kind in index_edges:
        by_package[dependent][kind].append(package_name(dependency))

    # Every file as (POSIX path relative to root, text), one list per package; the git
    # commit reuses them rather than reading the files back.
    packs: list[list[tuple[str, str]]] = []
    for index in range(packages):
        folder = f"packages/{package_name(index)}" if layout == "monorepo" else package_name(index)
        module = import_name(index)
        pack = [
            (f"{folder}/pyproject.toml", _pyproject(index, packages, by_package[index], layout)),
            (f"{folder}/src/{module}/__init__.py", _module(index)),
            (f"{folder}/tests/test_{module}.py", _test(index)),
        ]
        if git and layout == "multirepo":
            pack.append((f"{folder}/.gitignore", _GITIGNORE))
        packs.append(pack)
    top: list[tuple[str, str]] = []
    if layout == "monorepo":
        top = [("pyproject.toml", _root_pyproject(task_seconds)), (".gitignore", _GITIGNORE)]

    def write(files: Sequence[tuple[str, str]]) -> None:
        """Write ``files`` under ``root``, with their folders."""
        for path, text in files:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    root.mkdir(parents=True, exist_ok=True)
    # Four folders and three files per package are kernel work (the GIL is released), so
    # threads overlap it; the contents do not depend on the order of writing.
    with ThreadPoolExecutor(max_workers=_workers(8)) as pool:
        list(pool.map(write, packs))
    write(top)
    if git:
        message = f"Synthetic workspace: {packages} packages, {edges} edges, seed {seed}"
        if layout == "monorepo":
            _git_commit_files(root, [f for pack in packs for f in pack] + top, message)
            # The stamp is written after the commit; keep it out of `git status`.
            (root / ".git" / "info").mkdir(exist_ok=True)
            with (root / ".git" / "info" / "exclude").open("a", encoding="utf-8") as f:
                f.write(f"/{STAMP}\n")
        else:

            def commit(index: int) -> None:
                """Commit package ``index`` in its own repository."""
                cut = len(package_name(index)) + 1
                files = [(path[cut:], text) for path, text in packs[index]]
                _git_commit_files(root / package_name(index), files, message)

            # Thousands of small repositories: git start-up dominates, so run them side by side.
            with ThreadPoolExecutor(max_workers=_workers(32)) as pool:
                list(pool.map(commit, range(packages)))
    stamp = _parameters(
        packages, edges, seed, layout=layout, git=git, cycles=cycles, task_seconds=task_seconds
    )
    (root / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return _summary(root, packages, index_edges, layout, seed)


def ensure(
    root: Path | str,
    packages: int,
    edges: int,
    *,
    seed: int = 0,
    layout: Layout = "monorepo",
    git: bool = False,
    cycles: int = 0,
    task_seconds: float | None = None,
) -> tuple[SynthWorkspace, bool]:
    """The workspace at ``root`` with these parameters, and whether it was generated now.

    A workspace that synth wrote earlier with the same parameters (its
    ``.synth.json``) is reused as it is; one with other parameters is replaced.
    Files changed by hand after generation are not noticed.
    """
    root = Path(root).resolve()
    wanted = _parameters(
        packages, edges, seed, layout=layout, git=git, cycles=cycles, task_seconds=task_seconds
    )
    stamp = root / STAMP
    if stamp.is_file():
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = None
        if recorded == wanted:
            index_edges = generate_edges(packages, edges, seed, cycles=cycles)
            return _summary(root, packages, index_edges, layout, seed), False
    summary = generate(
        root,
        packages,
        edges,
        seed=seed,
        layout=layout,
        git=git,
        cycles=cycles,
        task_seconds=task_seconds,
        overwrite=True,
    )
    return summary, True


def change_files(
    root: Path | str, count: int, seed: int, *, commit: bool = True, branch: str = "feature"
) -> list[str]:
    """Create ``branch`` off ``main`` and change ``count`` files in random packages.

    Works on a monorepo generated with ``git=True``. Each change either edits
    a package's ``src/<module>/__init__.py`` (at most once per package) or
    adds ``src/<module>/mod_<n>.py``. With ``commit`` the changes are
    committed on ``branch``; without, they stay in the work tree, uncommitted.
    An existing ``branch`` is reset to ``main`` first. Returns the changed
    paths (POSIX, relative to ``root``), sorted.
    """
    root = Path(root).resolve()
    if not (root / ".git").is_dir() or not (root / "packages").is_dir():
        raise ValueError(f"{root} is not a monorepo generated with git=True")
    if branch == "main":
        raise ValueError("changes go on a branch other than main")
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    names = sorted(
        entry.name
        for entry in os.scandir(root / "packages")
        if entry.is_dir() and entry.name.startswith("pkg-")
    )
    if not names:
        raise ValueError(f"{root} has no packages")
    _git(["checkout", "-q", "-B", branch, "main"], root)
    edited: set[str] = set()
    changed: list[str] = []
    for number in range(count):
        name = rng.choice(names)
        module = f"packages/{name}/src/{name.replace('-', '_')}"
        if rng.random() < 0.5 and name not in edited:
            edited.add(name)
            path = f"{module}/__init__.py"
            with (root / path).open("a", encoding="utf-8") as f:
                f.write(f"\n\nCHANGED_ON_{branch.upper().replace('-', '_')} = {number}\n")
        else:
            path = f"{module}/mod_{number:05d}.py"
            (root / path).write_text(
                f'"""Added on branch {branch} by synth.change_files."""\n\nVALUE = {number}\n',
                encoding="utf-8",
            )
        changed.append(path)
    if commit and changed:
        _git(["add", "-A", "--", *changed], root)
        _git(["commit", "-q", "--no-verify", "-m", f"Change {count} files"], root)
    return sorted(changed)


# -- command line ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one workspace and print what it holds."""
    parser = argparse.ArgumentParser(
        description="Write a synthetic workspace of N packages and E dependency edges."
    )
    parser.add_argument("out", type=Path, help="folder to write (must be empty or missing)")
    parser.add_argument("--packages", type=int, required=True, metavar="N")
    parser.add_argument("--edges", type=int, required=True, metavar="E")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--layout", choices=("monorepo", "multirepo"), default="monorepo")
    parser.add_argument(
        "--git",
        action="store_true",
        help="commit to git (one repository, or one per package in multirepo)",
    )
    parser.add_argument(
        "--cycles",
        type=int,
        default=0,
        metavar="K",
        help="add K dependency-group back-edges that close cycles",
    )
    parser.add_argument(
        "--task-seconds",
        type=float,
        default=None,
        metavar="T",
        help="monorepo: one nox session per package that sleeps T seconds",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace OUT if synth.py generated it before"
    )
    args = parser.parse_args(argv)
    try:
        start = time.perf_counter()
        summary = generate(
            args.out,
            args.packages,
            args.edges,
            seed=args.seed,
            layout=args.layout,
            git=args.git,
            cycles=args.cycles,
            task_seconds=args.task_seconds,
            overwrite=args.force,
        )
        elapsed = time.perf_counter() - start
    except (ValueError, FileExistsError, RuntimeError) as exc:
        print(f"synth.py: error: {exc}", file=sys.stderr)
        return 2
    position = {name: index for index, name in enumerate(summary.names)}
    index_edges = [(position[a], position[b], kind) for a, b, kind in summary.edges]
    levels, widest = shape(len(summary.names), index_edges)
    kinds = Counter(kind for a, b, kind in index_edges if a > b)
    back = sum(1 for a, b, _ in index_edges if a < b)
    print(f"root        {summary.root}")
    print(f"layout      {summary.layout}{' (git)' if args.git else ''}")
    print(f"packages    {len(summary.names)}")
    print(
        f"edges       {len(summary.edges) - back}  ("
        + ", ".join(f"{kind} {kinds[kind]}" for kind, _ in KIND_WEIGHTS)
        + ")"
    )
    print(f"back-edges  {back}  (group, each closing a cycle)")
    print(f"levels      {levels} over {'+'.join(ORDER_KINDS)}, widest {widest}")
    print(f"seconds     {elapsed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
