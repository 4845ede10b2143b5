"""The names a noxfile imports: ``noxgraph.nox.Sessions`` for a generated noxfile,
``noxgraph.nox.register()`` for a hand-written one.

Committed noxfiles import these names, so they stay here whatever moves behind
them; the work is done in :mod:`noxgraph.sessions.registry`.
"""

from __future__ import annotations

from noxgraph.sessions.registry import Sessions, register

__all__ = ["Sessions", "register"]
