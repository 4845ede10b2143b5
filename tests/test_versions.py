"""A dynamic version is read statically where each build backend keeps it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from noxgraph.workspace.versions import static_version
from tests.helpers import cli, write

_ABOUT = '__version__ = "2.3.4"\n'


def test_setuptools_reads_a_version_file_and_a_literal_attribute(tmp_path: Path) -> None:
    write(tmp_path / "VERSION", "1.2.3\n")
    write(tmp_path / "src/pkg/__init__.py", _ABOUT)
    by_file = {"tool": {"setuptools": {"dynamic": {"version": {"file": "VERSION"}}}}}
    by_attr = {"tool": {"setuptools": {"dynamic": {"version": {"attr": "pkg.__version__"}}}}}
    assert static_version(tmp_path, by_file, "pkg") == (
        "1.2.3",
        "[tool.setuptools.dynamic].version file VERSION",
    )
    assert static_version(tmp_path, by_attr, "pkg") == (
        "2.3.4",
        "[tool.setuptools.dynamic].version attr pkg.__version__",
    )


def test_hatchling_reads_the_path_of_tool_hatch_version(tmp_path: Path) -> None:
    write(tmp_path / "src/pkg/__about__.py", _ABOUT)
    data = {"tool": {"hatch": {"version": {"path": "src/pkg/__about__.py"}}}}
    assert static_version(tmp_path, data, "pkg") == (
        "2.3.4",
        "[tool.hatch.version].path src/pkg/__about__.py",
    )


def test_hatchling_reads_the_version_table_of_hatch_toml_before_pyproject_s(
    tmp_path: Path,
) -> None:
    write(tmp_path / "src/pkg/__about__.py", _ABOUT)
    write(tmp_path / "old.py", '__version__ = "0.1"\n')
    write(tmp_path / "hatch.toml", '[version]\npath = "src/pkg/__about__.py"\n')
    data = {"tool": {"hatch": {"version": {"path": "old.py"}}}}
    assert static_version(tmp_path, data, "pkg") == (
        "2.3.4",
        "hatch.toml [version].path src/pkg/__about__.py",
    )
    assert static_version(tmp_path, {}, "pkg") == (
        "2.3.4",
        "hatch.toml [version].path src/pkg/__about__.py",
    )


def test_a_hatch_toml_that_is_no_toml_leaves_the_version_dynamic(tmp_path: Path) -> None:
    write(tmp_path / "src/pkg/__about__.py", _ABOUT)
    write(tmp_path / "hatch.toml", "[version\npath = 'src/pkg/__about__.py'\n")
    data = {"tool": {"hatch": {"version": {"path": "src/pkg/__about__.py"}}}}
    assert static_version(tmp_path, data, "pkg") is None  # hatchling would fail on it


def test_a_vcs_version_stays_dynamic(tmp_path: Path) -> None:
    write(tmp_path / "hatch.toml", '[version]\nsource = "vcs"\n')
    assert static_version(tmp_path, {}, "pkg") is None


def test_pdm_and_flit_read_a_literal_assignment(tmp_path: Path) -> None:
    write(tmp_path / "src/pkg/__init__.py", _ABOUT)
    pdm = {"tool": {"pdm": {"version": {"source": "file", "path": "src/pkg/__init__.py"}}}}
    flit = {"build-system": {"build-backend": "flit_core.buildapi"}}
    assert static_version(tmp_path, pdm, "pkg") == (
        "2.3.4",
        "[tool.pdm.version].path src/pkg/__init__.py",
    )
    assert static_version(tmp_path, flit, "pkg") == ("2.3.4", "flit: pkg.__version__")


def test_hatch_s_nodejs_source_reads_package_json_as_pep_440_writes_it(tmp_path: Path) -> None:
    write(tmp_path / "package.json", '{"name": "@org/ext", "version": "0.2.0-alpha.2"}\n')
    write(tmp_path / "js/package.json", '{"version": "1.4.0"}\n')
    nodejs = {"tool": {"hatch": {"version": {"source": "nodejs"}}}}
    elsewhere = {"tool": {"hatch": {"version": {"source": "nodejs", "path": "js/package.json"}}}}
    assert static_version(tmp_path, nodejs, "ext") == (
        "0.2.0a2",
        "[tool.hatch.version] nodejs package.json",
    )
    assert static_version(tmp_path, elsewhere, "ext") == (
        "1.4.0",
        "[tool.hatch.version] nodejs js/package.json",
    )
    write(tmp_path / "package.json", '{"version": "not a version"}\n')
    assert static_version(tmp_path, nodejs, "ext") is None
    write(tmp_path / "package.json", "[" * 100_000 + "]" * 100_000)
    assert static_version(tmp_path, nodejs, "ext") is None


def test_a_hatch_toml_read_through_the_parse_cache_is_read_again_once_it_changes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["tool"]\n')
    write(root / "tool/pyproject.toml", '[project]\nname = "tool"\ndynamic = ["version"]\n')
    write(root / "tool/hatch.toml", '[version]\npath = "a.py"\n')
    write(root / "tool/a.py", '__version__ = "1.0"\n')
    write(root / "tool/b.py", '__version__ = "2.0"\n')
    old = time.time() - 10  # past a racy fingerprint, so the cache remembers the file
    os.utime(root / "tool/hatch.toml", (old, old))

    def version() -> str:
        run = cli("graph", "--root", root, "--json")
        assert run.code == 0, run.err
        return str(json.loads(run.out)["packages"][0]["version"])

    assert version() == version() == "1.0"
    write(root / "tool/hatch.toml", '[version]\npath = "b.py"\n')
    assert version() == "2.0"
    write(root / "tool/hatch.toml", "[version\n")
    assert version() == "None"  # hatchling cannot read it either: dynamic
