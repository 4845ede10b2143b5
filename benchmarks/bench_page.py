"""Time to interactive of the graph page, at 1,000 and at 5,000 packages side by side.

Each synthetic workspace (five edges a package) gets its page from ``noxgraph graph
--format html``; headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
opens it from disk several times, each in a fresh tab. Time to interactive is what the
page reports once its first frame is painted and it answers clicks: milliseconds from
the start of navigation, JSON parsing, layout and drawing included.

    python benchmarks/bench_page.py [--runs 5] [--work benchmarks/.work]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import chromium  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from synth import ensure  # noqa: E402

SIZES = (1000, 5000)


def _page(root: Path) -> Path:
    page = root.parent / f"{root.name}.html"
    with page.open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "noxgraph", "graph", "--root", str(root), "--format", "html"],
            stdout=out,
            check=True,
        )
    return page


def _time_to_interactive(driver: webdriver.Chrome, page: Path) -> float:
    driver.switch_to.new_window("tab")
    driver.get(page.as_uri())
    ready = WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.body.dataset.ready")
    )
    driver.close()
    driver.switch_to.window(driver.window_handles[0])
    return float(ready)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()
    pages = {}
    for size in SIZES:
        workspace, _ = ensure(args.work / f"page-{size}", size, size * 5, git=True, cycles=3)
        pages[size] = _page(workspace.root)
    print(f"{'packages':>8}  {'edges':>6}  {'page':>8}  time to interactive ({args.runs} runs)")
    with tempfile.TemporaryDirectory(prefix="bench-page-") as profile:
        driver = chromium.start(profile)
        try:
            for size, page in pages.items():
                times = [_time_to_interactive(driver, page) for _ in range(args.runs)]
                print(
                    f"{size:>8}  {size * 5:>6}  {page.stat().st_size / 1e6:>6.2f}MB"
                    f"  median {statistics.median(times):.0f} ms"
                    f" (min {min(times):.0f}, max {max(times):.0f})"
                )
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
