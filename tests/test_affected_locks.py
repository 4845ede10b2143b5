"""``noxgraph affected`` when a lock file changed: real git, real ``uv lock``, offline.

The third-party packages come from wheels written here into a local folder that
``uv lock`` reads as its only index (``find-links``, ``no-index``), so the tests
need no network and take a fraction of a second per lock.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli, commit_all, git, init_repo, pyproject, write


def _wheel(folder: Path, name: str, version: str, *requires: str) -> None:
    """A minimal, installable pure-Python wheel: enough for uv to resolve it."""
    dist = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    files = {
        f"{name}/__init__.py": "",
        f"{dist}/METADATA": metadata,
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in [*files, f"{dist}/RECORD"])
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


def _uv_lock(root: Path, *args: str) -> None:
    from uv import find_uv_bin

    subprocess.run(
        [find_uv_bin(), "lock", "--offline", "--quiet", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _member(root: Path, folder: str, name: str, *deps: str, extra: str = "") -> None:
    listed = ", ".join(f'"{d}"' for d in deps)
    siblings = [d for d in deps if d in ("core", "web", "other")]
    sources = "".join(f"{s} = {{ workspace = true }}\n" for s in siblings)
    pyproject(
        root,
        folder,
        f'[project]\nname = "{name}"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = [{listed}]\n{extra}"
        + (f"\n[tool.uv.sources]\n{sources}" if sources else "")
        + '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    )
    write(root / folder / "tests" / "test_it.py", "def test_it() -> None:\n    pass\n")


def _uv_workspace(tmp_path: Path) -> Path:
    """A uv workspace with a real ``uv.lock``, committed on ``main``.

    core; web -> core, beta (-> alpha); app -> web; other -> gamma; tool -> other.
    web also uses alpha through an extra, and delta through its test group only.
    """
    wheels = tmp_path / "wheels"
    _wheel(wheels, "alpha", "1.0.0")
    _wheel(wheels, "beta", "2.0.0", "alpha>=1.0")
    _wheel(wheels, "gamma", "1.0.0")
    _wheel(wheels, "delta", "1.0.0")
    root = init_repo(tmp_path / "ws")
    pyproject(
        root,
        ".",
        """
        [tool.uv.workspace]
        members = ["libs/*", "apps/*"]

        [tool.uv]
        find-links = ["../wheels"]
        no-index = true
        """,
    )
    _member(root, "libs/core", "core")
    _member(
        root,
        "libs/web",
        "web",
        "core",
        "beta",
        extra='[project.optional-dependencies]\nfast = ["alpha"]\n'
        '[dependency-groups]\ntest = ["alpha", "delta"]\n',
    )
    _member(root, "apps/app", "app", "web")
    _member(root, "libs/other", "other", "gamma")
    _member(root, "apps/tool", "tool", "other")
    write(root / ".gitignore", ".venv/\n")
    _uv_lock(root)
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def _affected(root: Path, *args: str) -> dict[str, Any]:
    run = cli("affected", "--root", root, "--json", *args)
    assert run.code == 0, run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


def _reasons(document: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {a["name"]: (a["reason"], a["via"]) for a in document["affected"]}


def test_a_bumped_third_party_package_affects_the_members_whose_closure_holds_it(
    tmp_path: Path,
) -> None:
    root = _uv_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "gamma", "1.1.0")
    _uv_lock(root, "--upgrade-package", "gamma")
    commit_all(root, "bump gamma")
    document = _affected(root)
    assert document["changed_files"] == [{"path": "uv.lock", "status": "modified", "package": None}]
    # tool's closure holds gamma through other's entry: the lock affects it, not other.
    assert _reasons(document) == {"other": ("locked", []), "tool": ("locked", [])}
    [lock] = document["locks"]
    assert lock == {
        "path": "uv.lock",
        "format": "uv",
        "covers": ["app", "core", "other", "tool", "web"],
        "changed": [
            {"name": "gamma", "change": "version", "before": ["1.0.0"], "after": ["1.1.0"]}
        ],
        "affects": ["other", "tool"],
        "problem": None,
    }
    [other, tool] = [a for a in document["affected"] if a["name"] in ("other", "tool")]
    assert other["files"] == ["uv.lock"] and other["problem"] is None
    assert other["locked"] == [dict(lock["changed"][0], via=[])]
    assert tool["locked"] == [dict(lock["changed"][0], via=[{"name": "other", "extra": None}])]
    committed = _affected(root, "--head", "HEAD")  # head's lock from git, not the work tree
    assert committed["affected"] == document["affected"]


def test_explain_names_the_locked_packages_that_changed(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "gamma", "1.1.0")
    _uv_lock(root, "--upgrade-package", "gamma")
    run = cli("affected", "--root", root, "--explain")
    assert run.code == 0, run.err
    lines = [" ".join(line.split()) for line in run.out.splitlines()]
    assert "other libs/other locked dependency changed: gamma 1.0.0 -> 1.1.0 (uv.lock)" in lines
    assert (
        "tool apps/tool locked dependency changed: gamma 1.0.0 -> 1.1.0 via other (uv.lock)"
        in lines
    )
    assert "uv.lock: 1 locked package changed: gamma 1.0.0 -> 1.1.0; affects other, tool" in lines


def test_a_lock_change_only_in_a_members_own_entry_affects_it_and_the_members_locked_on_it(
    tmp_path: Path,
) -> None:
    root = _uv_workspace(tmp_path)
    git(root, "checkout", "-q", "main")
    web = root / "libs/web/pyproject.toml"
    web.write_text(web.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    commit_all(root, "web 1.1.0, lock not yet updated")
    git(root, "checkout", "-q", "-B", "feature")
    _uv_lock(root)
    commit_all(root, "lock")
    document = _affected(root)
    assert [f["path"] for f in document["changed_files"]] == ["uv.lock"]
    assert _reasons(document) == {"web": ("locked", []), "app": ("locked", [])}
    bumped = {"name": "web", "change": "version", "before": ["1.0.0"], "after": ["1.1.0"]}
    assert [a["locked"] for a in document["affected"]] == [[dict(bumped, via=[])]] * 2


def test_a_test_group_only_package_counts_for_test_not_for_build(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "delta", "1.1.0")
    _uv_lock(root, "--upgrade-package", "delta")
    # app installs web, never web's test group.
    assert _reasons(_affected(root, "--task", "test")) == {"web": ("locked", [])}
    build = _affected(root, "--task", "build")
    assert build["affected"] == []
    assert build["locks"][0]["changed"][0]["name"] == "delta"


def test_an_unreadable_lock_affects_everything_it_covers_and_says_why(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    lock = root / "uv.lock"
    lock.write_text(lock.read_text() + "\n[[package]\n")
    document = _affected(root)
    assert {a["name"]: a["reason"] for a in document["affected"]} == dict.fromkeys(
        ["core", "other", "tool", "web", "app"], "lock-unreadable"
    )
    problem = document["affected"][0]["problem"]
    assert problem.startswith("uv.lock: invalid TOML")
    assert document["locks"][0]["problem"] == problem
    run = cli("affected", "--root", root, "--explain")
    text = " ".join(run.out.split())
    assert "lock not compared, so all it covers is affected: uv.lock: invalid TOML" in text
    assert "; affects all 5 members it covers" in text


def test_a_lock_version_noxgraph_does_not_know_affects_everything_it_covers(
    tmp_path: Path,
) -> None:
    root = _uv_workspace(tmp_path)
    lock = root / "uv.lock"
    lock.write_text(lock.read_text().replace("version = 1\n", "version = 2\n", 1))
    commit_all(root, "a lock from the future")
    document = _affected(root)
    assert len(document["affected"]) == 5
    assert document["locks"][0]["problem"] == (
        "uv.lock: lock version 2 is not one noxgraph reads (1)"
    )


def test_a_lock_named_with_files_has_no_base_and_affects_everything_it_covers(
    tmp_path: Path,
) -> None:
    root = _uv_workspace(tmp_path)
    document = _affected(root, "--files", str(root / "uv.lock"))
    assert {a["reason"] for a in document["affected"]} == {"lock-unreadable"}
    assert len(document["affected"]) == 5
    assert "--files" in document["locks"][0]["problem"]
    explained = cli("affected", "--root", root, "--files", str(root / "uv.lock"), "--explain")
    assert (
        "lock not compared, so all it covers is affected: uv.lock: named with --files, so"
        " there is no base" in explained.out
    )
    assert "unreadable" not in explained.out


def test_no_changed_lock_reads_no_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _uv_workspace(tmp_path)
    write(root / "libs/core/src/core/__init__.py", "")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a lock was read")

    monkeypatch.setattr("noxgraph.changes.lock_changes.versions_of", refuse)
    monkeypatch.setattr("noxgraph.changes.lock_changes.parse_lock", refuse)
    monkeypatch.setattr("noxgraph.changes.lock_changes.members_covered", refuse)
    document = _affected(root)
    assert [a["name"] for a in document["affected"]] == ["core", "web", "app"]
    assert document["locks"] == []


def test_ignore_and_global_files_patterns_win_over_the_lock(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "gamma", "1.1.0")
    _uv_lock(root, "--upgrade-package", "gamma")
    config = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(config + '\n[tool.noxgraph]\nglobal-files = ["uv.lock"]\n')
    commit_all(root, "lock is global")
    document = _affected(root, "--head", "HEAD")
    assert {a["name"]: a["reason"] for a in document["affected"]} == dict.fromkeys(
        ["core", "other", "tool", "web", "app"], "global"
    )
    assert document["locks"] == []
    # The configuration changes in the same range, and would affect everything.
    ignore = '\n[tool.noxgraph]\nignore = ["*.lock", "pyproject.toml"]\n'
    (root / "pyproject.toml").write_text(config + ignore)
    commit_all(root, "lock is ignored")
    document = _affected(root, "--head", "HEAD")
    assert document["affected"] == []
    assert document["ignored_files"] == ["pyproject.toml", "uv.lock"]


def _poetry_lock(packages: dict[str, tuple[str, dict[str, str]]]) -> str:
    """A ``poetry.lock`` (lock-version 2.1) as Poetry writes it: name -> (version, deps)."""
    parts = ["# This file is automatically @generated by Poetry 2.1.0.\n"]
    for name, (version, deps) in sorted(packages.items()):
        parts.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\n'
            'optional = false\npython-versions = ">=3.8"\ngroups = ["main"]\n'
            f'files = [{{file = "{name}-{version}-py3-none-any.whl", hash = "sha256:00"}}]\n'
        )
        if deps:
            parts.append("\n[package.dependencies]\n")
            parts.extend(f'{dep} = "{spec}"\n' for dep, spec in sorted(deps.items()))
    parts.append('\n[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\n')
    parts.append('content-hash = "0"\n')
    return "".join(parts)


_POETRY = {
    "requests": ("2.31.0", {"urllib3": ">=1.21"}),
    "urllib3": ("2.0.0", {}),
    "pytest": ("8.0.0", {"pluggy": ">=1.3"}),
    "pluggy": ("1.3.0", {}),
}


def _poetry_workspace(tmp_path: Path) -> Path:
    """svc (poetry, with its own poetry.lock) -> requests, and pytest in its dev group;
    app -> svc; lone stands apart."""
    root = init_repo(tmp_path / "ws")
    pyproject(
        root,
        "svc",
        """
        [tool.poetry]
        name = "svc"
        version = "1.0.0"
        description = ""
        authors = []

        [tool.poetry.dependencies]
        python = "^3.10"
        requests = "^2.31"

        [tool.poetry.group.dev.dependencies]
        pytest = "^8"
        """,
    )
    write(root / "svc/poetry.lock", _poetry_lock(_POETRY))
    pyproject(root, "app", '[project]\nname = "app"\nversion = "1.0.0"\ndependencies = ["svc"]\n')
    pyproject(root, "lone", '[project]\nname = "lone"\nversion = "1.0.0"\n')
    for folder in ("svc", "app", "lone"):
        write(root / folder / "tests" / "test_it.py", "def test_it() -> None:\n    pass\n")
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_a_poetry_lock_affects_the_project_holding_it_over_its_declared_closure(
    tmp_path: Path,
) -> None:
    root = _poetry_workspace(tmp_path)
    bumped = dict(_POETRY, urllib3=("2.1.0", {}))
    write(root / "svc/poetry.lock", _poetry_lock(bumped))
    document = _affected(root, "--task", "build")
    # app is no project svc's lock decides the environment of: the lock is no change of it.
    assert _reasons(document) == {"svc": ("locked", [])}
    assert document["changed_files"] == [
        {"path": "svc/poetry.lock", "status": "modified", "package": None}
    ]
    [lock] = document["locks"]
    assert lock["format"] == "poetry" and lock["covers"] == ["svc"]
    assert lock["changed"] == [
        {"name": "urllib3", "change": "version", "before": ["2.0.0"], "after": ["2.1.0"]}
    ]


def test_a_poetry_dev_group_package_counts_for_test_not_for_build(tmp_path: Path) -> None:
    root = _poetry_workspace(tmp_path)
    write(root / "svc/poetry.lock", _poetry_lock(dict(_POETRY, pluggy=("1.5.0", {}))))
    assert _affected(root, "--task", "build")["affected"] == []
    assert _reasons(_affected(root, "--task", "test")) == {"svc": ("locked", [])}


def test_a_pdm_lock_affects_the_project_holding_it(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "ws")
    pyproject(
        root, "tool", '[project]\nname = "tool"\nversion = "1.0.0"\ndependencies = ["httpx"]\n'
    )
    pyproject(root, "cli", '[project]\nname = "cli"\nversion = "1.0.0"\ndependencies = ["tool"]\n')
    pyproject(root, "lone", '[project]\nname = "lone"\nversion = "1.0.0"\n')

    def lock(certifi: str) -> str:
        return f"""
        # This file is @generated by PDM.
        [metadata]
        groups = ["default"]
        strategy = ["inherit_metadata"]
        lock_version = "4.5.0"
        content_hash = "sha256:00"

        [[package]]
        name = "httpx"
        version = "0.27.0"
        requires_python = ">=3.8"
        summary = "The next generation HTTP client."
        groups = ["default"]
        dependencies = ["anyio", "certifi", "httpcore==1.*"]
        files = [{{file = "httpx-0.27.0-py3-none-any.whl", hash = "sha256:00"}}]

        [[package]]
        name = "certifi"
        version = "{certifi}"
        summary = "Mozilla's CA bundle."
        groups = ["default"]
        files = [{{file = "certifi-{certifi}-py3-none-any.whl", hash = "sha256:11"}}]

        [[package]]
        name = "anyio"
        version = "4.0.0"
        summary = "Async I/O."
        groups = ["default"]
        files = []
        """

    write(root / "tool/pdm.lock", lock("2024.1.1"))
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "tool/pdm.lock", lock("2024.2.2"))
    commit_all(root, "bump certifi")
    document = _affected(root)
    assert _reasons(document) == {"tool": ("locked", [])}
    assert document["locks"][0]["changed"] == [
        {"name": "certifi", "change": "version", "before": ["2024.1.1"], "after": ["2024.2.2"]}
    ]


def test_the_lock_is_no_change_of_the_root_package_that_holds_it(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    git(root, "checkout", "-q", "main")
    config = (root / "pyproject.toml").read_text()
    _member(root, ".", "top", "tool")
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("[tool.uv.sources]\n", "")
        + "\n[tool.uv.sources]\ntool = { workspace = true }\n"
        + config
    )
    _uv_lock(root)
    commit_all(root, "the root is a project too")
    git(root, "checkout", "-q", "-B", "feature")
    _wheel(tmp_path / "wheels", "gamma", "1.1.0")
    _uv_lock(root, "--upgrade-package", "gamma")
    document = _affected(root)
    assert _reasons(document) == dict.fromkeys(["other", "tool", "top"], ("locked", []))
    [top] = [a for a in document["affected"] if a["name"] == "top"]
    assert top["locked"][0]["via"] == [
        {"name": "tool", "extra": None},
        {"name": "other", "extra": None},
    ]
    assert document["locks"][0]["covers"] == ["app", "core", "other", "tool", "top", "web"]


def test_each_projects_own_uv_lock_covers_that_project_only(tmp_path: Path) -> None:
    """Two projects side by side, each locked on its own: b's lock holds a (a path
    dependency), so it is walked through there, and b's lock does not cover a."""
    wheels = tmp_path / "wheels"
    _wheel(wheels, "gamma", "1.0.0")
    root = init_repo(tmp_path / "ws")
    index = '\n[tool.uv]\nfind-links = ["../../wheels"]\nno-index = true\n'
    _member(root, "a", "a", "gamma", extra=index)
    pyproject(
        root,
        "b",
        '[project]\nname = "b"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["a"]\n[tool.uv.sources]\na = { path = "../a" }\n' + index,
    )
    _uv_lock(root / "a")
    _uv_lock(root / "b")
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    _wheel(wheels, "gamma", "1.1.0")
    _uv_lock(root / "b", "--upgrade-package", "gamma")
    document = _affected(root)
    assert _reasons(document) == {"b": ("locked", [])}
    assert document["locks"][0]["covers"] == ["b"]
    _uv_lock(root / "a", "--upgrade-package", "gamma")
    assert _reasons(_affected(root)) == {"a": ("locked", []), "b": ("locked", [])}


def test_a_lock_in_a_sibling_repository_is_read_from_that_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _wheel(wheels, "gamma", "1.0.0")
    root = tmp_path / "repos"
    index = '\n[tool.uv]\nfind-links = ["../../wheels"]\nno-index = true\n'
    for name, deps in (("a", ("gamma",)), ("b", ())):
        init_repo(root / name)
        _member(root, name, name, *deps, extra=index)
        _uv_lock(root / name)
        commit_all(root / name, "init")
        git(root / name, "checkout", "-q", "-b", "feature")
    _wheel(wheels, "gamma", "1.1.0")
    _uv_lock(root / "a", "--upgrade-package", "gamma")
    commit_all(root / "a", "bump gamma")
    document = _affected(root, "--head", "HEAD")
    assert _reasons(document) == {"a": ("locked", [])}
    assert document["locks"][0]["path"] == "a/uv.lock"


def _extras_workspace(tmp_path: Path) -> Path:
    """core -> other, and core has the extra fast = [six] and the group docs = [idna];
    app depends on plain core, turbo on core[fast]."""
    wheels = tmp_path / "wheels"
    _wheel(wheels, "six", "1.16.0")
    _wheel(wheels, "idna", "3.6")
    root = init_repo(tmp_path / "ws")
    pyproject(
        root,
        ".",
        '[tool.uv.workspace]\nmembers = ["libs/*"]\n'
        '[tool.uv]\nfind-links = ["../wheels"]\nno-index = true\n',
    )
    _member(
        root,
        "libs/core",
        "core",
        "other",
        extra='[project.optional-dependencies]\nfast = ["six"]\n'
        '[dependency-groups]\ndocs = ["idna"]\n',
    )
    _member(root, "libs/app", "app", "core")
    pyproject(
        root,
        "libs/turbo",
        '[project]\nname = "turbo"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["core[fast]"]\n[tool.uv.sources]\ncore = { workspace = true }\n',
    )
    _member(root, "libs/other", "other")
    write(root / ".gitignore", ".venv/\n")
    _uv_lock(root)
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_a_package_in_an_extra_affects_only_the_members_that_ask_for_the_extra(
    tmp_path: Path,
) -> None:
    root = _extras_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "six", "1.17.0")
    _uv_lock(root, "--upgrade-package", "six")
    document = _affected(root, "--task", "build")
    assert _reasons(document) == {"core": ("locked", []), "turbo": ("locked", [])}
    assert document["locks"][0]["affects"] == ["core", "turbo"]
    run = cli("affected", "--root", root, "--task", "build", "--explain")
    lines = [" ".join(line.split()) for line in run.out.splitlines()]
    assert (
        "turbo libs/turbo locked dependency changed: six 1.16.0 -> 1.17.0 via core[fast] (uv.lock)"
        in lines
    )


def test_a_package_in_a_dependency_group_affects_only_the_member_that_has_the_group(
    tmp_path: Path,
) -> None:
    root = _extras_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "idna", "3.7")
    _uv_lock(root, "--upgrade-package", "idna")
    assert _reasons(_affected(root, "--task", "test")) == {"core": ("locked", [])}
    assert _affected(root, "--task", "build")["affected"] == []


def test_changed_files_still_affect_the_dependents_of_a_member_a_lock_affects(
    tmp_path: Path,
) -> None:
    root = _extras_workspace(tmp_path)
    _wheel(tmp_path / "wheels", "six", "1.17.0")
    _uv_lock(root, "--upgrade-package", "six")
    write(root / "libs/other/src/other/__init__.py", "")
    # core's own reason comes first, and the change in other still reaches app through it.
    assert _reasons(_affected(root, "--task", "build")) == {
        "other": ("changed", []),
        "core": ("locked", []),
        "app": ("dependency", ["core", "other"]),
        "turbo": ("locked", []),
    }


def test_a_dependents_own_lock_that_did_not_change_keeps_it_unaffected(tmp_path: Path) -> None:
    """Each project locked on its own, b -> a by path: a bump in a's lock alone is no
    change of b, whose own lock still holds the old version."""
    wheels = tmp_path / "wheels"
    _wheel(wheels, "gamma", "1.0.0")
    root = init_repo(tmp_path / "ws")
    index = '\n[tool.uv]\nfind-links = ["../../wheels"]\nno-index = true\n'
    _member(root, "a", "a", "gamma", extra=index)
    pyproject(
        root,
        "b",
        '[project]\nname = "b"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["a"]\n[tool.uv.sources]\na = { path = "../a" }\n' + index,
    )
    _uv_lock(root / "a")
    _uv_lock(root / "b")
    commit_all(root, "init")
    git(root, "checkout", "-q", "-b", "feature")
    _wheel(wheels, "gamma", "1.1.0")
    _uv_lock(root / "a", "--upgrade-package", "gamma")
    assert _reasons(_affected(root)) == {"a": ("locked", [])}


def test_a_rewritten_dependency_list_is_no_change(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    lock = root / "uv.lock"
    text = lock.read_text()
    listed = '    { name = "beta" },\n    { name = "core" },\n'
    assert listed in text
    lock.write_text(text.replace(listed, '    { name = "core" },\n    { name = "Beta" },\n'))
    document = _affected(root)
    assert document["affected"] == [] and document["locks"][0]["changed"] == []


def test_a_member_without_a_locked_version_shows_null(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path)
    git(root, "checkout", "-q", "main")
    lock = root / "uv.lock"
    entry = 'name = "core"\nversion = "1.0.0"\nsource = { editable = "libs/core" }\n'
    unversioned = 'name = "core"\nsource = { editable = "libs/core" }\n'
    lock.write_text(lock.read_text().replace(entry, unversioned))
    commit_all(root, "core's version is dynamic")
    git(root, "checkout", "-q", "-B", "feature")
    lock.write_text(
        lock.read_text().replace(unversioned, unversioned + 'dependencies = [{ name = "gamma" }]\n')
    )
    document = _affected(root)
    [core] = [a for a in document["affected"] if a["name"] == "core"]
    [change] = core["locked"]
    assert (change["name"], change["change"]) == ("core", "dependencies")
    assert change["before"] == change["after"] == [None]
    run = cli("affected", "--root", root, "--explain")
    assert "core (no version) (dependencies)" in " ".join(run.out.split())
