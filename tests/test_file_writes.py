"""generate writes only regular files and keeps the user's files and text; one atomic
writer for every file noxgraph writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.helpers import cli, cli_process, package, write

# -- generate writes only regular files --------------------------------------------------


def test_generate_refuses_a_device_and_leaves_it_alone(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    package(tmp_path, "a", "a")
    # A copy of /dev/null of our own: the test must not risk the system's.
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    run = cli("generate", "--root", tmp_path, "--output", device, "--force")
    assert run.code == 2
    assert "not a regular file" in run.err
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "null"]


def test_generate_never_blocks_on_a_fifo_or_stdout(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    os.mkfifo(tmp_path / "noxfile.py")
    run = cli_process("generate", "--root", tmp_path, timeout=30)
    assert run.code == 2 and "not a regular file" in run.err
    assert stat.S_ISFIFO(os.lstat(tmp_path / "noxfile.py").st_mode)
    check = cli_process("generate", "--root", tmp_path, "--check", timeout=30)
    assert check.code == 2 and "not a regular file" in check.err
    piped = cli_process("generate", "--root", tmp_path, "--output", "/dev/stdout", timeout=30)
    assert piped.code == 2 and "not a regular file" in piped.err


def test_generate_writes_through_a_linked_noxfile(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    (tmp_path / "shared").mkdir()
    (tmp_path / "noxfile.py").symlink_to("shared/noxfile.py")
    assert cli("generate", "--root", tmp_path).code == 0
    assert (tmp_path / "noxfile.py").is_symlink()
    assert "noxgraph: generated block" in (tmp_path / "shared/noxfile.py").read_text()
    package(tmp_path, "b", "b")
    assert cli("generate", "--root", tmp_path).code == 0
    assert (tmp_path / "noxfile.py").is_symlink()
    assert '"b"' in (tmp_path / "shared/noxfile.py").read_text()


def test_generate_refuses_a_read_only_noxfile(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    noxfile = tmp_path / "noxfile.py"
    before = noxfile.read_bytes()
    noxfile.chmod(0o444)
    package(tmp_path, "b", "b")
    run = cli("generate", "--root", tmp_path)
    assert run.code == 2 and "read-only" in run.err
    assert noxfile.read_bytes() == before
    assert stat.S_IMODE(noxfile.stat().st_mode) == 0o444


def test_a_new_noxfile_gets_the_umask_mode_and_a_replaced_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    package(tmp_path, "a", "a")
    previous = os.umask(0o027)
    try:
        assert cli("generate", "--root", tmp_path).code == 0
    finally:
        os.umask(previous)
    noxfile = tmp_path / "noxfile.py"
    assert stat.S_IMODE(noxfile.stat().st_mode) == 0o640
    noxfile.chmod(0o664)
    package(tmp_path, "b", "b")
    assert cli("generate", "--root", tmp_path).code == 0
    assert stat.S_IMODE(noxfile.stat().st_mode) == 0o664


# -- generate keeps the user's files and text --------------------------------------------


def test_generate_removes_only_its_own_temporary_files(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    mine = write(tmp_path / ".noxfile.py.backup.tmp", "the user's own file\n")
    left = write(tmp_path / ".noxfile.py.0badc0de.noxgraph.tmp", "half a noxfile")
    assert cli("generate", "--root", tmp_path).code == 0
    assert mine.read_text() == "the user's own file\n"
    assert not left.exists()


def test_a_begin_marker_in_the_users_text_does_not_swallow_it(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    noxfile = tmp_path / "noxfile.py"
    above = (
        '"""My noxfile."""\n'
        "# >>> noxgraph: generated block -- the block below is regenerated\n"
        "import os  # the user's line\n"
    )
    noxfile.write_text(above + noxfile.read_text())
    package(tmp_path, "b", "b")
    assert cli("generate", "--root", tmp_path).code == 0
    text = noxfile.read_text()
    assert text.startswith(above)
    assert '"b"' in text


def test_two_generated_blocks_are_an_error(tmp_path: Path) -> None:
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    noxfile = tmp_path / "noxfile.py"
    block = noxfile.read_text()
    noxfile.write_text(block + "\n# mine\n" + block)
    before = noxfile.read_bytes()
    run = cli("generate", "--root", tmp_path)
    assert run.code == 2 and "2 generated blocks" in run.err
    assert noxfile.read_bytes() == before


# -- one atomic writer -------------------------------------------------------------------


def test_the_parse_cache_is_written_by_the_same_writer_and_never_over_a_fifo(
    tmp_path: Path,
) -> None:
    from noxgraph.workspace.load import load_workspace
    from noxgraph.workspace.parse_cache import cache_file

    package(tmp_path, "a", "a")
    root = tmp_path.resolve()
    path = cache_file("parsed", root)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    assert load_workspace(root).names == ("a",)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_noxfile_saved_with_a_byte_order_mark_is_regenerated_without_it(
    tmp_path: Path,
) -> None:
    """nox cannot load a noxfile that starts with a UTF-8 BOM: --check says it is stale
    and why; generate keeps the user's text and drops the mark."""
    package(tmp_path, "a", "a")
    assert cli("generate", "--root", tmp_path).code == 0
    noxfile = tmp_path / "noxfile.py"
    text = noxfile.read_text(encoding="utf-8") + "\n# the user's own line\n"
    noxfile.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    check = cli("generate", "--root", tmp_path, "--check", cwd=tmp_path)
    assert check.code == 1
    assert check.out.startswith(
        "# noxfile.py starts with a UTF-8 byte order mark, which nox cannot load\n"
    )
    run = cli("generate", "--root", tmp_path)
    assert run.code == 0, run.err
    assert noxfile.read_bytes() == text.encode("utf-8")
    assert cli("generate", "--root", tmp_path, "--check").code == 0
