"""No string read from a pyproject.toml or the configuration breaks out of generated code.

Folder names, commands, requirements and settings are made to contain every kind of
quote, backslashes, triple quotes, newlines, braces and non-ASCII characters; the
generated noxfile must compile, and the real nox must run it with exactly those values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import cli, write

HOSTILE_FOLDERS = [
    'quote"s',
    "apos'trophe",
    'tri"""ple',
    "tri'''ple",
    "back\\slash",
    "new\nline",
    "brace{name}",
    "ünïcødé 包",
    "# not a comment",
    ")]}; import os; os._exit(3) #",
]

WHEELHOUSE = "wh\"ee'l\\house"
# PEP 508 marker strings have no escapes, but either quote can hold the other.
MARKER = "python_version >= '3' and os_name != \"it's\" and platform_release != 'a \"\"\" b'"
GROUP_REQUIREMENT = "requests>=2; platform_release != \"x'''y\""

#: Arguments that would mean something else to a shell or to str.format.
LITERAL_ARGS = ['"""', "'''", "a\\b", "{}", "${HOME}"]
COMMAND = (
    "python {root}/record.py {name} {package} {wheelhouse} "
    + " ".join(['\'"""\'', "\"'''\"", "'a\\b'", "'{{}}'", "'${{HOME}}'"])
    + " {posargs}"
)

RECORD = """
import json, pathlib, sys
root = pathlib.Path(__file__).parent
with open(root / "argv.jsonl", "a", encoding="utf-8") as out:
    out.write(json.dumps({"cwd": str(pathlib.Path.cwd()), "argv": sys.argv[1:]}) + "\\n")
"""


def _toml(value: str) -> str:
    """A TOML basic string holding ``value`` (JSON's string escapes are TOML's)."""
    return json.dumps(value)


def _hostile_workspace(root: Path) -> list[tuple[str, str]]:
    """Packages in hostile folders, chained; returns (package name, folder) pairs."""
    config = [
        "[tool.noxgraph]",
        'members = ["pkgs/*"]',
        'venv-backend = "none"',
        f"wheelhouse = {_toml(WHEELHOUSE)}",
        "[tool.noxgraph.tasks]",
        "test = []",
        "[tool.noxgraph.tasks.build]",
        f"commands = [{_toml(COMMAND)}]",
        "install = []",
        "package = false",
    ]
    write(root / "pyproject.toml", "\n".join(config) + "\n")
    write(root / "record.py", RECORD)
    made: list[tuple[str, str]] = []
    for index, folder in enumerate(HOSTILE_FOLDERS):
        name = f"pkg{index}"
        depends = _toml(f"pkg{index - 1}; {MARKER}") if index else ""
        lines = [
            "[project]",
            f'name = "{name}"',
            'version = "1.0"',
            f"dependencies = [{depends}]",
            "[dependency-groups]",
            f"test = [{_toml(GROUP_REQUIREMENT)}]",
        ]
        write(root / "pkgs" / folder / "pyproject.toml", "\n".join(lines) + "\n")
        made.append((name, folder))
    return made


def test_hostile_strings_compile_and_nox_passes_them_through_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    made = _hostile_workspace(root)
    generated = cli("generate", "--root", root)
    assert generated.code == 0, generated.err
    text = (root / "noxfile.py").read_text(encoding="utf-8")
    assert text.isascii()
    compile(text, "noxfile.py", "exec")

    run = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "build-all", "--", "--x=\"'", "y z"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": "/home/someone"},
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in (root / "argv.jsonl").read_text().splitlines()]
    assert [record["argv"][0] for record in records] == [name for name, _ in made]
    wheelhouse = str((root / WHEELHOUSE).resolve())
    for (name, folder), record in zip(made, records, strict=True):
        folder_path = str((root / "pkgs" / folder).resolve())
        assert record["cwd"] == folder_path
        assert record["argv"] == [name, folder_path, wheelhouse, *LITERAL_ARGS, "--x=\"'", "y z"]


def test_hostile_strings_survive_graph_json_and_check(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    made = _hostile_workspace(root)
    document = json.loads(cli("graph", "--root", root, "--json").out)
    paths = {p["name"]: p["path"] for p in document["packages"]}
    assert paths == {name: f"pkgs/{folder}" for name, folder in made}
    assert len(document["edges"]) == len(made) - 1
    assert cli("check", "--root", root).code == 0
