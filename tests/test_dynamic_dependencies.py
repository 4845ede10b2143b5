"""Members whose ``[project].dynamic`` leaves their dependencies to the build backend:
their edges to siblings come from the ``uv.lock`` uv wrote after running that backend
(the shape of pydantic-ai, whose members declare siblings in a hatch metadata hook)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, commit_all, edges, git, init_repo, load, pyproject, write

DYNAMIC = '[project]\nname = "{name}"\nversion = "1.0"\ndynamic = [{fields}]\n'

#: What uv writes for the three members: slim needs graph, and evals through its extra
#: ``evals``; evals needs slim; graph needs nothing but a third-party package.
LOCK = """\
version = 1
revision = 3
requires-python = ">=3.10"

[manifest]
members = ["evals", "graph", "slim"]

[[package]]
name = "anyio"
version = "4.7.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "evals"
version = "1.0"
source = { editable = "evals" }
dependencies = [
    { name = "slim" },
]

[package.metadata]
requires-dist = [{ name = "slim", editable = "slim" }]

[[package]]
name = "graph"
version = "1.0"
source = { editable = "graph" }
dependencies = [
    { name = "anyio" },
]

[[package]]
name = "slim"
version = "1.0"
source = { editable = "slim" }
dependencies = [
    { name = "anyio" },
    { name = "graph" },
]

[package.optional-dependencies]
evals = [
    { name = "evals" },
]

[package.metadata]
requires-dist = [
    { name = "anyio", specifier = ">=4.7" },
    { name = "evals", marker = "extra == 'evals'", editable = "evals" },
    { name = "graph", editable = "graph" },
]
provides-extras = ["evals", "web"]
"""


def _workspace(root: Path, lock: str = LOCK) -> Path:
    init_repo(root)
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["graph", "slim", "evals"]\n')
    pyproject(
        root, "graph", '[project]\nname = "graph"\nversion = "1.0"\ndependencies = ["anyio"]\n'
    )
    fields = '"dependencies", "optional-dependencies"'
    pyproject(root, "slim", DYNAMIC.format(name="slim", fields=fields))
    pyproject(root, "evals", DYNAMIC.format(name="evals", fields='"dependencies"'))
    write(root / "uv.lock", lock)
    commit_all(root, "a uv workspace whose members leave their dependencies to the backend")
    return root


def test_dynamic_dependencies_take_their_edges_to_siblings_from_the_uv_lock(
    tmp_path: Path,
) -> None:
    root = _workspace(tmp_path)
    assert edges(root) == {
        ("slim", "graph", "runtime"),
        ("slim", "evals", "optional"),
        ("evals", "slim", "runtime"),
    }
    graph = cli("graph", "--root", root, cwd=root)
    assert graph.code == 0 and graph.err == ""
    slim = load(root)[0].get("slim")
    assert slim is not None and slim.extras == ("evals", "web")
    check = cli("check", "--root", root, "--json")
    notes = {(f["file"], f["severity"], f["message"]) for f in json.loads(check.out)["findings"]}
    assert (
        "slim/pyproject.toml",
        "note",
        "[project].dynamic lists dependencies, optional-dependencies: the edges to siblings are"
        " read from uv.lock, as it was last locked",
    ) in notes
    changed = cli("affected", "--files", "graph/src/graph.py", "--format", "names", cwd=root)
    assert changed.out.split() == ["graph", "slim", "evals"]


def test_the_edges_from_the_lock_hold_at_a_head_read_from_git(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "graph/src/graph.py", "X = 1\n")
    commit_all(root, "change graph")
    git(root, "checkout", "-q", "main")
    at_head = cli("affected", "--base", "main", "--head", "feature", "--format", "names", cwd=root)
    assert at_head.code == 0, at_head.err
    assert at_head.out.split() == ["graph", "slim", "evals"]
    assert at_head.err == ""


def test_a_relock_that_changes_an_edge_changes_the_graph(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    assert ("slim", "graph", "runtime") in edges(root)
    write(root / "uv.lock", LOCK.replace('    { name = "graph", editable = "graph" },\n', ""))
    assert ("slim", "graph", "runtime") not in edges(root)


def test_a_member_the_lock_holds_no_entry_for_keeps_the_warning(tmp_path: Path) -> None:
    root = _workspace(tmp_path, LOCK.replace('name = "evals"\nversion', 'name = "other"\nversion'))
    assert ("evals", "slim", "runtime") not in edges(root)
    graph = cli("graph", "--root", root, cwd=root)
    assert graph.code == 0
    assert "([project].dynamic): evals/pyproject.toml;" in graph.err


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ("not toml [", "uv.lock: invalid TOML"),
        (
            LOCK.replace(
                'requires-dist = [{ name = "slim", editable = "slim" }]', 'requires-dist = ["slim"]'
            ),
            "uv.lock: requires-dist of evals is not a list of tables",
        ),
        (
            LOCK.replace(
                '{ name = "slim", editable = "slim" }', '{ name = "slim", extras = "fast" }'
            ),
            "uv.lock: the extras of 'slim' in requires-dist of evals is not a list of strings",
        ),
    ],
    ids=["invalid-toml", "requires-dist-not-tables", "extras-a-string"],
)
def test_a_lock_the_dynamic_members_need_that_cannot_be_read_is_an_error_naming_it(
    tmp_path: Path, lock: str, message: str
) -> None:
    root = _workspace(tmp_path, lock)
    graph = cli("graph", "--root", root, cwd=root)
    assert graph.code == 2
    assert graph.err.startswith(f"noxgraph: error: {message}")
    assert graph.err.count("\n") == 1


def test_markers_and_specifiers_of_the_lock_are_the_edges_own(tmp_path: Path) -> None:
    # An edge for another platform keeps its marker; an extra's edge is that extra's
    # whatever else its marker says, and keeps the rest of it; a requirement asking two
    # extras at once is no edge.
    lock = LOCK.replace(
        '{ name = "graph", editable = "graph" }',
        '{ name = "graph", specifier = ">=1.0", marker = "sys_platform == \'win32\'" },\n'
        "    { name = \"graph\", marker = \"extra == 'web' and extra == 'evals'\" }",
    ).replace(
        "marker = \"extra == 'evals'\"",
        "marker = \"python_full_version < '3.0' and extra == 'evals'\"",
    )
    root = _workspace(tmp_path, lock)
    slim = load(root)[0].get("slim")
    assert slim is not None
    found = {(d.name, d.kind, d.specifier, d.marker, d.group) for d in slim.declarations}
    assert found == {
        ("graph", "runtime", ">=1.0", 'sys_platform == "win32"', None),
        ("evals", "optional", "", 'python_full_version < "3.0"', "evals"),
    }


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ("", "uv.lock: holds no [[package]] entries"),
        (
            LOCK.replace(
                '{ name = "graph", editable = "graph" }', '{ name = "graph", specifier = ">=>1" }'
            ),
            "uv.lock: requires-dist of slim: 'graph' is invalid: ",
        ),
    ],
    ids=["empty", "bad-specifier"],
)
def test_more_locks_that_cannot_be_read_are_errors_naming_them(
    tmp_path: Path, lock: str, message: str
) -> None:
    root = _workspace(tmp_path, lock)
    for args in (["graph"], ["affected", "--files", "graph/x.py"]):
        run = cli(*args, "--root", root, cwd=root)
        assert run.code == 2 and run.err.startswith(f"noxgraph: error: {message}"), run.err
    check = cli("check", "--root", root, "--json", cwd=root)
    assert check.code == 1
    errors = [f for f in json.loads(check.out)["findings"] if f["severity"] == "error"]
    assert [(f["file"], f["message"][:30]) for f in errors] == [("uv.lock", message[9:][:30])]


def test_a_uv_lock_no_member_needs_is_not_read(tmp_path: Path) -> None:
    root = init_repo(tmp_path)
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["a"]\n')
    pyproject(root, "a", '[project]\nname = "a"\nversion = "1"\n')
    (root / "uv.lock").mkdir()
    assert cli("graph", "--root", root).code == 0


@pytest.mark.slow
def test_uv_lock_of_setuptools_file_dependencies_gives_the_edges(tmp_path: Path) -> None:
    """Real uv locks a member whose dependencies setuptools reads from a requirements
    file; noxgraph finds the edge uv found."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed beside this Python")
    root = init_repo(tmp_path)
    pyproject(
        root,
        ".",
        '[tool.uv.workspace]\nmembers = ["core", "app"]\n\n[tool.uv.sources]\n'
        "core = { workspace = true }\n",
    )
    pyproject(
        root,
        "core",
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "core"\nversion = "1.0"\n',
    )
    write(root / "core/src/core/__init__.py", "")
    pyproject(
        root,
        "app",
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "app"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
        '\n[tool.setuptools.dynamic]\ndependencies = { file = ["requirements.txt"] }\n',
    )
    write(root / "app/requirements.txt", "core\n")
    write(root / "app/src/app/__init__.py", "")
    locked = subprocess.run(
        [uv, "lock"], cwd=root, capture_output=True, text=True, check=False, timeout=600
    )
    assert locked.returncode == 0, locked.stderr
    assert edges(root) == {("app", "core", "runtime")}
