"""Tests of ex_core, written with the helpers of ex_testkit."""

from __future__ import annotations

import pytest
from ex_testkit import NAME_CASES, assert_greeting

from ex_core import DEFAULT_SALUTATION, greet, normalize


@pytest.mark.parametrize(("raw", "expected"), NAME_CASES)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_normalize_rejects_blank(raw: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        normalize(raw)


@pytest.mark.parametrize(("raw", "expected"), NAME_CASES)
def test_greet(raw: str, expected: str) -> None:
    text = greet(raw)
    assert text == f"{DEFAULT_SALUTATION}, {expected}!"
    assert_greeting(text, raw)


def test_greet_custom_salutation() -> None:
    text = greet("grace", salutation="  Good morning ")
    assert text == "Good morning, Grace!"
    assert_greeting(text, "grace", salutation="Good morning")


def test_greet_rejects_blank_salutation() -> None:
    with pytest.raises(ValueError, match="salutation"):
        greet("ada", salutation=" ")
