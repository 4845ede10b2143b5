"""The ``noxgraph`` command line: parsing, the commands, the noxfile and workflow
writers, and every JSON document and text view (:mod:`noxgraph.cli.report`).

The only part of noxgraph that prints or exits. :func:`run` is the ``noxgraph``
command; :func:`noxgraph.cli.main.main` runs one command for a caller that goes on.
"""

from __future__ import annotations

import gc
from typing import NoReturn

__all__ = ["run"]


def run() -> NoReturn:
    """The ``noxgraph`` command: one command in a process that ends with it."""
    # The cycle collector frees nothing reference counting does not in a run that
    # builds its answer and exits; left on, it walks the young objects of every import
    # and, at exit, every object the run made.
    gc.disable()
    from noxgraph.cli.main import main

    raise SystemExit(main())
