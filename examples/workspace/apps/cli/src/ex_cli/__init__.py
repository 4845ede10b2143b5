"""The ex-greet command line (see ex_cli.main)."""

from __future__ import annotations
