"""A hostile message in Chromium: the HTML page, and the Markdown table as a permissive
renderer (raw HTML on) turns it into a page. No script runs, no handler fires, and the page
shows the message exactly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.results import formats
from tests.hostile_rendering import (
    MESSAGE,
    TYPE,
    assert_page_runs_no_script,
    hostile_report,
    markdown_parser,
    text_of,
)
from tests.test_html_browser import browser  # noqa: F401 - the headless Chromium fixture

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = pytest.mark.browser


def test_the_html_page_shows_the_hostile_cell_and_runs_nothing_of_it(
    tmp_path: Path,
    browser: Chrome,  # noqa: F811
) -> None:
    page = tmp_path / "table.html"
    page.write_text(formats.render(hostile_report(), "html"), encoding="utf-8")
    assert_page_runs_no_script(browser, page, scripts=1)
    assert f"{TYPE}: {MESSAGE}" in text_of(browser, "pre.message")
    assert MESSAGE in text_of(browser, "pre.message")  # the crashed cell's reason
    # The dialog copies a cell's details into the page: still text.
    browser.execute_script("document.querySelector('table.grid a.cell').click();")
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.execute_script("return document.images.length") == 0


def test_the_markdown_table_rendered_with_raw_html_on_runs_nothing(
    tmp_path: Path,
    browser: Chrome,  # noqa: F811
) -> None:
    body = markdown_parser().render(formats.render(hostile_report(), "md"))
    page = tmp_path / "table-md.html"
    page.write_text(f"<!DOCTYPE html><title>md</title>{body}", encoding="utf-8")
    assert_page_runs_no_script(browser, page, scripts=0)
    assert f"{TYPE}: {MESSAGE}\n" in text_of(browser, "pre code")
