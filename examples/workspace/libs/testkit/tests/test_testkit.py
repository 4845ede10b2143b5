"""Tests of the ex_testkit helpers."""

from __future__ import annotations

import pytest
from ex_core import greet
from ex_testkit import NAME_CASES, assert_greeting, assert_single_line


def test_accepts_real_greetings() -> None:
    for raw, _ in NAME_CASES:
        assert_greeting(greet(raw), raw)
    assert_greeting(greet("ada", salutation="Hi"), "ada", salutation="Hi")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hi, Ada!", "does not start with"),
        ("Hello, Ada.", "does not end with"),
        ("Hello, Grace!", "expected 'Ada'"),
        ("Hello, ada!", "expected 'Ada'"),
        ("Hello,\nAda!", "single non-empty line"),
        ("", "single non-empty line"),
    ],
)
def test_rejects_wrong_greetings(text: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_greeting(text, "ada")


def test_single_line() -> None:
    assert_single_line("one line")
    with pytest.raises(AssertionError):
        assert_single_line("two\nlines")


def test_name_cases_are_normalized_pairs() -> None:
    assert NAME_CASES
    for raw, expected in NAME_CASES:
        assert raw != "" and expected == expected.strip()
