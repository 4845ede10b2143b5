"""``noxgraph affected`` on real git repositories made in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli, cli_process, commit_all, git, init_repo, package, pyproject, write


def _affected(root: Path, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    run = cli("affected", "--root", root, "--json", *args, cwd=cwd)
    assert run.code == 0, run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


def _reasons(document: dict[str, Any]) -> dict[str, tuple[str, list[str], list[str]]]:
    return {a["name"]: (a["reason"], a["files"], a["via"]) for a in document["affected"]}


def _monorepo(root: Path) -> Path:
    """core <- text <- app <- cli, core <- color; testkit tests core (a dev-group cycle)."""
    init_repo(root)
    pyproject(
        root,
        ".",
        """
        [tool.noxgraph]
        members = ["libs/*", "apps/*"]
        ignore = ["**/*.md", "docs/**"]
        global-files = ["constraints.txt", ".github/workflows/**"]
    """,
    )
    package(root, "libs/core", "core", extra='[dependency-groups]\ntest = ["testkit"]\n')
    package(root, "libs/testkit", "testkit", "core")
    package(root, "libs/color", "color", "core")
    package(root, "libs/text", "text", "core")
    package(root, "apps/app", "app", "text")
    package(root, "apps/cli", "cli", "app")
    for folder in ("libs/core", "libs/testkit", "libs/color", "libs/text", "apps/app", "apps/cli"):
        write(root / folder / "src" / "mod.py", f"NAME = {folder!r}\n")
    write(root / "constraints.txt", "")
    commit_all(root, "init")
    return root


def test_a_change_affects_the_owner_and_its_dependents_in_build_order(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "libs/text/src/mod.py", "NAME = 'changed'\n")
    commit_all(root, "change text")
    document = _affected(root)
    assert [a["name"] for a in document["affected"]] == ["text", "app", "cli"]
    assert _reasons(document) == {
        "text": ("changed", ["libs/text/src/mod.py"], []),
        "app": ("dependency", [], ["text"]),
        "cli": ("dependency", [], ["app", "text"]),
    }
    assert document["base"] == "main" and document["head"] == "HEAD"
    [repo] = document["repositories"]
    assert repo["merge_base"] == git(root, "rev-parse", "main").strip()
    assert document["changed_files"] == [
        {"path": "libs/text/src/mod.py", "status": "modified", "package": "text"}
    ]


def test_dev_group_cycles_spread_affected_and_affected_kinds_can_narrow_it(
    tmp_path: Path,
) -> None:
    root = _monorepo(tmp_path)
    write(root / "libs/testkit/src/mod.py", "NAME = 'changed'\n")
    assert _reasons(_affected(root, "--files", "libs/testkit/src/mod.py", cwd=root))["core"] == (
        "dependency",
        [],
        ["testkit"],
    )
    config = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(config + 'affected-kinds = ["runtime", "build"]\n')
    narrowed = _affected(root, "--files", "libs/testkit/src/mod.py", cwd=root)
    assert [a["name"] for a in narrowed["affected"]] == ["testkit"]


def test_feature_branch_with_merges_from_main_counts_only_its_own_changes(
    tmp_path: Path,
) -> None:
    root = _monorepo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    write(root / "libs/color/src/mod.py", "NAME = 'feature'\n")
    commit_all(root, "feature work on color")
    git(root, "checkout", "-q", "main")
    write(root / "apps/cli/src/mod.py", "NAME = 'main moved on'\n")
    commit_all(root, "main work on cli")
    git(root, "checkout", "-q", "feature")
    git(root, "merge", "-q", "--no-edit", "main")
    write(root / "libs/core/README.md", "docs\n")
    commit_all(root, "docs")
    document = _affected(root, "--head", "HEAD")
    assert _reasons(document) == {"color": ("changed", ["libs/color/src/mod.py"], [])}
    assert document["ignored_files"] == ["libs/core/README.md"]
    assert document["uncommitted"] is False


def test_a_rename_across_packages_counts_at_both_paths(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    write(root / "libs/color/src/shared.py", "VALUE = 1\n" * 20)
    commit_all(root, "shared in color")
    git(root, "checkout", "-q", "-b", "move")
    (root / "apps/app/src").mkdir(exist_ok=True)
    git(root, "mv", "libs/color/src/shared.py", "apps/app/src/shared.py")
    commit_all(root, "move shared to app")
    document = _affected(root)
    assert document["changed_files"] == [
        {"path": "apps/app/src/shared.py", "status": "renamed", "package": "app"},
        {"path": "libs/color/src/shared.py", "status": "renamed", "package": "color"},
    ]
    assert [a["name"] for a in document["affected"]] == ["color", "app", "cli"]


def test_a_package_deleted_since_the_base_affects_those_that_depended_on_it(
    tmp_path: Path,
) -> None:
    root = _monorepo(tmp_path)
    git(root, "checkout", "-q", "-b", "drop-color")
    package(root, "apps/painter", "painter", "color>=1")
    commit_all(root, "painter uses color")
    git(root, "branch", "-f", "main")
    shutil.rmtree(root / "libs/color")
    commit_all(root, "delete color")
    document = _affected(root)
    assert document["deleted_packages"] == [{"name": "color", "path": "libs/color"}]
    assert _reasons(document) == {"painter": ("deleted-dependency", [], ["color"])}
    assert {f["path"]: f["package"] for f in document["changed_files"]} == {
        "libs/color/pyproject.toml": "color",
        "libs/color/src/mod.py": "color",
    }
    assert document["unowned_files"] == []


def test_a_moved_package_is_changed_not_deleted(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    git(root, "checkout", "-q", "-b", "move")
    git(root, "mv", "libs/color", "apps/color")
    commit_all(root, "move color")
    document = _affected(root)
    assert document["deleted_packages"] == []
    assert _reasons(document)["color"][0] == "changed"
    assert {f["package"] for f in document["changed_files"]} == {"color"}


def test_uncommitted_and_untracked_files_count_without_head(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    write(root / "libs/color/src/mod.py", "NAME = 'dirty'\n")
    write(root / "apps/cli/src/new_module.py", "X = 1\n")
    write(root / "notes.txt", "where does this go\n")
    document = _affected(root)
    assert document["uncommitted"] is True
    assert document["changed_files"] == [
        {"path": "apps/cli/src/new_module.py", "status": "untracked", "package": "cli"},
        {"path": "libs/color/src/mod.py", "status": "modified", "package": "color"},
        {"path": "notes.txt", "status": "untracked", "package": None},
    ]
    assert document["unowned_files"] == ["notes.txt"]
    assert [a["name"] for a in document["affected"]] == ["color", "cli"]
    assert _affected(root, "--no-uncommitted")["affected"] == []
    assert _affected(root, "--head", "HEAD")["affected"] == []
    text = cli("affected", "--root", root)
    assert "plus uncommitted and untracked files" in text.out
    clash = cli("affected", "--root", root, "--head", "HEAD", "--uncommitted")
    assert clash.code == 2 and "--uncommitted only applies without --head" in clash.err


def test_build_leftovers_are_no_change_and_count_for_no_key(tmp_path: Path) -> None:
    """One rule for a package's content: what a build leaves (untracked, not ignored)
    changes neither affected nor the folder's key; a new source file changes both."""
    from noxgraph.changes.content import folder_key

    root = _monorepo(tmp_path)
    core = root / "libs/core"
    before = folder_key(core)
    write(core / "build/lib/core/__init__.py", "")
    write(core / "src/core.egg-info/PKG-INFO", "Name: core\n")
    write(core / "src/core/__pycache__/__init__.cpython-313.pyc", "")
    document = _affected(root)
    assert document["changed_files"] == [] and document["affected"] == []
    assert folder_key(core) == before
    write(core / "src/core/new_module.py", "X = 1\n")
    after = _affected(root)
    assert [f["path"] for f in after["changed_files"]] == ["libs/core/src/core/new_module.py"]
    assert "core" in [a["name"] for a in after["affected"]]
    assert folder_key(core) != before


def test_global_files_affect_everything_and_ignored_files_nothing(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    write(root / "docs/guide/index.rst", "docs\n")
    write(root / "libs/core/CHANGES.md", "docs\n")
    assert _affected(root)["affected"] == []
    write(root / ".github/workflows/ci.yml", "on: push\n")
    document = _affected(root)
    assert document["global_files"] == [".github/workflows/ci.yml"]
    reasons = _reasons(document)
    assert len(reasons) == 6
    assert reasons["core"] == ("global", [".github/workflows/ci.yml"], [])
    for name in ("a", "b", "c", "d"):
        write(root / f".github/workflows/{name}.yml", "on: push\n")
    explained = cli("affected", "--root", root, "--explain")
    assert explained.code == 0, explained.err
    assert "global file changed: .github/workflows/a.yml, .github/workflows/b.yml," in explained.out
    assert ".github/workflows/c.yml and 2 more" in explained.out


def test_the_noxfile_noxgraph_wrote_is_no_change_and_explain_names_it(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    assert cli("generate", "--root", root).code == 0
    write(root / "libs/text/src/mod.py", "NAME = 'changed'\n")
    document = _affected(root)
    assert [f["path"] for f in document["changed_files"]] == ["libs/text/src/mod.py", "noxfile.py"]
    assert document["generated_files"] == ["noxfile.py"]
    assert document["unowned_files"] == []
    assert [a["name"] for a in document["affected"]] == ["text", "app", "cli"]
    explained = cli("affected", "--root", root, "--explain")
    assert explained.code == 0, explained.err
    assert "files noxgraph wrote (not counted): noxfile.py" in explained.out
    assert explained.out.startswith(
        "1 changed file (and noxfile.py, which noxgraph wrote: not counted); main...HEAD (merge"
    )


def test_sibling_repositories_are_asked_each_with_its_own_base(tmp_path: Path) -> None:
    foundation = init_repo(tmp_path / "foundation")
    package(foundation, ".", "foundation")
    commit_all(foundation)
    testkit = init_repo(tmp_path / "testkit", branch="master")
    package(testkit, ".", "testkit", "foundation")
    commit_all(testkit)
    app = init_repo(tmp_path / "app")
    package(app, ".", "app", "testkit")
    commit_all(app)
    git(foundation, "checkout", "-q", "-b", "feature")
    write(foundation / "src/foundation/__init__.py", "X = 1\n")
    commit_all(foundation, "change")
    document = _affected(tmp_path)
    assert [(r["path"], r["base"]) for r in document["repositories"]] == [
        ("app", "main"),
        ("foundation", "main"),
        ("testkit", "master"),
    ]
    assert [a["name"] for a in document["affected"]] == ["foundation", "testkit", "app"]
    assert document["changed_files"] == [
        {
            "path": "foundation/src/foundation/__init__.py",
            "status": "added",
            "package": "foundation",
        }
    ]
    text = cli("affected", "--root", tmp_path).out
    assert "testkit: master...HEAD" in text and "foundation: main...HEAD" in text


def test_a_moved_submodule_pointer_is_a_change_of_its_package(tmp_path: Path) -> None:
    vendored = init_repo(tmp_path / "upstream")
    package(vendored, ".", "vendored")
    commit_all(vendored)
    meta = init_repo(tmp_path / "meta")
    package(meta, "app", "app", "vendored")
    commit_all(meta)
    git(meta, "submodule", "add", "-q", str(vendored), "deps/vendored")
    commit_all(meta, "add submodule")
    sub = meta / "deps" / "vendored"
    write(sub / "src/vendored/__init__.py", "X = 2\n")
    commit_all(sub, "move the submodule on")
    document = _affected(meta)
    assert document["changed_files"] == [
        {"path": "deps/vendored/src/vendored/__init__.py", "status": "added", "package": "vendored"}
    ]
    assert [a["name"] for a in document["affected"]] == ["vendored", "app"]
    assert [r["path"] for r in document["repositories"]] == ["."]


def test_a_shallow_clone_says_how_to_fix_it_and_never_means_everything(tmp_path: Path) -> None:
    origin = _monorepo(tmp_path / "origin")
    git(origin, "checkout", "-q", "-b", "feature")
    for number in range(3):
        write(origin / "libs/text/src/mod.py", f"NAME = {number}\n")
        commit_all(origin, f"change {number}")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        "--no-single-branch",
        f"file://{origin}",
        str(clone),
    )
    git(clone, "remote", "set-head", "origin", "--delete")  # as CI's checkout sets none
    missing = cli_process("affected", "--root", clone)
    assert missing.code == 2
    # No local main: origin/main is the base, and the shallow history is what is missing.
    assert "shallow clone without the merge base of 'origin/main' and 'HEAD'" in missing.err
    shallow = cli_process("affected", "--root", clone, "--base", "origin/main")
    assert shallow.code == 2
    assert "is a shallow clone without the merge base" in shallow.err
    assert "git fetch --unshallow" in shallow.err and "fetch-depth: 0" in shallow.err
    assert shallow.out == "" and "Traceback" not in shallow.err
    everything = _affected(clone, "--base", "origin/main", "--if-base-missing", "all")
    assert len(everything["affected"]) == 6
    assert {a["reason"] for a in everything["affected"]} == {"global"}
    assert "shallow clone" in everything["repositories"][0]["missing_base"]
    git(clone, "fetch", "-q", "--unshallow")
    fixed = _affected(clone, "--base", "origin/main")
    assert [a["name"] for a in fixed["affected"]] == ["text", "app", "cli"]


def test_an_unknown_base_and_no_repository_are_clear_errors(tmp_path: Path) -> None:
    root = _monorepo(tmp_path / "repo")
    unknown = cli("affected", "--root", root, "--base", "release-9")
    assert unknown.code == 2
    assert unknown.err == (
        "noxgraph: error: repository .: base 'release-9' (from --base) is not a known commit;"
        " pass a branch, tag or commit this repository has, or name the changed files with"
        " --files\n"
    )
    plain = tmp_path / "plain"
    package(plain, "a", "a")
    no_git = cli("affected", "--root", plain)
    assert no_git.code == 2
    assert "is not in a git repository" in no_git.err and "--files" in no_git.err


def test_files_given_on_the_command_line_need_no_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    package(root, "core", "core")
    package(root, "app", "app", "core")
    document = _affected(root, "--files", "core/src/x.py", "README", cwd=root)
    assert document["source"] == "files" and document["repositories"] == []
    assert [a["name"] for a in document["affected"]] == ["core", "app"]
    assert document["unowned_files"] == ["README"]
    from_above = _affected(root, "--files", "plain/app/pyproject.toml", cwd=tmp_path)
    assert [a["name"] for a in from_above["affected"]] == ["app"]
    outside = cli("affected", "--root", root, "--files", "elsewhere.txt", cwd=tmp_path)
    assert outside.code == 2 and "is outside the workspace root" in outside.err


def test_names_and_sessions_formats(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    write(root / "apps/app/tests/test_app.py", "def test(): pass\n")
    names = cli(
        "affected", "--root", root, "--files", "apps/app/src/mod.py", "--format", "names", cwd=root
    )
    assert names.out == "app\ncli\n"
    sessions = cli(
        "affected",
        "--root",
        root,
        "--files",
        "apps/app/src/mod.py",
        "--format",
        "sessions",
        cwd=root,
    )
    assert sessions.out == "build-app\nbuild-cli\ntest-app\n"
    only_test = cli(
        "affected",
        "--root",
        root,
        "--files",
        "apps/app/src/mod.py",
        "--format",
        "sessions",
        "--task",
        "test",
        cwd=root,
    )
    assert only_test.out == "test-app\n"
    unknown = cli(
        "affected",
        "--root",
        root,
        "--files",
        "x",
        "--format",
        "sessions",
        "--task",
        "lint",
        cwd=root,
    )
    assert unknown.code == 2 and "no package has that task" in unknown.err


def test_explain_names_an_edge_that_is_not_a_run_time_one(tmp_path: Path) -> None:
    root = tmp_path
    package(root, "openai", "openai", "core")
    package(root, "core", "core", extra='[project.optional-dependencies]\nall = ["openai"]\n')
    package(root, "redis", "redis", "core")
    args = ("affected", "--root", root, "--files", "openai/x.py", "--explain", "--task", "build")
    text = cli(*args, cwd=root).out
    assert "depends on openai [optional: all] (changed)" in text
    assert "depends on core -> openai [optional: all] (changed)" in text


def test_explain_gives_the_shortest_chain(tmp_path: Path) -> None:
    root = tmp_path
    package(root, "base", "base")
    package(root, "mid", "mid", "base")
    package(root, "deep", "deep", "mid")
    package(root, "top", "top", "deep", "base")
    document = _affected(root, "--files", "base/x.py", cwd=root)
    assert _reasons(document)["top"] == ("dependency", [], ["base"])
    assert _reasons(document)["deep"] == ("dependency", [], ["mid", "base"])
    text = cli("affected", "--root", root, "--files", "base/x.py", "--explain", cwd=root).out
    assert "depends on mid -> base (changed)" in text
    assert "changed: base/x.py" in text


@pytest.mark.parametrize("fmt", ["text", "json", "names"])
def test_nothing_affected_is_a_clean_answer(tmp_path: Path, fmt: str) -> None:
    root = _monorepo(tmp_path)
    run = cli("affected", "--root", root, "--format", fmt)
    assert run.code == 0
    if fmt == "text":
        assert "No package is affected." in run.out
    elif fmt == "json":
        assert json.loads(run.out)["affected"] == []
    else:
        assert run.out == ""


def test_a_deleted_stray_copy_of_a_member_is_no_package(tmp_path: Path) -> None:
    """Reduced from Arize-ai/openinference 373b2d61a: a stray root pyproject.toml named
    like a member elsewhere was deleted; its folder (the root) must not become that
    member's, or every loose file in the repository would count for it."""
    root = init_repo(tmp_path)
    package(root, ".", "instrumentation-x")
    package(root, "python/instrumentation-x", "instrumentation-x")
    package(root, "python/core", "core")
    write(root / "requirements.txt", "x\n")
    commit_all(root, "a stray copy at the root")
    git(root, "checkout", "-q", "-b", "cleanup")
    (root / "pyproject.toml").unlink()
    (root / "requirements.txt").unlink()
    commit_all(root, "remove the stray copy")
    document = _affected(root)
    assert document["affected"] == []
    assert document["deleted_packages"] == []
    assert document["unowned_files"] == ["pyproject.toml", "requirements.txt"]


def test_a_base_only_origin_has_is_used_and_named(tmp_path: Path) -> None:
    """A CI checkout of one branch has origin/main but no main: the base is origin/main,
    and the answer says so."""
    upstream = init_repo(tmp_path / "upstream")
    package(upstream, "libs/a", "a")
    package(upstream, "libs/b", "b", "a")
    commit_all(upstream)
    git(upstream, "checkout", "-q", "-b", "feature")
    write(upstream / "libs/a/src/a/__init__.py", "X = 1\n")
    commit_all(upstream, "change a")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "feature", str(upstream), str(clone))
    # actions/checkout fetches one branch and sets no origin/HEAD.
    git(clone, "remote", "set-head", "origin", "--delete")
    assert "main" not in git(clone, "branch", "--list", "main")
    document = _affected(clone)
    assert [(r["path"], r["base"]) for r in document["repositories"]] == [(".", "origin/main")]
    assert [a["name"] for a in document["affected"]] == ["a", "b"]
    assert "origin/main...HEAD" in cli("affected", "--root", clone).out


def test_without_a_base_origin_s_default_branch_is_the_base(tmp_path: Path) -> None:
    """A clone of a repository whose default branch is develop compares with
    origin/develop, not with an origin/main left behind (NVIDIA's NeMo-Agent-Toolkit),
    nor with a local branch of that name gone stale."""
    upstream = init_repo(tmp_path / "upstream")
    package(upstream, "libs/a", "a")
    package(upstream, "libs/b", "b", "a")
    commit_all(upstream)
    git(upstream, "checkout", "-q", "-b", "develop")
    write(upstream / "libs/a/src/a/__init__.py", "X = 1\n")
    commit_all(upstream, "a on develop")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "branch", "-q", "-f", "main", "origin/main")
    git(clone, "checkout", "-q", "-b", "feature")
    write(clone / "libs/b/src/b/__init__.py", "Y = 2\n")
    commit_all(clone, "b on feature")
    git(clone, "branch", "-q", "-f", "develop", "origin/main")  # a stale local develop
    document = _affected(clone)
    assert [(r["path"], r["base"]) for r in document["repositories"]] == [(".", "origin/develop")]
    assert [a["name"] for a in document["affected"]] == ["b"]
    # --head is compared with it too, wherever HEAD is.
    git(clone, "checkout", "-q", "develop")
    assert [a["name"] for a in _affected(clone, "--head", "feature")["affected"]] == ["b"]
    # On the default branch itself: what is not pushed yet, and not committed.
    git(clone, "checkout", "-q", "-B", "develop", "origin/develop")
    write(clone / "libs/b/src/b/more.py", "Z = 3\n")
    assert [a["name"] for a in _affected(clone)["affected"]] == ["b"]
    # Named, the base is the one named.
    named = _affected(clone, "--base", "origin/main", "--head", "feature")
    assert [a["name"] for a in named["affected"]] == ["a", "b"]
    # An origin/HEAD that leads nowhere (its branch deleted) gives way to main.
    git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/gone")
    dangling = _affected(clone, "--head", "feature")
    assert [(r["path"], r["base"]) for r in dangling["repositories"]] == [(".", "main")]
    git(clone, "remote", "set-head", "origin", "develop")
    # A workflow is written from the configuration alone; the clone's default is a hint.
    assert cli("generate", "--root", clone).code == 0
    written = cli("ci", "github", "--root", clone)
    assert written.code == 0
    assert "set [tool.noxgraph].base = 'develop'" in written.out
    workflow = (clone / ".github/workflows/noxgraph.yml").read_text()
    assert '  push:\n    branches: ["main"]\n' in workflow


def test_each_sibling_repository_may_have_its_own_base(tmp_path: Path) -> None:
    """A .wrknv entry's base, or [tool.noxgraph].bases, is that repository's base."""
    for name, deps in (("core", ()), ("app", ("core",))):
        repo = init_repo(tmp_path / name)
        package(repo, ".", name, *deps)
        commit_all(repo)
        git(repo, "checkout", "-q", "-b", "develop")
    write(tmp_path / "core/src/core/__init__.py", "X = 1\n")
    commit_all(tmp_path / "core", "on develop")
    git(tmp_path / "core", "checkout", "-q", "-b", "feature")
    write(tmp_path / "core/src/core/more.py", "Y = 2\n")
    commit_all(tmp_path / "core", "on feature")
    write(
        tmp_path / ".wrknv/workspace.toml",
        '[[repos]]\npath = "core"\nbase = "develop"\n\n[[repos]]\npath = "app"\n',
    )
    document = _affected(tmp_path)
    assert [(r["path"], r["base"]) for r in document["repositories"]] == [
        ("app", "main"),
        ("core", "develop"),
    ]
    assert document["changed_files"] == [
        {"path": "core/src/core/more.py", "status": "added", "package": "core"}
    ]
    (tmp_path / ".wrknv/workspace.toml").unlink()
    pyproject(
        tmp_path,
        ".",
        '[tool.noxgraph]\nmembers = ["core", "app"]\n\n[tool.noxgraph.bases]\ncore = "main"\n',
    )
    document = _affected(tmp_path)
    assert ("core", "main") in [(r["path"], r["base"]) for r in document["repositories"]]
    assert len(document["changed_files"]) == 2


def test_the_configuration_and_a_virtual_root_affect_every_package(tmp_path: Path) -> None:
    # A pull request that changes tasks or interpreters, or the sources every member
    # inherits, must run something: these files belong to every package.
    root = init_repo(tmp_path)
    pyproject(root, ".", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(root, "libs/app", "app", "core")
    commit_all(root, "a uv workspace with a virtual root")
    git(root, "checkout", "-q", "-b", "config")
    write(root / "noxgraph.toml", '[tasks.test]\npython = ["3.11"]\n')
    document = _affected(root)
    assert [(p["name"], p["reason"]) for p in document["affected"]] == [
        ("core", "global"),
        ("app", "global"),
    ]
    (root / "noxgraph.toml").unlink()
    write(root / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["libs/*"]\n# a note\n')
    assert {p["reason"] for p in _affected(root)["affected"]} == {"global"}
    assert _affected(root)["unowned_files"] == []


def test_explain_prefers_a_run_time_chain_to_an_extra_s_of_the_same_length(tmp_path: Path) -> None:
    """Reduced from pydantic/pydantic-ai: pydantic-ai takes slim at run time and examples
    through an extra, and both take evals; a change to evals is explained through slim."""
    root = tmp_path
    package(root, "evals", "evals")
    package(root, "examples", "examples", "evals")
    package(root, "slim", "slim", "evals")
    package(root, "ai", "ai", "slim", extra='[project.optional-dependencies]\nall = ["examples"]\n')
    args = ("affected", "--root", root, "--files", "evals/x.py", "--task", "build")
    assert _reasons(_affected(root, *args[3:], cwd=root))["ai"] == (
        "dependency",
        [],
        ["slim", "evals"],
    )
    text = cli(*args, "--explain", cwd=root).out
    assert "depends on slim -> evals (changed)" in text
    assert "examples [optional: all]" not in text


def test_explain_takes_an_extra_s_chain_where_no_run_time_one_is_as_short(tmp_path: Path) -> None:
    root = tmp_path
    package(root, "evals", "evals")
    package(root, "examples", "examples", "evals")
    package(root, "slim", "slim", "evals")
    package(root, "deep", "deep", "slim")
    package(root, "ai", "ai", "deep", extra='[project.optional-dependencies]\nall = ["examples"]\n')
    args = ("affected", "--root", root, "--files", "evals/x.py", "--task", "build")
    assert _reasons(_affected(root, *args[3:], cwd=root))["ai"] == (
        "dependency",
        [],
        ["examples", "evals"],
    )


def test_explain_prefers_the_chain_whose_steps_further_down_are_run_time_ones(
    tmp_path: Path,
) -> None:
    root = tmp_path
    package(root, "base", "base")
    package(root, "a1", "a1", extra='[project.optional-dependencies]\nall = ["base"]\n')
    package(root, "a2", "a2", "base")
    package(root, "top", "top", "a1", "a2")
    document = _affected(root, "--files", "base/x.py", "--task", "build", cwd=root)
    assert _reasons(document)["top"] == ("dependency", [], ["a2", "base"])
    assert _reasons(document)["a1"] == ("dependency", [], ["base"])


def test_without_run_time_edges_to_follow_the_first_shortest_chain_stands(tmp_path: Path) -> None:
    root = tmp_path
    pyproject(root, ".", '[tool.noxgraph.tasks.build]\naffected-kinds = ["build"]\n')
    package(root, "s", "s")
    package(root, "a", "a", extra='[build-system]\nrequires = ["s"]\n')
    package(root, "b", "b", "s", extra='[build-system]\nrequires = ["s"]\n')
    package(root, "x", "x", extra='[build-system]\nrequires = ["a", "b"]\n')
    document = _affected(root, "--files", "s/x.py", "--task", "build", cwd=root)
    assert _reasons(document)["x"] == ("dependency", [], ["a", "s"])
