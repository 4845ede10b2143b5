"""noxgraph's PEP 503 names are packaging's, without importing packaging.utils; so are
the plain requirements it reads without packaging."""

from __future__ import annotations

import packaging.utils
import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.requirements import Requirement

from noxgraph._names import InvalidName, canonicalize_name
from noxgraph.pyproject import _plain_requirement

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


_PLAIN = st.one_of(
    st.text(alphabet="aZ09._-<>=!~ [];@,*", max_size=16),
    st.builds(
        "".join,
        st.tuples(
            _NAMES,
            st.sampled_from(["", ">=", "<=", "==", "!=", ">", "<", "~=", "===", "=", "<>"]),
            st.text(alphabet="0123456789.", max_size=8),
        ),
    ),
)


@given(_PLAIN)
def test_a_plain_requirement_is_read_as_packaging_reads_it(text: str) -> None:
    """The strings read without packaging: for each, packaging's answer is the same."""
    plain = _plain_requirement(text)
    if plain is not None:
        req = Requirement(text)
        marker = None if req.marker is None else str(req.marker)
        extras = tuple(sorted(req.extras))
        expected = (canonicalize_name(req.name), str(req.specifier), extras, marker, req.url)
        assert (plain.name, plain.specifier, plain.extras, plain.marker, plain.url) == expected
