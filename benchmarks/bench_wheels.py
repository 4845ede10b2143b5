"""How many sibling wheels `nox -s test-all` builds on the example workspace, and in what time.

Each noxgraph given (a pip requirement: this checkout by default, or an earlier
commit such as ``git+file:///path/to/noxgraph@2a1c188``) is installed into a venv
of its own; a fresh copy of ``examples/workspace`` gets that version's noxfile,
and ``nox -s test-all`` runs in it with an empty uv cache. Reported per version:
the time, and the builds of sibling wheels, counted from the build backends' own
output (hatchling and poetry-core print one "Building wheel" or "Built wheel" line
per wheel they make) and from noxgraph's "building a wheel of" lines.

    python benchmarks/bench_wheels.py [--noxgraph SPEC ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "workspace"


def _measure(spec: str, folder: Path) -> tuple[float, int, int, int]:
    venv.EnvBuilder(with_pip=True).create(folder / "venv")
    python = folder / "venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", spec], check=True)
    workspace = Path(shutil.copytree(EXAMPLE, folder / "ws"))
    env = {
        **os.environ,
        "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
        "UV_CACHE_DIR": str(folder / "uv-cache"),
        "PIP_NO_CACHE_DIR": "1",
        "NOXGRAPH_CACHE_DIR": str(folder / "noxgraph-cache"),
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "ws"]):
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
            cwd=workspace,
            check=True,
        )
    subprocess.run([python.parent / "noxgraph", "generate"], cwd=workspace, env=env, check=True)
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-m", "nox", "-s", "test-all"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    output = done.stdout + done.stderr
    ours = output.count("building a wheel of")
    backend = sum(
        1
        for line in output.splitlines()
        if "Building wheel" in line or line.strip().startswith("Built ")
    )
    return took, ours, backend, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noxgraph", action="append", default=None, metavar="SPEC")
    args = parser.parse_args()
    specs = args.noxgraph or [str(HERE.parent)]
    print(f"python {sys.version.split()[0]}; nox -s test-all on examples/workspace (7 packages)")
    print(f"{'noxgraph':<60}{'time':>8}{'noxgraph builds':>17}{'backend lines':>15}{'exit':>6}")
    for spec in specs:
        with tempfile.TemporaryDirectory(prefix="bench-wheels-") as folder:
            took, ours, backend, code = _measure(spec, Path(folder))
        print(f"{spec[-60:]:<60}{took:>7.1f}s{ours:>17}{backend:>15}{code:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
