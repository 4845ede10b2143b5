"""Reading, comparing and walking lock files (``noxgraph.changes.locks``), without git."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noxgraph.changes.locks import Lock, LockedPackage, LockError, Reach, diff_locks, parse_lock

NAMES = [f"p{i}" for i in range(8)]
EXTRAS = ["x", "y"]

_edge = st.tuples(st.sampled_from(NAMES), st.lists(st.sampled_from(EXTRAS), max_size=1).map(tuple))


@st.composite
def _locks(draw: st.DrawFn) -> Lock:
    """Small locks whose dependencies may form cycles, through extras too."""
    packages: dict[str, tuple[LockedPackage, ...]] = {}
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=1)):
        packages[name] = (
            LockedPackage(
                name=name,
                version="1",
                source=None,
                decided={"version": "1"},
                dependencies=tuple(draw(st.lists(_edge, max_size=3))),
                extras={e: tuple(draw(st.lists(_edge, max_size=2))) for e in EXTRAS},
                groups={},
            ),
        )
    return Lock("uv", packages)


def _naive(lock: Lock, edges: list[tuple[str, tuple[str, ...]]]) -> set[str]:
    """Every package the edges lead to, walked the plain way, one (name, extra) at a time."""
    pending = [(n, e) for n, extras in edges for e in (extras or (None,))]
    seen: set[tuple[str, str | None]] = set()
    while pending:
        name, extra = pending.pop()
        if name not in lock.packages or (name, extra) in seen:
            continue
        seen.add((name, extra))
        [entry] = lock.packages[name]
        follow = entry.dependencies if extra is None else (*entry.extras[extra],)
        if extra is not None:
            pending.append((name, None))
        pending.extend((n, e) for n, extras in follow for e in (extras or (None,)))
    return {name for name, _ in seen}


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    lock=_locks(),
    starts=st.lists(st.lists(_edge, max_size=3), min_size=1, max_size=4),
    changed=st.sets(st.sampled_from(NAMES)),
    hubs=st.sets(st.sampled_from(NAMES), max_size=3),
)
def test_reach_finds_what_a_plain_walk_finds(
    lock: Lock,
    starts: list[list[tuple[str, tuple[str, ...]]]],
    changed: set[str],
    hubs: set[str],
) -> None:
    reach = Reach(lock, changed, hubs)  # one Reach answers every start, as affected asks
    for edges in starts:
        found = reach.of(edges)
        assert found == _naive(lock, edges) & changed
        via = reach.via(edges)
        assert via.keys() == found
        for chain in via.values():
            assert {name for name, _ in chain} <= hubs


def _package(
    name: str, *deps: str, extras: dict[str, tuple[str, ...]] | None = None
) -> LockedPackage:
    return LockedPackage(
        name=name,
        version="1",
        source=None,
        decided={},
        dependencies=tuple((dep, ()) for dep in deps),
        extras={key: tuple((dep, ()) for dep in listed) for key, listed in (extras or {}).items()},
        groups={"docs": (("idna", ()),)},
    )


def test_via_names_the_entries_on_the_shortest_way_and_follows_only_the_extras_asked_for() -> None:
    lock = Lock(
        "uv",
        {
            p.name: (p,)
            for p in (
                _package("app", "core"),
                _package("turbo", "core"),
                _package("core", extras={"fast": ("six",)}),
                _package("six"),
                _package("idna"),
            )
        },
    )
    reach = Reach(lock, {"six", "idna"}, {"app", "turbo", "core"})
    assert reach.of([("core", ())]) == set()  # neither the extra nor core's group
    assert reach.via([("core", ("fast",))]) == {"six": (("core", "fast"),)}
    assert reach.via([("turbo", ()), ("six", ())]) == {"six": ()}


UV = b"""
version = 1
revision = 3

[[package]]
name = "Httpx"
version = "0.27.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "anyio" }]
sdist = { url = "https://example.invalid/httpx.tar.gz", hash = "sha256:00" }

[[package]]
name = "anyio"
version = "4.0.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_a_newer_layout_of_the_same_lock_changes_no_package() -> None:
    rewritten = UV.replace(b"revision = 3", b"revision = 4").replace(
        b'hash = "sha256:00" }', b'hash = "sha256:00", size = 10, upload-time = "2026-01-01" }'
    )
    assert diff_locks(parse_lock("uv", UV, "uv.lock"), parse_lock("uv", rewritten, "uv.lock")) == {}


def test_the_order_and_spelling_of_a_dependency_list_is_no_change() -> None:
    member = b"""
[[package]]
name = "tap"
source = { editable = "taps/tap" }
dependencies = [
    { name = "anyio", marker = "os_name == 'nt'" },
    { name = "httpx", extra = ["a", "b"] },
]
"""
    rewritten = member.replace(b'{ name = "anyio", marker = "os_name == \'nt\'" },\n', b"").replace(
        b'["a", "b"] },\n',
        b'["b", "a"] },\n    { marker = "os_name == \'nt\'", name = "AnyIO" },\n',
    )
    assert rewritten != member
    before, after = parse_lock("uv", UV + member, ""), parse_lock("uv", UV + rewritten, "")
    assert diff_locks(before, after) == {}
    bumped = parse_lock("uv", UV + member.replace(b'"b"]', b'"c"]'), "")
    [change] = diff_locks(before, bumped).values()
    assert (change.name, change.change, change.before, change.after) == (
        "tap",
        "dependencies",
        (None,),
        (None,),
    )


def test_resolution_markers_count_only_where_they_choose_between_entries() -> None:
    forked = b"""
[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.12'"]

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.12'"]
"""
    single = UV.replace(
        b'version = "4.0.0"\n', b'version = "4.0.0"\nresolution-markers = ["os_name == \'nt\'"]\n'
    )
    # anyio has one entry: whatever environments uv resolved it for, it installs that one.
    moved = single.replace(b"os_name == 'nt'", b"os_name != 'nt'")
    assert _changes(single + forked, moved + forked) == {}
    assert _changes(UV + forked, single + forked) == {}
    # numpy's entries split the interpreters differently: 3.12 now gets 1.26.4.
    shifted = forked.replace(b"< '3.12'", b"< '3.13'").replace(b">= '3.12'", b">= '3.13'")
    assert _changes(UV + forked, UV + shifted) == {"numpy": "markers"}


def _changes(before: bytes, after: bytes) -> dict[str, str]:
    old, new = parse_lock("uv", before, "uv.lock"), parse_lock("uv", after, "uv.lock")
    return {name: change.change for name, change in diff_locks(old, new).items()}


def test_each_change_says_what_changed_first() -> None:
    bumped = UV.replace(b'"0.27.0"', b'"0.28.1"')
    assert _changes(UV, bumped) == {"httpx": "version"}
    [change] = diff_locks(parse_lock("uv", UV, ""), parse_lock("uv", bumped, "")).values()
    assert (change.name, change.before, change.after) == ("httpx", ("0.27.0",), ("0.28.1",))
    moved = UV.replace(b'"4.0.0"\nsource = { registry', b'"4.0.0"\nsource = { git')
    assert _changes(UV, moved) == {"anyio": "source"}
    rewired = UV.replace(
        b'[{ name = "anyio" }]', b'[{ name = "anyio", marker = "os_name == \'nt\'" }]'
    )
    assert _changes(UV, rewired) == {"httpx": "dependencies"}
    without = UV.split(b'[[package]]\nname = "anyio"')[0]
    assert _changes(UV, without) == {"anyio": "removed"}
    assert _changes(without, UV) == {"anyio": "added"}


@pytest.mark.parametrize(
    ("format", "body", "message"),
    [
        ("uv", b"version = 2\n", "lock version 2 is not one noxgraph reads"),
        ("uv", b"version = [", "invalid TOML"),
        ("uv", b'version = 1\n[[package]]\nversion = "1"\n', "has no string 'name'"),
        ("poetry", b'[metadata]\nlock-version = "3.0"\n', "lock-version '3.0'"),
        ("pdm", b"[metadata]\n", "lock_version None"),
        (
            "pdm",
            b'[metadata]\nlock_version = "4.5.0"\n[[package]]\nname = "a"\ndependencies = ["!"]\n',
            "is not a requirement",
        ),
    ],
)
def test_a_lock_noxgraph_cannot_read_is_an_error_that_says_why(
    format: str, body: bytes, message: str
) -> None:
    with pytest.raises(LockError, match=message):
        parse_lock(format, body, "the.lock")  # type: ignore[arg-type]
