"""``noxgraph generate`` never leaves damage: interrupted, run twice at once, or read-only."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import cli, package, pyproject

PACKAGES = 300


def _workspace(root: Path, count: int = PACKAGES) -> Path:
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["pkgs/*"]\n')
    for index in range(count):
        deps = [f"p{j:03d}>=1" for j in (index - 1, index // 2) if 0 <= j < index]
        package(root, f"pkgs/p{index:03d}", f"p{index:03d}", *deps)
    return root


def _generate() -> list[str]:
    return [sys.executable, "-m", "noxgraph", "generate"]


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".tmp"))


def test_interrupting_generate_at_any_point_leaves_a_whole_noxfile(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    assert cli("generate", "--root", root).code == 0
    old = (root / "noxfile.py").read_bytes()
    package(root, "pkgs/zz-new", "zz-new", "p000")
    start = time.perf_counter()
    subprocess.run(_generate(), cwd=root, check=True, capture_output=True)
    duration = time.perf_counter() - start
    new = (root / "noxfile.py").read_bytes()
    assert new != old
    rng = random.Random(20261124)
    outcomes: set[int] = set()
    for attempt in range(16):
        (root / "noxfile.py").write_bytes(old)
        process = subprocess.Popen(
            _generate(), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.0, duration * 1.1))
        process.send_signal(signal.SIGINT if attempt % 2 else signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        outcomes.add(process.returncode)
        assert (root / "noxfile.py").read_bytes() in (old, new)
        assert _leftovers(root) == []
        if process.returncode == 130:
            assert stderr == b"noxgraph: error: interrupted\n"
    # 0: finished first; 130, 143: stopped by noxgraph's handlers; 1, -2 or -15: stopped
    # while Python was starting or importing, before noxgraph could install them.
    assert outcomes <= {0, 1, 130, 128 + signal.SIGTERM, -signal.SIGINT, -signal.SIGTERM}
    assert outcomes & {130, 128 + signal.SIGTERM}, "no attempt stopped inside noxgraph"


def test_a_run_killed_outright_leaves_the_old_file_and_the_next_run_cleans_up(
    tmp_path: Path,
) -> None:
    root = _workspace(tmp_path)
    assert cli("generate", "--root", root).code == 0
    old = (root / "noxfile.py").read_bytes()
    package(root, "pkgs/zz-new", "zz-new")
    assert cli("generate", "--root", root).code == 0
    new = (root / "noxfile.py").read_bytes()
    (root / "noxfile.py").write_bytes(old)
    (root / ".noxfile.py.0badc0de.noxgraph.tmp").write_text("half a noxfile")
    process = subprocess.Popen(
        _generate(), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(0.3)
    process.kill()
    process.wait(timeout=60)
    assert (root / "noxfile.py").read_bytes() in (old, new)
    assert cli("generate", "--root", root).code == 0
    assert (root / "noxfile.py").read_bytes() == new
    assert _leftovers(root) == []


def test_two_runs_at_once_take_turns(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 120)
    processes = [
        subprocess.Popen(_generate(), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 6
    statuses = sorted(out.split(b":")[0].decode() for out, _ in results)
    assert statuses.count("wrote noxfile.py") == 1
    assert statuses.count("noxfile.py is already up to date") == 5
    text = (root / "noxfile.py").read_text()
    compile(text, "noxfile.py", "exec")
    assert cli("generate", "--root", root, "--check").code == 0
    assert _leftovers(root) == []


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable, for root too (an immutable folder) where chattr works."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if (
        chattr is None
        or subprocess.run([chattr, "+i", str(folder)], check=False, capture_output=True).returncode
        != 0
    ):
        pytest.skip("running as root on a filesystem without chattr +i")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_target_is_a_clear_error(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", 3)
    assert cli("generate", "--root", root).code == 0
    before = (root / "noxfile.py").read_bytes()
    package(root, "pkgs/new", "new")
    with _read_only(root):
        run = cli("generate", cwd=root)
    assert run.code == 2
    assert run.err == (
        "noxgraph: error: noxfile.py cannot be written: permission denied; make it (and its"
        " folder) writable, or pass --output\n"
    )
    assert (root / "noxfile.py").read_bytes() == before
    assert _leftovers(root) == []
