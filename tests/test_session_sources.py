"""Where a session takes a requirement that is no member from: the index a source names
(uv's ``[[tool.uv.index]]``, poetry's ``[[tool.poetry.source]]``), a path, git."""

from __future__ import annotations

import json
from pathlib import Path

from noxgraph.sessions.plan import SessionPlan, plan_session
from tests.helpers import cli, load, package, pyproject, write

CORP = "https://corp.example.invalid/simple"


def _plan(root: Path, name: str = "app") -> SessionPlan:
    workspace, graph = load(root)
    return plan_session(workspace, graph, "test", name)


def _tested(root: Path, folder: str) -> None:
    write(root / folder / "tests/test_it.py", "def test():\n    pass\n")


def test_a_uv_index_source_adds_its_index(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(
        tmp_path,
        "libs/app",
        "app",
        "checker==0.3.1",
        extra=(
            '[tool.uv.sources]\nchecker = { index = "corp" }\n\n'
            f'[[tool.uv.index]]\nname = "corp"\nurl = "{CORP}"\nexplicit = true\n'
        ),
    )
    _tested(tmp_path, "libs/app")
    plan = _plan(tmp_path)
    assert plan.index_urls == (CORP,)
    assert "checker==0.3.1" in plan.install


def test_a_poetry_source_adds_its_index_from_the_package_or_the_root(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[tool.noxgraph]\nmembers = ["libs/*"]\n\n'
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{CORP}"\npriority = "supplemental"\n',
    )
    pyproject(
        tmp_path,
        "libs/app",
        '[tool.poetry]\nname = "app"\nversion = "1"\n\n'
        "[tool.poetry.group.dev.dependencies]\n"
        'checker = { version = "0.3.1", source = "corp" }\n'
        'other = { version = "^1", source = "elsewhere" }\n\n'
        '[[tool.poetry.source]]\nname = "elsewhere"\nurl = "https://elsewhere.invalid/simple"\n',
    )
    _tested(tmp_path, "libs/app")
    plan = _plan(tmp_path)
    assert plan.index_urls == (CORP, "https://elsewhere.invalid/simple")
    assert {"checker==0.3.1", "other<2,>=1"} <= set(plan.install)


def test_a_source_no_index_table_names_adds_no_index(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(
        tmp_path,
        "libs/app",
        '[tool.poetry]\nname = "app"\nversion = "1"\n\n'
        '[tool.poetry.group.dev.dependencies]\nchecker = { version = "0.3.1", source = "gone" }\n',
    )
    _tested(tmp_path, "libs/app")
    plan = _plan(tmp_path)
    assert plan.index_urls == ()
    assert "checker==0.3.1" in plan.install


def test_a_poetry_source_is_found_by_its_name_in_any_case(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(
        tmp_path,
        "libs/app",
        '[tool.poetry]\nname = "app"\nversion = "1"\n\n'
        '[tool.poetry.group.dev.dependencies]\nchecker = { version = "*", source = "Corp" }\n\n'
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{CORP}"\n',
    )
    _tested(tmp_path, "libs/app")
    assert _plan(tmp_path).index_urls == (CORP,)


def test_a_poetry_extra_is_an_extra_and_each_of_its_siblings_is_installed_with_it(
    tmp_path: Path,
) -> None:
    """An optional sibling named by two of poetry's extras is there for either, and a
    poetry ``test`` extra is what a test session installs."""
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/helper", "helper")
    pyproject(
        tmp_path,
        "libs/app",
        '[tool.poetry]\nname = "app"\nversion = "1"\n\n'
        '[tool.poetry.dependencies]\nhelper = { version = "*", optional = true }\n'
        'pytest = { version = "*", optional = true }\n\n'
        '[tool.poetry.extras]\ntest = ["helper", "pytest"]\nall = ["helper"]\nempty = []\n',
    )
    _tested(tmp_path, "libs/app")
    workspace, graph = load(tmp_path)
    app = workspace.get("app")
    assert app is not None and app.extras == ("test", "all", "empty")
    [edge] = graph.edges
    assert sorted(d.group or "" for d in edge.declarations) == ["all", "test"]
    plan = _plan(tmp_path)
    assert plan.siblings[0].extras == ("test",)
    assert [s.name for s in plan.siblings] == ["app", "helper"]


def test_the_sources_of_an_extra_s_dependencies_are_honoured_where_it_is_installed(
    tmp_path: Path,
) -> None:
    """The test session installs app[test]; the test extra's vendored dependency comes
    from its path, not from an index that has no such package."""
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(tmp_path, "vendor/v", '[project]\nname = "vendored-v"\nversion = "1"\n')
    package(
        tmp_path,
        "libs/app",
        "app",
        extra=(
            '[project.optional-dependencies]\ntest = ["vendored-v", "pytest"]\n\n'
            '[tool.uv.sources]\nvendored-v = { path = "../../vendor/v" }\n'
        ),
    )
    _tested(tmp_path, "libs/app")
    plan = _plan(tmp_path)
    assert plan.siblings[0].extras == ("test",)
    uri = (tmp_path / "vendor/v").resolve().as_uri()
    assert f"vendored-v @ {uri}" in plan.install
    assert plan.source_folders == ((tmp_path / "vendor/v").resolve(),)


def test_a_uv_workspace_member_keeps_its_lock_for_a_sibling_outside_it_by_path(
    tmp_path: Path,
) -> None:
    """lib is a package of noxgraph's workspace and no member of the uv workspace; app
    takes it by path, so the lock holds it as its folder."""
    pyproject(
        tmp_path,
        ".",
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n\n'
        '[tool.noxgraph]\nmembers = ["libs/*", "vendor/lib"]\n',
    )
    write(tmp_path / "uv.lock", "version = 1\n")
    package(
        tmp_path,
        "libs/app",
        "app",
        "lib",
        extra='[tool.uv.sources]\nlib = { path = "../../vendor/lib" }\n',
    )
    _tested(tmp_path, "libs/app")
    package(tmp_path, "vendor/lib", "lib")
    plan = _plan(tmp_path, "app")
    assert plan.environment == "lock"
    assert plan.lock is not None and plan.lock.root == tmp_path
    package(tmp_path, "libs/app", "app", "lib")  # the lock pins lib from the index
    assert _plan(tmp_path, "app").environment == "folders"


def test_a_project_on_its_own_installs_its_own_lock_unless_it_needs_a_sibling(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/solo", "solo", "six")
    write(tmp_path / "libs/solo/uv.lock", "version = 1\n")
    package(tmp_path, "libs/user", "user", "solo")
    write(tmp_path / "libs/user/uv.lock", "version = 1\n")
    package(tmp_path, "libs/plain", "plain")
    for folder in ("libs/solo", "libs/user", "libs/plain"):
        _tested(tmp_path, folder)
    solo = _plan(tmp_path, "solo")
    assert solo.environment == "lock"
    assert solo.lock is not None and solo.lock.root == tmp_path / "libs/solo"
    # user's lock would pin solo as the index has it: solo's change comes from its folder.
    user = _plan(tmp_path, "user")
    assert user.environment == "folders"
    assert [s.name for s in user.siblings] == ["user", "solo"]
    assert user.locked_from_index == ("solo",)
    assert _plan(tmp_path, "plain").environment == "folders"
    assert _plan(tmp_path, "plain").locked_from_index == ()
    shown = json.loads(cli("show", "solo", "--root", tmp_path, "--json").out)["tasks"]
    assert (shown["test"]["environment"], shown["test"]["lock"]) == ("lock", "libs/solo/uv.lock")
    assert (shown["build"]["environment"], shown["build"]["lock"]) == (None, None)
    text = cli("show", "user", "--root", tmp_path).out
    [row] = [line.split() for line in text.splitlines() if line.startswith("test ")]
    assert row[:4] == ["test", "test-user", "pytest", "{posargs}"]
    assert " ".join(row[4:]) == (
        "siblings from folders, the rest from the index (its uv.lock takes solo from the index)"
    )
    # A path source puts solo in user's lock as its folder: the lock installs it from there.
    package(
        tmp_path,
        "libs/user",
        "user",
        "solo",
        extra='[tool.uv.sources]\nsolo = { path = "../solo" }\n',
    )
    assert _plan(tmp_path, "user").environment == "lock"
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\nenvironment = "lock"\n')
    package(tmp_path, "libs/user", "user", "solo")
    assert _plan(tmp_path, "user").environment == "lock"
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\nenvironment = "folders"\n')
    assert _plan(tmp_path, "solo").environment == "folders"
