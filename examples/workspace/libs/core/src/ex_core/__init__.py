"""Core greeting functions: normalize a name and greet it."""

from __future__ import annotations

__all__ = ["DEFAULT_SALUTATION", "greet", "normalize"]

DEFAULT_SALUTATION = "Hello"


def normalize(name: str) -> str:
    """Collapse runs of whitespace and capitalize each word of *name*.

    Raises ValueError when nothing but whitespace is left.
    """
    words = name.split()
    if not words:
        raise ValueError("name must not be empty")
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def greet(name: str, salutation: str = DEFAULT_SALUTATION) -> str:
    """Return a one-line greeting such as ``"Hello, Ada!"``."""
    salutation = salutation.strip()
    if not salutation:
        raise ValueError("salutation must not be empty")
    return f"{salutation}, {normalize(name)}!"
