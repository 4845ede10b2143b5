"""PEP 503 names, without importing :mod:`packaging.utils`.

``packaging.utils`` imports ``packaging.tags``, and with it ``logging``,
``sysconfig`` and ``platform``: more start-up time than most commands spend
on their answer. The normalization is the one PEP 503 defines (and the one
``packaging.utils.canonicalize_name`` implements); the tests compare the two.
"""

from __future__ import annotations

import re

__all__ = ["InvalidName", "canonicalize_name"]

#: A valid distribution name (PEP 508 ``identifier``), as packaging checks it.
_VALID = re.compile(r"[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9]", re.IGNORECASE | re.ASCII)


class InvalidName(ValueError):
    """A string that is no valid distribution name."""


def canonicalize_name(name: str, *, validate: bool = False) -> str:
    """``name`` in its PEP 503 form: lower case, runs of ``-_.`` as one ``-``."""
    if validate and not _VALID.fullmatch(name):
        raise InvalidName(f"name is invalid: {name!r}")
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value
