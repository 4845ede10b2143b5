"""How noxgraph's graph algorithms scale: 1,000 and 10,000 packages, side by side.

:class:`noxgraph.graph.DependencyGraph` promises answers in time linear in
packages plus edges. This benchmark builds, in memory, graphs of 1,000
packages / 5,000 edges and 10,000 packages / 50,000 edges with the edge
generator of ``synth.py`` (the same graphs the synthetic workspaces on disk
hold), times construction, ``order()``, ``levels()`` and ``cycles()`` (best
of N runs, ``time.perf_counter``) and prints the ratio of the largest size
to the smallest, measured in the same run, next to the figures the project
aims for (10k/50k under 2 s, ratio at most 12 for ten times the input).

``--from-files`` also times the end-to-end path on generated workspaces:
``load_workspace`` (reading every ``pyproject.toml``), ``build_graph``, then
the three queries. Workspaces go to ``benchmarks/.work/`` and are reused
when they were generated with the same parameters. ``--profile`` prints a
cProfile of the largest size, to point at hotspots.

This reports figures; it asserts nothing about time.

    python benchmarks/bench_graph.py [--repeat 5] [--from-files] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import io
import math
import pstats
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
try:
    import noxgraph  # noqa: F401 - only checks that it can be imported
except ImportError:  # not installed: use the checkout this script belongs to
    sys.path.insert(0, str(HERE.parent / "src"))

from synth import ORDER_KINDS, ensure, generate_edges, package_name  # noqa: E402

from noxgraph.graph import DependencyGraph, Edge, build_graph  # noqa: E402
from noxgraph.workspace.load import load_workspace  # noqa: E402

if TYPE_CHECKING:
    from noxgraph.workspace.pyproject import Kind

T = TypeVar("T")
#: synth's order kinds, typed as noxgraph's (they are the same strings).
ORDER = cast("tuple[Kind, ...]", ORDER_KINDS)

#: Declared bounds, reported next to the measurements (never asserted): the queries on
#: 10,000 packages / 50,000 edges take under TARGET_SECONDS, and grow at most
#: TARGET_SLACK times as fast as the input (a ratio of 12 for ten times the input).
TARGET_SIZE = (10_000, 50_000)
TARGET_SECONDS = 2.0
TARGET_SLACK = 1.2
DEFAULT_SIZES = ((1_000, 5_000), (10_000, 50_000))


#: ``--min-time``: loop a fast call until one measurement lasts this long. Off by default:
#: a tight loop keeps the 1,000-package graph in the CPU caches, which a single call (what
#: a CLI run makes) does not enjoy, and that inflates the 10k/1k ratio by a third.
MIN_SECONDS = 0.0


#: ``--gc-off``: time with the cyclic garbage collector disabled (collected between runs).
GC_OFF = False


@contextlib.contextmanager
def _timed_gc() -> Iterator[None]:
    """Collect garbage, then run the timed block with the collector on or, with --gc-off, off."""
    gc.collect()
    if not GC_OFF:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _loops(func: Callable[[], object], min_seconds: float) -> int:
    """How many calls of ``func`` make one measurement last ``min_seconds`` (as timeit)."""
    if min_seconds <= 0:
        return 1
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, min(10_000, math.ceil(min_seconds / once))) if once > 0 else 10_000


def _measure(func: Callable[[], object], number: int) -> float:
    """Seconds per call of ``func`` over ``number`` calls, after a garbage collection."""
    with _timed_gc():
        start = time.perf_counter()
        for _ in range(number):
            func()
        return (time.perf_counter() - start) / number


def best_of(
    repeat: int, func: Callable[[], T], setup: Callable[[], object] | None = None
) -> tuple[float, T]:
    """The shortest of ``repeat`` timed single calls of ``func``, and the last result.

    ``setup`` runs, untimed, before every call; a garbage collection too, so
    that one call does not pay for the garbage of the previous one.
    """
    best = float("inf")
    result: list[T] = []
    for _ in range(max(1, repeat)):
        if setup is not None:
            setup()
        with _timed_gc():
            start = time.perf_counter()
            value = func()
            best = min(best, time.perf_counter() - start)
        result[:] = [value]
    return best, result[0]


def clear_noxgraph_caches() -> int:
    """Empty every ``functools`` cache in noxgraph's modules; return how many there were.

    noxgraph caches parsed requirement strings per process. A CLI run loads
    a workspace once, with empty caches; so must every timed run here, or
    repeats after the first would measure cache hits (and the small
    workspace, whose strings all fit the cache, would look faster per
    package than the large one, whose strings do not).
    """
    cleared = 0
    for name, module in list(sys.modules.items()):
        if name != "noxgraph" and not name.startswith("noxgraph."):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
                cleared += 1
    return cleared


def make_edges(packages: int, edges: int, seed: int, cycles: int) -> tuple[list[str], list[Edge]]:
    """Package names and :class:`Edge` values for ``synth.generate_edges``' graph."""
    names = [package_name(i) for i in range(packages)]
    result = []
    for dependent, dependency, kind in generate_edges(packages, edges, seed, cycles=cycles):
        source = names[dependent]
        result.append(
            Edge(
                source=source,
                target=names[dependency],
                kind=cast("Kind", kind),
                specifier=">=1.0" if kind in ("runtime", "optional") else "",
                extras=(),
                marker=None,
                declared_in=f"packages/{source}/pyproject.toml",
                declarations=(),
            )
        )
    return names, result


@dataclass
class Row:
    """The timings (seconds) of one size; ``None`` where a step was not measured."""

    packages: int
    edges: int
    levels: int
    components: int
    construct: float
    order: float
    levels_time: float
    cycles: float
    back_edges: int = 0
    generate: float | None = None
    load: float | None = None

    @property
    def total(self) -> float:
        """order + levels + cycles: the queries, without construction."""
        return self.order + self.levels_time + self.cycles

    @property
    def end_to_end(self) -> float:
        """load + build_graph + queries, for workspaces read from files."""
        return (self.load or 0.0) + self.construct + self.total


def in_memory(
    sizes: Sequence[tuple[int, int]], seed: int, cycles: int, repeat: int, min_seconds: float
) -> list[Row]:
    """Time construction and the three queries for every size, side by side.

    The sizes are measured interleaved, round after round (every size and
    step once per round), and the best round is kept for each: a slow spell
    of the machine then hits all sizes alike instead of skewing their ratio.
    """
    inputs = [make_edges(packages, edges, seed, cycles) for packages, edges in sizes]
    graphs = [DependencyGraph(names, edge_list, order_kinds=ORDER) for names, edge_list in inputs]
    steps: list[list[Callable[[], object]]] = [
        [
            functools.partial(DependencyGraph, names, edge_list, order_kinds=ORDER),
            graph.order,
            graph.levels,
            graph.cycles,
        ]
        for (names, edge_list), graph in zip(inputs, graphs, strict=True)
    ]
    loops = [[_loops(step, min_seconds) for step in row] for row in steps]
    best = [[float("inf")] * len(row) for row in steps]
    for _ in range(max(1, repeat)):
        for size, row in enumerate(steps):
            for index, step in enumerate(row):
                seconds = _measure(step, loops[size][index])
                best[size][index] = min(best[size][index], seconds)
    rows = []
    for (packages, _), (_, edge_list), graph, times in zip(
        sizes, inputs, graphs, best, strict=True
    ):
        construct, order_time, levels_time, cycles_time = times
        rows.append(
            Row(
                packages,
                len(edge_list),
                len(graph.levels()),
                len(graph.cycles()),
                construct,
                order_time,
                levels_time,
                cycles_time,
                back_edges=cycles,
            )
        )
    return rows


def query_times(graph: DependencyGraph, repeat: int) -> tuple[float, float, float, int, int]:
    """Best single-call times of order(), levels(), cycles(); the level and cycle counts."""
    order_time, _ = best_of(repeat, graph.order)
    levels_time, levels = best_of(repeat, graph.levels)
    cycles_time, components = best_of(repeat, graph.cycles)
    return order_time, levels_time, cycles_time, len(levels), len(components)


def workspace_dir(work: Path, packages: int, edges: int, seed: int, cycles: int) -> Path:
    """Where the generated workspace of one size lives under ``work``."""
    suffix = f"-c{cycles}" if cycles else ""
    return work / f"graph-{packages}-{edges}-s{seed}{suffix}"


def from_files(
    packages: int,
    edges: int,
    seed: int,
    cycles: int,
    repeat: int,
    work: Path,
    *,
    warm: bool = False,
) -> Row:
    """Time load_workspace, build_graph and the queries on a generated workspace.

    Caches are emptied before each load unless ``warm``; the files themselves
    are in the page cache after the first run either way.
    """
    root = workspace_dir(work, packages, edges, seed, cycles)
    start = time.perf_counter()
    summary, generated = ensure(root, packages, edges, seed=seed, cycles=cycles)
    generate_time = time.perf_counter() - start if generated else None
    setup = None if warm else clear_noxgraph_caches
    load_time, workspace = best_of(repeat, lambda: load_workspace(summary.root), setup)
    build_time, graph = best_of(repeat, lambda: build_graph(workspace))
    if len(graph.edges) != len(summary.edges):
        print(
            f"warning: {root} gave {len(graph.edges)} edges, synth wrote {len(summary.edges)}",
            file=sys.stderr,
        )
    order_time, levels_time, cycles_time, level_count, components = query_times(graph, repeat)
    return Row(
        packages,
        len(graph.edges),
        level_count,
        components,
        build_time,
        order_time,
        levels_time,
        cycles_time,
        back_edges=cycles,
        generate=generate_time,
        load=load_time,
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, every column right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    return "\n".join(lines)


def _s(seconds: float | None) -> str:
    """Seconds as shown in the tables; ``-`` when not measured."""
    return "-" if seconds is None else f"{seconds:.4f}"


def _ratio(big: float, small: float) -> str:
    """``big / small`` as ``10.2x``."""
    return f"{big / small:.1f}x" if small > 0 else "-"


def _verdict(ok: bool) -> str:
    """How a target is reported: met or not (reported, never asserted)."""
    return "met" if ok else "NOT met"


def report_memory(rows: Sequence[Row], repeat: int) -> None:
    """Print the in-memory table, the ratio row and the targets."""
    print(
        f"In memory: DependencyGraph over synth.py edges (seconds per call, best of {repeat}"
        " rounds, sizes interleaved)"
    )
    headers = (
        "packages",
        "edges",
        "levels",
        "cycles",
        "construct",
        "order()",
        "levels()",
        "cycles()",
        "total",
    )
    body = [
        (
            str(r.packages),
            str(r.edges),
            str(r.levels),
            str(r.components),
            _s(r.construct),
            _s(r.order),
            _s(r.levels_time),
            _s(r.cycles),
            _s(r.total),
        )
        for r in rows
    ]
    small, big = rows[0], rows[-1]
    if len(rows) > 1:
        body.append(
            (
                "ratio",
                _ratio(big.edges, small.edges),
                "",
                "",
                _ratio(big.construct, small.construct),
                _ratio(big.order, small.order),
                _ratio(big.levels_time, small.levels_time),
                _ratio(big.cycles, small.cycles),
                _ratio(big.total, small.total),
            )
        )
    print(_table(headers, body))
    print("total = order() + levels() + cycles(); 'cycles' column = components found")
    print()
    for row in rows:
        if (row.packages, row.edges - row.back_edges) == TARGET_SIZE:
            print(
                f"total at {row.packages}/{row.edges}: {row.total:.4f} s"
                f" (target < {TARGET_SECONDS:g} s: {_verdict(row.total < TARGET_SECONDS)})"
            )
    if len(rows) > 1:
        ratio = big.total / small.total if small.total > 0 else float("inf")
        growth = (big.packages + big.edges) / (small.packages + small.edges)
        limit = TARGET_SLACK * growth
        print(
            f"ratio total {big.packages}/{small.packages}: {ratio:.1f}x for"
            f" {big.packages / small.packages:.3g}x packages and"
            f" {big.edges / small.edges:.3g}x edges (linear: {growth:.3g}x;"
            f" target <= {limit:.3g}x: {_verdict(ratio <= limit)})"
        )


def report_files(rows: Sequence[Row], repeat: int, warm: bool) -> None:
    """Print the end-to-end table (generation, load, build_graph, queries)."""
    caches = "warm noxgraph caches" if warm else "noxgraph caches emptied before each load"
    print(
        f"From files: load_workspace + build_graph + queries (best of {repeat}, seconds; {caches})"
    )
    headers = (
        "packages",
        "edges",
        "generate",
        "load",
        "build_graph",
        "order()",
        "levels()",
        "cycles()",
        "end-to-end",
    )
    body = [
        (
            str(r.packages),
            str(r.edges),
            "reused" if r.generate is None else f"{r.generate:.1f}",
            _s(r.load),
            _s(r.construct),
            _s(r.order),
            _s(r.levels_time),
            _s(r.cycles),
            _s(r.end_to_end),
        )
        for r in rows
    ]
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        body.append(
            (
                "ratio",
                _ratio(big.edges, small.edges),
                "",
                _ratio(big.load or 0, small.load or 0),
                _ratio(big.construct, small.construct),
                _ratio(big.order, small.order),
                _ratio(big.levels_time, small.levels_time),
                _ratio(big.cycles, small.cycles),
                _ratio(big.end_to_end, small.end_to_end),
            )
        )
    print(_table(headers, body))
    print("generate is not part of end-to-end; files are read warm (page cache) after run 1")


def profile(label: str, func: Callable[[], object], limit: int) -> None:
    """Run ``func`` once under cProfile and print its heaviest functions by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    print(f"cProfile: {label} (top {limit} by own time)")
    text = out.getvalue()
    print(text[text.find("   ncalls") :].rstrip() if "   ncalls" in text else text.rstrip())


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``1000:5000,10000:50000`` -> [(1000, 5000), (10000, 50000)]."""
    sizes = []
    for part in text.split(","):
        packages, _, edges = part.partition(":")
        try:
            sizes.append((int(packages), int(edges)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad size {part!r}; use PACKAGES:EDGES") from None
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing; best is kept")
    parser.add_argument(
        "--min-time",
        type=float,
        default=MIN_SECONDS,
        metavar="SECONDS",
        help="in memory, loop each call until a measurement lasts this long"
        " (default 0: time single calls)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="PACKAGES:EDGES,... smallest first (default 1000:5000,10000:50000)",
    )
    parser.add_argument(
        "--cycles",
        type=int,
        default=0,
        help="add K dev-group back-edges, so cycles() has components to find",
    )
    parser.add_argument(
        "--from-files",
        action="store_true",
        help="also time load_workspace + build_graph on generated workspaces",
    )
    parser.add_argument(
        "--file-repeat", type=int, default=3, help="runs per timing with --from-files (default 3)"
    )
    parser.add_argument(
        "--warm-caches",
        action="store_true",
        help="with --from-files, keep noxgraph's caches between loads",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=HERE / ".work",
        help="where --from-files keeps its workspaces (default benchmarks/.work)",
    )
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="disable the cyclic garbage collector while timing (shows what it costs)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of the largest size"
    )
    parser.add_argument("--profile-limit", type=int, default=15)
    args = parser.parse_args(argv)
    global GC_OFF  # noqa: PLW0603 - a script-wide switch, set once here
    GC_OFF = args.gc_off

    gc_state = "off while timing" if GC_OFF else "on"
    print(f"python {sys.version.split()[0]}, seed {args.seed}, cycles {args.cycles}, gc {gc_state}")
    print()
    rows = in_memory(args.sizes, args.seed, args.cycles, args.repeat, args.min_time)
    report_memory(rows, args.repeat)

    if args.from_files:
        print()
        file_rows = [
            from_files(
                p, e, args.seed, args.cycles, args.file_repeat, args.work, warm=args.warm_caches
            )
            for p, e in args.sizes
        ]
        report_files(file_rows, args.file_repeat, args.warm_caches)

    if args.profile:
        packages, edges = args.sizes[-1]
        names, edge_list = make_edges(packages, edges, args.seed, args.cycles)

        def queries() -> None:
            """What the in-memory table times, once."""
            graph = DependencyGraph(names, edge_list, order_kinds=ORDER)
            graph.order()
            graph.levels()
            graph.cycles()

        print()
        profile(f"in memory, {packages}/{edges}: construct + queries", queries, args.profile_limit)
        if args.from_files:
            root = workspace_dir(args.work, packages, edges, args.seed, args.cycles)

            def end_to_end() -> None:
                """What the end-to-end table times, once, with cold caches."""
                if not args.warm_caches:
                    clear_noxgraph_caches()
                graph = build_graph(load_workspace(root))
                graph.order()
                graph.levels()
                graph.cycles()

            print()
            profile(
                f"from files, {packages}/{edges}: load + build_graph + queries",
                end_to_end,
                args.profile_limit,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
