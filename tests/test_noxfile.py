"""The generated noxfile, run by the real nox executable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Run, cli, commit_all, git, init_repo, package, pyproject, write

RECORD = """
import os, pathlib, sys, time
root = pathlib.Path(__file__).parent
name, rest = sys.argv[1], sys.argv[2:]
with open(root / "log.txt", "a") as log:
    log.write(" ".join(["start", name, *rest]) + "\\n")
if (root / f"fail-{name}").exists():
    sys.exit(f"{name} fails on purpose")
time.sleep(float(os.environ.get("RECORD_SLEEP", "0")))
with open(root / "log.txt", "a") as log:
    log.write(f"done {name}\\n")
"""

CONFIG = """
[tool.noxgraph]
members = ["libs/*"]
venv-backend = "none"
ignore = ["**/*.md"]

[tool.noxgraph.tasks.build]
commands = ["python {{root}}/record.py {{name}} {{posargs}}"]
install = []
package = false

[tool.noxgraph.tasks]
test = []
{extra}
"""

#: core <- util <- app, core <- plugin; lonely has no edges.
GRAPH = {
    "core": (),
    "util": ("core",),
    "plugin": ("core",),
    "app": ("util", "plugin"),
    "lonely": (),
}


def nox(folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """Run the real nox on ``folder/noxfile.py``."""
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--noxfile", str(folder / "noxfile.py"), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        # PWD as a shell sets it: nox -- --files PATH resolves PATH from where nox started.
        env={**os.environ, "PWD": str(folder), **(env or {})},
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def recording_workspace(
    root: Path, extra: str = "", graph: dict[str, tuple[str, ...]] = GRAPH, git_repo: bool = True
) -> Path:
    if git_repo:
        init_repo(root)
        write(root / ".gitignore", ".nox/\nlog.txt\nfail-*\n")
    pyproject(root, ".", CONFIG.format(extra=extra))
    write(root / "record.py", RECORD)
    for name, deps in graph.items():
        package(root, f"libs/{name}", name, *deps)
    if git_repo:
        commit_all(root, "init")
    generated = cli("generate", "--root", root)
    assert generated.code == 0, generated.err
    return root


def log(root: Path) -> list[str]:
    path = root / "log.txt"
    return path.read_text().splitlines() if path.exists() else []


def done_order(root: Path) -> list[str]:
    return [line.split()[1] for line in log(root) if line.startswith("done ")]


def listing(root: Path, *args: str) -> list[dict[str, Any]]:
    run = nox(root, "-l", "--json", *args)
    assert run.code == 0, run.err
    result: list[dict[str, Any]] = json.loads(run.out)
    return result


def test_nox_lists_one_session_per_package_and_task_with_tags(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-l")
    assert run.code == 0, run.err
    # Package sessions are nox defaults (*); the aggregates are not (-).
    assert "* build-app [build,app] -> build app, after plugin, util" in run.out
    assert "- build-all [build] -> build every package, in dependency order" in run.out
    assert "- build-affected -> build the packages changed" in run.out
    assert [s["session"] for s in listing(root)] == [
        "build-core",
        "build-lonely",
        "build-plugin",
        "build-util",
        "build-app",
    ]
    sessions = listing(root, "-s", "build-all")
    assert [s["session"] for s in sessions] == [
        "build-core",
        "build-lonely",
        "build-plugin",
        "build-util",
        "build-app",
        "build-all",
    ]
    assert sessions[-1]["tags"] == ["build"]
    assert sessions[0]["tags"] == ["build", "core"]
    assert [s["session"] for s in listing(root, "-t", "app")] == [
        "build-core",
        "build-plugin",
        "build-util",
        "build-app",
    ]


def test_a_task_s_tag_runs_every_session_of_the_task(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-t", "build")
    assert run.code == 0, run.err
    assert sorted(done_order(root)) == sorted(GRAPH)
    assert "build-affected" not in run.err


def test_requires_pull_in_exactly_the_dependencies(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    assert [s["session"] for s in listing(root, "-s", "build-util")] == ["build-core", "build-util"]
    assert [s["session"] for s in listing(root, "-s", "build-app")] == [
        "build-core",
        "build-plugin",
        "build-util",
        "build-app",
    ]
    assert [s["session"] for s in listing(root, "-s", "build-lonely")] == ["build-lonely"]


def test_build_all_runs_in_dependency_order(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-s", "build-all")
    assert run.code == 0, run.err
    order = done_order(root)
    assert sorted(order) == sorted(GRAPH)
    for name, deps in GRAPH.items():
        assert all(order.index(dep) < order.index(name) for dep in deps)


def test_bare_nox_runs_every_package_session_in_dependency_order(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root)
    assert run.code == 0, run.err
    order = done_order(root)
    assert sorted(order) == sorted(GRAPH)
    for name, deps in GRAPH.items():
        assert all(order.index(dep) < order.index(name) for dep in deps)
    assert "build-all" not in run.err


def test_build_all_in_parallel_respects_the_graph(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    # Long enough that two sessions overlap even when a worker starts slowly.
    run = nox(root, "-s", "build-all", "-j", "2", env={"RECORD_SLEEP": "1.0"})
    assert run.code == 0, run.err + run.out
    lines = log(root)
    for name, deps in GRAPH.items():
        start = lines.index(f"start {name}")
        assert all(lines.index(f"done {dep}") < start for dep in deps)
    running = 0
    most = 0
    for line in lines:
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    assert most == 2


@pytest.mark.parametrize("jobs", [None, "2"])
def test_a_failing_package_aborts_exactly_its_dependents(tmp_path: Path, jobs: str | None) -> None:
    root = recording_workspace(tmp_path)
    write(root / "fail-util")
    run = nox(root, "-s", "build-all", *(["-j", jobs] if jobs else []))
    assert run.code == 1
    assert sorted(done_order(root)) == ["core", "lonely", "plugin"]
    output = run.out + run.err
    assert "build-app: aborted" in output and "build-util: failed" in output


def test_build_affected_builds_what_changed_in_order_and_skips_upstream(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "libs/util/src/util/__init__.py", "X = 1\n")
    commit_all(root, "change util")
    write(root / "libs/lonely/README.md", "docs only\n")
    run = nox(root, "-s", "build-affected")
    assert run.code == 0, run.err
    assert done_order(root) == ["util", "app"]
    output = run.err
    assert "build-core: skipped (not affected since main)" in output
    assert "build-plugin: skipped (not affected since main)" in output
    assert "build-lonely" not in output
    assert "build: 2 affected sessions, 2 upstream sessions queued only to skip" in output


def test_build_affected_passes_posargs_and_options_through(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-s", "build-affected", "--", "--files", "libs/plugin/x.py", "--", "-x", "y")
    assert run.code == 0, run.err
    assert log(root) == ["start plugin -x y", "done plugin", "start app -x y", "done app"]
    bad = nox(root, "-s", "build-affected", "--", "--bogus")
    assert bad.code == 1
    assert "unrecognized arguments: --bogus" in bad.err


def test_nothing_affected_says_so_and_succeeds(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-s", "build-affected")
    assert run.code == 0, run.err
    assert "build: no package is affected; nothing to do" in run.err
    assert log(root) == []


REAL_VENVS = """
[tool.noxgraph]
members = ["libs/*"]

[tool.noxgraph.tasks.build]
commands = ["python {root}/record.py {name} {posargs}"]
install = ["six"]
package = false

[tool.noxgraph.tasks]
test = []
"""


@pytest.mark.parametrize("jobs", [None, "2"])
def test_build_affected_makes_no_virtualenv_for_a_skipped_session(
    tmp_path: Path, jobs: str | None
) -> None:
    """Serially and under -j: exactly the affected sessions run, each in its own
    virtualenv; the upstream ones they need skip without one."""
    root = recording_workspace(tmp_path)
    pyproject(root, ".", REAL_VENVS)
    commit_all(root, "real venvs")
    assert cli("generate", "--root", root).code == 0
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "libs/util/src/util/__init__.py", "X = 1\n")
    commit_all(root, "change util")
    run = nox(root, "-s", "build-affected", *(["-j", jobs] if jobs else []))
    assert run.code == 0, run.out + run.err
    assert done_order(root) == ["util", "app"]
    output = run.out + run.err
    assert "build-core: skipped (not affected since main)" in output
    assert "build-plugin: skipped (not affected since main)" in output
    assert "build-lonely" not in output
    venvs = sorted(p.name for p in (root / ".nox").iterdir() if not p.name.startswith("."))
    assert [v for v in venvs if v != "CACHEDIR.TAG"] == ["build-app", "build-util"]


def test_affected_sessions_must_be_named(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    run = nox(root, "-k", "affected")
    assert run.code == 1
    assert "must be named on nox's command line: nox -s build-affected" in run.err


def test_generate_is_deterministic_and_check_passes_right_after(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    first = (root / "noxfile.py").read_bytes()
    again = cli("generate", "--root", root)
    assert again.code == 0 and "already up to date" in again.out
    assert (root / "noxfile.py").read_bytes() == first
    (root / "noxfile.py").unlink()
    assert cli("generate", "--root", root).code == 0
    assert (root / "noxfile.py").read_bytes() == first
    check = cli("generate", "--root", root, "--check")
    assert check.code == 0 and "is up to date" in check.out
    assert first.decode("ascii").startswith("# >>> noxgraph: generated block")


def test_a_new_package_makes_check_fail_and_nox_warn_at_load(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    package(root, "libs/newcomer", "newcomer", "core")
    check = cli("generate", "--root", root, "--check")
    assert check.code == 1
    added = [line for line in check.out.splitlines() if line.startswith("+") and "---" not in line]
    assert '+build("newcomer", ["core"])' in added
    assert "noxfile.py is stale; run `noxgraph generate` to update it" in check.err
    run = nox(root, "-l")
    assert run.code == 0
    assert (
        "noxfile.py is stale: the workspace now gives other sessions (new package newcomer"
        " (libs/newcomer))" in run.err
    )
    (root / "libs/newcomer/pyproject.toml").unlink()
    package(root, "libs/lonely", "lonely", "core")
    assert "(build-lonely now after build-core)" in nox(root, "-l").err
    package(root, "libs/lonely", "solo", "core")
    assert "package lonely renamed to solo" in nox(root, "-l").err
    assert cli("generate", "--root", root).code == 0
    assert "stale" not in nox(root, "-l").err
    # A version bump changes no session: the noxfile is still current, and nox says nothing.
    text = (root / "libs/core/pyproject.toml").read_text()
    write(root / "libs/core/pyproject.toml", text.replace('version = "1.0.0"', 'version = "2.0"'))
    assert "stale" not in nox(root, "-l").err
    before = (root / "noxfile.py").read_bytes()
    assert cli("generate", "--root", root, "--check").code == 0
    assert cli("generate", "--root", root).code == 0
    assert (root / "noxfile.py").read_bytes() == before


def test_text_outside_the_block_is_kept(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    noxfile = root / "noxfile.py"
    own = '\n\n@nox.session(venv_backend="none")\ndef hello(session):\n    session.log("hi")\n'
    noxfile.write_text("# my header\n" + noxfile.read_text() + own)
    package(root, "libs/newcomer", "newcomer")
    assert cli("generate", "--root", root).code == 0
    text = noxfile.read_text()
    assert text.startswith("# my header\n# >>> noxgraph")
    assert text.endswith(own)
    assert '\nbuild("newcomer")\n' in text
    run = nox(root, "-s", "hello")
    assert run.code == 0 and "hi" in run.err


def test_a_noxfile_noxgraph_did_not_write_needs_force(tmp_path: Path) -> None:
    root = tmp_path
    package(root, "a", "a")
    theirs = "import nox\n\n@nox.session\ndef tests(session):\n    pass\n"
    write(root / "noxfile.py", theirs)
    refused = cli("generate", "--root", root)
    assert refused.code == 2
    assert "noxfile.py was not written by noxgraph" in refused.err and "--force" in refused.err
    assert (root / "noxfile.py").read_text() == theirs
    assert cli("generate", "--root", root, "--check").code == 2
    forced = cli("generate", "--root", root, "--force")
    assert forced.code == 0
    assert (root / "noxfile.py").read_text().startswith("# >>> noxgraph")


def test_generate_writes_elsewhere_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    package(root, "a", "a")
    (tmp_path / "ci").mkdir()
    run = cli("generate", "--root", root, "--output", tmp_path / "ci" / "noxfile.py")
    assert run.code == 0, run.err
    assert sorted(p.name for p in (tmp_path / "ci").iterdir()) == ["noxfile.py"]
    assert 'root="../ws"' in (tmp_path / "ci" / "noxfile.py").read_text()
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json"],
        cwd=tmp_path / "ci",
        capture_output=True,
        text=True,
        check=False,
    )
    assert [s["session"] for s in json.loads(listed.stdout)] == ["build-a"]
    names = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json", "-s", "build-a"],
        cwd=tmp_path / "ci",
        capture_output=True,
        text=True,
        check=False,
    )
    assert [s["session"] for s in json.loads(names.stdout)] == ["build-a"]


def test_register_at_load_time_gives_the_same_sessions(tmp_path: Path) -> None:
    generated = recording_workspace(tmp_path / "generated", git_repo=False)
    registered = recording_workspace(tmp_path / "registered", git_repo=False)
    (registered / "noxfile.py").write_text(
        "import nox\nimport noxgraph.nox\n\nnoxgraph.nox.register()\n"
    )

    def sessions(root: Path) -> list[tuple[str, str, tuple[str, ...]]]:
        return [
            (s["session"], s["description"], tuple(s["tags"]))
            for s in [*listing(root), *listing(root, "-s", "build-all")]
        ]

    assert sessions(registered) == sessions(generated)
    run = nox(registered, "-s", "build-all")
    assert run.code == 0, run.err
    assert sorted(done_order(registered)) == sorted(GRAPH)


def test_noxgraph_run_invokes_nox_and_summarizes_its_report(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    write(root / "fail-plugin")
    run = cli("run", "build", "--root", root, "-j", "2", "--json")
    assert run.code == 1
    rows = {r["session"]: r for r in json.loads(run.out)["sessions"]}
    assert rows["build-plugin"]["result"] == "failed"
    assert rows["build-app"]["result"] == "aborted"
    assert rows["build-app"]["note"] == "waited for plugin (build-plugin), which failed"
    assert rows["build-util"]["result"] == "success"
    text = cli("run", "build", "--root", root)
    assert text.code == 1
    rows_text = [line.split()[:3] for line in text.out.splitlines() if line.strip()]
    assert ["app", "build-app", "aborted"] in rows_text
    assert ["-", "build-all", "aborted"] in rows_text


def test_noxgraph_run_affected_in_parallel_skips_upstream_through_the_marker(
    tmp_path: Path,
) -> None:
    root = recording_workspace(tmp_path)
    write(root / "libs/util/src/x.py", "X = 1\n")
    dry = cli("run", "build", "--root", root, "--affected", "--dry-run", "--json")
    assert dry.code == 0
    plan = json.loads(dry.out)
    # In the order nox starts them: the upstream sessions that only skip come first.
    sessions = plan["sessions"]
    assert sorted(sessions) == ["build-app", "build-core", "build-plugin", "build-util"]
    assert sessions[0] == "build-core" and sessions[-1] == "build-app"
    assert plan["argv"][plan["argv"].index("--sessions") + 1] == "build-affected"
    assert plan["skipped"] == {
        "build-core": "not affected since main",
        "build-plugin": "not affected since main",
    }
    assert log(root) == []
    run = cli("run", "build", "--root", root, "--affected", "-j", "2", "--json")
    assert run.code == 0
    assert sorted(done_order(root)) == ["app", "util"]
    results = {r["session"]: r["result"] for r in json.loads(run.out)["sessions"]}
    assert results == {
        "build-core": "skipped",
        "build-plugin": "skipped",
        "build-util": "success",
        "build-app": "success",
        "build-affected": "success",
    }
    (root / "libs/util/src/x.py").unlink()
    nothing = cli("run", "build", "--root", root, "--affected")
    assert nothing.code == 0 and "no package is affected" in nothing.out


def test_noxgraph_run_needs_a_noxfile_and_a_known_task(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    unknown = cli("run", "lint", "--root", root)
    assert unknown.code == 2 and "no sessions for task 'lint'" in unknown.err
    (root / "noxfile.py").unlink()
    missing = cli("run", "build", "--root", root)
    assert missing.code == 2 and "run `noxgraph generate` first" in missing.err


def test_a_package_named_like_an_aggregate_is_refused(tmp_path: Path) -> None:
    package(tmp_path, "all", "All")
    run = cli("generate", "--root", tmp_path)
    assert run.code == 2
    assert "package 'all' would have sessions named build-all" in run.err
    assert not (tmp_path / "noxfile.py").exists()


def test_register_reports_bad_input_as_one_line(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\nbogus = 1\n')
    package(tmp_path, "libs/a", "a")
    (tmp_path / "noxfile.py").write_text("import noxgraph.nox\n\nnoxgraph.nox.register()\n")
    run = nox(tmp_path, "-l")
    assert run.code != 0
    assert "Traceback" not in run.err
    assert "noxgraph: pyproject.toml: [tool.noxgraph]: unknown key 'bogus'" in run.err


def test_a_changed_task_reaches_the_next_session_through_the_plan_cache(tmp_path: Path) -> None:
    """Plans are kept between sessions, and made afresh when their inputs change."""
    root = recording_workspace(tmp_path)
    assert nox(root, "-s", "build-core").code == 0
    config = root / "pyproject.toml"
    config.write_text(config.read_text().replace("{name}", "renamed-{name}"))
    assert nox(root, "-s", "build-core").code == 0
    assert [line for line in log(root) if line.startswith("start")] == [
        "start core",
        "start renamed-core",
    ]


def test_noxgraph_run_refuses_a_noxfile_without_noxgraph_sessions(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    (root / "noxfile.py").write_text("import nox\n\n\n@nox.session\ndef lint(session):\n    pass\n")
    run = cli("run", "build", "--root", root, "--affected", "--files", root / "libs/core/x.py")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "noxfile.py declares no noxgraph sessions" in run.err
    assert "noxgraph generate" in run.err and "--noxfile" in run.err
    assert log(root) == []


def test_the_default_build_without_uv_says_so_in_one_line(tmp_path: Path) -> None:
    """A build session has no virtualenv and runs nox's own uv; with none to be found
    (UV names a program that is not there), it fails saying what to install."""
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\n")
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "init")
    run = nox(root, "-s", "build-core", env={"UV": str(tmp_path / "no-uv-here")})
    assert run.code == 1
    assert "build-core runs uv, which nox cannot find: install uv (or nox[uv])" in run.err
    assert not (root / ".nox" / "build-core").exists()


LONG_CHAIN = {"a1": (), "a2": (), "w": (), "x": ("w",), "y": ("x",), "z": ("y",)}


@pytest.mark.parametrize("session", ["build-all", "build-affected"])
def test_under_j_the_longest_chain_starts_before_sessions_nothing_waits_on(
    tmp_path: Path, session: str
) -> None:
    """nox starts ready sessions in the order of the aggregate's requires=: w, on which
    three sessions wait, starts at once, not after a1 and a2 (declared before it)."""
    root = recording_workspace(tmp_path, graph=LONG_CHAIN)
    args = ["--", "--files", "."] if session == "build-affected" else []
    run = nox(root, "-s", session, "-j", "2", *args, env={"RECORD_SLEEP": "0.5"})
    assert run.code == 0, run.err + run.out
    started = [line.split()[1] for line in log(root) if line.startswith("start")]
    assert sorted(started[:2]) == ["a1", "w"]


def test_a_listing_imports_nothing_an_affected_run_needs(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['nox', '-l']\n"
        "runpy.run_path('noxfile.py')\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "noxgraph.sessions.nox_command" in imported
    assert not imported & {"noxgraph.sessions.selection", "noxgraph.changes.options"}
