"""``noxgraph graph``, ``show`` and ``check`` from the command line."""

from __future__ import annotations

import gc
import itertools
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, cli, cli_process, commit_all, init_repo, package, pyproject, write

CORPUS = REPO / "tests" / "data" / "corpus"


def _case(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(CORPUS / name, tmp_path / name))


def _small(root: Path) -> Path:
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(
        root,
        "libs/app",
        "app",
        "core>=1 ; python_version >= '3.10'",
        extra="""
        [project.optional-dependencies]
        fast = ["core[speed]"]
        [dependency-groups]
        test = ["testkit"]
    """,
    )
    package(root, "libs/testkit", "testkit", "core")
    write(root / "libs" / "app" / "tests" / "test_app.py", "def test(): pass\n")
    return root


def test_graph_json_is_the_contract(tmp_path: Path) -> None:
    root = _small(tmp_path / "ws")
    run = cli("graph", "--root", root, "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert list(document) == [
        "schema",
        "root",
        "packages",
        "edges",
        "order",
        "levels",
        "cycles",
        "cycle_paths",
        "skipped",
    ]
    assert document["schema"] == 1
    assert document["root"] == str(root)
    assert document["packages"] == [
        {"name": "app", "path": "libs/app", "version": "1.0.0", "dynamic": []},
        {"name": "core", "path": "libs/core", "version": "1.0.0", "dynamic": []},
        {"name": "testkit", "path": "libs/testkit", "version": "1.0.0", "dynamic": []},
    ]
    assert document["edges"] == [
        {
            "from": "app",
            "to": "core",
            "kind": "runtime",
            "specifier": ">=1",
            "extras": [],
            "marker": 'python_version >= "3.10"',
            "declared_in": "libs/app/pyproject.toml",
            "groups": [],
        },
        {
            "from": "app",
            "to": "core",
            "kind": "optional",
            "specifier": "",
            "extras": ["speed"],
            "marker": None,
            "declared_in": "libs/app/pyproject.toml",
            "groups": ["fast"],
        },
        {
            "from": "app",
            "to": "testkit",
            "kind": "group",
            "specifier": "",
            "extras": [],
            "marker": None,
            "declared_in": "libs/app/pyproject.toml",
            "groups": ["test"],
        },
        {
            "from": "testkit",
            "to": "core",
            "kind": "runtime",
            "specifier": "",
            "extras": [],
            "marker": None,
            "declared_in": "libs/testkit/pyproject.toml",
            "groups": [],
        },
    ]
    assert document["order"] == ["core", "app", "testkit"]
    assert document["levels"] == [["core"], ["app", "testkit"]]
    assert document["cycles"] == []
    assert document["skipped"] == [
        {
            "path": "pyproject.toml",
            "reason": "names no package (no [project] or [tool.poetry] name): configuration only",
        }
    ]


def test_graph_kinds_filter_edges_order_and_cycles(tmp_path: Path) -> None:
    root = _small(tmp_path)
    run = cli("graph", "--root", root, "--json", "--kinds", "runtime,group")
    document = json.loads(run.out)
    assert {(e["from"], e["to"], e["kind"]) for e in document["edges"]} == {
        ("app", "core", "runtime"),
        ("app", "testkit", "group"),
        ("testkit", "core", "runtime"),
    }
    run = cli("graph", "--root", root, "--json", "--kinds", "build")
    assert json.loads(run.out)["edges"] == []
    assert json.loads(run.out)["levels"] == [["app", "core", "testkit"]]
    header = cli("graph", "--root", root, "--kinds", "runtime,group,build").out.splitlines()[0]
    assert header.startswith("3 packages, 3 edges (2 runtime, 1 group); members from ")
    unordered = cli("graph", "--root", root, "--kinds", "group").out.splitlines()
    assert unordered[0].startswith("3 packages, 1 edge (1 group); members from ")
    assert unordered[2] == "Build order: no edge of the kinds shown orders sessions"
    bad = cli("graph", "--root", root, "--kinds", "sideways")
    assert bad.code == 2 and "unknown kind 'sideways'" in bad.err


def test_graph_text_dot_and_mermaid(tmp_path: Path) -> None:
    root = _small(tmp_path)
    text = cli("graph", "--root", root)
    assert text.code == 0
    assert "3 packages, 4 edges (2 runtime, 1 optional, 1 group); members from" in text.out
    assert "0      core" in text.out
    assert "1      app, testkit" in text.out
    assert 'core>=1; python_version >= "3.10"  runtime' in text.out
    assert "core[speed]  optional: fast" in text.out
    assert "testkit  group: test" in text.out
    assert "\x1b[" not in text.out
    dot = cli("graph", "--root", root, "--format", "dot").out
    assert dot.startswith("digraph noxgraph {")
    assert '"app" -> "core" [label="optional", style=dashed];' in dot
    mermaid = cli("graph", "--root", root, "--format", "mermaid").out.splitlines()
    assert mermaid[0] == "flowchart BT"
    assert '  n0["app"]' in mermaid
    assert "  n0 -.->|group| n2" in mermaid


def test_prefect_umbrella_extras_order_out_of_the_box(tmp_path: Path) -> None:
    """prefect[aws] requires prefect-aws, which requires prefect: optional edges do not
    order sessions by default, so the graph has an order; asked to, they make a cycle."""
    root = _case(tmp_path, "prefect")
    ordered = cli("graph", "--root", root, "--json")
    assert ordered.code == 0, ordered.err
    assert json.loads(ordered.out)["order"] == [
        "prefect",
        "prefect-aws",
        "prefect-shell",
        "prefect-dbt",
    ]
    assert cli("generate", "--root", root).code == 0
    pyproject(
        root,
        ".",
        (root / "pyproject.toml").read_text()
        + """
        [tool.noxgraph]
        order-kinds = ["runtime", "optional", "build"]
    """,
    )
    run = cli("graph", "--root", root, "--json")
    assert run.code == 1
    document = json.loads(run.out)
    assert document["order"] == [] and document["levels"] == []
    assert ["prefect", "prefect-aws", "prefect-dbt", "prefect-shell"] in document["cycles"]
    number = document["cycles"].index(["prefect", "prefect-aws", "prefect-dbt", "prefect-shell"])
    path = document["cycle_paths"][number]
    assert path[0] == path[-1] == "prefect" and set(path) <= set(document["cycles"][number])
    edges = {(e["from"], e["to"]) for e in document["edges"]}
    assert all(step in edges for step in itertools.pairwise(path))
    assert "prefect -[optional: pyproject.toml]-> prefect-aws -[runtime:" in run.err
    assert run.err.count("\n") == 1


def test_langgraph_answers_without_configuration_leaving_out_its_same_named_examples(
    tmp_path: Path,
) -> None:
    root = _case(tmp_path, "langgraph")
    examples = ["libs/cli/examples/monorepo-a/agent", "libs/cli/examples/monorepo-b/agent"]
    run = cli("graph", "--root", root, "--json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert "agent" not in [p["name"] for p in document["packages"]]
    left_out = [s for s in document["skipped"] if s["reason"].startswith("names package 'agent'")]
    assert [s["path"] for s in left_out] == [f"{folder}/pyproject.toml" for folder in examples]
    assert "as libs/cli/examples/monorepo-b/agent/pyproject.toml does" in left_out[0]["reason"]
    generated = cli("generate", "--root", root)
    assert generated.code == 0, generated.err
    assert generated.err.count("a scan cannot tell which is meant") == 2
    check = cli("check", "--root", root, "--json")
    assert check.code == 0, check.out
    findings = json.loads(check.out)["findings"]
    assert [(f["code"], f["severity"]) for f in findings if f["code"] == "duplicate-name"] == [
        ("duplicate-name", "warning"),
        ("duplicate-name", "warning"),
    ]
    assert cli("check", "--root", root, "--strict").code == 1
    [source] = [f for f in findings if f["code"] == "path-to-no-member"]
    assert source["file"] == "libs/cli/examples/pyproject.toml"
    assert "'../sdk_py'" in source["message"]
    assert "drawn to member 'langgraph-sdk' by name" in source["message"]

    write(root / "noxgraph.toml", 'exclude = ["libs/cli/examples/monorepo-*/agent"]\n')
    run = cli("graph", "--root", root, "--json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert [p["name"] for p in document["packages"]] == [
        "langgraph",
        "langgraph-examples",
        "langgraph-prebuilt",
        "langgraph-sdk",
    ]
    assert {(e["from"], e["to"], e["kind"]) for e in document["edges"]} == {
        ("langgraph", "langgraph-prebuilt", "runtime"),
        ("langgraph", "langgraph-sdk", "runtime"),
        ("langgraph", "langgraph-sdk", "group"),
        ("langgraph-prebuilt", "langgraph", "group"),
        ("langgraph-examples", "langgraph-sdk", "runtime"),
    }


def test_meltano_root_package_and_jinja_template(tmp_path: Path) -> None:
    root = _case(tmp_path, "meltano")
    document = json.loads(cli("graph", "--root", root, "--json").out)
    assert [p["name"] for p in document["packages"]] == ["meltano-tap-csv", "singer-sdk"]
    assert document["cycles"] == [["meltano-tap-csv", "singer-sdk"]]
    assert document["cycle_paths"] == [["meltano-tap-csv", "singer-sdk", "meltano-tap-csv"]]
    assert document["order"] == ["singer-sdk", "meltano-tap-csv"]
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("[tool.uv.workspace]", "[tool.other]")
    )
    scanned = json.loads(cli("graph", "--root", root, "--json").out)
    assert scanned["skipped"] == [
        {
            "path": "cookiecutter/tap-template/{{cookiecutter.tap_id}}/pyproject.toml",
            "reason": "is inside a template folder ({{ ... }})",
        }
    ]


def test_show_text_and_json(tmp_path: Path) -> None:
    root = _small(tmp_path)
    document = json.loads(cli("show", "APP", "--root", root, "--format", "json").out)
    assert document["name"] == "app"
    assert [(d["name"], d["kinds"], d["specifier"]) for d in document["dependencies"]] == [
        ("core", ["runtime", "optional"], ">=1"),
        ("testkit", ["group"], ""),
    ]
    assert document["dependents"] == []
    assert document["tasks"]["test"]["session"] == "test-app"
    assert document["tasks"]["build"]["commands"] == [
        ["uv", "build", "--out-dir", "{wheelhouse}", "{package}"]
    ]
    core = json.loads(cli("show", "core", "--root", root, "--json").out)
    assert core["dependents"] == [
        {"name": "app", "kinds": ["runtime", "optional"]},
        {"name": "testkit", "kinds": ["runtime"]},
    ]
    assert list(core["tasks"]) == ["build"]
    assert core["tasks_without_session"] == {
        "test": "it needs tests (needs-tests), and libs/core has no tests folder or test"
        " modules at its top"
    }
    assert "No test session: it needs tests" in cli("show", "core", "--root", root).out
    assert (
        json.loads(cli("show", "app", "--root", root, "--json").out)["tasks_without_session"] == {}
    )
    text = cli("show", "app", "--root", root).out
    assert "[project].dependencies, [project.optional-dependencies].fast" in text
    package(root, "libs/app", "app", "core>=1", extra='[build-system]\nrequires = ["core>=0.9"]\n')
    [row] = [r for r in cli("show", "app", "--root", root).out.splitlines() if r.startswith("core")]
    assert row.split()[:7] == ["core", "runtime,", "build", "runtime", ">=1;", "build", ">=0.9"]
    missing = cli("show", "apq", "--root", root)
    assert missing.code == 2
    assert (
        missing.err == f"noxgraph: error: no package named 'apq' in {root}; did you mean 'app'?\n"
    )
    by_its_end = cli("show", "KIT", "--root", root)
    assert by_its_end.code == 2
    assert by_its_end.err.endswith("; did you mean 'testkit'?\n")
    for name in ("nat-a365-example", "nat-adk-demo", "nat-agents-examples", "nvidia-nat"):
        package(root, f"libs/{name}", name)
    by_a_part = cli("show", "nat", "--root", root)
    assert by_a_part.err.endswith(
        "; did you mean 'nvidia-nat' or 'nat-adk-demo' or 'nat-a365-example'?\n"
    )


def test_show_and_check_say_why_a_project_is_no_package(tmp_path: Path) -> None:
    root = _small(tmp_path)
    package(root, "libs/docs", "Docs_Site", extra="[tool.uv]\npackage = false\n")
    package(root, "tools/release", "release-tool")
    never_built = cli("show", "docs-site", "--root", root)
    assert never_built.code == 2
    assert never_built.err == (
        f"noxgraph: error: 'docs-site' is no package of {root}: libs/docs/pyproject.toml"
        " [project].name 'Docs_Site' is never built ([tool.uv] package = false)\n"
    )
    outside = cli("show", "release_tool", "--root", root)
    assert outside.code == 2
    assert outside.err == (
        f"noxgraph: error: 'release_tool' is no package of {root}: tools/release/pyproject.toml"
        " names package 'release-tool' but is no member (pyproject.toml: [tool.uv.workspace])\n"
    )
    assert "Traceback" not in never_built.err + outside.err
    package(root, "libs/core", "core", "six>=1")
    # A member never built is the user's word, as uv's: no warning, and strict passes.
    [note] = [
        f
        for f in json.loads(cli("check", "--root", root, "--json").out)["findings"]
        if f["file"] == "libs/docs/pyproject.toml"
    ]
    assert (note["severity"], note["code"]) == ("note", "no-package")
    graph = cli("graph", "--root", root)
    assert "never built" not in graph.err
    third_party = cli("show", "Six", "--root", root)
    assert third_party.code == 2
    assert third_party.err == (
        f"noxgraph: error: 'Six' is no package of {root}: it is a third-party dependency of core\n"
    )


def test_check_notes_a_locked_package_uv_takes_for_a_virtual_project(tmp_path: Path) -> None:
    """As kserve keeps its storage library: a project on its own, with its own uv.lock and
    no [build-system], which uv locks as `virtual`; uv builds a workspace's members without
    one all the same (`editable`)."""
    write(
        tmp_path / "pyproject.toml", '[tool.noxgraph]\nmembers = ["storage", "ws", "ws/libs/*"]\n'
    )
    backend = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    package(tmp_path, "storage", "storage")
    write(tmp_path / "storage/uv.lock", "version = 1\n")
    package(tmp_path, "ws", "ws", extra=backend + '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    write(tmp_path / "ws/uv.lock", "version = 1\n")
    package(tmp_path, "ws/libs/member", "member")
    for folder in ("storage", "ws", "ws/libs/member"):
        write(tmp_path / folder / "tests/test_it.py", "def test():\n    pass\n")

    def notes() -> list[dict[str, str]]:
        findings = json.loads(cli("check", "--root", tmp_path, "--json").out)["findings"]
        return [f for f in findings if f["code"] == "virtual-project"]

    [note] = notes()
    assert (note["severity"], note["file"]) == ("note", "storage/pyproject.toml")
    assert note["message"] == (
        "storage has no [build-system], so uv takes it for a virtual project and installs only"
        " its dependencies: test-storage, installing storage/uv.lock, runs without storage"
        " installed; add a [build-system] table, or set [tool.uv] package = true"
    )
    package(tmp_path, "storage", "storage", extra="[tool.uv]\npackage = true\n")
    assert notes() == []


def test_check_notes_a_lock_whose_members_admit_no_python_noxgraph_runs_on(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["plugins/*"]\n')
    write(tmp_path / "uv.lock", "version = 1\n")
    package(tmp_path, "plugins/browser", "browser", extra='requires-python = ">=3.99"\n')
    package(tmp_path, "plugins/sarvam", "sarvam", extra='requires-python = ">=3.8"\n')
    assert cli("check", "--root", tmp_path, "--json").out.count("lock-python") == 0  # builds only
    write(tmp_path / "plugins/sarvam/tests/test_it.py", "def test():\n    pass\n")

    def notes() -> list[dict[str, str]]:
        run = cli("check", "--root", tmp_path, "--json")
        return [f for f in json.loads(run.out)["findings"] if f["code"] == "lock-python"]

    [note] = notes()
    here = platform.python_version()
    assert (note["severity"], note["file"]) == ("note", "uv.lock")
    assert note["message"] == (
        f"uv sync takes every member's requires-python together, and browser (>=3.99) admits"
        f" no Python {here}, which noxgraph runs on: a session installing this lock on nox's"
        " own interpreter fails; run nox on a Python it admits, or give the tasks a python"
    )
    write(tmp_path / "noxgraph.toml", 'environment = "folders"\n')
    assert notes() == []
    (tmp_path / "noxgraph.toml").unlink()
    package(tmp_path, "plugins/browser", "browser", extra='requires-python = ">=3.8"\n')
    assert notes() == []


def test_check_notes_a_package_that_admits_no_python_noxgraph_runs_on(tmp_path: Path) -> None:
    package(tmp_path, "aero", "aero", extra='requires-python = ">=3.99"\n')
    package(tmp_path, "ping", "ping", extra='requires-python = ">=3.8"\n')
    for folder in ("aero", "ping"):
        write(tmp_path / folder / "tests/test_it.py", "def test():\n    pass\n")
    findings = json.loads(cli("check", "--root", tmp_path, "--json").out)["findings"]
    [note] = [f for f in findings if f["code"] == "requires-python"]
    assert (note["severity"], note["file"]) == ("note", "aero/pyproject.toml")
    assert note["message"] == (
        f"[project].requires-python '>=3.99' admits no Python {platform.python_version()},"
        " which noxgraph runs on: the sessions installing aero on nox's own interpreter fail;"
        " run nox on a Python it admits, or give the tasks a python"
    )
    write(tmp_path / "noxgraph.toml", '[tasks.test]\npython = ["3.99"]\n')
    findings = json.loads(cli("check", "--root", tmp_path, "--json").out)["findings"]
    assert [f for f in findings if f["code"] == "requires-python"] == []
    # One that is no specifier is an error among the findings, not the end of check.
    package(tmp_path, "aero", "aero", extra='requires-python = ">=3.10,<"\n')
    run = cli("check", "--root", tmp_path, "--json")
    assert run.code == 1
    [error] = [f for f in json.loads(run.out)["findings"] if f["severity"] == "error"]
    assert (error["code"], error["file"]) == ("invalid", "aero/pyproject.toml")
    assert error["message"] == "[project].requires-python: '>=3.10,<' is not a version specifier"


def test_check_passes_on_a_clean_workspace_and_fails_on_unsatisfied_constraints(
    tmp_path: Path,
) -> None:
    root = _small(tmp_path)
    clean = cli("check", "--root", root, "--json")
    assert clean.code == 0
    assert json.loads(clean.out)["counts"] == {"error": 0, "warning": 0, "note": 1}
    package(root, "libs/testkit", "testkit", "core>=2")
    failing = cli("check", "--root", root)
    assert failing.code == 1
    assert "'core>=2' is not satisfied by sibling core 1.0.0 (libs/core/pyproject.toml)" in (
        failing.out
    )


def test_check_strict_fails_on_warnings_such_as_dynamic_dependencies(tmp_path: Path) -> None:
    pyproject(tmp_path, "a", '[project]\nname = "a"\nversion = "1"\ndynamic = ["dependencies"]\n')
    assert cli("check", "--root", tmp_path).code == 0
    strict = cli("check", "--root", tmp_path, "--strict", "--json")
    assert strict.code == 1
    [finding] = json.loads(strict.out)["findings"]
    assert finding["code"] == "dynamic" and finding["file"] == "a/pyproject.toml"


def test_graph_affected_and_show_warn_that_dynamic_dependencies_are_not_in_the_graph(
    tmp_path: Path,
) -> None:
    # A graph or an affected set that lacks the edges a build backend adds must not look
    # whole: each answer says which members leave their dependencies to it.
    pyproject(tmp_path, "core", '[project]\nname = "core"\nversion = "1"\n')
    for name in ("a", "b", "c", "d"):
        pyproject(
            tmp_path,
            name,
            f'[project]\nname = "{name}"\nversion = "1"\ndynamic = ["dependencies"]\n',
        )
    warning = (
        "noxgraph: warning: the build backend decides the dependencies of 4 packages"
        " ([project].dynamic): a/pyproject.toml, b/pyproject.toml, c/pyproject.toml and 1 more;"
        " the edges it adds are not in the graph (noxgraph check --metadata asks it)\n"
    )
    graph = cli("graph", "--root", tmp_path, "--format", "json", cwd=tmp_path)
    assert graph.code == 0 and graph.err == warning
    assert json.loads(graph.out)["schema"] == 1
    affected = cli("affected", "--root", tmp_path, "--files", "core/x.py", cwd=tmp_path)
    assert affected.code == 0 and affected.err == warning
    shown = cli("show", "d", "--root", tmp_path, cwd=tmp_path)
    assert shown.code == 0
    assert "dependencies of 1 package ([project].dynamic): d/pyproject.toml;" in shown.err
    assert cli("show", "core", "--root", tmp_path, cwd=tmp_path).err == ""


def test_check_lists_every_unreadable_file_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a" / "pyproject.toml", "[project\n")
    write(tmp_path / "b" / "pyproject.toml", '[project]\nname = "b"\ndependencies = ["x>>"]\n')
    package(tmp_path, "c", "c")
    run = cli("check", "--root", tmp_path, "--json")
    assert run.code == 1
    errors = [f for f in json.loads(run.out)["findings"] if f["severity"] == "error"]
    assert [(f["file"], f["code"]) for f in errors] == [
        ("a/pyproject.toml", "invalid"),
        ("b/pyproject.toml", "invalid"),
    ]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("graph", "--root", "{tmp}/missing"), "--root {tmp}/missing: no such folder"),
        (("show", "x", "--root", "{tmp}/one"), "no package named 'x'"),
        (("graph", "--root", "{tmp}/empty"), "no package under {tmp}/empty: no pyproject.toml"),
        (("graph", "--root", "{tmp}/bad"), "bad/a/pyproject.toml: invalid TOML"),
    ],
)
def test_errors_are_one_line_exit_2_and_no_traceback(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    write(tmp_path / "bad" / "a" / "pyproject.toml", "[project\n")
    write(tmp_path / "one" / "a" / "pyproject.toml", '[project]\nname = "a"\n')
    (tmp_path / "empty").mkdir()
    run = cli_process(*(a.replace("{tmp}", str(tmp_path)) for a in args), cwd=tmp_path)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("noxgraph: error: ")
    assert needle.replace("{tmp}", str(tmp_path)) in run.err
    assert run.err.count("\n") == 1
    assert "Traceback" not in run.err


def test_usage_errors_exit_2() -> None:
    run = cli("graph", "--format", "yaml")
    assert run.code == 2
    assert "invalid choice: 'yaml'" in run.err


def _many(root: Path, count: int) -> Path:
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    for number in range(count):
        below = [f"p{number - 1:03d}"] if number else []
        package(root, f"libs/p{number:03d}", f"p{number:03d}", *below)
    return root


def test_a_long_graph_text_is_a_summary_unless_all_is_asked(tmp_path: Path) -> None:
    root = _many(tmp_path / "ws", 60)
    summary = cli("graph", "--root", root)
    assert summary.code == 0
    assert "... and 10 more levels (--all lists every one)" in summary.out
    assert "... and 10 more packages (--all lists every one)" in summary.out
    assert "p049 1.0.0" in summary.out
    assert "p050 1.0.0" not in summary.out
    every = cli("graph", "--root", root, "--all")
    assert every.code == 0
    assert "more packages" not in every.out
    assert "p059 1.0.0" in every.out
    # JSON always holds everything.
    document = json.loads(cli("graph", "--root", root, "--format", "json").out)
    assert len(document["packages"]) == 60


def test_a_short_graph_text_is_whole(tmp_path: Path) -> None:
    root = _many(tmp_path / "ws", 5)
    assert cli("graph", "--root", root).out == cli("graph", "--root", root, "--all").out


def test_every_command_is_listed_in_help_and_parses_its_own_options() -> None:
    from noxgraph.cli.main import build_parser

    listed = build_parser().format_help()
    for command in ("graph", "show", "check", "affected", "generate", "run", "ci"):
        assert command in listed
    only = build_parser().parse_args(["graph", "--all", "--kinds", "runtime"])
    assert only.all_rows is True
    assert only.kinds == ["runtime"]
    assert cli("affected", "--kinds", "runtime").code == 2


def test_a_line_that_starts_with_its_command_builds_that_one_and_others_list_all() -> None:
    from noxgraph.cli.main import build_parser

    words = ["graph", "--root", "run", "--all"]
    parser = build_parser("graph")
    assert parser.parse_args(words).all_rows is True
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "build"])
    summary = cli("--help")
    assert summary.code == 0
    assert "a CI workflow whose jobs mirror the sessions" in summary.out
    assert "--dry-run" in cli("run", "--help").out
    every = "(choose from 'graph', 'show', 'check', 'affected', 'generate', 'run', 'ci')"
    for line in (("afected", "--base", "main"), ("sho", "graph"), ("--", "graph")):
        misspelt = cli(*line)
        assert misspelt.code == 2
        assert f"invalid choice: '{line[0]}' {every}" in misspelt.err
    assert "a CI workflow whose jobs mirror the sessions" in cli("--hel", "graph").out


def test_a_long_dry_run_is_a_summary_unless_all_is_asked(tmp_path: Path) -> None:
    root = _many(tmp_path / "ws", 60)
    assert cli("generate", "--root", root).code == 0
    summary = cli("run", "build", "--root", root, "--dry-run")
    assert summary.code == 0
    assert "build-p049  run" in summary.out
    assert "build-p050" not in summary.out
    assert (
        "... and 10 more sessions (60 in all: 60 run, 0 only skip); --all lists every one"
        in summary.out
    )
    every = cli("run", "build", "--root", root, "--dry-run", "--all")
    assert "build-p059  run" in every.out
    assert "more sessions" not in every.out
    plan = json.loads(cli("run", "build", "--root", root, "--dry-run", "--json").out)
    assert len(plan["sessions"]) == 60


def test_a_count_of_one_is_in_the_singular(tmp_path: Path) -> None:
    root = _many(tmp_path / "ws", 51)
    graph = cli("graph", "--root", root)
    assert "... and 1 more level (--all lists every one)" in graph.out
    assert "... and 1 more package (--all lists every one)" in graph.out
    assert cli("generate", "--root", root).code == 0
    dry = cli("run", "build", "--root", root, "--dry-run")
    assert "... and 1 more session (51 in all: 51 run, 0 only skip)" in dry.out
    one = _many(tmp_path / "one", 1)
    init_repo(one)
    commit_all(one)
    assert cli("generate", cwd=one).out == (
        "wrote noxfile.py: 3 sessions for 1 package\n"
        "no test session for 1 package with no tests at the top of the folder: p000 (noxgraph"
        " show NAME says why; where its tests live elsewhere, needs-tests = false in"
        " [tool.noxgraph.tasks.test] gives it one)\n"
    )
    written = cli("ci", "github", "--root", one, "--output", tmp_path / "ci.yml", cwd=one)
    assert written.out.startswith("wrote ../ci.yml: 1 job for 1 session\n")


def test_generate_names_the_packages_a_task_needing_tests_gives_no_session(
    tmp_path: Path,
) -> None:
    root = _many(tmp_path / "ws", 3)
    write(root / "libs/p001/tests/test_p001.py", "def test():\n    pass\n")
    done = cli("generate", cwd=root)
    assert done.code == 0, done.err
    assert done.out.splitlines() == [
        "wrote noxfile.py: 8 sessions for 3 packages",
        "no test session for 2 packages with no tests at the top of the folder: p000, p002"
        " (noxgraph show NAME says why; where their tests live elsewhere, needs-tests = false"
        " in [tool.noxgraph.tasks.test] gives them one)",
    ]
    document = json.loads(cli("generate", "--json", cwd=root).out)
    assert document["without_tests"] == {"test": ["p000", "p002"]}
    write(root / "libs/p000/tests/test_p000.py", "def test():\n    pass\n")
    write(root / "libs/p002/tests/test_p002.py", "def test():\n    pass\n")
    assert cli("generate", cwd=root).out.splitlines() == [
        "wrote noxfile.py: 10 sessions for 3 packages"
    ]


def test_a_workspace_without_tasks_says_so(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nbase = "main"\n')
    assert cli("generate", "--root", tmp_path).code == 0
    run = cli("run", "build", "--root", tmp_path)
    assert run.code == 2
    assert run.err == "noxgraph: error: no sessions for task 'build'; no package has a task\n"
    affected = cli("affected", "--task", "build", "--files", "x.py", cwd=tmp_path)
    assert affected.err == "noxgraph: error: --task 'build': no package has any task\n"


def test_graph_shows_a_cycle_as_a_path_that_names_each_step_of_another_kind(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    plugins = ["a2a", "ollama", "redis"]
    umbrella = ", ".join(f'"{name}"' for name in plugins)
    package(
        tmp_path,
        "libs/core",
        "core",
        extra=f"[project.optional-dependencies]\nall = [{umbrella}]\n",
    )
    for name in plugins:
        package(tmp_path, f"libs/{name}", name, "core")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    title = lines.index("Cycles (closed by optional edges, which do not order sessions)")
    assert lines[title + 2].rstrip() == (
        "a2a -> core -> a2a [optional: all] (one of the cycles among 4 packages)"
    )


def test_show_takes_a_path_in_the_package_folder(tmp_path: Path) -> None:
    root = _small(tmp_path)
    write(root / "libs/app/src/app/__init__.py", "")
    here = json.loads(cli("show", ".", "--json", cwd=root / "libs/app").out)
    assert here["name"] == "app"
    inside = json.loads(cli("show", "libs/app/src/app", "--json", cwd=root).out)
    assert inside["name"] == "app"
    by_file = json.loads(cli("show", root / "libs/core/pyproject.toml", "--json", cwd=root).out)
    assert by_file["name"] == "core"
    write(root / "docs/index.md", "")
    outside = cli("show", "docs/", cwd=root)
    assert outside.code == 2
    assert outside.err == f"noxgraph: error: docs/ is in no package of {root}\n"
    # A bare word is a name, though a folder has it.
    bare = cli("show", "app", cwd=root / "libs/app/src")
    assert json.loads(cli("show", "app", "--json", cwd=root / "libs/app/src").out)["name"] == "app"
    assert bare.code == 0
    folder_only = cli("show", "src", cwd=root / "libs/app")
    assert folder_only.code == 2
    assert folder_only.err.startswith("noxgraph: error: no package named 'src'")


@pytest.mark.parametrize("enabled", [True, False])
def test_a_command_run_in_process_leaves_the_cycle_collector_as_it_found_it(
    tmp_path: Path, enabled: bool
) -> None:
    root = _small(tmp_path / "ws")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert cli("graph", "--root", root, "--format", "json").code == 0
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_noxgraph_script_runs_its_command_with_the_cycle_collector_off() -> None:
    probe = (
        "import gc, sys\n"
        "import noxgraph.cli.main\n"
        "noxgraph.cli.main.main = lambda: print(gc.isenabled()) or 3\n"
        "from noxgraph.cli import run\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (3, "False\n"), done.stderr


def test_python_m_noxgraph_exits_with_the_commands_status_and_one_line(tmp_path: Path) -> None:
    done = cli_process("graph", "--root", tmp_path / "absent")
    assert done.code == 2
    assert done.out == ""
    missing = tmp_path / "absent"
    assert done.err.splitlines() == [f"noxgraph: error: --root {missing}: no such folder"]
