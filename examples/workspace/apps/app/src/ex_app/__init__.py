"""The welcome application: a greeting banner from ex_text plus a welcome line."""

from __future__ import annotations

from ex_core import normalize
from ex_text import banner

__all__ = ["build_info", "welcome"]


def welcome(name: str, width: int = 40) -> str:
    """Return a multi-line welcome for *name*: a banner and a closing line."""
    return f"{banner(name, width)}\nWelcome aboard, {normalize(name)}."


def build_info() -> dict[str, str]:
    """Return what the ex-hook build hook recorded, or an empty dict if it did not run."""
    try:
        from ex_app import _build_info
    except ImportError:  # a source tree or an editable install
        return {}
    return {
        "built_by": _build_info.BUILT_BY,
        "project": _build_info.PROJECT,
        "version": _build_info.VERSION,
    }
