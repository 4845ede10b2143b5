"""Tasks on several interpreters: ``python = [...]`` and ``python = "requires-python"``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from noxgraph.errors import NoxgraphError, PyprojectError
from noxgraph.workspace.load import load_workspace
from tests.helpers import cli, commit_all, init_repo, package, pyproject, write
from tests.test_noxfile import GRAPH, RECORD, listing, log, nox
from tests.test_sessions_real import ruff

CONFIG = """
[tool.noxgraph]
members = ["libs/*"]
venv-backend = "{backend}"
{workspace}

[tool.noxgraph.tasks.build]
commands = ["python {{root}}/record.py {{name}} {{posargs}}"]
install = []
package = false
python = {python}

[tool.noxgraph.tasks]
test = []
"""


def workspace(
    root: Path,
    python: str = '["3.10", "3.13"]',
    *,
    workspace: str = "",
    backend: str = "none",
    graph: dict[str, tuple[str, ...]] = GRAPH,
    requires_python: dict[str, str] | None = None,
) -> Path:
    init_repo(root)
    write(root / ".gitignore", ".nox/\nlog.txt\n")
    config = CONFIG.format(backend=backend, workspace=workspace, python=python)
    pyproject(root, ".", config)
    write(root / "record.py", RECORD + "print(sys.version)\n")
    for name, deps in graph.items():
        spec = (requires_python or {}).get(name)
        extra = f'requires-python = "{spec}"\n' if spec else ""
        package(root, f"libs/{name}", name, *deps, extra=extra)
    commit_all(root, "init")
    generated = cli("generate", "--root", root)
    assert generated.code == 0, generated.err
    return root


def names(root: Path, *args: str) -> list[str]:
    return [s["session"] for s in listing(root, *args)]


def test_each_package_gets_one_session_per_interpreter_named_as_nox_names_them(
    tmp_path: Path,
) -> None:
    root = workspace(tmp_path)
    sessions = listing(root)
    assert [s["session"] for s in sessions][:4] == [
        "build-core-3.10",
        "build-core-3.13",
        "build-lonely-3.10",
        "build-lonely-3.13",
    ]
    assert len(sessions) == 2 * len(GRAPH)
    app = next(s for s in sessions if s["session"] == "build-app-3.13")
    assert app["python"] == "3.13"
    assert app["tags"] == ["build", "app"]
    assert app["description"] == "build app on Python 3.13, after plugin, util"
    # requires= chains to the same interpreter's sessions upstream, and only those.
    assert names(root, "-s", "build-app-3.13") == [
        "build-core-3.13",
        "build-plugin-3.13",
        "build-util-3.13",
        "build-app-3.13",
    ]
    # <task>-all waits for every package on every interpreter.
    every = names(root, "-s", "build-all")
    assert every[-1] == "build-all"
    assert sorted(every[:-1]) == sorted(f"build-{p}-{v}" for p in GRAPH for v in ("3.10", "3.13"))


def test_the_noxfile_says_the_interpreters_once_and_stays_as_ruff_formats_it(
    tmp_path: Path,
) -> None:
    root = workspace(
        tmp_path,
        '"requires-python"',
        workspace='python = ["3.10", "3.11", "3.12", "3.13"]',
        requires_python={"core": ">=3.10", "app": ">=3.12.1", "lonely": "<3.11"},
    )
    text = (root / "noxfile.py").read_text()
    assert 'build = sessions.task("build", python=["3.10", "3.11", "3.12", "3.13"])' in text
    assert 'build("core")\n' in text
    # >=3.12.1 admits 3.12: its later patch releases are.
    assert 'build("app", ["plugin", "util"], python=["3.12", "3.13"])' in text
    assert 'build("lonely", python=["3.10"])' in text
    formatted = ruff("format", "--isolated", "--check", "--diff", "noxfile.py", cwd=root)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert ruff("check", "--isolated", "noxfile.py", cwd=root).returncode == 0
    assert cli("generate", "--check", "--root", root).code == 0
    assert "build-lonely-3.13" not in names(root)


def test_a_session_whose_interpreter_upstream_lacks_waits_for_every_upstream_session(
    tmp_path: Path,
) -> None:
    root = workspace(
        tmp_path,
        '"requires-python"',
        workspace='python = ["3.10", "3.13"]',
        graph={"core": (), "app": ("core",)},
        requires_python={"core": ">=3.11"},
    )
    assert names(root, "-s", "build-app-3.10") == ["build-core-3.13", "build-app-3.10"]
    assert names(root, "-s", "build-app-3.13") == ["build-core-3.13", "build-app-3.13"]


def test_a_task_without_python_keeps_one_session_on_nox_s_interpreter(tmp_path: Path) -> None:
    root = workspace(tmp_path, '["3.13"]', graph={"core": ()})
    text = (root / "noxfile.py").read_text()
    assert 'sessions.task("build", python=["3.13"])' in text
    pyproject(root, ".", (root / "pyproject.toml").read_text().replace('python = ["3.13"]\n', ""))
    assert cli("generate", "--root", root).code == 0
    assert 'build = sessions.task("build")\nbuild("core")\n' in (root / "noxfile.py").read_text()
    assert [(s["session"], s["python"]) for s in listing(root)] == [("build-core", None)]


def test_an_affected_run_runs_every_interpreter_and_skips_upstream_ones(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    write(root / "libs/util/x.py", "X = 1\n")
    run = nox(root, "-s", "build-affected", "--", "--files", "libs/util/x.py")
    assert run.code == 0, run.err
    done = [line.split()[1] for line in log(root) if line.startswith("done ")]
    assert sorted(done) == ["app", "app", "util", "util"]
    assert "build-core-3.10: skipped (not affected" in run.err
    assert "build-plugin-3.13: skipped (not affected" in run.err
    sessions = cli("affected", "--root", root, "--task", "build", "--format", "sessions")
    assert sessions.out.split() == [
        "build-util-3.10",
        "build-util-3.13",
        "build-app-3.10",
        "build-app-3.13",
    ]


def test_nox_warns_when_the_interpreters_changed(tmp_path: Path) -> None:
    root = workspace(tmp_path, graph={"core": ()})
    config = (root / "pyproject.toml").read_text()
    pyproject(root, ".", config.replace('["3.10", "3.13"]', '["3.13"]'))
    run = nox(root, "-l")
    assert "build-core now on Python 3.13" in run.err
    assert cli("generate", "--check", "--root", root).code == 1


def another_interpreter() -> tuple[str, Path] | None:
    """A CPython other than the one running the tests: its version and its folder."""
    own = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for version in ("3.13", "3.12", "3.10", "3.11"):
        if version == own:
            continue
        found = shutil.which(f"python{version}")
        pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
        for candidate in [*([Path(found)] if found else []), *pyenv]:
            works = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
            if works.returncode == 0:
                return version, candidate.parent
    return None


OTHER = another_interpreter()


@pytest.mark.skipif(OTHER is None, reason="needs a second CPython interpreter")
def test_a_session_runs_on_its_interpreter_after_the_same_interpreter_upstream(
    tmp_path: Path,
) -> None:
    assert OTHER is not None
    version, folder = OTHER
    root = workspace(
        tmp_path,
        f'["{version}", "3.99"]',
        backend="uv|virtualenv",
        graph={"core": (), "app": ("core",)},
    )
    # Only that interpreter is on PATH besides nox's own: the 3.99 sessions are never queued.
    path = os.pathsep.join([str(folder), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    run = nox(root, "-s", f"build-app-{version}", env={"PATH": path})
    assert run.code == 0, run.err
    assert [line.split()[:2] for line in log(root) if line.startswith("start")] == [
        ["start", "core"],
        ["start", "app"],
    ]
    # Each session printed its interpreter's version: the one it was declared on.
    printed = [line.split()[0] for line in run.out.splitlines() if line[:1].isdigit()]
    assert [v.rsplit(".", 1)[0] for v in printed] == [version, version], run.out + run.err


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("task", '"3.13"', "[tool.noxgraph.tasks.build].python: string '3.13': expected an array"),
        ("task", "[3.13]", "[tool.noxgraph.tasks.build].python: float 3.13 is not a version"),
        ("task", "[]", "[tool.noxgraph.tasks.build].python: expected an array of versions"),
        ("task", '["3"]', "[tool.noxgraph.tasks.build].python: string '3' is not a version"),
        ("workspace", '"3.13"', "[tool.noxgraph].python: expected an array of versions"),
        ("workspace", '["py3.13"]', "[tool.noxgraph].python: string 'py3.13' is not a version"),
    ],
)
def test_a_bad_python_names_the_file_the_table_and_the_value(
    tmp_path: Path, where: str, value: str, message: str
) -> None:
    if where == "task":
        config = CONFIG.format(backend="none", workspace="", python=value)
    else:
        config = CONFIG.format(backend="none", workspace=f"python = {value}", python="[]")
        config = config.replace("python = []\n", "")
    pyproject(tmp_path, ".", config)
    package(tmp_path, "libs/core", "core")
    with pytest.raises(PyprojectError) as info:
        load_workspace(tmp_path)
    assert str(info.value).startswith(f"pyproject.toml: {message}")


def test_requires_python_needs_the_workspace_s_interpreters_and_one_that_fits(
    tmp_path: Path,
) -> None:
    pyproject(
        tmp_path, ".", CONFIG.format(backend="none", workspace="", python='"requires-python"')
    )
    package(tmp_path, "libs/core", "core", extra='requires-python = ">=3.14"\n')
    missing = cli("generate", "--root", tmp_path)
    assert missing.code == 2
    assert "pyproject.toml: task 'build' has python = 'requires-python'" in missing.err
    assert "[tool.noxgraph].python" in missing.err
    config = CONFIG.format(
        backend="none", workspace='python = ["3.10", "3.13"]', python='"requires-python"'
    )
    pyproject(tmp_path, ".", config)
    none_fits = cli("generate", "--root", tmp_path)
    assert none_fits.code == 2
    assert (
        "libs/core/pyproject.toml: [project].requires-python '>=3.14' admits none of the"
        " interpreters in pyproject.toml [tool.noxgraph].python (3.10, 3.13)"
    ) in none_fits.err
    package(tmp_path, "libs/core", "core", extra='requires-python = ">=3.1O"\n')
    with pytest.raises(NoxgraphError, match="is not a version specifier"):
        from noxgraph.graph import build_graph
        from noxgraph.sessions.declarations import declare

        found = load_workspace(tmp_path)
        declare(found, build_graph(found))


def test_sessions_on_a_named_interpreter_are_never_taken_from_the_cache(tmp_path: Path) -> None:
    # A cache key holds nox's own interpreter; a session on another one always runs.
    root = workspace(tmp_path)
    assert nox(root, "-s", "build-all").code == 0
    (root / "log.txt").unlink()
    second = nox(root, "-s", "build-all")
    assert second.code == 0, second.err
    assert "cached, inputs" not in second.out + second.err
    assert len([line for line in log(root) if line.startswith("start")]) == 2 * len(GRAPH)
    assert not (root / ".nox" / ".cache" / "noxgraph-sessions").exists()
