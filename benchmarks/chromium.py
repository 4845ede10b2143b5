"""Headless Chromium, started one way for the graph page's test, its benchmark and the
documentation's pictures.

Debian's ``chromium`` and ``chromium-driver`` here; GitHub's runners carry Google Chrome
and its driver instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

__all__ = ["CHROMEDRIVER", "CHROMIUM", "installed", "start"]

CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or os.path.join(
    os.environ.get("CHROMEWEBDRIVER", "/usr/bin"), "chromedriver"
)


def installed() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def start(
    profile: str, *, window: tuple[int, int] = (1400, 900), log_requests: bool = False
) -> webdriver.Chrome:
    """Headless Chromium with its profile in ``profile`` and a ``window`` of (width,
    height) pixels, making no connection of its own (the page must need none); with
    ``log_requests``, every request the page makes is logged (``get_log("performance")``)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={window[0]},{window[1]}",
    ):
        options.add_argument(argument)
    if log_requests:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
