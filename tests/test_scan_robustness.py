"""The scan for pyproject.toml files, against hostile trees.

The scan survives symlink loops, unreadable folders, paths with spaces and non-ASCII
characters, and 100,000 files, reporting what it skipped. No workspace here declares
members, so every test exercises the scan: the hand walk outside git, and
``git ls-files`` inside a repository.

Unreadable folders need a user that permissions apply to: these tests run as root,
so the command line runs as ``nobody`` through ``setpriv`` (or ``runuser``) when
available, and skip with the reason otherwise. The 100,000-file test is
``@pytest.mark.fuzz``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from noxgraph.errors import NoxgraphError
from noxgraph.graph import build_graph
from noxgraph.workspace.load import Workspace, load_workspace
from tests.helpers import cli, cli_process, commit_all, git, init_repo, package, pyproject, write

PREFIX = "noxgraph: error: "


def _one_error_line(err: str) -> bool:
    """Whether ``err`` is exactly one ``noxgraph: error:`` line, without a traceback."""
    lines = err.splitlines()
    return len(lines) == 1 and lines[0].startswith(PREFIX) and "Traceback" not in err


def graph_json(root: Path) -> dict[str, object]:
    """``noxgraph graph --root ROOT --format json`` in this process; it must succeed."""
    run = cli("graph", "--root", root, "--format", "json")
    assert run.code == 0, run.err
    assert run.err == ""
    document: dict[str, object] = json.loads(run.out)
    return document


def check_keeps_the_rule(root: Path) -> None:
    """``noxgraph check``: exit 0 or 1 with findings, or 2 with one error line."""
    run = cli("check", "--root", root)
    if run.code == 2:
        assert _one_error_line(run.err), run.err
    else:
        assert run.code in (0, 1), run.err
        assert run.err == ""
        assert run.out.strip()


def paths_of(document: dict[str, object]) -> dict[str, str]:
    """``{name: path}`` of the packages in a ``graph --format json`` document."""
    packages = document["packages"]
    assert isinstance(packages, list)
    return {pkg["name"]: pkg["path"] for pkg in packages}


def skipped_of(workspace: Workspace) -> dict[str, str]:
    return {entry.path: entry.reason for entry in workspace.skipped}


# -- symbolic links ----------------------------------------------------------------------


def symlink_tree(root: Path) -> Path:
    """A tree with every kind of link the scan meets, and one real package.

    ``up -> ..`` and ``loop/again -> ../loop`` are loops, ``self -> self`` points at
    itself, ``dangling -> nowhere`` at nothing, ``linked -> real`` at a folder that
    holds a package, ``other/pyproject.toml`` at a package file outside the tree, and
    ``broken/pyproject.toml`` at a file that does not exist.
    """
    package(root, "real/pkg", "pkg")
    write(root.parent / f"{root.name}-outside.toml", '[project]\nname = "outside"\n')
    (root / "loop").mkdir()
    (root / "other").mkdir()
    (root / "broken").mkdir()
    (root / "up").symlink_to("..")
    (root / "self").symlink_to("self")
    (root / "dangling").symlink_to("nowhere")
    (root / "linked").symlink_to("real")
    (root / "loop" / "again").symlink_to("../loop")
    (root / "other" / "pyproject.toml").symlink_to(root.parent / f"{root.name}-outside.toml")
    (root / "broken" / "pyproject.toml").symlink_to("missing.toml")
    return root


SYMLINKED_FOLDERS = ("up", "linked", "loop/again")
SYMLINKED_FILES = ("other/pyproject.toml", "broken/pyproject.toml")


def test_symlinks_outside_git(tmp_path: Path) -> None:
    """Loops, dangling links and linked pyproject.toml files: the walk follows none of
    them, finds the one real package, and reports every linked folder and file."""
    root = symlink_tree(tmp_path / "ws")
    started = time.perf_counter()
    workspace = load_workspace(root)
    assert time.perf_counter() - started < 10
    assert workspace.names == ("pkg",)
    skipped = skipped_of(workspace)
    for path in (*SYMLINKED_FOLDERS, *SYMLINKED_FILES):
        assert "symbolic link" in skipped.get(path, ""), (path, skipped)
    document = graph_json(root)
    assert paths_of(document) == {"pkg": "real/pkg"}
    assert {entry["path"] for entry in document["skipped"]} >= {  # type: ignore[attr-defined]
        *SYMLINKED_FOLDERS,
        *SYMLINKED_FILES,
    }
    check_keeps_the_rule(root)


def _git_symlink_tree(tmp_path: Path, *, broken: bool) -> Path:
    root = symlink_tree(tmp_path / "ws")
    if not broken:
        (root / "broken" / "pyproject.toml").unlink()
    init_repo(root)
    commit_all(root)
    return root


def test_symlinks_in_git_keep_the_scan_alive(tmp_path: Path) -> None:
    """Inside git the same loops end nowhere: git stores links as links. The load works
    and finds the real package (whatever it makes of the linked pyproject.toml)."""
    root = _git_symlink_tree(tmp_path, broken=False)
    started = time.perf_counter()
    workspace = load_workspace(root)
    assert time.perf_counter() - started < 10
    assert "pkg" in workspace.names
    assert paths_of(graph_json(root))["pkg"] == "real/pkg"
    check_keeps_the_rule(root)


def test_symlinked_folders_in_git_are_reported(tmp_path: Path) -> None:
    """Linked folders inside git are reported as skipped, as they are outside git."""
    root = _git_symlink_tree(tmp_path, broken=False)
    skipped = skipped_of(load_workspace(root))
    assert [path for path in SYMLINKED_FOLDERS if path not in skipped] == []


def test_a_symlinked_pyproject_in_git_is_skipped_as_outside_git(tmp_path: Path) -> None:
    """The same tree gives the same members inside and outside git.

    Once a bug: git ls-files lists the link, and the scan followed it
    and read the file outside the workspace as member 'outside'.
    """
    root = _git_symlink_tree(tmp_path, broken=False)
    workspace = load_workspace(root)
    assert workspace.names == ("pkg",)
    assert "other/pyproject.toml" in skipped_of(workspace)


def test_a_dangling_symlinked_pyproject_in_git_does_not_stop_the_scan(tmp_path: Path) -> None:
    """One dangling link must not stop the scan of a whole repository.

    Once a bug: the link was read and failed the whole load with
    'cannot be read: No such file or directory' (exit 2), where the walk skipped it.
    """
    root = _git_symlink_tree(tmp_path, broken=True)
    try:
        workspace = load_workspace(root)
    except NoxgraphError as exc:
        pytest.fail(f"the scan stopped: {exc}")
    assert "pkg" in workspace.names
    assert "broken/pyproject.toml" in skipped_of(workspace)


def test_a_dangling_symlinked_pyproject_in_git_is_at_worst_one_line(tmp_path: Path) -> None:
    """Whatever the scan decides about it, the outcome keeps the rule: a result or one
    line, in-process naming the file, through the command line too."""
    root = _git_symlink_tree(tmp_path, broken=True)
    try:
        load_workspace(root)
    except NoxgraphError as exc:
        assert "\n" not in str(exc)
        assert "broken/pyproject.toml" in str(exc)
    run = cli("graph", "--root", root, "--format", "json")
    if run.code == 2:
        assert _one_error_line(run.err), run.err
        assert "/broken/" in run.err
    else:
        assert run.code == 0, run.err
    check_keeps_the_rule(root)


def test_the_command_line_names_a_symlinked_pyproject_itself(tmp_path: Path) -> None:
    """An error in a declared member whose pyproject.toml is a link, reported from two
    folders away, names ``pkgs/m/pyproject.toml``, not the link's target.

    Once a bug: cli._from_cwd() showed such a path with
    Path.resolve(), which follows links, so the error named a file the workspace
    never mentions.
    """
    root = tmp_path / "ws"
    write(root / "pyproject.toml", '[tool.noxgraph]\nmembers = ["pkgs/*"]\n')
    write(root / "elsewhere" / "target.toml", "[project\n")
    (root / "pkgs" / "m").mkdir(parents=True)
    (root / "pkgs" / "m" / "pyproject.toml").symlink_to("../../elsewhere/target.toml")
    far = tmp_path / "far" / "away"
    far.mkdir(parents=True)
    run = cli("graph", "--root", root, "--format", "json", cwd=far)
    assert run.code == 2
    assert _one_error_line(run.err), run.err
    assert "pkgs/m/pyproject.toml" in run.err, run.err


# -- unreadable folders ------------------------------------------------------------------

NOBODY = 65534


@dataclass(frozen=True)
class Unprivileged:
    """How to run ``python -m noxgraph`` as a user that permissions apply to."""

    prefix: tuple[str, ...]
    home: Path

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
            "HOME": str(self.home),
            "NOXGRAPH_NO_CACHE": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C.UTF-8",
        }
        return subprocess.run(
            [*self.prefix, sys.executable, "-m", "noxgraph", *map(str, args)],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _as_nobody() -> tuple[str, ...] | str:
    """The command prefix that runs a program as ``nobody``, or why there is none."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    runuser = shutil.which("runuser")
    if runuser:
        return (runuser, "-u", "nobody", "--")
    return "neither setpriv nor runuser (util-linux) is installed"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder in /tmp that another user can reach (pytest's tmp_path is mode 0700),
    removed afterwards whatever the modes inside it."""
    folder = Path(tempfile.mkdtemp(prefix="noxgraph-scan-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def unprivileged(scratch: Path) -> Unprivileged:
    """Run noxgraph where ``chmod 000`` means something: as ourselves when we are not
    root, else as ``nobody``, which must be able to run this Python and noxgraph."""
    home = scratch / "home"
    home.mkdir()
    if os.geteuid() != 0:
        return Unprivileged((), home)
    prefix = _as_nobody()
    if isinstance(prefix, str):
        pytest.skip(f"running as root and {prefix}: cannot make a folder unreadable")
    os.chown(home, NOBODY, NOBODY)
    probe = Unprivileged(prefix, home)
    done = subprocess.run(
        [*prefix, sys.executable, "-c", "import noxgraph.cli.main, tomli, packaging, rich"],
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            f"{sys.executable} or noxgraph cannot be run by user {NOBODY}:"
            f" {done.stderr.strip()[-300:]}"
        )
    return probe


def _hand_over(root: Path) -> None:
    """Give the tree to ``nobody`` (as root) so only the modes decide what it may read."""
    if os.geteuid() != 0:
        return
    for path in (root, *root.rglob("*")):
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def unreadable_tree(root: Path, *, in_git: bool, tracked: bool) -> Path:
    """Packages ``a`` and ``c``, and ``locked/b`` in a folder nobody may read."""
    package(root, "a", "a")
    package(root, "c", "c")
    package(root, "locked/b", "b")
    package(root, "node_modules/x", "x")
    if in_git:
        init_repo(root)
        if tracked:
            commit_all(root)
        else:
            git(root, "add", "a", "c")
            git(root, "commit", "-q", "-m", "a and c only")
    _hand_over(root)
    (root / "locked").chmod(0)
    return root


def _skipped_in(run: subprocess.CompletedProcess[str]) -> tuple[list[str], dict[str, str]]:
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    names = [pkg["name"] for pkg in document["packages"]]
    return names, {entry["path"]: entry["reason"] for entry in document["skipped"]}


UNREADABLE = "unreadable folder must be listed in 'skipped'"


def test_an_unreadable_folder_outside_git_is_skipped(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """Outside git: the other packages are found, the folder is reported with a reason.

    Once a bug: Scan.walk called _skip_dir() on each child, i.e.
    Path('locked/pyvenv.cfg').is_file(), which re-raises EACCES: a PermissionError
    traceback before the os.scandir() that would have reported the folder.
    """
    root = unreadable_tree(scratch / "ws", in_git=False, tracked=False)
    run = unprivileged.run("graph", "--root", root, "--format", "json")
    assert "Traceback" not in run.stderr, run.stderr[-600:]
    names, skipped = _skipped_in(run)
    assert names == ["a", "c"]
    assert "locked" in skipped, UNREADABLE
    assert "cannot be read" in skipped["locked"]


def test_an_unreadable_untracked_folder_in_git_is_reported(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """Inside git, untracked: the folder that could not be searched is reported.

    Once a bug: git ls-files --others warns "could not open directory
    'locked/'" on stderr and exits 0; the warning was discarded and the folder was
    silently missing from Workspace.skipped.
    """
    root = unreadable_tree(scratch / "ws", in_git=True, tracked=False)
    run = unprivileged.run("graph", "--root", root, "--format", "json")
    names, skipped = _skipped_in(run)
    assert names == ["a", "c"]
    assert "locked" in skipped, UNREADABLE


def test_an_unreadable_untracked_folder_in_git_keeps_the_scan_alive(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """Today's behaviour that keeps the rule: the readable packages are found, exit 0."""
    root = unreadable_tree(scratch / "ws", in_git=True, tracked=False)
    run = unprivileged.run("graph", "--root", root, "--format", "json")
    names, _ = _skipped_in(run)
    assert names == ["a", "c"]
    assert "Traceback" not in run.stderr


def test_an_unreadable_tracked_folder_in_git_is_skipped(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """Inside git, tracked: a one-line error naming the file, or the folder skipped.

    Once a bug: git lists locked/b/pyproject.toml from the index and
    Scan._inside_skipped() raised PermissionError from Path('locked/b/pyvenv.cfg').is_file().
    """
    root = unreadable_tree(scratch / "ws", in_git=True, tracked=True)
    run = unprivileged.run("graph", "--root", root, "--format", "json")
    assert "Traceback" not in run.stderr, run.stderr[-600:]
    if run.returncode == 2:
        assert _one_error_line(run.stderr)
        assert "locked/b/pyproject.toml" in run.stderr
    else:
        names, skipped = _skipped_in(run)
        assert names == ["a", "c"]
        assert any(path.startswith("locked") for path in skipped), UNREADABLE


def test_an_unreadable_node_modules_is_never_entered(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """A folder the scan never enters may be unreadable: nothing to report."""
    root = scratch / "ws"
    package(root, "a", "a")
    package(root, "node_modules/x", "x")
    _hand_over(root)
    (root / "node_modules").chmod(0)
    names, skipped = _skipped_in(unprivileged.run("graph", "--root", root, "--format", "json"))
    assert names == ["a"]
    assert skipped == {}


@pytest.mark.parametrize("in_git", [False, True], ids=["outside-git", "in-git"])
def test_an_unreadable_pyproject_is_one_line(
    scratch: Path, unprivileged: Unprivileged, in_git: bool
) -> None:
    """A readable folder with an unreadable pyproject.toml: exit 0 with it skipped, or
    exit 2 with one line naming it; ``check`` names it among its findings."""
    root = scratch / "ws"
    package(root, "a", "a")
    package(root, "secret", "secret")
    if in_git:
        init_repo(root)
        commit_all(root)
    _hand_over(root)
    (root / "secret" / "pyproject.toml").chmod(0)
    graph = unprivileged.run("graph", "--root", root, "--format", "json")
    assert "Traceback" not in graph.stderr, graph.stderr[-600:]
    if graph.returncode == 2:
        assert _one_error_line(graph.stderr), graph.stderr
        assert "secret/pyproject.toml" in graph.stderr
    else:
        names, skipped = _skipped_in(graph)
        assert names == ["a"]
        assert "secret/pyproject.toml" in skipped
    check = unprivileged.run("check", "--root", root)
    assert check.returncode in (0, 1), check.stderr
    assert "secret/pyproject.toml" in check.stdout
    assert check.stderr == ""


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("locked", "locked cannot be entered (Permission denied)"),
        ("locked/b/x.py", "locked/b/x.py: cannot be looked at (Permission denied)"),
    ],
)
def test_files_in_a_folder_that_cannot_be_entered_is_one_line(
    scratch: Path, unprivileged: Unprivileged, given: str, says: str
) -> None:
    root = unreadable_tree(scratch / "ws", in_git=False, tracked=False)
    run = unprivileged.run("affected", "--root", root, "--files", root / given)
    assert run.returncode == 2, run.stdout
    assert "Traceback" not in run.stderr
    assert _one_error_line(run.stderr), run.stderr
    assert says in run.stderr


@pytest.mark.parametrize("members", [None, '[tool.uv.workspace]\nmembers = ["*", "locked/*"]\n'])
def test_generate_names_a_member_folder_it_cannot_enter(
    scratch: Path, unprivileged: Unprivileged, members: str | None
) -> None:
    root = scratch / "ws"
    if members is not None:
        pyproject(root, ".", members)
    unreadable_tree(root, in_git=False, tracked=False)
    run = unprivileged.run("generate", "--root", root)
    assert run.returncode == 0, run.stderr
    assert "noxgraph: warning: " in run.stderr and "cannot be read: Permission denied" in run.stderr
    assert "locked" in run.stderr


def test_a_root_pyproject_that_cannot_be_read_is_one_line(
    scratch: Path, unprivileged: Unprivileged
) -> None:
    """Not a workspace read as if the root's configuration were not there."""
    root = scratch / "ws"
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["a"]\n')
    package(root, "a", "a")
    package(root, "b", "b")
    _hand_over(root)
    (root / "pyproject.toml").chmod(0)
    run = unprivileged.run("graph", "--root", root)
    assert run.returncode == 2, run.stdout
    assert _one_error_line(run.stderr), run.stderr
    assert "pyproject.toml: cannot be read: Permission denied" in run.stderr


# -- spaces and non-ASCII characters -----------------------------------------------------

FOLDERS: dict[str, str] = {
    "mein-paket": "mein paket \u00fc",
    "bao": "\u5305",
    "cd": "a b/c d",
    "snake": "emoji \U0001f40d/x",
    "nfd": "nfd-u\u0308ber",
    "quotes": 'it\'s "quoted"',
    "hash": "#not a comment",
    "dashes": "-leading dash",
    "glob": "[glob] *star* ?",
    "tab": "tab\there",
    "newline": "new\nline",
    "backslash": "back\\slash",
    "percent": "100% sure",
}


def names_tree(root: Path) -> Path:
    """One package per hostile folder name, plus a package depending on all of them by
    path (uv sources), so the paths matter, not only the names."""
    for name, folder in FOLDERS.items():
        package(root, f"pkgs/{folder}", name)
    sources = "".join(
        f"{name} = {{ path = {json.dumps('../' + folder, ensure_ascii=False)} }}\n"
        for name, folder in FOLDERS.items()
    )
    package(root, "pkgs/top", "top", *FOLDERS, extra=f"[tool.uv.sources]\n{sources}")
    return root


def _expected_paths() -> dict[str, str]:
    return {"top": "pkgs/top", **{name: f"pkgs/{folder}" for name, folder in FOLDERS.items()}}


@pytest.mark.parametrize("in_git", [False, True], ids=["outside-git", "in-git"])
def test_spaces_and_non_ascii_in_folder_names(tmp_path: Path, in_git: bool) -> None:
    """Spaces, CJK, emoji, NFD, quotes, glob characters, a tab and a newline in folder
    names: found, with the exact POSIX relative path in the JSON, and every path
    source resolved to its folder."""
    root = names_tree(tmp_path / "ws")
    if in_git:
        init_repo(root)
        commit_all(root)
    workspace = load_workspace(root)
    assert {pkg.name: pkg.relpath for pkg in workspace.packages} == _expected_paths()
    assert workspace.skipped == ()
    graph = build_graph(workspace)
    assert {e.target for e in graph.edges if e.source == "top"} == set(FOLDERS)
    document = graph_json(root)
    assert paths_of(document) == _expected_paths()
    assert document["skipped"] == []
    check_keeps_the_rule(root)


@pytest.mark.parametrize("in_git", [False, True], ids=["outside-git", "in-git"])
def test_non_ascii_folder_names_through_a_real_process(tmp_path: Path, in_git: bool) -> None:
    """The same tree through ``python -m noxgraph``: stdout is UTF-8 JSON with the paths."""
    root = names_tree(tmp_path / "ws root \u00e9")
    if in_git:
        init_repo(root)
        commit_all(root)
    env = {**os.environ, "NOXGRAPH_NO_CACHE": "1"}
    run = cli_process("graph", "--root", root, "--format", "json", env=env)
    assert run.code == 0, run.err
    assert paths_of(json.loads(run.out)) == _expected_paths()
    check = cli_process("check", "--root", root, env=env)
    assert check.code in (0, 1), check.err
    assert check.err == ""


def test_a_root_with_spaces_and_non_ascii_characters(tmp_path: Path) -> None:
    """The root itself named with spaces and non-ASCII: paths stay relative to it."""
    root = tmp_path / "my workspace \u00fc \u5305"
    package(root, "one pkg", "one")
    package(root, "zwei/\u00e4", "zwei", "one")
    assert paths_of(graph_json(root)) == {"one": "one pkg", "zwei": "zwei/\u00e4"}


def _latin1_tree(root: Path) -> Path:
    """A package in a folder whose name is not UTF-8 (Latin-1 ``caf\\xe9``)."""
    package(root, "ok", "ok")
    folder = os.fsencode(root) + b"/caf\xe9"
    os.mkdir(folder)
    with open(folder + b"/pyproject.toml", "w", encoding="utf-8") as handle:
        handle.write('[project]\nname = "cafe"\nversion = "1"\n')
    return root


def test_a_folder_name_that_is_not_utf8_loads(tmp_path: Path) -> None:
    """In-process the scan survives a name that is not UTF-8 (a surrogate escape)."""
    workspace = load_workspace(_latin1_tree(tmp_path / "ws"))
    assert workspace.names == ("cafe", "ok")


@pytest.mark.parametrize("encoding", [None, "utf-8"], ids=["default", "PYTHONIOENCODING=utf-8"])
def test_a_folder_name_that_is_not_utf8_gives_utf8_json(
    tmp_path: Path, encoding: str | None
) -> None:
    """``graph --format json`` stays valid UTF-8 JSON, or fails with one line.

    Once a bug: render.dumps wrote the surrogate escape of byte 0xe9
    as the raw byte (not UTF-8, so not JSON), or died with a UnicodeEncodeError
    traceback under PYTHONIOENCODING=utf-8.
    """
    root = _latin1_tree(tmp_path / "ws")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    env["NOXGRAPH_NO_CACHE"] = "1"
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    done = subprocess.run(
        [sys.executable, "-m", "noxgraph", "graph", "--root", str(root), "--format", "json"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode == 2:
        assert _one_error_line(err), err
        return
    assert done.returncode == 0, err[-600:]
    document = json.loads(done.stdout.decode("utf-8"))
    assert "cafe" in paths_of(document)


# -- a hundred thousand files ------------------------------------------------------------

PACKAGES = 200
SUBFOLDERS = 10
FILES_PER_SUBFOLDER = 49
#: Folders the scan must not enter, each holding pyproject.toml files of its own.
NEVER_ENTERED = ("node_modules/lib", ".venv/lib", "build/lib", "dist/x", "pkgs/pkg-000/.tox/py")


@dataclass(frozen=True)
class BigTree:
    root: Path
    files: int
    expected: tuple[str, ...]


def big_tree(root: Path) -> BigTree:
    """~105,000 files: 200 packages of ~500 small files, one package 40 folders deep,
    and trees the scan must not enter (node_modules, .venv, build, dist, .tox, and a
    virtualenv known only by its pyvenv.cfg), each with pyproject.toml files inside."""
    files = 0
    for index in range(PACKAGES):
        name = f"pkg-{index:03d}"
        folder = root / "pkgs" / name
        for sub in range(SUBFOLDERS):
            code = folder / "src" / name.replace("-", "_") / f"mod{sub}"
            code.mkdir(parents=True)
            for number in range(FILES_PER_SUBFOLDER):
                (code / f"f{number}.py").write_bytes(b"x = 1\n")
            files += FILES_PER_SUBFOLDER
        deps = f'"pkg-{index - 1:03d}"' if index else ""
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "1"\ndependencies = [{deps}]\n'
        )
        (folder / "README.md").write_text("readme\n")
        files += 2
    deep = root.joinpath("deep", *[f"d{level}" for level in range(40)], "pkg-deep")
    package(deep.parent, deep.name, "pkg-deep")
    files += 1
    for junk in (*NEVER_ENTERED, "env/lib/python3.12/site-packages"):
        for index in range(50):
            folder = root / junk / f"n{index}"
            folder.mkdir(parents=True)
            (folder / "pyproject.toml").write_text(f'[project]\nname = "junk-{index}"\n')
            for number in range(20):
                (folder / f"f{number}.js").write_bytes(b"1\n")
            files += 21
    write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    files += 1
    expected = tuple(sorted([*(f"pkg-{i:03d}" for i in range(PACKAGES)), "pkg-deep"]))
    return BigTree(root, files, expected)


def _timed_scan(tree: BigTree, label: str) -> None:
    started = time.perf_counter()
    workspace = load_workspace(tree.root)
    elapsed = time.perf_counter() - started
    assert workspace.names == tree.expected
    assert workspace.discovery == "scan"
    assert not any(s.path.startswith(NEVER_ENTERED) for s in workspace.skipped)
    env = {**os.environ, "NOXGRAPH_NO_CACHE": "1"}
    started = time.perf_counter()
    run = cli_process("graph", "--root", tree.root, "--format", "json", env=env)
    process = time.perf_counter() - started
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert sorted(paths_of(document)) == list(tree.expected)
    print(  # the timings go into the report
        f"100k scan {label}: {tree.files} files, {len(workspace.packages)} packages,"
        f" load_workspace {elapsed:.2f} s, `graph --format json` process {process:.2f} s"
    )
    assert elapsed < 60


@pytest.mark.fuzz
def test_a_hundred_thousand_files(tmp_path: Path) -> None:
    """Generate ~105,000 files; scan them by hand, then as a committed git repository
    (with node_modules ignored and the other never-entered trees committed): exactly
    the right packages both times, in well under a minute."""
    started = time.perf_counter()
    tree = big_tree(tmp_path / "big")
    print(f"100k: generated {tree.files} files in {time.perf_counter() - started:.1f} s")
    assert tree.files >= 100_000
    _timed_scan(tree, "outside git")
    started = time.perf_counter()
    write(tree.root / ".gitignore", "node_modules/\n")
    init_repo(tree.root)
    commit_all(tree.root)
    print(f"100k: git add and commit in {time.perf_counter() - started:.1f} s")
    _timed_scan(tree, "in git")


def test_the_never_entered_folders_match_the_scan(tmp_path: Path) -> None:
    """A small copy of the big tree's junk, outside and inside git, so the default run
    checks what the 100,000-file test relies on."""
    root = tmp_path / "small"
    package(root, "pkgs/a", "a")
    for junk in (*NEVER_ENTERED, "env/lib"):
        package(root, f"{junk}/n0", f"junk-{junk.replace('/', '-').strip('.')}")
    write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    assert load_workspace(root).names == ("a",)
    init_repo(root)
    commit_all(root)
    assert load_workspace(root).names == ("a",)
