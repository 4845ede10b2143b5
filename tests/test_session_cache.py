"""The session cache: real nox on generated noxfiles, real git, and real builds.

A package session whose inputs are unchanged since its last success skips without
a virtualenv and puts its files back into the wheelhouse; a change reruns exactly
the changed package and what depends on it; a damaged entry is no entry.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from noxgraph.changes.content import content_keys, folder_key
from noxgraph.sessions.declarations import declare
from noxgraph.sessions.plan import plan_all
from noxgraph.sessions.session_keys import session_keys
from tests.helpers import (
    EXAMPLE,
    Run,
    cli,
    commit_all,
    git,
    init_repo,
    load,
    package,
    pyproject,
    write,
)
from tests.test_noxfile import GRAPH, done_order, log, nox, recording_workspace

#: The build writes a wheel and an sdist of its package into the wheelhouse, as a
#: real build does, and logs that it ran.
BUILD = """
import pathlib, sys
root = pathlib.Path(__file__).parent
name, wheelhouse = sys.argv[1], pathlib.Path(sys.argv[2])
with open(root / "log.txt", "a") as log:
    log.write(f"start {name}\\n")
if (root / f"fail-{name}").exists():
    sys.exit(f"{name} fails on purpose")
wheelhouse.mkdir(exist_ok=True)
(wheelhouse / f"{name}-1.0.0-py3-none-any.whl").write_text(f"wheel of {name}\\n")
(wheelhouse / f"{name}-1.0.0.tar.gz").write_text(f"sdist of {name}\\n")
with open(root / "log.txt", "a") as log:
    log.write(f"done {name}\\n")
"""

CACHE = Path(".nox/.cache/noxgraph-sessions")


def building_workspace(root: Path) -> Path:
    """The recording workspace (core <- util <- app, core <- plugin, lonely), whose
    build leaves a wheel and an sdist in the wheelhouse."""
    recording_workspace(root)
    write(root / "record.py", BUILD)
    config = root / "pyproject.toml"
    config.write_text(config.read_text().replace("{name} {posargs}", "{name} {wheelhouse}"))
    write(root / ".gitignore", ".nox/\nlog.txt\nfail-*\ndist/\n")
    commit_all(root, "builds leave files")
    assert cli("generate", "--root", root).code == 0
    return root


def both(run: Run) -> str:
    """nox's log: on stderr, or under -j, each session's on stdout."""
    return run.out + run.err


def cached(output: str) -> list[str]:
    """The sessions nox says it took from the cache (nox adds how long one took, from a
    second up: a slow disk)."""
    found = re.findall(
        r"Session (\S+) skipped: cached, inputs [0-9a-f]{20} unchanged(?: \(took [^)]*\))?\.",
        output,
    )
    return sorted(set(found))


def dist(root: Path) -> dict[str, str]:
    """The files the sessions left in the wheelhouse (not its ``.gitignore``)."""
    folder = root / "dist"
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.name != ".gitignore"}


EVERY = sorted(f"build-{name}" for name in GRAPH)


@pytest.mark.parametrize("jobs", [None, "2"])
def test_a_second_build_all_with_nothing_changed_is_cached_and_restores_the_files(
    tmp_path: Path, jobs: str | None
) -> None:
    root = building_workspace(tmp_path)
    parallel = ["-j", jobs] if jobs else []
    first = nox(root, "-s", "build-all", *parallel)
    assert first.code == 0, first.out + first.err
    assert cached(both(first)) == []
    built = dist(root)
    assert len(built) == 10
    shutil.rmtree(root / "dist")
    (root / "log.txt").unlink()
    second = nox(root, "-s", "build-all", *parallel)
    assert second.code == 0, second.out + second.err
    assert cached(both(second)) == EVERY
    assert log(root) == []
    assert dist(root) == built
    # No virtualenv for a cached session (venv-backend none makes none anyway:
    # nothing but nox's own cache folder, and nox's .gitignore, is there).
    assert sorted(p.name for p in (root / ".nox").iterdir()) == [".cache", ".gitignore"]


def test_a_change_reruns_exactly_the_package_and_its_dependents(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-s", "build-all").code == 0
    (root / "log.txt").unlink()
    write(root / "libs/util/src/util/__init__.py", "X = 1\n")  # untracked
    run = nox(root, "-s", "build-all")
    assert run.code == 0, run.err
    assert done_order(root) == ["util", "app"]
    assert cached(both(run)) == ["build-core", "build-lonely", "build-plugin"]
    (root / "log.txt").unlink()
    commit_all(root, "util changed")  # the same content, now from git's blob ids
    again = nox(root, "-s", "build-all")
    assert cached(both(again)) == EVERY and log(root) == []
    write(root / "libs/core/src/core/__init__.py", "Y = 2\n")
    commit_all(root, "core changed")
    last = nox(root, "-s", "build-all")
    assert sorted(done_order(root)) == ["app", "core", "plugin", "util"]
    assert cached(both(last)) == ["build-lonely"]


def test_build_output_inside_a_package_does_not_change_its_key(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-s", "build-core").code == 0
    write(root / "libs/core/build/lib/core.py", "")
    write(root / "libs/core/src/core.egg-info/PKG-INFO", "")
    write(root / "libs/core/src/core/__pycache__/x.pyc", "")
    assert cached(both(nox(root, "-s", "build-core"))) == ["build-core"]


def _corrupt_json(entry: Path) -> None:
    entry.write_text(entry.read_text()[:-5])


def _wrong_shape(entry: Path) -> None:
    entry.write_text(json.dumps([1, 2, 3]))


def _edited_key(entry: Path) -> None:
    data = json.loads(entry.read_text())
    data["key"] = "0" * 20
    entry.write_text(json.dumps(data))


def _damaged_wheel(entry: Path) -> None:
    (entry.parent / "util-1.0.0-py3-none-any.whl").write_text("something else\n")


def _missing_sdist(entry: Path) -> None:
    (entry.parent / "util-1.0.0.tar.gz").unlink()


def _a_way_out(entry: Path) -> None:
    """A listed file that names a path outside the entry, with the digest made to fit."""
    data = json.loads(entry.read_text())
    body = {k: v for k, v in data.items() if k != "digest"}
    body["files"][0]["name"] = "../../../../record.py"
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    body["digest"] = hashlib.sha256(text.encode()).hexdigest()
    entry.write_text(json.dumps(body))


@pytest.mark.parametrize(
    "damage",
    [_corrupt_json, _wrong_shape, _edited_key, _damaged_wheel, _missing_sdist, _a_way_out],
)
def test_a_damaged_entry_is_ignored_and_the_session_runs(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-s", "build-all").code == 0
    (root / "log.txt").unlink()
    entry = root / CACHE / "build-util" / "entry.json"
    assert entry.is_file()
    damage(entry)
    run = nox(root, "-s", "build-all")
    assert run.code == 0, run.err
    output = both(run)
    assert done_order(root) == ["util"], output
    assert cached(output) == ["build-app", "build-core", "build-lonely", "build-plugin"], output
    assert dist(root)["util-1.0.0-py3-none-any.whl"] == "wheel of util\n"
    # The run recorded a good entry again.
    (root / "log.txt").unlink()
    assert cached(both(nox(root, "-s", "build-all"))) == EVERY


def test_a_build_leaves_nox_s_folder_ignored_by_git_whether_it_fails_or_not(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    write(root / ".gitignore", "log.txt\nfail-*\ndist/\n")  # .nox/ left to nox, as by default
    commit_all(root, "nox ignores its own folder")
    write(root / "fail-core")
    assert nox(root, "-s", "build-core").code != 0  # a failure records nothing
    assert git(root, "status", "--porcelain") == ""
    (root / "fail-core").unlink()
    assert nox(root, "-s", "build-core").code == 0
    assert (root / CACHE / "build-core").is_dir()
    assert git(root, "status", "--porcelain") == ""


def test_a_cached_run_keeps_the_wheelhouse_it_makes_and_nox_s_folder_out_of_git(
    tmp_path: Path,
) -> None:
    root = building_workspace(tmp_path)
    write(root / ".gitignore", "log.txt\n")  # nothing for .nox/ nor dist/, as the README says
    commit_all(root, "nox and uv keep their folders out of git")
    assert nox(root, "-s", "build-all").code == 0
    shutil.rmtree(root / "dist")
    # A CI cache brings back .nox/.cache alone; the sessions are all cached: none makes a
    # virtualenv, in which nox would write its .gitignore.
    (root / ".nox" / ".gitignore").unlink()
    (root / "log.txt").unlink()
    run = nox(root, "-s", "build-all")
    assert run.code == 0, run.err
    assert cached(both(run)) == EVERY
    assert len(dist(root)) == 10
    assert (root / "dist" / ".gitignore").read_text() == "*\n"
    assert git(root, "status", "--porcelain") == ""


def test_only_success_is_recorded(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    write(root / "fail-plugin")
    assert nox(root, "-s", "build-all").code != 0
    entries = sorted(p.name for p in (root / CACHE).iterdir())
    assert entries == ["build-core", "build-lonely", "build-util"]  # not plugin, not app
    (root / "fail-plugin").unlink()
    (root / "log.txt").unlink()
    run = nox(root, "-s", "build-all")
    assert run.code == 0, run.err
    assert sorted(done_order(root)) == ["app", "plugin"]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["-s", "build-all", "--", "--no-cache"], {}),
        (["-s", "build-affected", "--", "--files", "libs/core/x.py", "--no-cache"], {}),
        (["-s", "build-all"], {"NOXGRAPH_NO_CACHE": "1"}),
    ],
    ids=["posarg-all", "posarg-affected", "environment"],
)
def test_no_cache_runs_every_session(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-s", "build-all").code == 0
    (root / "log.txt").unlink()
    run = nox(root, *args, env=env)
    assert run.code == 0, run.err
    assert cached(both(run)) == []
    expected = ["app", "core", "plugin", "util"] + (["lonely"] if "build-all" in args else [])
    assert sorted(done_order(root)) == sorted(expected)
    # --no-cache is noxgraph's: the commands never see it.
    assert "--no-cache" not in (root / "log.txt").read_text()


def test_an_affected_run_takes_unchanged_sessions_from_the_cache(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-s", "build-util").code == 0  # util (and core before it) succeed
    (root / "log.txt").unlink()
    run = nox(root, "-s", "build-affected", "--", "--files", "libs/util/pyproject.toml")
    assert run.code == 0, run.err
    # util is affected (its folder was named) but unchanged since its last success.
    assert "build-util: skipped (cached, inputs " in run.err
    assert "build-app: success" in run.err
    assert done_order(root) == ["app"]


def test_a_session_with_posargs_runs_and_records_nothing(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    assert nox(root, "-s", "build-core").code == 0
    write(root / "libs/core/src/core/__init__.py", "X = 1\n")
    (root / "log.txt").unlink()
    assert nox(root, "-s", "build-core", "--", "-k", "x").code == 0
    assert log(root) == ["start core -k x", "done core"]
    (root / "log.txt").unlink()
    # The run with posargs recorded nothing, so the change still runs.
    run = nox(root, "-s", "build-core")
    assert log(root) == ["start core", "done core"], run.err
    assert cached(both(nox(root, "-s", "build-core"))) == ["build-core"]


def test_a_session_on_an_interpreter_nox_is_told_to_use_is_neither_taken_nor_recorded(
    tmp_path: Path,
) -> None:
    root = recording_workspace(tmp_path)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert nox(root, "-s", "build-core", "--force-python", here).code == 0
    assert log(root) == ["start core", "done core"]
    (root / "log.txt").unlink()
    # Its success is not this interpreter's: the plain run builds, and only then is cached.
    assert nox(root, "-s", "build-core").code == 0
    assert log(root) == ["start core", "done core"]
    assert cached(both(nox(root, "-s", "build-core"))) == ["build-core"]
    for other in (["-P", here], ["--extra-python", here]):
        assert cached(both(nox(root, "-s", "build-core", *other))) == []
    assert cached(both(nox(root, "-s", "build-core", env={"NOXFORCEPYTHON": here}))) == []


def test_noxgraph_run_shows_cached_sessions(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    assert cli("run", "build", "--root", root).code == 0
    run = cli("run", "build", "--root", root, "--json")
    assert run.code == 0
    rows = {r["session"]: r for r in json.loads(run.out)["sessions"]}
    assert {name: rows[name]["result"] for name in EVERY} == dict.fromkeys(EVERY, "cached")
    assert rows["build-core"]["note"].startswith("inputs ")
    text = cli("run", "build", "--root", root)
    assert "5 cached, 1 success" in text.out
    again = cli("run", "build", "--root", root, "--no-cache", "--json")
    results = {r["session"]: r["result"] for r in json.loads(again.out)["sessions"]}
    assert set(results.values()) == {"success"}
    write(root / "libs/util/src/x.py", "X = 1\n")
    dry = cli("run", "build", "--root", root, "--affected", "--no-cache", "--dry-run", "--json")
    assert json.loads(dry.out)["argv"][-2:] == ["--", "--no-cache"]


def test_nox_list_computes_no_key(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)
    assert nox(root, "-l").code == 0
    assert nox(root, "-s", "build-core", "--list").code == 0
    assert not (root / CACHE).exists()


# -- keys ------------------------------------------------------------------------------


def test_content_keys_see_the_working_tree_and_nothing_git_ignores(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write(root / ".gitignore", "*.log\n")
    write(root / "a/x.py", "1\n")
    write(root / "a/y.py", "2\n")
    write(root / "ab/z.py", "3\n")
    write(root / "b/x.py", "1\n")
    commit_all(root)
    a, ab, b = root / "a", root / "ab", root / "b"

    def keys() -> dict[Path, str]:
        found = content_keys([a, ab, b])
        assert found == {f: folder_key(f) for f in (a, ab, b)}  # one answer, bulk or not
        return found

    start = keys()
    assert start[a] != start[b] != start[ab]
    write(root / "a/debug.log", "ignored\n")
    write(root / "a/build/out.py", "build output\n")
    assert keys() == start
    write(root / "a/x.py", "changed\n")
    changed = keys()
    assert changed[a] != start[a] and changed[ab] == start[ab] and changed[b] == start[b]
    git(root, "add", "a/x.py")  # staged: the index's blob id, the same content
    assert keys() == changed
    write(root / "a/x.py", "1\n")
    git(root, "add", "a/x.py")
    assert keys() == start
    (root / "a/y.py").unlink()
    assert keys()[a] not in (start[a], changed[a])
    git(root, "checkout", "--", "a/y.py")
    write(root / "a/new.py", "")
    assert keys()[a] != start[a]


def test_keys_do_not_depend_on_where_the_checkout_is(tmp_path: Path) -> None:
    first = recording_workspace(tmp_path / "one")
    second = tmp_path / "elsewhere" / "two"
    git(tmp_path, "clone", "-q", str(first), str(second))
    assert sessions_keys(first) == sessions_keys(second)


def sessions_keys(root: Path) -> dict[str, str]:
    workspace, graph = load(root)
    declarations = declare(workspace, graph)
    requires = {s.name: s.all_requires for s in declarations.sessions()}
    return session_keys(root, plan_all(workspace, graph), requires, "dist")


def test_a_dependency_s_change_changes_its_dependents_keys_only(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    before = sessions_keys(root)
    assert set(before) == {f"build-{name}" for name in GRAPH}
    write(root / "libs/util/src/util/__init__.py", "X = 1\n")
    after = sessions_keys(root)
    assert {n for n in before if before[n] != after[n]} == {"build-util", "build-app"}
    config = root / "pyproject.toml"
    config.write_text(config.read_text().replace("record.py", "record.py -v"))
    assert all(sessions_keys(root)[n] != after[n] for n in after)


# -- real builds -----------------------------------------------------------------------


@pytest.mark.slow
def test_real_builds_of_the_example_are_cached_rebuilt_on_change_and_on_damage(
    tmp_path: Path,
) -> None:
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "ws"))
    init_repo(root)
    write(root / ".gitignore", ".nox/\ndist/\n")
    commit_all(root, "the example workspace")
    assert cli("generate", "--root", root).code == 0
    names = ["app", "cli", "color", "core", "hook", "testkit", "text"]
    every = [f"build-ex-{name}" for name in names]
    first = nox(root, "-s", "build-all", "-j", "2", timeout=900)
    assert first.code == 0, first.out + first.err
    wheels = {p.name: p.read_bytes() for p in (root / "dist").glob("ex_*")}
    assert len(wheels) == 14

    shutil.rmtree(root / "dist")
    for venv in (root / ".nox").glob("build-ex-*"):
        shutil.rmtree(venv)
    second = nox(root, "-s", "build-all", timeout=900)
    assert second.code == 0, second.err
    assert cached(both(second)) == every
    assert {p.name: p.read_bytes() for p in (root / "dist").glob("ex_*")} == wheels
    assert list((root / ".nox").glob("build-ex-*")) == []  # no virtualenv was made

    color = root / "libs/color/src/ex_color/__init__.py"
    color.write_text(color.read_text() + "\nBRIGHT = True\n")
    third = nox(root, "-s", "build-all", "-j", "2", timeout=900)
    assert third.code == 0, third.err
    # Only color is built again: text needs it through an extra alone, which orders no
    # build (order-kinds), and a wheel of text is the same whatever color holds.
    assert cached(both(third)) == [n for n in every if n != "build-ex-color"]

    [wheel] = (root / CACHE / "build-ex-hook").glob("*.whl")
    wheel.write_bytes(b"not the wheel that was built")
    fourth = nox(root, "-s", "build-all", timeout=900)
    assert fourth.code == 0, fourth.err
    assert cached(both(fourth)) == [n for n in every if n != "build-ex-hook"]
    [rebuilt] = (root / "dist").glob("ex_hook-*.whl")
    assert rebuilt.read_bytes()[:2] == b"PK"
    assert cached(both(nox(root, "-s", "build-all", timeout=900))) == every


def test_a_version_made_from_git_puts_the_commit_in_the_keys_that_build_or_install_it(
    tmp_path: Path,
) -> None:
    # A wheel restored from an older commit would carry that commit's version, and pin
    # its siblings to versions nothing builds now.
    root = recording_workspace(tmp_path)
    pyproject(
        root,
        "libs/util",
        '[project]\nname = "util"\ndynamic = ["version"]\ndependencies = ["core"]\n'
        '[tool.hatch.version]\nsource = "vcs"\n',
    )
    commit_all(root, "util's version comes from git")
    before = sessions_keys(root)
    write(root / "notes.txt", "nothing any package holds\n")
    commit_all(root, "a commit outside every package")
    after = sessions_keys(root)
    assert {n for n in before if before[n] != after[n]} == {"build-util", "build-app"}
    git(root, "tag", "-a", "v2.0.0", "-m", "2.0.0")
    tagged = sessions_keys(root)
    assert {n for n in after if after[n] != tagged[n]} == {"build-util", "build-app"}
    git(root, "tag", "util-v3.0.0")  # a second tag on that commit: a tag pattern may pick it
    assert sessions_keys(root) != tagged
    git(root, "tag", "-d", "util-v3.0.0")
    write(root / "notes.txt", "changed, not committed: the version says so\n")
    dirty = sessions_keys(root)
    assert {n for n in tagged if tagged[n] != dirty[n]} == {"build-util", "build-app"}


def test_the_interpreter_and_noxgraph_s_version_are_in_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = recording_workspace(tmp_path)
    before = sessions_keys(root)
    monkeypatch.setattr(
        "noxgraph.sessions.session_keys.interpreter", lambda: ["pypy", "pp311", "3.11", "x", "y"]
    )
    other = sessions_keys(root)
    assert all(other[n] != before[n] for n in before)
    monkeypatch.undo()
    monkeypatch.setattr("noxgraph.sessions.session_keys.__version__", "99.0")
    assert all(sessions_keys(root)[n] != before[n] for n in before)


def test_a_lock_s_content_is_in_the_key_of_a_locked_session(tmp_path: Path) -> None:
    root = init_repo(tmp_path)
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(
        root, "libs/app", "app", "core", extra="[tool.uv.sources]\ncore = { workspace = true }\n"
    )
    write(root / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    write(root / "uv.lock", "version = 1\n")
    commit_all(root)
    workspace, _ = load(root)
    assert workspace.lock_roots.get("app") == root  # the sessions install from the lock
    before = sessions_keys(root)
    write(root / "uv.lock", "version = 1\n# another resolution\n")
    after = sessions_keys(root)
    assert sorted(before) == ["build-app", "build-core", "test-app"]
    # The tests install the locked versions; a build's own isolated environment does not.
    assert {n for n in before if after[n] != before[n]} == {"test-app"}


def test_a_dry_run_names_the_sessions_the_cache_will_skip(tmp_path: Path) -> None:
    root = building_workspace(tmp_path)

    def plan(*args: str) -> dict[str, Any]:
        run = cli("run", "build", "--root", root, "--dry-run", "--json", *args)
        assert run.code == 0, run.err
        document: dict[str, Any] = json.loads(run.out)
        return document

    first = plan()
    assert first["cached"] == {}
    # The command as one would run it: no report file of noxgraph's, which goes away.
    assert "--report" not in first["argv"]
    assert first["argv"][-2:] == ["--sessions", "build-all"]
    assert cli("run", "build", "--root", root).code == 0
    write(root / "libs/util/src/util/__init__.py", "X = 1\n")
    predicted = plan()
    assert sorted(predicted["cached"]) == ["build-core", "build-lonely", "build-plugin"]
    key = predicted["cached"]["build-core"]
    assert predicted["skipped"]["build-core"] == f"cached, inputs {key} unchanged"
    text = cli("run", "build", "--root", root, "--dry-run").out
    assert f"build-core    skip: cached, inputs {key} unchanged" in text
    assert "build-util    run" in text
    assert plan("--no-cache")["cached"] == {}
    # An affected run: what is not affected skips for that reason, not as cached.
    affected = plan("--affected", "--files", str(root / "libs/util/x.py"))
    assert affected["skipped"]["build-core"].startswith("not affected")
    assert affected["cached"] == {}
    # The prediction is what nox then does.
    done = cli("run", "build", "--root", root, "--json")
    rows = {r["session"]: r for r in json.loads(done.out)["sessions"]}
    assert {name for name, row in rows.items() if row["result"] == "cached"} == set(
        predicted["cached"]
    )
    assert rows["build-core"]["note"] == f"inputs {key}"
