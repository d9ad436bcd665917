"""The HTML page as a person sees it: headless Chromium loads it from disk, offline.

The test reads the DOM (how many cells, their colours), opens a cell's details with a
click, filters, and saves screenshots under pytest's tmp dir (shown with -rA / kept in
the basetemp) for a person to look at.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.results import table as tables
from harness.results.records import Run, phase_of
from harness.results.rundir import RunDir
from harness.results.views import Report
from tests.conftest import CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.browser

RECORDED = Path(__file__).resolve().parent / "data" / "runs" / "recorded"
WIDTH, HEIGHT = 1400, 1000

# Selenium's locator strategies (By.*), spelled out so that this module imports without
# selenium: the browser gate in conftest.py then skips, or fails under CI, with the reason.
CSS, ID, LINK_TEXT = "css selector", "id", "link text"

if TYPE_CHECKING:
    from selenium.webdriver import Chrome


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the page did not change in time"
        time.sleep(0.05)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "table.html"
    tables.write(RunDir(path=RECORDED), "html", path)
    return path


@pytest.fixture
def browser() -> Iterator[Chrome]:
    from selenium import webdriver  # noqa: PLC0415 - see CSS above
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which(CHROMIUM))
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    # An explicit driver path: Selenium Manager (which downloads drivers) is never asked.
    driver = webdriver.Chrome(
        options=options, service=Service(executable_path=str(shutil.which(CHROMEDRIVER)))
    )
    try:
        yield driver
    finally:
        driver.quit()


def test_page_shows_every_cell_in_its_colour(page: Path, browser: Chrome) -> None:
    browser.get(page.as_uri())
    report = Report.build(Run.load(RunDir(path=RECORDED)))
    cells = browser.find_elements(CSS, "table.grid a.cell")
    assert len(cells) == len(report.outcomes) == 32
    shown = Counter(
        next(
            c.removeprefix("r-")
            for c in (e.get_attribute("class") or "").split()
            if c.startswith("r-")
        )
        for e in cells
    )
    assert shown == Counter(phase_of(o) for o in report.outcomes)
    assert shown == {"works": 5, "import": 12, "call": 2, "no_result": 13}
    first = cells[0]
    assert first.text == "ModuleNotFoundError E1"
    colour = first.value_of_css_property("background-color")
    assert colour == "rgba(253, 224, 194, 1)"  # --import
    assert browser.find_element(ID, "shown").text == "32 of 32 cells shown"
    # Nothing was fetched: the page works offline.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    browser.save_screenshot(str(page.with_name("table.png")))
    assert page.with_name("table.png").read_bytes().startswith(b"\x89PNG")


def test_clicking_a_cell_opens_its_details(page: Path, browser: Chrome) -> None:
    browser.get(page.as_uri())
    dialog = browser.find_element(ID, "cell-dialog")
    assert dialog.get_attribute("open") is None
    browser.find_element(CSS, "table.grid a.cell").click()
    wait_until(lambda: dialog.get_attribute("open") is not None)
    assert dialog.is_displayed()
    assert (
        browser.find_element(ID, "dialog-title").text
        == "py3.11/keras3-only/unset/missing_tensorflow"
    )
    body = dialog.find_element(CSS, ".content")
    assert body.find_element(CSS, "pre.message").text == (
        "ModuleNotFoundError: No module named 'tensorflow'"
    )
    assert (
        "keras/src/tree/optree_impl.py:13 in <module>" in body.find_element(CSS, "pre.frame").text
    )
    traceback = body.find_element(CSS, "pre.traceback").text
    assert 'File "/opt/venv/lib/python3.11/site-packages/keras/__init__.py", line 7' in traceback
    assert traceback.endswith("ModuleNotFoundError: No module named 'tensorflow'")
    versions = body.find_element(CSS, "table.versions").text
    assert "keras 3.12.0" in versions
    assert "tensorflow-cpu not installed" in versions
    assert body.find_element(CSS, "pre.command").text.startswith(
        "docker run --rm --label io.keras-matrix.cell=py3.11/keras3-only/unset/missing_tensorflow"
    )
    assert browser.current_url.endswith("#c1")
    browser.save_screenshot(str(page.with_name("details.png")))
    browser.find_element(ID, "dialog-close").click()
    wait_until(lambda: dialog.get_attribute("open") is None)


def test_a_failed_build_shows_pips_reason_and_a_link_to_the_dockerfile(
    page: Path, browser: Chrome
) -> None:
    browser.get(page.as_uri())
    failed = browser.find_elements(CSS, "table.grid a.s-build_failed")
    assert len(failed) == 8
    failed[0].click()
    dialog = browser.find_element(ID, "cell-dialog")
    wait_until(lambda: dialog.get_attribute("open") is not None)
    text = dialog.text
    assert "No matching distribution found for tf-keras==2.0.0" in text
    link = dialog.find_element(LINK_TEXT, "Dockerfile").get_attribute("href")
    assert link is not None
    assert link.endswith("#img-4")


def test_a_link_to_a_cell_opens_it(page: Path, browser: Chrome) -> None:
    twelfth = Run.load(RunDir(path=RECORDED)).outcomes[11]
    browser.get(page.as_uri() + "#c12")
    dialog = browser.find_element(ID, "cell-dialog")
    assert dialog.get_attribute("open") is not None
    assert browser.find_element(ID, "dialog-title").text == twelfth.cell_id


def test_filters_hide_scenarios_backends_and_pythons(page: Path, browser: Chrome) -> None:
    browser.get(page.as_uri())
    browser.find_element(CSS, "input[name=scenario][value=missing_tensorflow]").click()
    assert browser.find_element(ID, "shown").text == "24 of 32 cells shown"
    blocks = browser.find_elements(CSS, "section.block")
    assert [b.is_displayed() for b in blocks] == [False, True, True, True]
    browser.find_element(CSS, "input[name=backend][value=invalid]").click()
    assert browser.find_element(ID, "shown").text == "12 of 32 cells shown"
    header = blocks[1].find_elements(CSS, "thead th")
    assert [h.text for h in header if h.is_displayed()] == ["environment", "python", "unset"]
    summary = browser.find_element(CSS, "#environments tr[data-summary-environment='tf-2.15']")
    counts = [td.text for td in summary.find_elements(CSS, "td[data-count]")]
    assert counts == ["3", "0", "0", "0", "3", "no result"]  # the three timeouts left in view
    claims = browser.find_elements(CSS, "#claims tbody tr")
    assert [r.is_displayed() for r in claims] == [False, True, True, True]
    browser.save_screenshot(str(page.with_name("filtered.png")))
    browser.find_element(ID, "show-all").click()
    assert browser.find_element(ID, "shown").text == "32 of 32 cells shown"
