"""The whole product on examples/workspace, from a fresh machine: ``python3 examples/demo.py``.

In a temporary folder: a virtualenv with noxgraph installed from this checkout,
a git copy of the example workspace, ``noxgraph generate``, ``nox -l``, a change
to one package, ``noxgraph affected --explain --task build``, ``nox -s build-affected -j 2``
(exactly the affected packages, in order, built by uv, into the workspace's
wheelhouse), and one package's ``test-`` session. Only the standard
library is needed to start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
EXAMPLE = CHECKOUT / "examples" / "workspace"
GIT = ["git", "-c", "user.name=noxgraph demo", "-c", "user.email=demo@example.com",
       "-c", "commit.gpgsign=false"]


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def run(*args: str | Path, cwd: Path, env: dict[str, str], quiet: bool = False) -> None:
    """Show and run one command; stop the demo when it fails."""
    shown = " ".join(str(a) for a in args)
    print(f"$ {shown}", flush=True)
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=False,
                          stdout=subprocess.DEVNULL if quiet else None)
    if done.returncode != 0:
        sys.exit(f"demo: `{shown}` failed with exit status {done.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if shutil.which("git") is None:
        sys.exit("demo: git is needed (the affected packages are worked out from git)")

    folder = Path(tempfile.mkdtemp(prefix="noxgraph-demo-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "VIRTUAL_ENV"))}
    try:
        step("a virtualenv with noxgraph, installed from this checkout")
        venv.EnvBuilder(with_pip=True).create(folder / "venv")
        bin_dir = folder / "venv" / "bin"
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        run(bin_dir / "python", "-m", "pip", "install", "--quiet", CHECKOUT, cwd=folder,
            env=env)

        step("a git copy of examples/workspace (7 packages)")
        workspace = Path(shutil.copytree(EXAMPLE, folder / "workspace"))
        run(*GIT, "init", "--quiet", "--initial-branch", "main", cwd=workspace, env=env)
        run(*GIT, "add", "--all", cwd=workspace, env=env)
        run(*GIT, "commit", "--quiet", "--message", "the example workspace", cwd=workspace,
            env=env)

        step("generate the noxfile: one session per package and task, chained by requires=")
        run("noxgraph", "generate", cwd=workspace, env=env)
        run("nox", "-l", cwd=workspace, env=env)
        run(*GIT, "add", "noxfile.py", cwd=workspace, env=env)
        run(*GIT, "commit", "--quiet", "--message", "the generated noxfile", cwd=workspace,
            env=env)

        step("change one package on a branch")
        run(*GIT, "switch", "--quiet", "--create", "brighter", cwd=workspace, env=env)
        color = workspace / "libs" / "color" / "src" / "ex_color" / "__init__.py"
        color.write_text(color.read_text() + '\nBRIGHT = "\\033[1m"\n')
        run(*GIT, "commit", "--quiet", "--all", "--message", "brighter colours", cwd=workspace,
            env=env)
        run("noxgraph", "affected", "--explain", "--task", "build", cwd=workspace, env=env)

        step("build exactly what the change affects, in dependency order, two at a time")
        run("nox", "-s", "build-affected", "-j", "2", cwd=workspace, env=env)
        made = sorted(p.name for p in (workspace / ".nox").iterdir()
                      if not p.name.startswith((".", "CACHEDIR")))
        print("  virtualenvs made:", ", ".join(made) or "none (uv builds in its own cached"
              " build environments)")

        step("one package's tests, with pytest's own arguments")
        run("nox", "-s", "test-ex-text", "--", "-q", cwd=workspace, env=env)

        step("the wheelhouse")
        for built in sorted((workspace / "dist").iterdir()):
            if not built.name.startswith("."):  # uv's .gitignore
                print(f"  {built.relative_to(workspace)}")
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
