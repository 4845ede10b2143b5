"""``graph --format html``: one self-contained page of the graph.

The page is the JSON documents ``graph --format json`` and ``affected --format json``
print, embedded as data, with the style and the script that draw them
(``templates/graph-page.*``, under the project's license). It loads nothing else,
so it works opened from disk, as a CI artifact, with no network.
"""

from __future__ import annotations

import html
import json
import string
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

__all__ = ["graph_page"]


def _template(name: str) -> str:
    return files("noxgraph").joinpath(f"templates/{name}").read_text(encoding="utf-8")


def _script_data(value: Mapping[str, Any]) -> str:
    """JSON that cannot end its ``<script>`` element early: every ``<`` is escaped, so
    no name or path holding ``</script>`` or ``<!--`` leaves the data."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def graph_page(
    graph: Mapping[str, Any], affected: Mapping[str, Any] | None = None, *, title: str
) -> str:
    """The page for a ``graph --format json`` document and, when a change was named,
    the ``affected --format json`` document of that change; ``title`` names the workspace."""
    return string.Template(_template("graph-page.html")).substitute(
        title=html.escape(f"noxgraph: {title}"),
        style=_template("graph-page.css"),
        script=_template("graph-page.js"),
        data=_script_data({"graph": graph, "affected": affected}),
    )
