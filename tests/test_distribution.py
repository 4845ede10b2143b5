"""What noxgraph ships: the wheel and the sdist, built from this checkout by uv."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from tests.helpers import REPO


def test_the_wheel_and_the_sdist_carry_the_license_and_the_changelog(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "uv", "build", "-q", "--out-dir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    license_text = (REPO / "LICENSE").read_bytes()
    assert b"Apache License" in license_text and b"Version 2.0, January 2004" in license_text
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(info).decode()
        folder = info.removesuffix("METADATA")
        assert archive.read(f"{folder}licenses/LICENSE") == license_text
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "noxfile.py"} <= names
    # The tests run from the sdist too: what they read of the project is in it.
    assert {".github/workflows/ci.yml", ".pre-commit-hooks.yaml"} <= names
