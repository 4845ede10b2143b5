"""Which dependency groups a package session installs: what ``uv run --package`` gives a
developer (the member's default groups, uv's default ``dev``), plus its test groups;
a task's ``groups`` replaces that choice."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from noxgraph.sessions.plan import SessionPlan, plan_session
from tests.helpers import cli, commit_all, init_repo, load, package, pyproject, write
from tests.test_noxfile import nox

HATCH = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


def _plan(root: Path, task: str = "test", name: str = "app") -> SessionPlan:
    workspace, graph = load(root)
    return plan_session(workspace, graph, task, name)


def _workspace(root: Path, groups: str, config: str = "") -> Path:
    """app, whose dev group holds the sibling helper and pycryptodome, and whose test
    group holds pytest; app has tests."""
    pyproject(root, ".", f'[tool.noxgraph]\nmembers = ["libs/*"]\n{config}')
    package(root, "libs/helper", "helper")
    package(root, "libs/app", "app", extra=groups)
    write(root / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    return root


DEV_AND_TEST = """
[dependency-groups]
dev = ["helper", "pycryptodome"]
test = ["pytest>=8"]
"""


def test_a_test_session_installs_the_dev_group_beside_the_test_group(tmp_path: Path) -> None:
    plan = _plan(_workspace(tmp_path, DEV_AND_TEST))
    assert [s.name for s in plan.siblings] == ["app", "helper"]
    assert "pycryptodome" in plan.install
    assert "pytest>=8" in plan.install


def test_uv_default_groups_replace_dev(tmp_path: Path) -> None:
    text = DEV_AND_TEST.replace('test = ["pytest>=8"]', 'test = ["pytest>=8"]\nlint = ["ruff"]')
    text += '\n[tool.uv]\ndefault-groups = ["Lint"]\n'
    plan = _plan(_workspace(tmp_path, text))
    assert [s.name for s in plan.siblings] == ["app"]
    assert "pycryptodome" not in plan.install
    assert {"ruff", "pytest>=8"} <= set(plan.install)


def test_uv_default_groups_all_installs_every_group(tmp_path: Path) -> None:
    text = DEV_AND_TEST + 'docs = ["sphinx"]\n\n[tool.uv]\ndefault-groups = "all"\n'
    plan = _plan(_workspace(tmp_path, text))
    assert {"sphinx", "pycryptodome", "pytest>=8"} <= set(plan.install)


def test_a_test_extra_is_installed_where_no_test_group_exists(tmp_path: Path) -> None:
    text = '[project.optional-dependencies]\ntests = ["helper", "hypothesis"]\n'
    plan = _plan(_workspace(tmp_path, text))
    assert plan.siblings[0].extras == ("tests",)
    assert [s.name for s in plan.siblings] == ["app", "helper"]


def test_a_task_s_groups_replace_the_default_choice(tmp_path: Path) -> None:
    config = '[tool.noxgraph.tasks.test]\ngroups = ["docs"]\n'
    plan = _plan(_workspace(tmp_path, DEV_AND_TEST + 'docs = ["sphinx"]\n', config))
    assert [s.name for s in plan.siblings] == ["app"]
    assert plan.install == ("pytest", "sphinx")


def test_a_non_list_default_groups_is_an_error_naming_the_file(tmp_path: Path) -> None:
    _workspace(tmp_path, DEV_AND_TEST + "\n[tool.uv]\ndefault-groups = 3\n")
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "libs/app/pyproject.toml: [tool.uv].default-groups: expected an array" in run.err


def test_a_locked_session_syncs_the_default_and_test_groups(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    write(tmp_path / "uv.lock", "version = 1\n")
    package(tmp_path, "libs/helper", "helper")
    package(tmp_path, "libs/app", "app", extra=DEV_AND_TEST)
    write(tmp_path / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    lock = _plan(tmp_path).lock
    assert lock is not None
    assert (lock.groups, lock.extras) == (("dev", "test"), ())


def test_the_task_s_pytest_is_not_installed_again_where_a_chosen_group_has_it(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    write(tmp_path / "uv.lock", "version = 1\n")
    package(tmp_path, "libs/helper", "helper")
    package(tmp_path, "libs/app", "app", extra=DEV_AND_TEST)
    write(tmp_path / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    locked = _plan(tmp_path)
    assert locked.lock is not None
    assert locked.install == ()
    folders = _plan(_workspace(tmp_path / "folders", DEV_AND_TEST))
    assert "pytest" not in folders.install
    assert "pytest>=8" in folders.install


@pytest.mark.parametrize(
    ("groups", "config"),
    [
        ("\n[dependency-groups]\ntest = [\"pytest ; python_version >= '3.12'\"]\n", ""),
        ('\n[dependency-groups]\ndocs = ["pytest"]\n', ""),
        ("", ""),
    ],
    ids=["under-a-marker", "in-a-group-not-chosen", "in-no-group"],
)
def test_the_task_s_pytest_is_installed_where_no_chosen_group_has_it_everywhere(
    tmp_path: Path, groups: str, config: str
) -> None:
    plan = _plan(_workspace(tmp_path, groups, config))
    assert plan.install[0] == "pytest"


def test_a_test_extra_s_pytest_is_not_installed_again(tmp_path: Path) -> None:
    text = '[project.optional-dependencies]\ntests = ["pytest>=8", "hypothesis"]\n'
    plan = _plan(_workspace(tmp_path, text))
    assert plan.siblings[0].extras == ("tests",)
    assert "pytest" not in plan.install


def test_a_group_uv_installs_on_some_interpreters_only_keeps_the_task_s_pytest(
    tmp_path: Path,
) -> None:
    text = DEV_AND_TEST + '\n[tool.uv.dependency-groups]\ntest = { requires-python = ">=3.12" }\n'
    plan = _plan(_workspace(tmp_path, text))
    assert plan.install[0] == "pytest"


def test_a_task_s_own_version_of_a_requirement_is_installed_even_where_a_group_has_it(
    tmp_path: Path,
) -> None:
    config = '[tool.noxgraph.tasks.test]\ninstall = ["pytest>=9", "Coverage"]\n'
    groups = DEV_AND_TEST.replace('"pycryptodome"', '"pycryptodome", "coverage"')
    plan = _plan(_workspace(tmp_path, groups, config))
    assert "pytest>=9" in plan.install
    assert "Coverage" not in plan.install


@pytest.mark.slow
def test_a_test_dependency_only_in_dev_is_there_when_the_tests_run(tmp_path: Path) -> None:
    """A real nox session: the package's tests import a sibling its dev group names."""
    if shutil.which("uv", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("uv is not installed beside this Python")
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\n")
    pyproject(
        root,
        ".",
        '[tool.noxgraph]\nmembers = ["libs/*"]\n\n[tool.noxgraph.tasks]\n'
        'test = ["python -c \\"import helper; print(\'helper is here\')\\""]\n',
    )
    package(root, "libs/helper", "helper", extra=HATCH)
    write(root / "libs/helper/src/helper/__init__.py", "")
    package(
        root, "libs/app", "app", extra=HATCH + '[dependency-groups]\ndev = ["helper"]\ntest = []\n'
    )
    write(root / "libs/app/src/app/__init__.py", "")
    write(root / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    commit_all(root)
    run = nox(root, "-s", "test-app", timeout=600)
    assert run.code == 0, run.out + run.err
    assert "helper is here" in run.out + run.err


def _notes(root: Path, code: str) -> list[dict[str, str]]:
    run = cli("check", "--root", root, "--json")
    return [f for f in json.loads(run.out)["findings"] if f["code"] == code]


def test_check_names_test_requirements_kept_where_no_session_reads_them(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/plain", "plain", extra="[tool.hatch.envs.test]\ndependencies = []\n")
    write(tmp_path / "libs/plain/test-requirements.txt", "pytest-asyncio\n")
    write(tmp_path / "libs/plain/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/grouped", "grouped", extra='[dependency-groups]\ntest = ["pytest"]\n')
    write(tmp_path / "libs/grouped/tox.ini", "[testenv]\ndeps = pytest\n")
    write(tmp_path / "libs/grouped/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/untested", "untested")
    write(tmp_path / "libs/untested/requirements-dev.txt", "pytest\n")
    [note] = _notes(tmp_path, "test-requirements")
    assert (note["severity"], note["file"]) == ("note", "libs/plain/pyproject.toml")
    assert note["message"] == (
        "test-plain installs no dependency group or extra of plain, and its test requirements"
        " may be in test-requirements.txt, [tool.hatch.envs], which noxgraph does not read:"
        " name them in a `test` dependency group, or in the test task's install"
    )


def test_check_points_at_a_dev_extra_and_how_to_install_it(tmp_path: Path) -> None:
    """As mem0's strands integration keeps pytest-asyncio: in a `dev` extra, which its CI
    installs with pip install '.[dev]'."""
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    dev = '[project.optional-dependencies]\ndev = ["pytest-asyncio"]\nredis = ["redis"]\n'
    package(tmp_path, "libs/strands", "strands", extra=dev)
    write(tmp_path / "libs/strands/tests/test_it.py", "def test():\n    pass\n")
    [note] = _notes(tmp_path, "test-requirements")
    assert note["message"] == (
        "test-strands installs no dependency group or extra of strands, and its test"
        " requirements may be in its 'dev' extra: install the extra with groups = ['dev'] in"
        " its [tool.noxgraph.tasks.test], or name them in a `test` dependency group"
    )
    package(
        tmp_path,
        "libs/strands",
        "strands",
        extra=dev + '[tool.noxgraph.tasks.test]\ngroups = ["dev"]\n',
    )
    assert _notes(tmp_path, "test-requirements") == []
    shown = json.loads(cli("show", "strands", "--root", tmp_path, "--json").out)
    assert shown["tasks"]["test"]["extras"] == ["dev"]


def test_check_text_counts_alike_notes_past_the_first_five(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    for index in range(8):
        package(tmp_path, f"libs/p{index}", f"p{index}")
        write(tmp_path / f"libs/p{index}/requirements-test.txt", "pytest\n")
        write(tmp_path / f"libs/p{index}/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/core", "core", "p0>=99")
    assert len(_notes(tmp_path, "test-requirements")) == 8
    text = cli("check", "--root", tmp_path).out
    files = [line.split()[1] for line in text.splitlines() if line.startswith("note")]
    assert files == [f"libs/p{index}/pyproject.toml" for index in range(5)]
    assert "... and 3 more test-requirements notes (--all lists every one)" in text
    assert "libs/p5/pyproject.toml" not in text
    assert "p0>=99" in text  # what is no note is never counted away
    assert text.splitlines()[-1] == "9 packages: 1 error, 0 warnings, 8 notes: check failed"
    assert json.loads(cli("check", "--root", tmp_path, "--json").out)["packages"] == 9
    every = cli("check", "--root", tmp_path, "--all").out
    assert "libs/p7/pyproject.toml" in every
    assert "more test-requirements" not in every


def test_check_names_tests_kept_in_the_import_package_where_no_session_runs_them(
    tmp_path: Path,
) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/lab", "lab")
    write(tmp_path / "libs/lab/gaia/tests/test_gaia.py", "def test():\n    pass\n")
    write(tmp_path / "libs/lab/src/lightning/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/plain", "plain")
    write(tmp_path / "libs/plain/plain/__init__.py", "")
    # An umbrella's members keep their own tests: no note for the umbrella.
    package(tmp_path, "libs/umbrella", "umbrella")
    package(tmp_path, "libs/umbrella/part", "part")
    write(tmp_path / "libs/umbrella/part/tests/test_part.py", "def test():\n    pass\n")
    # Test modules beside the code they test, as kserve's model servers keep them.
    package(tmp_path, "libs/server", "server")
    for name in ("__init__.py", "model.py", "test_model.py", "grpc_test.py"):
        write(tmp_path / "libs/server/server" / name, "")
    note, server = _notes(tmp_path, "tests-out-of-sight")
    assert (note["severity"], note["file"]) == ("note", "libs/lab/pyproject.toml")
    assert note["message"] == (
        "lab keeps tests in libs/lab/gaia/tests, libs/lab/src/lightning/tests, and gets no"
        " test-lab: noxgraph"
        " looks for a tests folder or test modules at the top of a package's folder; set"
        " needs-tests = false in its [tool.noxgraph.tasks.test] to give it one"
    )
    assert server["file"] == "libs/server/pyproject.toml"
    assert server["message"].startswith(
        "server keeps tests in libs/server/server/grpc_test.py,"
        " libs/server/server/test_model.py, and gets no test-server"
    )
    package(
        tmp_path, "libs/server", "server", extra="[tool.noxgraph.tasks.test]\nneeds-tests = false\n"
    )
    assert "test" not in json.loads(cli("show", "lab", "--root", tmp_path, "--json").out)["tasks"]
    # As the note says: the session is there, and the note gone.
    package(tmp_path, "libs/lab", "lab", extra="[tool.noxgraph.tasks.test]\nneeds-tests = false\n")
    shown = json.loads(cli("show", "lab", "--root", tmp_path, "--json").out)
    assert shown["tasks"]["test"]["session"] == "test-lab"
    assert _notes(tmp_path, "tests-out-of-sight") == []
    # The root is no package: its tests belong to none; its test data is no test.
    write(tmp_path / "tests/data/covid.csv", "day,cases\n")
    assert _notes(tmp_path, "tests-out-of-sight") == []
    write(tmp_path / "tests/unit/test_all.py", "def test():\n    pass\n")
    [note] = _notes(tmp_path, "tests-out-of-sight")
    assert (note["severity"], note["file"]) == ("note", "tests")
    assert note["message"].startswith("tests/ is at the workspace's root, which is no package")


def test_check_finds_test_requirements_by_their_names_and_in_hatch_toml(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(tmp_path, "libs/pinned", "pinned")
    for name in ("test-requirements-0.txt", "test-requirements.latest.txt", "requirements.txt"):
        write(tmp_path / "libs/pinned" / name, "pytest\n")
    write(tmp_path / "libs/pinned/requirements/latest.txt", "pins\n")  # "latest" is no test
    write(tmp_path / "libs/pinned/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/nested", "nested")
    write(tmp_path / "libs/nested/tests/requirements.oldest.txt", "pytest==7.0\n")
    write(tmp_path / "libs/nested/tests/test_it.py", "def test():\n    pass\n")
    package(tmp_path, "libs/hatched", "hatched")
    write(tmp_path / "libs/hatched/hatch.toml", '[envs.default]\ndependencies = ["pytest-xdist"]\n')
    write(tmp_path / "libs/hatched/tests/test_it.py", "def test():\n    pass\n")
    where = {
        note["file"]: note["message"].split("may be in ")[1].split(", which")[0]
        for note in _notes(tmp_path, "test-requirements")
    }
    assert where == {
        "libs/pinned/pyproject.toml": "test-requirements-0.txt, test-requirements.latest.txt",
        "libs/nested/pyproject.toml": "tests/requirements.oldest.txt",
        "libs/hatched/pyproject.toml": "hatch.toml [envs]",
    }


def test_check_says_a_uv_root_s_groups_reach_no_member_s_session(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n\n'
        '[dependency-groups]\ndev = ["pytest-asyncio"]\nlint = ["ruff"]\n',
    )
    package(tmp_path, "libs/app", "app", extra='[dependency-groups]\ntest = ["pytest"]\n')
    write(tmp_path / "libs/app/tests/test_it.py", "def test():\n    pass\n")
    [note] = _notes(tmp_path, "root-groups")
    assert (note["severity"], note["file"]) == ("note", "pyproject.toml")
    assert note["message"].startswith(
        "[dependency-groups] dev, lint: the workspace root's groups are installed in no member's"
        " session"
    )
    plan = _plan(tmp_path)
    assert "pytest-asyncio" not in plan.install


def test_a_test_task_told_what_to_install_gets_no_note(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[tool.noxgraph]\nmembers = ["libs/*"]\n\n'
        '[tool.noxgraph.tasks.test]\ninstall = ["pytest", "pytest-asyncio"]\n',
    )
    package(tmp_path, "libs/plain", "plain")
    write(tmp_path / "libs/plain/test-requirements.txt", "pytest-asyncio\n")
    write(tmp_path / "libs/plain/tests/test_it.py", "def test():\n    pass\n")
    assert _notes(tmp_path, "test-requirements") == []


def test_a_uv_root_s_groups_are_noted_however_the_members_are_listed(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        ".",
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n\n'
        '[dependency-groups]\ndev = ["pytest-mock"]\n\n'
        '[tool.noxgraph]\nmembers = ["libs/*"]\n',
    )
    package(tmp_path, "libs/app", "app", extra='[dependency-groups]\ntest = ["pytest"]\n')
    write(tmp_path / "libs/app/tests/test_it.py", "def test():\n    pass\n")
    assert [note["file"] for note in _notes(tmp_path, "root-groups")] == ["pyproject.toml"]
