"""The graph page (``graph --format html``) in a real headless Chromium.

The page is opened from disk, as a CI artifact would be, and driven through
chromedriver: what it marks is compared with what the JSON document says.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import REPO, cli, commit_all, init_repo, package, pyproject

sys.path.insert(0, str(REPO / "benchmarks"))
import chromium
import synth


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not chromium.installed():
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    with tempfile.TemporaryDirectory(prefix="noxgraph-chromium-") as profile:
        driver = chromium.start(profile, log_requests=True)
        try:
            yield driver
        finally:
            driver.quit()


def open_page(browser: webdriver.Chrome, page: Path) -> float:
    """Open ``page`` from disk and wait until it answers; its time to interactive (ms)."""
    browser.get_log("performance")  # what earlier pages logged
    browser.get(page.as_uri())
    ready = WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script("return document.body.dataset.ready")
    )
    return float(ready)


def requested_urls(browser: webdriver.Chrome) -> list[str]:
    """Every URL the page asked for since it was opened (Chromium's network log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def write_page(root: Path, *options: str) -> tuple[Path, dict[str, Any]]:
    """The page and the JSON document of the workspace at ``root``."""
    page = cli("graph", "--root", root, "--format", "html", *options)
    assert page.code == 0, page.err
    document = cli("graph", "--root", root, "--format", "json")
    assert document.code == 0, document.err
    path = root.parent / f"{root.name}-graph.html"
    path.write_text(page.out, encoding="utf-8")
    return path, json.loads(document.out)


def reachable(
    document: dict[str, Any], start: str, *, dependents: bool, kinds: Iterable[str] | None = None
) -> set[str]:
    """What ``start`` depends on (or what depends on it), transitively, from the JSON
    edges alone; ``start`` is left out, as DependencyGraph leaves it out."""
    wanted = set(kinds) if kinds is not None else None
    step: dict[str, set[str]] = {}
    for edge in document["edges"]:
        if wanted is None or edge["kind"] in wanted:
            near, far = (edge["to"], edge["from"]) if dependents else (edge["from"], edge["to"])
            step.setdefault(near, set()).add(far)
    seen, stack = {start}, [start]
    while stack:
        for other in step.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen - {start}


def marked(browser: webdriver.Chrome, mark: str) -> set[str]:
    return set(
        browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(b => b.dataset.name)",
            f".pkg.{mark}",
        )
    )


def click_package(browser: webdriver.Chrome, name: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f'.pkg[data-name="{name}"]').click()


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A synthetic workspace of 1,000 packages and 5,000 edges (3 of them closing cycles)."""
    root = tmp_path_factory.mktemp("thousand") / "ws"
    synth.generate(root, 1000, 5000, cycles=3, git=True)
    return write_page(root)


def test_the_page_of_a_thousand_packages_shows_every_one_and_fetches_nothing(
    browser: webdriver.Chrome, thousand: tuple[Path, dict[str, Any]]
) -> None:
    page, document = thousand
    ready_ms = open_page(browser, page)
    print(f"time to interactive, 1,000 packages and 5,003 edges: {ready_ms:.0f} ms")
    assert requested_urls(browser) == [page.as_uri()]
    names = [p["name"] for p in document["packages"]]
    shown = browser.execute_script(
        "return [...document.querySelectorAll('.pkg')]"
        ".filter(b => b.getClientRects().length && b.textContent === b.dataset.name)"
        ".map(b => b.dataset.name)"
    )
    assert sorted(shown) == sorted(names)
    levels = browser.execute_script(
        "return [...document.querySelectorAll('.level .row')]"
        ".map(row => [...row.children].map(b => b.dataset.name).sort())"
    )
    assert levels == [sorted(level) for level in document["levels"]]
    in_cycles = {name for cycle in document["cycles"] for name in cycle}
    assert in_cycles and marked(browser, "in-cycle") == in_cycles
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_selecting_a_package_marks_exactly_its_dependencies_and_dependents(
    browser: webdriver.Chrome, thousand: tuple[Path, dict[str, Any]]
) -> None:
    page, document = thousand
    open_page(browser, page)
    cycle_member = document["cycles"][0][0]
    for name in ("pkg-00500", cycle_member, document["levels"][0][0], document["order"][-1]):
        click_package(browser, name)
        assert marked(browser, "selected") == {name}
        assert marked(browser, "dependency") == reachable(document, name, dependents=False)
        assert marked(browser, "dependent") == reachable(document, name, dependents=True)
    # The same package clicked again clears the selection.
    click_package(browser, document["order"][-1])
    assert marked(browser, "selected") == set()
    assert marked(browser, "dependency") == set()


def test_the_edge_kinds_ticked_decide_what_a_selection_reaches(
    browser: webdriver.Chrome, thousand: tuple[Path, dict[str, Any]]
) -> None:
    page, document = thousand
    open_page(browser, page)
    for kind in ("group", "dev"):
        browser.find_element(By.CSS_SELECTOR, f'#kinds input[value="{kind}"]').click()
    kept = ["runtime", "optional", "build"]
    click_package(browser, "pkg-00500")
    narrow = reachable(document, "pkg-00500", dependents=True, kinds=kept)
    assert marked(browser, "dependent") == narrow
    assert narrow < reachable(document, "pkg-00500", dependents=True)
    assert marked(browser, "dependency") == reachable(
        document, "pkg-00500", dependents=False, kinds=kept
    )


def test_searching_a_name_selects_that_package(
    browser: webdriver.Chrome, thousand: tuple[Path, dict[str, Any]]
) -> None:
    page, _ = thousand
    open_page(browser, page)
    search = browser.find_element(By.ID, "search")
    search.send_keys("pkg-0071")
    assert browser.find_element(By.ID, "matches").text == "10 matches"
    assert len(marked(browser, "match")) == 10
    search.send_keys("2", Keys.ENTER)
    assert marked(browser, "selected") == {"pkg-00712"}
    assert "pkg-00712" in browser.find_element(By.ID, "details").text


def test_a_screenshot_of_the_page_is_not_blank(
    browser: webdriver.Chrome, thousand: tuple[Path, dict[str, Any]]
) -> None:
    page, _ = thousand
    open_page(browser, page)
    click_package(browser, "pkg-00500")
    image = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    # A blank page is one colour; this one has text, the selection and the kinds' colours.
    assert len(colours) > 50
    background = max(colours)[0]
    assert background < image.width * image.height * 0.95


def small_repository(root: Path) -> Path:
    """A git repository: core <- util <- app, core <- plugin."""
    init_repo(root)
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/core", "core")
    package(root, "libs/util", "util", "core")
    package(root, "libs/plugin", "plugin", "core")
    package(root, "libs/app", "app", "util", "plugin")
    commit_all(root, "four packages")
    return root


def test_the_affected_packages_are_highlighted_with_their_reasons(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    root = small_repository(tmp_path / "ws")
    (root / "libs/util/util.py").write_text("CHANGED = True\n")
    page, _ = write_page(root, "--base", "main")
    answer = cli("affected", "--root", root, "--base", "main", "--format", "json")
    expected = {p["name"]: p["reason"] for p in json.loads(answer.out)["affected"]}
    assert expected == {"util": "changed", "app": "dependency"}
    open_page(browser, page)
    assert marked(browser, "affected") == set(expected)
    assert marked(browser, "changed") == {"util"}
    click_package(browser, "app")
    assert "Affected: depends on util (changed)" in browser.find_element(By.ID, "details").text
    click_package(browser, "util")
    assert "Affected: changed: libs/util/util.py" in browser.find_element(By.ID, "details").text
    assert "2 affected since main" in browser.find_element(By.ID, "summary").text


def test_a_reason_names_each_step_that_is_no_run_time_dependency(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    root = small_repository(tmp_path / "ws")
    package(root, "libs/ext", "ext", extra='[project.optional-dependencies]\nfast = ["util"]\n')
    commit_all(root, "an extra")
    (root / "libs/util/util.py").write_text("CHANGED = True\n")
    page, _ = write_page(root, "--base", "main")
    explained = cli("affected", "--root", root, "--base", "main", "--explain").out
    assert "depends on util [optional: fast] (changed)" in explained
    open_page(browser, page)
    click_package(browser, "ext")
    details = browser.find_element(By.ID, "details").text
    assert "Affected: depends on util [optional: fast] (changed)" in details
    click_package(browser, "app")
    assert "Affected: depends on util (changed)" in browser.find_element(By.ID, "details").text


def test_a_cycle_through_ordering_edges_still_lays_out_every_package(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/a", "a", "b")
    package(root, "libs/b", "b", "a")
    package(root, "libs/top", "top", "a")
    page_run = cli("graph", "--root", root, "--format", "html")
    assert page_run.code == 1  # no build order, as every format says
    page = tmp_path / "cycle.html"
    page.write_text(page_run.out, encoding="utf-8")
    open_page(browser, page)
    levels = browser.execute_script(
        "return [...document.querySelectorAll('.level .row')]"
        ".map(row => [...row.children].map(b => b.dataset.name).sort())"
    )
    assert levels == [["a", "b"], ["top"]]
    assert marked(browser, "in-cycle") == {"a", "b"}
    assert "No build order" in browser.find_element(By.ID, "banner").text
    assert "a -> b -> a" in browser.find_element(By.ID, "details").text
    click_package(browser, "b")
    assert "In a cycle: a -> b -> a" in browser.find_element(By.ID, "details").text


def test_a_name_that_closes_the_script_stays_data(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    pyproject(root, ".", '[tool.noxgraph]\nmembers = ["libs/*"]\n')
    package(root, "libs/a", "a")
    page = cli("graph", "--root", root, "--format", "html", "--kinds", "runtime")
    assert page.code == 0
    data = page.out.split('id="noxgraph-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["graph"]["packages"][0]["name"] == "a"
    from noxgraph.cli.page import graph_page

    hostile = {"root": ".", "packages": [{"name": "</script><script>alert(1)</script>"}]}
    text = graph_page(hostile, title="<b>")
    assert "</script><script>alert(1)" not in text
    assert "<title>noxgraph: &lt;b&gt;</title>" in text


def test_the_change_options_are_refused_outside_the_page(tmp_path: Path) -> None:
    root = small_repository(tmp_path / "ws")
    run = cli("graph", "--root", root, "--base", "main")
    assert run.code == 2
    assert "--format html" in run.err
    assert "Traceback" not in run.err
