"""DependencyGraph: order, levels, cycles and reachability, filtered by kind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from noxgraph.errors import CycleError
from noxgraph.graph import DependencyGraph, Edge
from noxgraph.kinds import Kind
from tests.helpers import load, package, pyproject


def _graph(pairs: list[tuple[str, str, Kind]], names: str = "") -> DependencyGraph:
    edges = [Edge(a, b, kind, "", (), None, f"{a}/pyproject.toml", ()) for a, b, kind in pairs]
    every = set(names.split()) | {a for a, _, _ in pairs} | {b for _, b, _ in pairs}
    return DependencyGraph(every, edges)


def test_levels_and_order_are_deterministic_with_ties_by_name() -> None:
    graph = _graph(
        [
            ("app", "lib", "runtime"),
            ("app", "util", "runtime"),
            ("lib", "core", "runtime"),
            ("util", "core", "build"),
            ("zeta", "core", "optional"),
        ],
        names="alone",
    )
    assert graph.levels() == [["alone", "core"], ["lib", "util", "zeta"], ["app"]]
    assert graph.order() == ["alone", "core", "lib", "util", "zeta", "app"]


def test_order_respects_every_order_edge_on_random_graphs() -> None:
    rng = random.Random(7)
    for _ in range(50):
        count = rng.randint(1, 40)
        names = [f"p{i}" for i in range(count)]
        pairs: list[tuple[str, str, Kind]] = [
            (names[i], names[j], rng.choice(["runtime", "optional", "build"]))
            for i in range(count)
            for j in range(i)
            if rng.random() < 0.15
        ]
        graph = _graph(pairs, names=" ".join(names))
        position = {name: i for i, name in enumerate(graph.order())}
        assert sorted(position) == sorted(names)
        assert all(position[b] < position[a] for a, b, _ in pairs)
        levels = graph.levels()
        assert sorted(n for level in levels for n in level) == sorted(names)
        level_of = {n: i for i, level in enumerate(levels) for n in level}
        assert all(level_of[b] < level_of[a] for a, b, _ in pairs)


def test_group_and_dev_cycles_do_not_order_but_are_reported() -> None:
    graph = _graph(
        [
            ("core", "testkit", "group"),
            ("testkit", "core", "runtime"),
            ("app", "core", "runtime"),
            ("core", "app", "dev"),
        ]
    )
    assert graph.order() == ["core", "app", "testkit"]
    assert graph.cycles() == [["app", "core", "testkit"]]
    assert graph.cycles(["runtime", "optional", "build"]) == []


def test_a_cycle_over_order_kinds_is_an_error_naming_kinds_and_files() -> None:
    graph = _graph(
        [
            ("a", "b", "runtime"),
            ("b", "c", "build"),
            ("c", "a", "optional"),
            ("x", "y", "runtime"),
            ("y", "x", "runtime"),
            ("c", "x", "runtime"),
        ]
    )
    with pytest.raises(CycleError) as info:
        graph.order()
    message = str(info.value)
    assert "a -[runtime: a/pyproject.toml]-> b -[build: b/pyproject.toml]-> c" in message
    assert "-[optional: c/pyproject.toml]-> a" in message
    assert "x -[runtime: x/pyproject.toml]-> y -[runtime: y/pyproject.toml]-> x" in message
    assert info.value.cycles == [["a", "b", "c"], ["x", "y"]]
    assert "\n" not in message


def test_cycles_finds_every_strongly_connected_component() -> None:
    graph = _graph(
        [
            ("a", "b", "runtime"),
            ("b", "a", "runtime"),
            ("b", "c", "runtime"),
            ("c", "d", "runtime"),
            ("d", "c", "group"),
            ("e", "e2", "dev"),
        ]
    )
    assert graph.cycles() == [["a", "b"], ["c", "d"]]
    assert graph.cycles(["runtime"]) == [["a", "b"]]


def test_deep_chains_need_no_recursion() -> None:
    count = 30_000
    names = [f"p{i:05d}" for i in range(count)]
    pairs: list[tuple[str, str, Kind]] = [
        (names[i + 1], names[i], "runtime") for i in range(count - 1)
    ]
    pairs.append((names[0], names[-1], "group"))
    graph = _graph(pairs)
    assert graph.order() == names
    assert len(graph.levels()) == count
    [cycle] = graph.cycles()
    assert len(cycle) == count
    assert len(graph.dependencies(names[-1], transitive=True, kinds=["runtime"])) == count - 1


def test_dependencies_and_dependents_direct_and_transitive_by_kind() -> None:
    graph = _graph(
        [
            ("app", "lib", "runtime"),
            ("lib", "core", "runtime"),
            ("tests", "app", "group"),
            ("app", "tool", "build"),
        ]
    )
    assert graph.dependencies("app") == ["lib", "tool"]
    assert graph.dependencies("app", transitive=True) == ["core", "lib", "tool"]
    assert graph.dependencies("app", ["runtime"], transitive=True) == ["core", "lib"]
    assert graph.dependents("core", transitive=True) == ["app", "lib", "tests"]
    assert graph.dependents("core", ["runtime"], transitive=True) == ["app", "lib"]
    assert graph.closure(["lib"], dependents=True) == ["app", "lib", "tests"]


def test_order_kinds_come_from_configuration(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        """
        [tool.noxgraph]
        members = ["*"]
        order-kinds = ["runtime", "build"]
    """,
    )
    package(tmp_path, "core", "core", extra='[project.optional-dependencies]\naws = ["aws"]\n')
    package(tmp_path, "aws", "aws", "core")
    _, graph = load(tmp_path)
    assert graph.order() == ["core", "aws"]
    assert graph.cycles() == [["aws", "core"]]
