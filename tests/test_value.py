"""noxgraph's value types keep the semantics of frozen dataclasses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from noxgraph._value import field, replace, value_type


@value_type(slots=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@value_type(slots=True)
class OtherPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@value_type(order=True)
class Ranked:
    rank: int
    label: str = field(default="", compare=False)
    extras: list[str] = field(default_factory=list, repr=False, compare=False)


@value_type(frozen=False)
class Counter:
    count: int = 0
    seen: list[str] = field(default_factory=list)
    hidden: str = field(default="x", init=False)


@value_type
class Indexed:
    items: tuple[str, ...]
    by_name: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {item: i for i, item in enumerate(self.items)})


def test_fields_are_positional_or_keyword_with_their_defaults() -> None:
    assert Point(1) == Point(x=1, y=0, tags=())
    assert Point(1, 2).y == 2
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_equal_only_to_the_same_class_and_hashed_by_the_compared_fields() -> None:
    assert Point(1, 2) != OtherPoint(1, 2)
    assert Point(1, 2) != (1, 2, ())
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert Ranked(1, "a") == Ranked(1, "b")
    assert hash(Ranked(1, "a")) == hash(Ranked(1, "b"))


def test_frozen_instances_refuse_assignment_and_deletion() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'x'"):
        del point.x
    with pytest.raises(AttributeError):
        point.z = 3  # type: ignore[attr-defined]  # slots: no other attributes


def test_order_compares_the_compared_fields_of_the_same_class() -> None:
    assert sorted([Ranked(3), Ranked(1), Ranked(2)]) == [Ranked(1), Ranked(2), Ranked(3)]
    assert Ranked(1) < Ranked(2) <= Ranked(2)
    with pytest.raises(TypeError):
        assert Point(1) < Point(2)  # type: ignore[operator]


def test_factories_give_each_instance_its_own_value() -> None:
    first, second = Ranked(1), Ranked(2)
    first.extras.append("x")
    assert second.extras == []
    counter = Counter()
    counter.count += 1
    assert (counter.count, counter.seen, counter.hidden) == (1, [], "x")
    with pytest.raises(TypeError):
        hash(counter)


def test_repr_shows_the_shown_fields() -> None:
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"
    assert repr(Ranked(1, "a", ["hidden"])) == "Ranked(rank=1, label='a')"


def test_post_init_and_replace() -> None:
    indexed = Indexed(("a", "b"))
    assert indexed.by_name == {"a": 0, "b": 1}
    moved = replace(indexed, items=("c",))
    assert (moved.items, moved.by_name) == (("c",), {"c": 0})
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    assert replace(Counter(3), count=4).hidden == "x"


def test_graph_affected_and_generate_import_neither_dataclasses_nor_inspect() -> None:
    # packaging imports dataclasses itself, so "check" and the noxfile's load pay for it.
    code = (
        "import sys; import noxgraph.cli, noxgraph.affected, noxgraph.generate, noxgraph.render;"
        " print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert shown.strip() == "[]"
