"""Draw the documentation's two pictures in headless Chromium (``benchmarks/chromium.py``).

    python docs/images/make_images.py GRAPH_PAGE.html SELECTED TRACE.json

``graph-page.png``: the page ``noxgraph graph --format html`` wrote, with the package
SELECTED clicked. ``timeline.png``: the trace ``--profile`` wrote, drawn by the small
page below (one row per worker, one bar per session, the critical path outlined, an
arrow from the session each one waited for), because Perfetto's UI is not at hand
where these pictures are made; Perfetto and chrome://tracing show the same file.
"""

from __future__ import annotations

import html
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "benchmarks"))
import chromium  # noqa: E402

_COLOURS = {"success": "#2da44e", "cached": "#54aeff", "skipped": "#afb8c1", "failed": "#cf222e"}


def timeline_page(trace: dict[str, Any]) -> str:
    """An SVG of the trace's complete events, one row per worker."""
    events = trace["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    figures = trace["otherData"]
    title = next(e["args"]["name"] for e in events if e["name"] == "process_name")
    end = max(e["ts"] + e["dur"] for e in slices)
    left, width, row, top = 90, 1000, 46, 50
    scale = width / end
    where = {e["name"]: e for e in slices}
    parts = []
    for tid in sorted({e["tid"] for e in slices}):
        y = top + (tid - 1) * row
        parts.append(f'<text x="8" y="{y + 26}" class="lane">worker {tid}</text>')
        rule = y + row - 4
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{rule}" y2="{rule}"/>')
    for e in slices:
        x, y = left + e["ts"] * scale, top + (e["tid"] - 1) * row
        w = max(e["dur"] * scale, 2)
        colour = _COLOURS.get(e["args"]["result"], "#8c959f")
        edge = ' stroke="#1f2328" stroke-width="2.5"' if e["args"]["critical_path"] else ""
        name = html.escape(e["name"])
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 6}" width="{w:.1f}" height="30" rx="3"'
            f' fill="{colour}"{edge}>'
            f"<title>{name}</title></rect>"
            f'<text x="{x + 4:.1f}" y="{y + 25}" class="name">{name}</text>'
        )
        waited = e["args"]["waited_for"]
        if waited in where:
            before = where[waited]
            x0 = left + (before["ts"] + before["dur"]) * scale
            y0 = top + (before["tid"] - 1) * row + 21
            parts.append(
                f'<path d="M{x0:.1f},{y0} C{x0 + 20:.1f},{y0} {x - 20:.1f},{y + 21}'
                f' {x:.1f},{y + 21}" class="flow" marker-end="url(#arrow)"/>'
            )
    for second in range(int(end / 1e6) + 1):
        if second % 10 == 0:
            x = left + second * 1e6 * scale
            parts.append(f'<text x="{x:.1f}" y="{top - 8}" class="tick">{second}s</text>')
    lanes = len({e["tid"] for e in slices})
    height = top + lanes * row + 40
    caption = (
        f"wall time {figures['wall_seconds']:.1f}s, critical path"
        f" {figures['critical_path_seconds']:.1f}s (outlined) over {figures['workers']} workers"
    )
    return f"""<!DOCTYPE html><meta charset="utf-8"><style>
body {{ margin: 12px; font: 13px system-ui, sans-serif; color: #1f2328; }}
line {{ stroke: #d0d7de; }} .lane {{ font-weight: 600; }}
.tick {{ fill: #656d76; font-size: 11px; }}
.name {{ fill: #fff; font: 11px ui-monospace, monospace; }}
.flow {{ fill: none; stroke: #6e7781; stroke-width: 1.2; }}
</style><h3 style="margin:0 0 4px">{html.escape(title)}</h3><p style="margin:0">{caption}</p>
<svg width="{left + width + 20}" height="{height}">
<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6"
orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#6e7781"/></marker></defs>
{"".join(parts)}</svg>"""


def main() -> int:
    page, selected, trace = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    with tempfile.TemporaryDirectory(prefix="docs-images-") as folder:
        driver = chromium.start(folder, window=(1280, 620))
        try:
            driver.get(page.resolve().as_uri())
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.body.dataset.ready")
            )
            driver.find_element(By.CSS_SELECTOR, f'.pkg[data-name="{selected}"]').click()
            driver.save_screenshot(str(HERE / "graph-page.png"))
            drawn = Path(folder, "timeline.html")
            drawn.write_text(timeline_page(json.loads(trace.read_text())), encoding="utf-8")
            driver.set_window_size(1160, 420)
            driver.get(drawn.as_uri())
            driver.save_screenshot(str(HERE / "timeline.png"))
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
