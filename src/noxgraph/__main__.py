"""``python -m noxgraph``: the same as the ``noxgraph`` command."""

from __future__ import annotations

from noxgraph.cli import run

run()
