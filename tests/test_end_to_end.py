"""End to end: a wheel of noxgraph in a fresh virtualenv, and real builds of the example.

These build wheels and virtualenvs for real, so they take minutes; they are
marked ``slow`` and CI runs them (``pytest -m "not slow"`` skips them locally).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, REPO, commit_all, git, init_repo, write

pytestmark = pytest.mark.slow


def _run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of noxgraph built from this checkout."""
    folder = tmp_path_factory.mktemp("noxgraph-wheel")
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", folder, REPO, cwd=REPO)
    return folder


def _fresh_venv(folder: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    return folder / "bin" / "python"


@pytest.fixture(scope="module")
def installed(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with noxgraph installed from its wheel (not editable)."""
    python = _fresh_venv(tmp_path_factory.mktemp("venv") / "env")
    [wheel] = wheelhouse.glob("noxgraph-*.whl")
    _run(python, "-m", "pip", "install", "-q", wheel, cwd=wheelhouse)
    return python


def test_installed_wheel_answers_graph_json_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    noxgraph = installed.parent / "noxgraph"
    done = _run(noxgraph, "graph", "--root", EXAMPLE, "--format", "json", cwd=tmp_path)
    document = json.loads(done.stdout)
    assert document["schema"] == 1
    assert [p["name"] for p in document["packages"]] == [
        "ex-app",
        "ex-cli",
        "ex-color",
        "ex-core",
        "ex-hook",
        "ex-testkit",
        "ex-text",
    ]
    assert {(e["from"], e["to"], e["kind"]) for e in document["edges"]} == {
        ("ex-app", "ex-core", "runtime"),
        ("ex-app", "ex-hook", "build"),
        ("ex-app", "ex-text", "runtime"),
        ("ex-cli", "ex-app", "runtime"),
        ("ex-color", "ex-core", "runtime"),
        ("ex-core", "ex-testkit", "group"),
        ("ex-testkit", "ex-core", "runtime"),
        ("ex-text", "ex-color", "optional"),
        ("ex-text", "ex-core", "runtime"),
    }
    assert document["order"] == [
        "ex-core",
        "ex-hook",
        "ex-color",
        "ex-testkit",
        "ex-text",
        "ex-app",
        "ex-cli",
    ]
    assert document["cycles"] == [["ex-core", "ex-testkit"]]
    module = _run(installed, "-c", "import noxgraph, sys; print(noxgraph.__file__)", cwd=tmp_path)
    assert "site-packages" in module.stdout


def test_installed_wheel_finds_its_template(installed: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(EXAMPLE, tmp_path / "ws"))
    done = _run(installed.parent / "noxgraph", "generate", cwd=copy)
    assert "wrote noxfile.py: 18 sessions for 7 packages" in done.stdout
    listed = _run(installed, "-m", "nox", "-l", cwd=copy)
    assert "build-ex-app [build,ex-app]" in listed.stdout


def test_script_block_lets_nox_load_the_noxfile_without_noxgraph_beside_it(
    wheelhouse: Path, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(EXAMPLE, tmp_path / "ws"))
    _run(sys.executable, "-m", "noxgraph", "generate", cwd=copy)
    python = _fresh_venv(tmp_path / "nox-only")
    _run(python, "-m", "pip", "install", "-q", "nox", cwd=tmp_path)
    missing = subprocess.run([python, "-c", "import noxgraph"], capture_output=True, check=False)
    assert missing.returncode != 0
    links = {"PIP_FIND_LINKS": str(wheelhouse), "UV_FIND_LINKS": str(wheelhouse)}
    listed = _run(python.parent / "nox", "-l", cwd=copy, env=links)
    assert "* build-ex-core [build,ex-core]" in listed.stdout
    assert (copy / ".nox" / "_nox_script_mode").is_dir()


@pytest.fixture
def example_repo(tmp_path: Path) -> Iterator[Path]:
    copy = Path(shutil.copytree(EXAMPLE, tmp_path / "ws"))
    init_repo(copy)
    write(copy / ".gitignore", ".nox/\ndist/\n")
    commit_all(copy, "the example workspace")
    _run(sys.executable, "-m", "noxgraph", "generate", cwd=copy)
    yield copy


def _built(wheelhouse: Path) -> list[str]:
    """The wheels and sdists in ``wheelhouse`` (uv writes a .gitignore there too)."""
    return sorted(p.name for p in wheelhouse.glob("*") if p.name.endswith((".whl", ".tar.gz")))


def test_build_affected_builds_real_wheels_of_exactly_the_affected_packages(
    example_repo: Path,
) -> None:
    root = example_repo
    git(root, "checkout", "-q", "-b", "feature")
    color = root / "libs/color/src/ex_color/__init__.py"
    color.write_text(color.read_text() + "\nBRIGHT = True\n")
    commit_all(root, "brighter colours")
    names = [sys.executable, "-m", "noxgraph", "affected", "--format", "names"]
    affected = _run(*names, cwd=root).stdout
    done = _run(sys.executable, "-m", "nox", "-s", "build-affected", cwd=root)
    output = done.stderr
    assert "build-ex-core: skipped (not affected since main)" in output
    assert "build-ex-hook: skipped (not affected since main)" in output
    assert "build-ex-testkit" not in output
    ran = [
        line.split()[-1]
        for line in output.splitlines()
        if line.startswith("nox > Running session build-ex-")
    ]
    assert sorted(ran) == [
        "build-ex-app",
        "build-ex-cli",
        "build-ex-color",
        "build-ex-core",
        "build-ex-hook",
        "build-ex-text",
    ]
    # ex-text takes ex-color through an extra, which orders nothing (order-kinds).
    for before, after in (("core", "color"), ("core", "text"), ("text", "app"), ("app", "cli")):
        assert ran.index(f"build-ex-{before}") < ran.index(f"build-ex-{after}")
    # Builds go through uv: no session made a virtualenv, skipped or not.
    assert sorted(p.name for p in (root / ".nox").iterdir() if not p.name.startswith(".")) in (
        [],
        ["CACHEDIR.TAG"],
    )
    assert "uv build --out-dir" in output
    assert _built(root / "dist") == [
        "ex_app-1.0.0-py3-none-any.whl",
        "ex_app-1.0.0.tar.gz",
        "ex_cli-1.0.0-py3-none-any.whl",
        "ex_cli-1.0.0.tar.gz",
        "ex_color-1.0.0-py3-none-any.whl",
        "ex_color-1.0.0.tar.gz",
        "ex_text-1.0.0-py3-none-any.whl",
        "ex_text-1.0.0.tar.gz",
    ]
    # The sibling ex-app needs at build time came from its wheel, with the hook's work in it.
    with zipfile.ZipFile(root / "dist/ex_app-1.0.0-py3-none-any.whl") as archive:
        assert "ex_app/_build_info.py" in archive.namelist()
    assert git(root, "status", "--porcelain", "--ignored") == "!! .nox/\n!! dist/\n"
    assert _run(*names, cwd=root).stdout == affected


def test_build_all_in_parallel_builds_every_wheel(example_repo: Path) -> None:
    root = example_repo
    done = _run(sys.executable, "-m", "nox", "-s", "build-all", "-j", "2", cwd=root)
    assert "build-all: success" in done.stdout + done.stderr
    wheels = [name for name in _built(root / "dist") if name.endswith(".whl")]
    assert len(wheels) == 7
    [app] = (root / "dist").glob("ex_app-*.whl")
    with zipfile.ZipFile(app) as archive:
        info = archive.read("ex_app/_build_info.py").decode()
    assert "BUILT_BY = 'ex-hook'" in info or 'BUILT_BY = "ex-hook"' in info


def test_test_all_builds_each_sibling_wheel_once_and_passes(example_repo: Path) -> None:
    """Every test session installs its siblings from wheels built once per content."""
    root = example_repo
    done = _run(sys.executable, "-m", "nox", "-s", "test-all", cwd=root)
    output = done.stdout + done.stderr
    assert "test-all: success" in output
    built = [line.split()[-1] for line in output.splitlines() if "building a wheel of" in line]
    assert sorted(built) == sorted(set(built))
    assert "ex-core" in built
    assert output.count("reusing the wheel of ex-core") >= 4
    assert (root / ".nox" / "test-ex-core" / "pyvenv.cfg").is_file()
    # Neither the wheels built nor the tests run left anything git would list.
    assert git(root, "status", "--porcelain") == "?? noxfile.py\n"


def test_a_parallel_build_of_the_example_writes_a_sound_timeline(example_repo: Path) -> None:
    from tests.test_timeline import checked_trace, requirements

    root = example_repo
    done = _run(
        sys.executable,
        "-m",
        "nox",
        "-s",
        "build-all",
        "-j",
        "2",
        "--",
        "--profile",
        "run.json",
        cwd=root,
    )
    assert "build-all: success" in done.stdout + done.stderr
    required = requirements(root)
    slices = checked_trace(root / "run.json", required, jobs=2)
    assert set(slices) == set(required)
    assert {e["args"]["result"] for e in slices.values()} == {"success"}
    trace = json.loads((root / "run.json").read_text())
    figures = trace["otherData"]
    assert 0 < figures["critical_path_seconds"] <= figures["wall_seconds"]
    # Seven wheels on two workers: some sessions ran side by side.
    assert figures["workers"] == 2


def test_a_changed_build_hook_makes_a_new_wheel_of_the_sibling_it_builds(
    example_repo: Path,
) -> None:
    """ex-cli's test session installs ex-app from a wheel that ex-hook's build hook wrote
    into: a changed hook makes that wheel again, though ex-app's own files did not change."""
    root = example_repo
    first = _run(sys.executable, "-m", "nox", "-s", "test-ex-cli", cwd=root)
    assert "building a wheel of ex-app" in first.stderr
    hook = root / "tools/hook/src/ex_hook/__init__.py"
    hook.write_text(
        hook.read_text().replace(
            'f"VERSION = {version!r}\\n"', 'f"VERSION = {version!r}\\nHOOKED = 2\\n"'
        )
    )
    assert "HOOKED = 2" in hook.read_text()
    second = _run(sys.executable, "-m", "nox", "-s", "test-ex-cli", cwd=root)
    assert "building a wheel of ex-app" in second.stderr
    assert "reusing the wheel of ex-app" not in second.stderr
    third = _run(sys.executable, "-m", "nox", "-s", "test-ex-cli", "--", "-q", cwd=root)
    assert "reusing the wheel of ex-app" in third.stderr
