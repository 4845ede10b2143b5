"""``noxgraph ci github``: the workflow GitHub runs, checked against GitHub's schema
and against what the real nox registers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from ruamel.yaml import YAML

from noxgraph.cli.ci import jobs, nox_python, to_yaml
from noxgraph.sessions.declarations import Declarations, PackageSession
from tests.helpers import cli, commit_all, git, init_repo, package, write
from tests.test_noxfile import GRAPH, listing, log, recording_workspace
from tests.test_python_versions import workspace as python_workspace

WORKFLOW = Path(".github/workflows/noxgraph.yml")


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def written(root: Path, *args: str) -> dict[str, Any]:
    """Write the workflow with ``args``, check it against GitHub's schema, and read it."""
    run = cli("ci", "github", "--root", root, *args)
    assert run.code == 0, run.err
    path = root / WORKFLOW
    checked = schema_check(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    document: dict[str, Any] = YAML(typ="safe").load(path.read_text())
    return document


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    """The job's step whose name starts with ``name``."""
    (found,) = [s for s in job["steps"] if s.get("name", "").startswith(name)]
    return dict(found)


def nox_run(job: dict[str, Any]) -> str:
    """The job's command that runs nox."""
    return str(step(job, "nox -s ")["run"])


def session_of(job: dict[str, Any]) -> str:
    """The session a job runs, read from its nox command."""
    command = nox_run(job).split()
    assert command[:3] == ["nox", "--no-dependencies", "-s"], command
    return str(command[3])


def closure(jobs: dict[str, Any], job: str) -> set[str]:
    found: set[str] = set()
    stack = list(jobs[job].get("needs", []))
    while stack:
        need = stack.pop()
        if need not in found and need != "affected":
            found.add(need)
            stack.extend(jobs[need].get("needs", []))
    return found


def test_one_job_per_nox_session_needing_the_jobs_of_what_it_requires(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    jobs = written(root)["jobs"]
    sessions = {job: session_of(body) for job, body in jobs.items()}
    # The jobs are exactly the sessions `nox -l --json` lists (the usual CI matrix).
    assert sorted(sessions.values()) == sorted(s["session"] for s in listing(root))
    # needs: are the graph's edges: each package's build waits for its dependencies'.
    for job, session in sessions.items():
        package_name = session.removeprefix("build-")
        assert sorted(jobs[job].get("needs", [])) == sorted(
            f"build-{d}" for d in GRAPH[package_name]
        )
        # and, followed through, exactly what real nox queues before the session.
        queued = [s["session"] for s in listing(root, "-s", session)]
        assert {sessions[j] for j in closure(jobs, job)} == set(queued) - {session}
    steps = jobs["build-app"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert "nox" in steps[2]["run"] and "noxgraph" in steps[2]["run"]
    assert "affected" not in jobs


def test_per_python_sessions_become_jobs_on_their_interpreter(tmp_path: Path) -> None:
    root = python_workspace(tmp_path)
    jobs = written(root)["jobs"]
    assert set(jobs) == {s["session"].replace(".", "_") for s in listing(root)}
    app = jobs["build-app-3_13"]
    assert app["name"] == "build-app-3.13"
    assert sorted(app["needs"]) == ["build-plugin-3_13", "build-util-3_13"]
    assert app["steps"][1]["with"]["python-version"].split() == ["3.13", "3.x"]
    assert session_of(app) == "build-app-3.13"


@pytest.mark.parametrize(
    ("requires_python", "version"),
    [
        ([">=3.10"], "3.x"),
        ([">=3.10, <3.13"], ">=3.10.0 <3.13.0"),
        (["~=3.11"], ">=3.11.0 <4.0.0"),
        (["~=3.10.2"], ">=3.10.2 <3.11.0"),
        (["==3.12.*"], ">=3.12.0 <3.13.0"),
        (["==3.12"], "3.12.0"),
        ([">3.10", "<=3.12"], ">3.10.0 <=3.12.0"),
        ([">=3.10,!=3.11.*,<3.14"], ">=3.10.0 <3.11.0 || >=3.12.0 <3.14.0"),
        ([">=3.9,!=3.14.*"], ">=3.9.0 <3.14.0 || >=3.15.0"),
        ([">=3.10,!=3.12.1,<3.14"], ">=3.10.0 <3.12.1 || >3.12.1 <3.14.0"),
        ([">=3.10,!=3.1.*,<3.14"], ">=3.10.0 <3.14.0"),
        ([">=3.9,<3.12", ">=3.12"], None),
        ([">=3.9,<3.13.0rc1"], ">=3.9.0 <3.13.0"),
        ([">=3.11", ">=3.10,<3.14"], ">=3.11.0 <3.14.0"),
        ([">=3.10,<=3.13", ">3.10,<3.13"], ">3.10.0 <3.13.0"),
    ],
)
def test_nox_runs_on_the_newest_python_the_packages_admit(
    requires_python: list[str], version: str | None
) -> None:
    assert nox_python([SpecifierSet(text) for text in requires_python]) == version


def test_a_capped_requires_python_narrows_the_interpreter_of_the_jobs_it_reaches(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core", extra='requires-python = ">=3.10, <3.13"\n')
    package(root, "libs/app", "app", "core", extra='requires-python = ">=3.11"\n')
    package(root, "libs/cli", "cli", extra='requires-python = ">=3.10"\n')
    for name in ("core", "app", "cli"):
        write(root / f"libs/{name}/tests/test_it.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    jobs = written(root)["jobs"]

    def version(job: str) -> str:
        return str(jobs[job]["steps"][1]["with"]["python-version"])

    assert version("test-core") == ">=3.10.0 <3.13.0"
    # app's session installs core.
    assert version("test-app") == ">=3.11.0 <3.13.0"
    assert version("test-cli") == "3.x"
    # A build installs nothing, and `uv build` reads no requires-python.
    assert version("build-core") == "3.x"
    bad = tmp_path / "bad"
    write(bad / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(bad, "libs/core", "core", extra='requires-python = ">=3.10,<"\n')
    refused = cli("ci", "github", "--root", bad)
    assert refused.code != 0
    assert refused.err.count("\n") == 1
    assert refused.err.endswith(
        "libs/core/pyproject.toml: [project].requires-python: '>=3.10,<' is not a version"
        " specifier\n"
    )
    assert not (bad / WORKFLOW).exists()


def test_a_workflow_job_is_bound_by_its_own_sessions_and_a_matrix_entry_by_what_it_runs(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    write(
        root / "pyproject.toml",
        '[tool.noxgraph]\nmembers = ["libs/*"]\n[tool.noxgraph.tasks.test]\nneeds = ["^test"]\n',
    )
    package(root, "libs/core", "core", extra='requires-python = ">=3.10, <3.13"\n')
    # app needs core only to build, so its test session does not install core.
    build = '[build-system]\nrequires = ["core"]\nbuild-backend = "core.backend"\n'
    package(root, "libs/app", "app", extra='requires-python = ">=3.11"\n' + build)
    for name in ("core", "app"):
        write(root / f"libs/{name}/tests/test_it.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    # The workflow runs test-app with --no-dependencies, in a job after test-core's.
    steps = written(root)["jobs"]["test-app"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.x"
    assert any("--no-dependencies -s test-app" in step.get("run", "") for step in steps)
    # A matrix entry's `nox -s test-app` runs test-core first, on the same Python.
    matrix = json.loads(cli("ci", "github", "--root", root, "--format", "json").out)["matrix"]
    [entry] = [e for e in matrix["include"] if e["sessions"] == ["test-app"]]
    assert entry["python-version"] == ">=3.11.0 <3.13.0"


def test_a_job_whose_packages_admit_no_python_in_common_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root / "pyproject.toml", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/legacy", "legacy", extra='requires-python = ">=3.9,<3.12"\n')
    package(root, "libs/modern", "modern", extra='requires-python = ">=3.12"\n')
    for name in ("legacy", "modern"):
        write(root / f"libs/{name}/tests/test_it.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    assert cli("ci", "github", "--root", root, "--format", "json").code == 0
    refused = cli("ci", "github", "--root", root, "--format", "json", "--per-level")
    assert refused.code != 0
    assert refused.err == (
        "noxgraph: error: job test level 1: its sessions run on nox's own Python, and the"
        " requires-python that bind it (<3.12,>=3.9, >=3.12) admit no release in common;"
        " leave out --per-level, or give the tasks a python\n"
    )


def test_a_locked_session_runs_on_a_python_every_member_of_its_lock_admits(
    tmp_path: Path,
) -> None:
    """uv sync takes the requires-python of every member of the workspace, as livekit's
    browser plugin (>=3.12) decides it for the other plugins' tests."""
    root = tmp_path / "ws"
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["plugins/*"]\n')
    write(root / "uv.lock", "version = 1\n")
    package(root, "plugins/browser", "browser", extra='requires-python = ">=3.12, <3.15"\n')
    package(root, "plugins/sarvam", "sarvam", extra='requires-python = ">=3.10"\n')
    write(root / "plugins/sarvam/tests/test_it.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    jobs = written(root)["jobs"]
    assert jobs["test-sarvam"]["steps"][1]["with"]["python-version"] == ">=3.12.0 <3.15.0"
    # Built with uv build, which reads its own project's requires-python only.
    assert jobs["build-sarvam"]["steps"][1]["with"]["python-version"] == "3.x"
    write(
        root / "pyproject.toml",
        '[tool.uv.workspace]\nmembers = ["plugins/*"]\n\n'
        '[tool.noxgraph]\nenvironment = "folders"\n',
    )
    assert cli("generate", "--root", root).code == 0
    assert written(root)["jobs"]["test-sarvam"]["steps"][1]["with"]["python-version"] == "3.x"


def test_per_level_jobs_are_the_graph_s_levels(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    jobs = written(root, "--per-level")["jobs"]
    levels = json.loads(cli("graph", "--root", root, "--format", "json").out)["levels"]
    assert list(jobs) == [f"build-level-{n}" for n in range(1, len(levels) + 1)]
    for number, body in enumerate(jobs.values(), start=1):
        command = nox_run(body).split()
        assert command[:3] == ["nox", "--no-dependencies", "-s"]
        assert sorted(command[3:]) == sorted(f"build-{p}" for p in levels[number - 1])
        assert body.get("needs", []) == ([f"build-level-{number - 1}"] if number > 1 else [])


def test_per_level_jobs_are_per_task_and_need_what_their_sessions_require(
    tmp_path: Path,
) -> None:
    extra = """
    [tool.noxgraph.tasks.check]
    commands = ["python {root}/record.py check-{name}"]
    install = []
    package = false
    needs = ["build"]
    """
    root = recording_workspace(tmp_path, extra=extra)
    jobs = written(root, "--per-level")["jobs"]
    assert sorted(jobs) == sorted(
        [*(f"build-level-{n}" for n in (1, 2, 3)), *(f"check-level-{n}" for n in (1, 2, 3))]
    )
    assert jobs["check-level-1"]["name"] == "check level 1"
    sessions = {job: nox_run(body).split()[3:] for job, body in jobs.items()}
    assert sorted(sessions["check-level-2"]) == ["check-plugin", "check-util"]
    assert jobs["check-level-2"]["needs"] == ["build-level-2"]
    # A failed check job skips no build: no build job waits for one.
    for job, body in jobs.items():
        if job.startswith("build-"):
            assert not [n for n in body.get("needs", []) if n.startswith("check-")]
    # needs: follow requires: what real nox queues before a session ran in earlier jobs.
    for job, listed in sessions.items():
        upstream = {s for j in closure(jobs, job) for s in sessions[j]}
        for session in listed:
            queued = {s["session"] for s in listing(root, "-s", session)} - {session}
            assert queued <= upstream, (session, queued - upstream)


def test_task_keeps_that_task_and_the_sessions_it_requires(tmp_path: Path) -> None:
    extra = """
    [tool.noxgraph.tasks.check]
    commands = ["python {root}/record.py check-{name}"]
    install = []
    package = false
    needs = ["build"]
    """
    root = recording_workspace(tmp_path, extra=extra)
    jobs = written(root, "--task", "check")["jobs"]
    assert sorted(jobs) == sorted([*(f"check-{p}" for p in GRAPH), *(f"build-{p}" for p in GRAPH)])
    assert jobs["check-app"]["needs"] == ["build-app"]
    assert cli("ci", "github", "--root", root, "--task", "nope").code == 2


def affected_outputs(root: Path, job: dict[str, Any], base: str) -> dict[str, str]:
    """Run the affected job's script as GitHub would on a pull request into ``base``."""
    step = job["steps"][-1]
    outputs = root.parent / "github-output"
    outputs.write_text("")
    bin_folder = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        **{
            k: v.replace("${{ github.event_name }}", "pull_request") for k, v in step["env"].items()
        },
        "BASE": base,
        "GITHUB_OUTPUT": str(outputs),
        "RUNNER_TEMP": str(root.parent),
        "PATH": os.pathsep.join([bin_folder, os.environ.get("PATH", "")]),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(line.split("=", 1) for line in outputs.read_text().splitlines())


def runs(body: dict[str, Any], outputs: dict[str, str]) -> bool:
    """Whether a job's ``if:`` lets it run, for a pull request whose upstream jobs did
    not fail (the condition's own logic, evaluated here)."""
    condition = body["if"]
    assert condition.startswith("${{ !cancelled() && !failure() && (")
    if outputs["all"] == "true":
        return True
    session = session_of(body)
    assert f"contains(fromJSON(needs.affected.outputs.sessions), '{session}')" in condition
    return session in json.loads(outputs["sessions"])


def test_affected_runs_only_the_affected_sessions_of_a_pull_request(tmp_path: Path) -> None:
    origin = recording_workspace(tmp_path / "origin")
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(root))
    assert cli("generate", "--root", root).code == 0
    document = written(root, "--affected")
    jobs = document["jobs"]
    affected = jobs.pop("affected")
    # The base comes from the event, through the environment.
    assert affected["steps"][-1]["env"]["BASE"] == "${{ github.base_ref }}"
    assert affected["steps"][0]["with"]["fetch-depth"] == 0
    for body in jobs.values():
        assert body["needs"][0] == "affected"
    git(root, "checkout", "-q", "-b", "change")
    write(root / "libs/util/src/util.py", "X = 1\n")
    commit_all(root, "change util")
    outputs = affected_outputs(root, affected, "main")
    assert outputs["all"] == "false"
    assert json.loads(outputs["sessions"]) == ["build-util", "build-app"]
    ran = sorted(session_of(b) for b in jobs.values() if runs(b, outputs))
    assert ran == ["build-app", "build-util"]
    # build-app needs build-plugin, which is skipped: !failure() lets it run anyway.
    assert "build-plugin" in jobs["build-app"]["needs"]


def test_affected_json_lists_the_affected_sessions_now(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    every = cli("ci", "github", "--root", root, "--format", "json")
    document = json.loads(every.out)
    assert document["schema"] == 1
    entries = document["matrix"]["include"]
    assert [e["name"] for e in entries] == [s["session"] for s in listing(root)]
    app = next(e for e in entries if e["name"] == "build-app")
    assert app["command"] == "nox -s build-app"
    assert sorted(app["needs"]) == ["build-plugin", "build-util"]
    run = cli(
        "ci",
        "github",
        "--root",
        root,
        "--format",
        "json",
        "--affected",
        "--files",
        "libs/util/x.py",
        cwd=root,
    )
    assert run.code == 0, run.err
    narrowed = json.loads(run.out)["matrix"]["include"]
    assert [(e["name"], e["needs"]) for e in narrowed] == [
        ("build-util", []),
        ("build-app", ["build-util"]),
    ]
    assert not (root / WORKFLOW).exists()


def test_the_workflow_is_written_once_and_a_hand_written_one_needs_force(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    first = cli("ci", "github", "--root", root)
    assert first.code == 0 and first.out.startswith("wrote ")
    again = cli("ci", "github", "--root", root)
    assert again.code == 0 and "already up to date" in again.out
    theirs = root / ".github/workflows/mine.yml"
    theirs.write_text("name: mine\n")
    refused = cli("ci", "github", "--root", root, "--output", theirs)
    assert refused.code == 2 and "was not written by noxgraph" in refused.err
    assert theirs.read_text() == "name: mine\n"
    assert cli("ci", "github", "--root", root, "--output", theirs, "--force").code == 0
    assert schema_check(theirs).returncode == 0
    assert not list(theirs.parent.glob(".*.tmp"))
    usage = cli("ci", "github", "--root", root, "--base", "main")
    assert usage.code == 2 and "--format json" in usage.err


def test_a_workspace_below_the_repository_root_runs_there(tmp_path: Path) -> None:
    root = tmp_path / "python" / "packages"
    package(root, "core", "core")
    write(root / "pyproject.toml", '[tool.noxgraph]\nmembers = ["core"]\n')
    assert cli("generate", "--root", root).code == 0
    run = cli("ci", "github", "--root", root, "--output", tmp_path / WORKFLOW)
    assert run.code == 0, run.err
    document = YAML(typ="safe").load((tmp_path / WORKFLOW).read_text())
    assert document["defaults"]["run"]["working-directory"] == "python/packages"


@pytest.mark.parametrize(
    "value",
    [
        "x: y # not a comment",
        "two\nlines ",
        "'both' \"quotes\"",
        'only "double"',
        "tab\there",
        "ünïcode and \u2028",
        "- looks like a list",
        "${{ github.ref }}",
        "yes",
        "",
        " leading\nspace",
    ],
)
def test_every_string_reads_back_as_it_was(value: str) -> None:
    nested = [{}, {"x": value, "y": [value, [value, 1]]}, [value], None]
    job = {"run": value, "needs": [value], value: nested, "yes": True, "on": {value: False}}
    document = {"name": value, "jobs": {"a-b": job}}
    assert YAML(typ="safe").load(to_yaml(document, ["a header"])) == document


def test_a_job_left_out_still_orders_the_jobs_around_it() -> None:
    chain = (
        PackageSession("build", "a"),
        PackageSession("build", "b", ("a",)),
        PackageSession("build", "c", ("b",), python=("3.13",)),
    )
    declarations = Declarations({"a": "a", "b": "b", "c": "c"}, {"build": chain})
    kept = jobs(declarations, only={"build-a", "build-c-3.13"})
    assert [(j.id, j.needs) for j in kept] == [("build-a", ()), ("build-c-3_13", ("build-a",))]
    levels = jobs(declarations, per_level=True, only={"build-a", "build-c-3.13"})
    assert [(j.id, j.sessions, j.needs) for j in levels] == [
        ("build-level-1", ("build-a",), ()),
        ("build-level-2", ("build-c-3.13",), ("build-level-1",)),
    ]


def test_a_workspace_without_sessions_writes_no_workflow(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.noxgraph.tasks]\nbuild = []\ntest = []\n")
    package(tmp_path, "core", "core")
    run = cli("ci", "github", "--root", tmp_path)
    assert run.code == 2 and "no job" in run.err
    assert not (tmp_path / WORKFLOW).exists()


def test_jobs_run_the_noxfile_noxgraph_wrote_beside_the_project_s_own(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    theirs = "import nox\n\n\n@nox.session\ndef lint(session):\n    pass\n"
    (root / "noxfile.py").write_text(theirs)
    refused = cli("ci", "github", "--root", root)
    assert refused.code == 2
    assert refused.err.count("\n") == 1 and "declares no noxgraph sessions" in refused.err
    assert "noxgraph generate" in refused.err and "--noxfile" in refused.err
    assert not (root / WORKFLOW).exists()
    assert cli("generate", "--root", root, "--output", root / "noxgraph_noxfile.py").code == 0
    jobs = written(root, "--noxfile", root / "noxgraph_noxfile.py")["jobs"]
    command = nox_run(jobs["build-core"]).split()
    assert command[:3] == ["nox", "-f", "noxgraph_noxfile.py"]
    # The job's command, run as GitHub would in the workspace root, finds its session.
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert log(root) == ["start core", "done core"]
    matrix = cli(
        "ci",
        "github",
        "--root",
        root,
        "--noxfile",
        "noxgraph_noxfile.py",
        "--format",
        "json",
        cwd=root,
    )
    entries = json.loads(matrix.out)["matrix"]["include"]
    assert entries[0]["command"].startswith("nox -f noxgraph_noxfile.py -s ")


def test_no_noxfile_writes_no_workflow(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    (root / "noxfile.py").unlink()
    run = cli("ci", "github", "--root", root)
    assert run.code == 2 and "no noxfile at" in run.err and "noxgraph generate" in run.err
    assert not (root / WORKFLOW).exists()


def test_the_default_workflow_goes_where_github_looks_for_a_workspace_below_the_top(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo")
    root = recording_workspace(repo / "python", git_repo=False)
    commit_all(repo, "init")
    run = cli("ci", "github", "--root", root)
    assert run.code == 0, run.err
    assert not (root / WORKFLOW).exists()
    document = YAML(typ="safe").load((repo / WORKFLOW).read_text())
    assert document["defaults"]["run"]["working-directory"] == "python"
    # Outside git, the workspace root's own folder.
    alone = recording_workspace(tmp_path / "alone", git_repo=False)
    assert cli("ci", "github", "--root", alone).code == 0
    assert (alone / WORKFLOW).is_file()


def test_the_workflow_noxgraph_wrote_is_no_change(tmp_path: Path) -> None:
    # As in meltano/sdk: the workspace root is itself a package, so an untracked
    # workflow in its folder would make it "changed".
    root = init_repo(tmp_path / "sdk")
    package(root, ".", "singer-sdk")
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "init")
    assert cli("ci", "github", "--root", root).code == 0
    assert (root / WORKFLOW).is_file()
    run = cli("affected", "--root", root, "--format", "names")
    assert run.code == 0, run.err
    assert run.out == ""
    # A workflow the user wrote beside it is a change like any other file.
    write(root / ".github/workflows/mine.yml", "name: mine\n")
    assert cli("affected", "--root", root, "--format", "names").out == "singer-sdk\n"


def test_the_jobs_install_noxgraph_as_asked_quoted_for_yaml_and_the_shell(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    default = written(root)["jobs"]["build-core"]["steps"][2]["run"]
    assert "'noxgraph>=" in default
    spec = "noxgraph @ git+https://github.com/ORG/noxgraph@v1 ; python_version >= '3.10'"
    jobs = written(root, "--noxgraph-requirement", spec, "--affected")["jobs"]
    # The install line, run by a real shell with a python that shows what it was given.
    fake = write(tmp_path / "bin" / "python", '#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    for job in ("affected", "build-app"):
        line = jobs[job]["steps"][2]["run"]
        done = subprocess.run(
            ["bash", "-e", "-c", line],
            env={**os.environ, "PATH": os.pathsep.join([str(fake.parent), os.environ["PATH"]])},
            capture_output=True,
            text=True,
            check=True,
        )
        argv = done.stdout.splitlines()
        assert argv[:3] == ["-m", "pip", "install"] and argv[-1] == spec
    for bad, why in [("noxgraph @@ nowhere", "not a requirement"), ("requests>=2", "not noxgraph")]:
        refused = cli("ci", "github", "--root", root, "--noxgraph-requirement", bad)
        assert refused.code == 2 and refused.err.count("\n") == 1
        assert "--noxgraph-requirement" in refused.err and why in refused.err


def test_writing_the_default_install_says_where_noxgraph_comes_from(tmp_path: Path) -> None:
    root = recording_workspace(tmp_path)
    default = cli("ci", "github", "--root", root)
    assert default.code == 0, default.err
    assert "from the package index; --noxgraph-requirement names another" in default.out
    spec = "noxgraph @ git+https://github.com/ORG/noxgraph@v1"
    asked = cli("ci", "github", "--root", root, "--noxgraph-requirement", spec, "--force")
    assert asked.code == 0, asked.err
    assert "package index" not in asked.out


def carried(root: Path, paths: list[str]) -> dict[str, bytes]:
    """What the folders a job carries hold (as ``hashFiles`` reads them: every file)."""
    found: dict[str, bytes] = {}
    for path in paths:
        for file in sorted((root / path).rglob("*")):
            if file.is_file():
                found[file.relative_to(root).as_posix()] = file.read_bytes()
    return found


def test_each_job_restores_and_saves_the_session_cache_where_nox_keeps_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repository"
    workspace = root / "python"
    init_repo(root)
    recording_workspace(workspace, git_repo=False)
    commit_all(root)
    # Where GitHub looks: at the top of the repository, above the workspace.
    assert cli("ci", "github", "--root", workspace).code == 0
    checked = schema_check(root / WORKFLOW)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    document = YAML(typ="safe").load((root / WORKFLOW).read_text())
    assert document["defaults"]["run"]["working-directory"] == "python"
    assert list(document["on"]) == ["push", "pull_request", "workflow_dispatch"]
    assert document["on"]["push"] == {"branches": ["main"]}
    prefixes = []
    for job_id, job in document["jobs"].items():
        names = [s.get("name", "") for s in job["steps"]]
        assert names[3:] == [
            "Restore the session cache",
            f"nox -s {session_of(job)}",
            "Key the session cache by what it holds",
            "Save the session cache",
        ]
        restore, keyed, save = (
            step(job, "Restore"),
            step(job, "Key the session"),
            step(job, "Save"),
        )
        assert restore["uses"] == "actions/cache/restore@v4"
        assert save["uses"] == "actions/cache/save@v4"
        # Paths from the repository's top, where actions/cache reads them, naming the
        # folders noxgraph keeps beside the noxfile in the workspace.
        paths = restore["with"]["path"].split()
        assert paths == [
            "python/.nox/.cache/noxgraph-sessions",
            "python/.nox/.cache/noxgraph/wheels-*",
        ]
        # noxgraph's cache folder is the one whose wheels are carried.
        assert job["env"]["NOXGRAPH_CACHE_DIR"] == (
            "${{ github.workspace }}/python/.nox/.cache/noxgraph"
        )
        assert save["with"]["path"] == restore["with"]["path"]
        assert keyed["env"]["DIGEST"] == (
            "${{ hashFiles('python/.nox/.cache/noxgraph-sessions/**',"
            " 'python/.nox/.cache/noxgraph/wheels-*/**') }}"
        )
        # Saved under the job's prefix and what the folders hold; restored by the prefix.
        prefix = restore["with"]["key"]
        assert prefix == f"noxgraph-sessions/${{{{ runner.os }}}}-${{{{ runner.arch }}}}/{job_id}/"
        assert keyed["env"]["PREFIX"] == prefix
        assert save["with"]["key"] == "${{ steps.session-cache-key.outputs.key }}"
        assert save["if"] == (
            "steps.session-cache-key.outputs.key != '' &&"
            " steps.session-cache-key.outputs.key != steps.session-cache.outputs.cache-matched-key"
        )
        prefixes.append(prefix)
    # No job restores another's cache: no prefix starts another.
    assert not [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]


def test_a_rerun_on_another_runner_takes_every_session_from_the_carried_cache(
    tmp_path: Path,
) -> None:
    first = recording_workspace(tmp_path / "first")
    jobs = written(first)["jobs"]
    commit_all(first, "the workflow and the noxfile")
    paths = step(jobs["build-core"], "Restore")["with"]["path"].split()

    def run_jobs(runner: Path) -> str:
        output = ""
        for job in jobs.values():
            done = subprocess.run(
                [sys.executable, "-m", *nox_run(job).split()],
                cwd=runner,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            output += done.stderr
        return output

    assert "cached" not in run_jobs(first)
    saved = carried(first, paths)
    assert saved
    # Another runner: another clone in another folder, the carried folders restored.
    second = tmp_path / "elsewhere" / "second"
    second.parent.mkdir()
    git(tmp_path, "clone", "-q", str(first), str(second))
    for path in paths:
        if (first / path).is_dir():
            shutil.copytree(first / path, second / path)
    output = run_jobs(second)
    for session in (session_of(job) for job in jobs.values()):
        assert f"Session {session} skipped: cached, inputs " in output
    # Nothing changed what the folders hold: the save step has nothing to save.
    assert carried(second, paths) == saved
    write(second / "libs" / "util" / "src" / "util" / "__init__.py", "X = 1\n")
    commit_all(second, "util changed")
    changed = run_jobs(second)
    assert "Session build-util was successful" in changed
    assert "Session build-core skipped: cached" in changed
    assert carried(second, paths) != saved
