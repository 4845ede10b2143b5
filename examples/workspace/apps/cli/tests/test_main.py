"""Tests of the ex-greet command line."""

from __future__ import annotations

import pytest
from ex_app import welcome

from ex_cli.main import main


def test_prints_welcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["World"]) == 0
    out = capsys.readouterr().out
    assert out == welcome("World") + "\n"
    assert "Hello, World!" in out
    assert out.rstrip().endswith("Welcome aboard, World.")


def test_joins_words_and_width(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ada", "LOVELACE", "--width", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "*" * 30
    assert "Hello, Ada Lovelace!" in lines[1]


def test_blank_name_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["  "]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ex-greet: error: name must not be empty" in captured.err


def test_name_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "required" in capsys.readouterr().err
