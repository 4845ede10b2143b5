"""The options that say what changed (``--base``, ``--head``, ``--files``, ...), as
``noxgraph affected`` and every command taking them reads them, and as the
``<task>-affected`` sessions read their posargs."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from noxgraph.errors import UsageError

__all__ = ["ChangeOptions", "add_change_options", "options_from"]


@dataclass(frozen=True)
class ChangeOptions:
    """What the options say changed: a base and a head in git, or the files themselves."""

    base: str | None = None
    head: str | None = None
    files: tuple[str, ...] | None = None
    uncommitted: bool | None = None
    if_base_missing: str = "error"


def add_change_options(parser: argparse.ArgumentParser) -> None:
    """Declare the options that say what changed, for the command line and the sessions."""
    parser.add_argument(
        "--base",
        metavar="REF",
        help="compare with this ref (default: [tool.noxgraph].base, else origin's default"
        " branch, else main, else master)",
    )
    parser.add_argument(
        "--head",
        metavar="REF",
        help="the changes up to this ref (default: HEAD and the working tree)",
    )
    parser.add_argument(
        "--files",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="the changed files (a folder: every package in it), relative to the current"
        " directory; git is not asked",
    )
    parser.add_argument(
        "--uncommitted",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="count uncommitted and untracked files (default: yes without --head)",
    )
    parser.add_argument(
        "--if-base-missing",
        choices=("error", "all"),
        default="error",
        help="when a base cannot be found: fail (default), or treat every package as affected",
    )


def options_from(namespace: argparse.Namespace) -> ChangeOptions:
    """The change options of a parsed command line; ``--files`` excludes the others."""
    files = tuple(namespace.files) if namespace.files is not None else None
    if files is not None and (
        namespace.base or namespace.head or namespace.uncommitted is not None
    ):
        raise UsageError("--files names the changes itself; drop --base, --head, --uncommitted")
    if files is not None and any(not f.strip() for f in files):
        raise UsageError("--files: an empty path names no file")
    return ChangeOptions(
        namespace.base, namespace.head, files, namespace.uncommitted, namespace.if_base_missing
    )
