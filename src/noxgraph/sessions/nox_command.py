"""What nox was asked: the part of nox's command line a noxfile needs to know at load.

nox does not tell a noxfile which sessions it was asked for, so this reads its ``-s``,
``-f``, ``-l``, ``--no-dependencies`` and ``NOXSESSION`` as nox does. Apart from
:mod:`noxgraph.sessions.selection`, so that ``nox -l`` learns it is listing without
importing what an affected run needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["NoxCommand", "read_nox_command"]


@dataclass(frozen=True)
class NoxCommand:
    """What nox was asked, as far as a noxfile needs to know."""

    sessions: tuple[str, ...]
    posargs: tuple[str, ...]
    noxfile: str | None
    listing: bool = False
    #: nox runs only the sessions named, not what they require: how it runs each
    #: session of a ``-j`` run in a process of its own.
    no_dependencies: bool = False
    #: ``--force-python`` or ``--extra-python`` gives sessions interpreters other than
    #: those they were declared with, under the same names.
    other_pythons: bool = False


def read_nox_command(argv: Sequence[str], environ: Mapping[str, str]) -> NoxCommand:
    """The sessions, posargs and noxfile of nox's command line ``argv`` (without argv[0])."""
    args = list(argv)
    posargs: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, posargs = args[:cut], args[cut + 1 :]
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("-s", "-e", "--session", "--sessions", nargs="*", action="extend")
    parser.add_argument("-f", "--noxfile")
    parser.add_argument("-l", "--list", "--list-sessions", action="store_true", dest="listing")
    parser.add_argument("--no-dependencies", action="store_true")
    forced = ("-P", "--force-python", "--force-pythons")
    for names in (forced, ("--extra-python", "--extra-pythons")):
        parser.add_argument(*names, nargs="*", action="extend", dest="other_pythons")
    known, _ = parser.parse_known_args(args)
    sessions: list[str] = list(known.session or [])
    if known.session is None and environ.get("NOXSESSION"):
        sessions = [s for s in environ["NOXSESSION"].split(",") if s]
    return NoxCommand(
        tuple(sessions),
        tuple(posargs),
        known.noxfile,
        bool(known.listing),
        bool(known.no_dependencies),
        known.other_pythons is not None
        or bool(environ.get("NOXFORCEPYTHON") or environ.get("NOXEXTRAPYTHON")),
    )
