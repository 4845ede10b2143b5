"""PEP 503 names, without importing :mod:`packaging.utils`.

``packaging.utils`` imports ``packaging.tags``, and with it ``sysconfig``,
``platform`` and ``logging``: more start-up time than a warm ``affected`` spends
on its answer (``benchmarks/bench_peers.py``). The normalization is the one
PEP 503 defines and ``packaging.utils.canonicalize_name`` implements; the tests
hold the two to the same answers.
"""

from __future__ import annotations

import re

__all__ = ["InvalidName", "canonicalize_name"]

#: A valid distribution name (PEP 508 ``identifier``), as packaging checks it.
_VALID = re.compile(r"[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9]", re.IGNORECASE | re.ASCII)
_SEPARATORS = re.compile(r"[-_.]+")


class InvalidName(ValueError):
    """A string that is no valid distribution name."""


def canonicalize_name(name: str, *, validate: bool = False) -> str:
    """``name`` in its PEP 503 form: lower case, each run of ``-_.`` one ``-``."""
    if validate and not _VALID.fullmatch(name):
        raise InvalidName(f"name is invalid: {name!r}")
    return _SEPARATORS.sub("-", name).lower()
