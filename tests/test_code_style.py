"""The noxfile is laid out with the project's own formatter settings: real ruff and real
black, configured as projects configure them, find nothing to change in a fresh file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from noxgraph.cli.code_style import CodeStyle, find_code_style
from tests.helpers import cli, init_repo, package, write
from tests.test_sessions_real import wide_workspace

LONG = "a-package-with-a-name-long-enough-to-need-its-own-line-in-the-noxfile"


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", *map(str, args)]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def widest(text: str, tab_width: int = 4) -> int:
    """The longest line of code the formatter lays out (below the imports, and no
    comment: the formatter leaves prose alone), but the one literal it cannot split."""
    code = text.split("import noxgraph.nox\n", 1)[1].splitlines()
    return max(
        len(line.expandtabs(tab_width))
        for line in code
        if LONG not in line and not line.startswith("#")
    )


@pytest.mark.parametrize(
    ("file", "settings", "longest"),
    [
        ("pyproject.toml", "[tool.ruff]\nline-length = 88\n", 88),
        ("pyproject.toml", "[tool.ruff]\nline-length = 100\n", 100),
        ("ruff.toml", "line-length = 120\n", 120),
        (".ruff.toml", "line-length = 60\n[format]\nquote-style = 'single'\n", 60),
        (
            "pyproject.toml",
            "[tool.ruff]\nline-length = 120\n[tool.ruff.format]\nquote-style = 'single'\n",
            120,
        ),
        ("ruff.toml", "indent-width = 2\n[format]\nindent-style = 'tab'\n", 88),
        ("ruff.toml", "indent-width = 2\nline-length = 70\n", 70),
        ("ruff.toml", "[format]\nskip-magic-trailing-comma = true\n", 88),
        ("ruff.toml", "[lint]\nextend-select = ['I']\n[lint.isort]\nlines-after-imports = 2\n", 88),
        ("ruff.toml", "[lint]\nextend-select = ['I']\n[isort]\nlines-after-imports = 2\n", 88),
        ("pyproject.toml", "[tool.ruff.lint]\nextend-select = ['I']\n", 88),
    ],
    ids=[
        "ruff-88",
        "ruff-100",
        "ruff-toml-120",
        "dot-ruff-60-single",
        "ruff-120-single",
        "tabs",
        "indent-2",
        "no-magic-comma",
        "isort-two-lines",
        "isort-two-lines-top-level",
        "isort",
    ],
)
def test_ruff_with_the_project_s_settings_finds_a_fresh_noxfile_formatted(
    tmp_path: Path, file: str, settings: str, longest: int
) -> None:
    root = wide_workspace(tmp_path)
    config = root / file
    config.write_text(config.read_text() + settings if config.exists() else settings)
    assert cli("generate", "--root", root).code == 0
    text = (root / "noxfile.py").read_text()
    formatted = run("ruff", "format", "--check", "--diff", "noxfile.py", cwd=root)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = run("ruff", "check", "noxfile.py", cwd=root)
    assert checked.returncode == 0, checked.stdout
    # Laid out at the project's width: at most that, and wider than the default where
    # the project allows it (ruff joins what fits, so --check holds both ways).
    assert widest(text) <= longest
    if longest > 88:
        assert widest(text) > 88
    single = "quote-style = 'single'" in settings
    assert ("nox.needs_version = '>=" in text) is single
    assert ("build('base')" in text) is single
    assert ('"""One nox session per package' in text) is True  # docstrings keep """
    # The user's formatter leaves it as it is, and generate --check agrees.
    assert run("ruff", "format", "noxfile.py", cwd=root).returncode == 0
    assert (root / "noxfile.py").read_text() == text
    assert cli("generate", "--root", root, "--check").code == 0


@pytest.mark.parametrize("length", [88, 100, 120])
def test_black_with_the_project_s_line_length_finds_a_fresh_noxfile_formatted(
    tmp_path: Path, length: int
) -> None:
    root = wide_workspace(tmp_path)
    config = root / "pyproject.toml"
    config.write_text(config.read_text() + f"[tool.black]\nline-length = {length}\n")
    assert cli("generate", "--root", root).code == 0
    text = (root / "noxfile.py").read_text()
    checked = run("black", "--check", "--diff", "noxfile.py", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert widest(text) <= length
    assert (widest(text) > 88) is (length > 88)


def test_a_reformatted_noxfile_stays_current_when_the_settings_change(tmp_path: Path) -> None:
    root = wide_workspace(tmp_path)
    assert cli("generate", "--root", root).code == 0
    write(root / "ruff.toml", "line-length = 120\n[format]\nquote-style = 'single'\n")
    # The sessions did not change: the file on disk is current, and left as it is.
    before = (root / "noxfile.py").read_text()
    assert cli("generate", "--root", root, "--check").code == 0
    assert cli("generate", "--root", root).code == 0
    assert (root / "noxfile.py").read_text() == before
    assert run("ruff", "format", "noxfile.py", cwd=root).returncode == 0
    assert cli("generate", "--root", root, "--check").code == 0


def test_the_nearest_configuration_wins_as_ruff_and_black_find_it(tmp_path: Path) -> None:
    init_repo(tmp_path)
    inner = tmp_path / "work" / "space"
    inner.mkdir(parents=True)
    assert find_code_style(inner) == CodeStyle()
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 99\n")
    assert find_code_style(inner).line_length == 99
    # A pyproject.toml without [tool.ruff] or [tool.black] is passed over by both.
    write(tmp_path / "work" / "pyproject.toml", "[project]\nname = 'w'\n")
    assert find_code_style(inner).line_length == 99
    write(tmp_path / "work" / "pyproject.toml", "[tool.ruff]\nline-length = 101\n")
    assert find_code_style(inner).line_length == 101
    # In one folder, ruff.toml before pyproject.toml, and .ruff.toml before both.
    write(tmp_path / "work" / "ruff.toml", "line-length = 102\n")
    assert find_code_style(inner).line_length == 102
    write(tmp_path / "work" / ".ruff.toml", "[format]\nquote-style = 'single'\n")
    # ruff reads one file (and those it extends), never two it found; where it sets no
    # line-length, black's holds.
    assert find_code_style(inner) == CodeStyle(line_length=99, quote="'")
    extending = "extend = 'ruff.toml'\n[format]\nquote-style = 'single'\n"
    write(tmp_path / "work" / ".ruff.toml", extending)
    assert find_code_style(inner) == CodeStyle(line_length=102, quote="'")
    # black stops at the repository's root: a configuration above it is another project's.
    init_repo(inner)
    write(tmp_path / "work" / "ruff.toml", "")
    write(tmp_path / "work" / ".ruff.toml", "")
    assert find_code_style(inner) == CodeStyle()


@pytest.mark.parametrize(
    ("file", "settings", "message"),
    [
        (
            "pyproject.toml",
            "[tool.ruff]\nline-length = 'wide'\n",
            "pyproject.toml: [tool.ruff].line-length: expected a positive integer, got string"
            " 'wide'",
        ),
        (
            "ruff.toml",
            "line-length = 1000\n",
            "ruff.toml: line-length: expected at most 320, got integer 1000",
        ),
        (
            "ruff.toml",
            "[format]\nquote-style = 'backtick'\n",
            "ruff.toml: [format].quote-style: expected one of double, single, preserve, got"
            " string 'backtick'",
        ),
        (
            "pyproject.toml",
            "[tool.black]\nskip-magic-trailing-comma = 'yes'\n",
            "pyproject.toml: [tool.black].skip-magic-trailing-comma: expected true or false,"
            " got string 'yes'",
        ),
        ("ruff.toml", "line-length = \n", "ruff.toml: invalid TOML"),
        ("ruff.toml", "extend = 'ruff.toml'\n", "ruff.toml: extend: 'ruff.toml' extends this"),
        ("ruff.toml", "extend = 'base.toml'\n", "ruff.toml: extend: no file 'base.toml'"),
        (
            "ruff.toml",
            "[lint.isort]\nlines-after-imports = 'two'\n",
            "ruff.toml: [lint.isort].lines-after-imports: expected an integer of -1 or more,"
            " got string 'two'",
        ),
    ],
    ids=[
        "not-a-number",
        "too-long",
        "unknown-quotes",
        "not-a-boolean",
        "bad-toml",
        "a-loop",
        "missing",
        "isort-not-a-number",
    ],
)
def test_a_setting_the_formatter_would_refuse_is_one_line_naming_file_and_key(
    tmp_path: Path, file: str, settings: str, message: str
) -> None:
    package(tmp_path, "libs/a", "a")
    write(tmp_path / file, settings)
    done = cli("generate", "--root", tmp_path, cwd=tmp_path)
    assert done.code == 2
    assert done.err.startswith(f"noxgraph: error: {message}"), done.err
    assert done.err.count("\n") == 1
    assert not (tmp_path / "noxfile.py").exists()
