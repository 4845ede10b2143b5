"""noxgraph's PEP 503 names are packaging's, without importing packaging.utils."""

from __future__ import annotations

import packaging.utils
import pytest
from hypothesis import given
from hypothesis import strategies as st

from noxgraph._names import InvalidName, canonicalize_name

_NAMES = st.text(alphabet="aZ09._-~ é", max_size=12)


@given(_NAMES)
def test_the_same_canonical_name_as_packaging(name: str) -> None:
    assert canonicalize_name(name) == packaging.utils.canonicalize_name(name)


@given(_NAMES)
def test_the_same_names_are_valid_as_for_packaging(name: str) -> None:
    try:
        expected: str | None = packaging.utils.canonicalize_name(name, validate=True)
    except packaging.utils.InvalidName:
        expected = None
    try:
        ours: str | None = canonicalize_name(name, validate=True)
    except InvalidName:
        ours = None
    assert ours == expected


@pytest.mark.parametrize("name", ["$pkg", "{{ cookiecutter.name }}", "-a", "a-", ""])
def test_templates_are_no_names(name: str) -> None:
    with pytest.raises(InvalidName):
        canonicalize_name(name, validate=True)
