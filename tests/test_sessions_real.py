"""The noxfile as people review it, and sessions as they run on real workspaces.

Real ruff on the generated file, real git merges of two branches that regenerate
it, and real nox and uv running the sessions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, cli_process, commit_all, git, init_repo, package, pyproject, write
from tests.test_noxfile import log, nox

RUFF = [sys.executable, "-m", "ruff"]


def ruff(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUFF, *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def wide_workspace(root: Path) -> Path:
    """Long names and many dependencies, so the formatter's long-line forms appear."""
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\nvenv-backend = "none"\n')
    long = "a-package-with-a-name-long-enough-to-need-its-own-line-in-the-noxfile"
    package(root, "libs/base", "base")
    names = [f"lib-{i:02d}" for i in range(12)]
    for name in names:
        package(root, f"libs/{name}", name, "base")
    package(root, f"libs/{long}", long, *names[:2])
    package(root, "libs/wide", "wide", *names)
    package(root, "libs/some", "some", *names[:5])
    package(root, "libs/more", "more", *names[:6])
    package(root, "libs/quoted", "quoted", "base")
    write(root / "libs/wide/tests/test_wide.py", "def test():\n    pass\n")
    return root


def test_ruff_format_changes_nothing_and_ruff_check_is_clean(tmp_path: Path) -> None:
    root = wide_workspace(tmp_path)
    assert cli("generate", "--root", root).code == 0
    text = (root / "noxfile.py").read_text()
    # Only a single literal the formatter cannot split may pass the line length.
    long = "a-package-with-a-name-long-enough-to-need-its-own-line-in-the-noxfile"
    assert all(len(line) <= 88 or long in line for line in text.splitlines())
    formatted = ruff("format", "--isolated", "--check", "--diff", "noxfile.py", cwd=root)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = ruff("check", "--isolated", "noxfile.py", cwd=root)
    assert checked.returncode == 0, checked.stdout
    # Every form the formatter uses appears: one line, arguments hugged, one a line.
    assert 'build("base")' in text
    assert "build(\n" in text and "    [\n" in text


def test_generate_check_passes_after_the_user_formats_the_file(tmp_path: Path) -> None:
    root = wide_workspace(tmp_path)
    assert cli("generate", "--root", root).code == 0
    reformatted = ruff("format", "--isolated", "--line-length", "50", "noxfile.py", cwd=root)
    assert reformatted.returncode == 0, reformatted.stderr
    theirs = (root / "noxfile.py").read_text()
    assert cli("generate", "--root", root, "--check").code == 0
    again = cli("generate", "--root", root)
    assert again.code == 0 and "already up to date" in again.out
    assert (root / "noxfile.py").read_text() == theirs
    package(root, "libs/newcomer", "newcomer", "base")
    assert cli("generate", "--root", root, "--check").code == 1


def _branch(root: Path, name: str, change: str, message: str) -> None:
    git(root, "checkout", "-q", "-b", name, "main")
    exec(change, {"root": root, "package": package, "write": write})  # noqa: S102
    assert cli("generate", "--root", root).code == 0
    commit_all(root, message)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            'package(root, "libs/aaa-new", "aaa-new", "base")',
            'package(root, "libs/zzz-new", "zzz-new", "lib-03")',
        ),
        (
            'p = root / "libs/lib-01/pyproject.toml"\n'
            'write(p, p.read_text().replace("1.0.0", "1.1"))',
            'p = root / "libs/lib-09/pyproject.toml"\n'
            'write(p, p.read_text().replace("1.0.0", "2.0"))',
        ),
    ],
    ids=["two-new-packages", "two-version-bumps"],
)
def test_two_unrelated_branches_merge_without_a_conflict_in_the_noxfile(
    tmp_path: Path, first: str, second: str
) -> None:
    root = wide_workspace(tmp_path)
    init_repo(root)
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "base")
    _branch(root, "first", first, "first")
    _branch(root, "second", second, "second")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-edit", "first")
    merged = subprocess.run(
        ["git", "merge", "--no-edit", "second"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert cli("generate", "--root", root, "--check").code == 0


TASKS = """
[tool.noxgraph]
members = ["libs/*"]
venv-backend = "none"

[tool.noxgraph.tasks.build]
commands = ["python {root}/record.py {name} {posargs}"]
install = []
package = false

[tool.noxgraph.tasks.test]
commands = ["python {root}/record.py test-{name} {posargs}"]
install = []
package = false
needs-tests = true
"""

RECORD = """
import pathlib, sys
root = pathlib.Path(__file__).parent
with open(root / "log.txt", "a") as log:
    log.write(" ".join(["start", *sys.argv[1:]]) + "\\n")
    log.write(f"done {sys.argv[1]}\\n")
"""


def workspace_with_testkit(root: Path) -> Path:
    """core <- app, app tests with testkit (a dev group), testkit <- core."""
    init_repo(root)
    write(root / ".gitignore", ".nox/\nlog.txt\n")
    pyproject(root, ".", TASKS)
    write(root / "record.py", RECORD)
    package(root, "libs/core", "core")
    package(root, "libs/testkit", "testkit", "core")
    package(root, "libs/app", "app", "core", extra='[dependency-groups]\ntest = ["testkit"]\n')
    for name in ("core", "testkit", "app"):
        write(root / f"libs/{name}/tests/test_it.py", "def test():\n    pass\n")
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "init")
    return root


def test_one_package_s_tests_run_alone_with_the_posargs(tmp_path: Path) -> None:
    root = workspace_with_testkit(tmp_path)
    run = nox(root, "-s", "test-app", "--", "-k", "slow")
    assert run.code == 0, run.err
    assert log(root) == ["start test-app -k slow", "done test-app"]


def test_a_testkit_change_rebuilds_nothing_and_retests_its_users(tmp_path: Path) -> None:
    root = workspace_with_testkit(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "libs/testkit/src/testkit/__init__.py", "HELPER = 2\n")
    commit_all(root, "testkit")
    names = cli("affected", "--root", root, "--task", "build", "--format", "names")
    assert names.code == 0 and names.out.split() == ["testkit"]
    tested = cli("affected", "--root", root, "--task", "test", "--format", "names")
    assert tested.out.split() == ["app", "testkit"]
    explained = cli("affected", "--root", root, "--task", "test", "--explain")
    assert "dependents counted over runtime, optional, group, dev, build edges for task test" in (
        explained.out
    )
    build = nox(root, "-s", "build-affected")
    assert build.code == 0, build.err
    assert log(root) == ["start testkit", "done testkit"]
    (root / "log.txt").unlink()
    test = nox(root, "-s", "test-affected")
    assert test.code == 0, test.err
    assert [line for line in log(root) if line.startswith("done")] == [
        "done test-app",
        "done test-testkit",
    ]


def test_a_setuptools_version_file_that_breaks_a_specifier_fails_check(tmp_path: Path) -> None:
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(
        tmp_path,
        "libs/lib",
        '[project]\nname = "lib"\ndynamic = ["version"]\n\n'
        '[tool.setuptools.dynamic]\nversion = {file = "VERSION"}\n',
    )
    write(tmp_path / "libs/lib/VERSION", "0.3.1\n")
    package(tmp_path, "libs/app", "app", "lib>=0.4.0")
    run = cli("check", "--root", tmp_path)
    assert run.code == 1
    assert (
        "libs/app/pyproject.toml  [project].dependencies: 'lib>=0.4.0' is not satisfied by"
        " sibling lib 0.3.1 (libs/lib/pyproject.toml, [tool.setuptools.dynamic].version file"
        " VERSION)" in run.out
    )
    write(tmp_path / "libs/lib/VERSION", "0.4.2\n")
    assert cli("check", "--root", tmp_path).code == 0


def test_a_virtual_uv_root_is_no_package_and_the_new_noxfile_is_no_change(tmp_path: Path) -> None:
    root = init_repo(tmp_path)
    pyproject(
        root,
        ".",
        '[project]\nname = "monorepo"\nversion = "0"\n\n[tool.uv]\npackage = false\n\n'
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
    )
    package(root, "libs/core", "core")
    write(root / "loose/pyproject.toml", '[project]\nname = "loose"\nversion = "1"\n')
    commit_all(root, "init")
    graph = cli("graph", "--root", root, "--format", "json")
    assert '"name": "monorepo"' not in graph.out and '"name":"monorepo"' not in graph.out
    assert "libs/core" in graph.out
    check = cli("check", "--root", root)
    assert "[project].name 'monorepo' is never built ([tool.uv] package = false)" in check.out
    assert (
        "loose/pyproject.toml  names package 'loose' but is no member"
        " (pyproject.toml: [tool.uv.workspace])" in check.out
    )
    assert cli("check", "--root", root, "--strict").code == 1
    assert cli("generate", "--root", root).code == 0
    affected = cli("affected", "--root", root, "--format", "json")
    assert affected.code == 0
    assert '"affected":[]' in affected.out.replace(" ", "")
    write(root / "loose/x.py", "X = 1\n")
    explained = cli("affected", "--root", root, "--explain")
    assert "files of projects that are no member: loose/x.py" in explained.out


_PRINT_SIX = (
    "[tool.noxgraph.tasks]\n"
    'test = ["python -c \\"import six; print(\'six\', six.__version__)\\""]\n'
)
_HATCH = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


def _installs_the_locked_six(root: Path, locked_in: Path, package_name: str) -> None:
    """Lock six at 1.15.0 in ``locked_in``; ``test-<package_name>`` then syncs that lock
    and its command sees that six (the index's newest is another)."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed beside this Python")
    locked = subprocess.run(
        [uv, "lock", "--upgrade-package", "six==1.15.0"],
        cwd=locked_in,
        capture_output=True,
        text=True,
        check=False,
    )
    assert locked.returncode == 0, locked.stderr
    assert cli("generate", "--root", root).code == 0
    run = nox(root, "-s", f"test-{package_name}", timeout=600)
    assert run.code == 0, run.out + run.err
    assert f"uv sync --locked --package {package_name}" in run.err
    assert "six 1.15.0" in run.out + run.err


@pytest.mark.slow
def test_a_uv_lock_gives_the_locked_versions(tmp_path: Path) -> None:
    """With a uv.lock, a test session installs exactly the locked version of a
    third-party dependency."""
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\n.venv/\n")
    pyproject(
        root,
        ".",
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n\n[tool.uv.sources]\n'
        "core = { workspace = true }\n\n" + _PRINT_SIX,
    )
    package(root, "libs/core", "core", "six", extra=_HATCH)
    write(root / "libs/core/src/core/__init__.py", "")
    package(root, "libs/app", "app", "core", extra=_HATCH + "[dependency-groups]\ntest = []\n")
    write(root / "libs/app/src/app/__init__.py", "")
    write(root / "libs/app/tests/test_app.py", "def test():\n    pass\n")
    _installs_the_locked_six(root, root, "app")


@pytest.mark.slow
def test_a_project_on_its_own_installs_the_uv_lock_beside_it(tmp_path: Path) -> None:
    """Projects in no uv workspace, each with its own uv.lock (as langchain-google
    keeps its libraries): a test session installs what `uv run` in that folder does."""
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\n.venv/\n")
    pyproject(root, ".", _PRINT_SIX)
    package(root, "libs/solo", "solo", "six", extra=_HATCH + "[dependency-groups]\ntest = []\n")
    write(root / "libs/solo/src/solo/__init__.py", "")
    write(root / "libs/solo/tests/test_solo.py", "def test():\n    pass\n")
    _installs_the_locked_six(root, root / "libs/solo", "solo")


@pytest.mark.slow
def test_check_metadata_asks_the_backend_for_a_computed_version(tmp_path: Path) -> None:
    """A version only the backend can tell (hatch's code source runs the module) is
    unchecked without --metadata, and checked against dependents' specifiers with it."""
    pyproject(tmp_path, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(
        tmp_path,
        "libs/lib",
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "lib"\ndynamic = ["version"]\n\n'
        '[tool.hatch.version]\nsource = "code"\npath = "lib/__init__.py"\n',
    )
    write(
        tmp_path / "libs/lib/lib/__init__.py",
        'import warnings\nwarnings.warn("a backend\'s own deprecation")\n'
        '__version__ = ".".join(["0", "3"])\n',
    )
    package(tmp_path, "libs/app", "app", "lib>=0.4")
    plain = cli("check", "--root", tmp_path)
    assert plain.code == 0
    assert "'lib>=0.4' is not checked: lib's version is dynamic" in plain.out
    asked = cli_process("check", "--root", tmp_path, "--metadata")
    assert asked.code == 1, asked.out + asked.err
    assert "is not satisfied by sibling lib 0.3" in asked.out
    assert asked.err == ""  # what the backend warned of is its project's business


def test_a_noxfile_written_elsewhere_is_no_change_either(tmp_path: Path) -> None:
    root = init_repo(tmp_path)
    package(root, ".", "root")
    commit_all(root, "init")
    assert cli("generate", "--root", root, "--output", root / "ci_noxfile.py").code == 0
    affected = cli("affected", "--root", root, "--format", "names")
    assert affected.code == 0 and affected.out == ""


def test_the_workspace_affected_kinds_narrow_the_built_in_build_task(tmp_path: Path) -> None:
    """prefect's shape: the root names an integration as an extra."""
    pyproject(
        tmp_path,
        ".",
        '[project]\nname = "core"\nversion = "1"\n\n[project.optional-dependencies]\n'
        'shell = ["core-shell"]\n',
    )
    write(tmp_path / "noxgraph.toml", 'order-kinds = ["runtime", "build"]\n')
    package(tmp_path, "libs/shell", "core-shell", "core")
    changed = ["--files", str(tmp_path / "libs/shell/x.py")]
    both = cli("affected", "--root", tmp_path, "--task", "build", "--format", "names", *changed)
    assert both.out.split() == ["core", "core-shell"]
    write(
        tmp_path / "noxgraph.toml",
        'order-kinds = ["runtime", "build"]\naffected-kinds = ["runtime", "build"]\n',
    )
    narrowed = cli("affected", "--root", tmp_path, "--task", "build", "--format", "names", *changed)
    assert narrowed.out.split() == ["core-shell"]


def test_tool_noxgraph_inside_noxgraph_toml_says_where_the_keys_go(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    write(tmp_path / "noxgraph.toml", '[tool.noxgraph]\norder-kinds = ["runtime"]\n')
    run = cli("graph", "--root", tmp_path)
    assert run.code == 2
    assert "noxgraph.toml holds the keys of [tool.noxgraph] at its top level" in run.err


BACKENDS = {
    "hatchling": ('requires = ["hatchling"]', "hatchling.build"),
    "setuptools": ('requires = ["setuptools>=69"]', "setuptools.build_meta"),
    "poetry-core": ('requires = ["poetry-core>=2"]', "poetry.core.masonry.api"),
    "pdm-backend": ('requires = ["pdm-backend"]', "pdm.backend"),
    "flit-core": ('requires = ["flit_core>=3.9"]', "flit_core.buildapi"),
}


def _files_of(root: Path) -> list[str]:
    """Every file and folder under ``root`` but nox's, the wheelhouse's, git's, and
    pytest's own cache (which ignores itself: it holds a .gitignore of "*")."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.relative_to(root).parts[0] not in (".nox", "dist", ".git")
        and ".pytest_cache" not in path.parts
    )


@pytest.mark.slow
def test_each_backend_builds_through_uv_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """hatchling, setuptools, poetry-core, pdm-backend and flit-core packages build their
    sdists and wheels through uv with no virtualenv; a test session installs the
    setuptools package from a wheel it builds; no package folder holds anything new
    after (setuptools writes build/ and *.egg-info into the folder it builds), so git
    sees nothing and affected nothing."""
    if shutil.which("uv", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("uv is not installed beside this Python")
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\ndist/\n")
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    for backend, (requires, api) in BACKENDS.items():
        module = backend.replace("-", "_") + "_pkg"
        name = module.replace("_", "-")
        deps = '"flit-core-pkg"' if backend == "setuptools" else ""
        package_table = ""
        if backend == "poetry-core":
            package_table = (
                f'\n[tool.poetry]\npackages = [{{ include = "{module}", from = "src" }}]\n'
            )
        pyproject(
            root,
            f"libs/{name}",
            f'[build-system]\n{requires}\nbuild-backend = "{api}"\n\n'
            f'[project]\nname = "{name}"\nversion = "1.0.0"\ndescription = "A {backend} package."\n'
            f'requires-python = ">=3.10"\ndependencies = [{deps}]\n\n'
            f'[dependency-groups]\ntest = ["pytest"]\n{package_table}',
        )
        write(root / f"libs/{name}/src/{module}/__init__.py", '"""A package."""\n\nVALUE = 1\n')
        write(
            root / f"libs/{name}/tests/test_it.py",
            f"from {module} import VALUE\n\n\ndef test():\n    assert VALUE == 1\n",
        )
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "five backends")
    before = _files_of(root)
    built = nox(root, "-s", "build-all", "-j", "2", timeout=900)
    assert built.code == 0, built.out + built.err
    wheels = sorted(p.name for p in (root / "dist").glob("*.whl"))
    assert len(wheels) == 5 and len(list((root / "dist").glob("*.tar.gz"))) == 5, wheels
    assert sorted(p.name for p in (root / ".nox").glob("build-*")) == []
    tested = nox(root, "-s", "test-setuptools-pkg", timeout=900)
    assert tested.code == 0, tested.out + tested.err
    assert "building a wheel of setuptools-pkg" in tested.err
    assert _files_of(root) == before
    assert git(root, "status", "--porcelain") == ""
    affected = cli("affected", "--root", root, "--format", "names")
    assert affected.code == 0 and affected.out == ""


@pytest.mark.slow
@pytest.mark.parametrize("workspace", ["folders", "lock"])
def test_a_project_installed_from_its_path_is_left_as_it_was(
    tmp_path: Path, workspace: str
) -> None:
    """A member takes a project that is no member from its folder ([tool.uv.sources]
    path): setuptools writes build/ and *.egg-info there as it builds (for the session's
    own install, or for ``uv sync --locked``), and the session removes them, as it does
    in a member's folder."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed beside this Python")
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\ndist/\n")
    if workspace == "lock":
        pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    else:
        pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    requires, api = BACKENDS["setuptools"]
    pyproject(
        root,
        "tools/helper",
        f'[build-system]\n{requires}\nbuild-backend = "{api}"\n\n'
        '[project]\nname = "helper"\nversion = "1.0.0"\n',
    )
    write(root / "tools/helper/src/helper/__init__.py", "VALUE = 1\n")
    requires, api = BACKENDS["hatchling"]
    pyproject(
        root,
        "libs/app",
        f'[build-system]\n{requires}\nbuild-backend = "{api}"\n\n'
        '[project]\nname = "app"\nversion = "1.0.0"\ndependencies = ["helper"]\n\n'
        '[tool.uv.sources]\nhelper = { path = "../../tools/helper" }\n\n'
        '[dependency-groups]\ntest = ["pytest"]\n',
    )
    write(root / "libs/app/src/app/__init__.py", "")
    write(root / "libs/app/tests/test_app.py", "import helper\n\n\ndef test():\n    pass\n")
    if workspace == "lock":
        locked = subprocess.run([uv, "lock"], cwd=root, capture_output=True, text=True, check=False)
        assert locked.returncode == 0, locked.stderr
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "app and its helper")
    before = _files_of(root)
    tested = nox(root, "-s", "test-app", timeout=900)
    assert tested.code == 0, tested.out + tested.err
    assert ("uv sync --locked" if workspace == "lock" else "helper @ file://") in tested.err
    assert _files_of(root) == before
    assert git(root, "status", "--porcelain") == ""


@pytest.mark.slow
def test_a_version_made_from_git_is_built_again_after_a_commit_not_restored(
    tmp_path: Path,
) -> None:
    """hatch-vcs makes core's version from git: after a commit elsewhere, its build and
    the wheel a test session installs are made again, named after the new commit,
    rather than restored from the caches that key a package by its files."""
    if shutil.which("uv", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("uv is not installed beside this Python")
    root = init_repo(tmp_path)
    write(root / ".gitignore", ".nox/\ndist/\n")
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    pyproject(
        root,
        "libs/core",
        '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n'
        '\n[project]\nname = "core"\ndynamic = ["version"]\n'
        '\n[tool.hatch.version]\nsource = "vcs"\nraw-options = { root = "../.." }\n',
    )
    write(root / "libs/core/src/core/__init__.py", "VALUE = 1\n")
    package(root, "libs/app", "app", "core", extra='[dependency-groups]\ntest = ["pytest"]\n')
    write(root / "libs/app/src/app/__init__.py", "")
    write(
        root / "libs/app/tests/test_app.py", "import core\n\n\ndef test():\n    assert core.VALUE\n"
    )
    assert cli("generate", "--root", root).code == 0
    commit_all(root, "core's version comes from git")
    git(root, "tag", "v1.0.0")

    def built() -> str:
        run = nox(root, "-s", "build-core", timeout=900)
        assert run.code == 0, run.out + run.err
        assert "cached" not in run.err
        [wheel] = (root / "dist").glob("core-*.whl")
        shutil.rmtree(root / "dist")
        return wheel.name

    def tested() -> str:
        run = nox(root, "-s", "test-app", timeout=900)
        assert run.code == 0, run.out + run.err
        return run.err

    assert built().startswith("core-1.0.0-py")
    assert "building a wheel of core" in tested()
    write(root / "notes.txt", "in no package\n")
    commit_all(root, "a commit outside every package")
    assert built().startswith("core-1.0.1.dev1+g")
    assert "building a wheel of core" in tested()
    assert "skipped: cached" in tested()  # the same commit: nothing to do again


#: An in-tree build backend that records which ``kit`` its build environment holds.
PROBE_BACKEND = """
import os
import zipfile


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    import kit

    with open(os.environ["PROBE_LOG"], "w") as log:
        log.write(kit.ORIGIN)
    name = "app-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        info = "app-1.0.0.dist-info"
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\\nName: app\\nVersion: 1.0.0\\n")
        tags = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        wheel.writestr(f"{info}/WHEEL", tags)
        wheel.writestr(f"{info}/RECORD", "")
    return name
"""


def test_a_sibling_a_build_needs_is_the_branch_s_wheel_even_beside_a_newer_release(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed beside this Python")
    hatch = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    # A newer kit than the branch's, where the user's find-links (an index, say) offer it.
    released = tmp_path / "released"
    pyproject(released, "kit", '[project]\nname = "kit"\nversion = "9.0.0"\n' + hatch)
    write(released / "kit/src/kit/__init__.py", 'ORIGIN = "release"\n')
    offered = tmp_path / "offered"
    built = subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(offered), str(released / "kit")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    root = init_repo(tmp_path / "ws")
    write(root / ".gitignore", ".nox/\ndist/\n")
    pyproject(
        root,
        ".",
        '[tool.noxgraph]\nmembers = ["libs/*"]\n\n[tool.noxgraph.tasks.build]\n'
        'commands = ["uv build --wheel --out-dir {wheelhouse} {package}"]\n',
    )
    package(root, "libs/kit", "kit", extra=hatch)
    write(root / "libs/kit/src/kit/__init__.py", 'ORIGIN = "branch"\n')
    pyproject(
        root,
        "libs/app",
        '[build-system]\nrequires = ["kit"]\nbuild-backend = "probe"\nbackend-path = ["."]\n\n'
        '[project]\nname = "app"\nversion = "1.0.0"\n',
    )
    write(root / "libs/app/probe.py", PROBE_BACKEND)
    assert cli("generate", "--root", root).code == 0
    commit_all(root)
    probe = tmp_path / "probe.log"
    run = nox(
        root,
        "-s",
        "build-app",
        env={"UV_FIND_LINKS": str(offered), "PROBE_LOG": str(probe)},
        timeout=600,
    )
    assert run.code == 0, run.out + run.err
    assert probe.read_text() == "branch"


def test_build_constraints_keep_the_user_s_after_noxgraph_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from noxgraph.sessions.install import _constraint_files

    monkeypatch.setenv("UV_BUILD_CONSTRAINT", "/ci/build.txt /ci/more.txt")
    monkeypatch.delenv("PIP_CONSTRAINT", raising=False)
    ours = tmp_path / "cache with spaces" / "pins.txt"
    given = _constraint_files(ours, "UV_BUILD_CONSTRAINT")
    assert given == [ours.as_uri(), "/ci/build.txt", "/ci/more.txt"]
    assert " " not in given[0]  # both tools split their variables on spaces
    assert _constraint_files(ours, "PIP_CONSTRAINT") == [ours.as_uri()]
