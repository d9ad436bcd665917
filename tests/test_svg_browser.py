"""The SVG picture as a browser draws it: headless Chromium opens it from disk, every square is
drawn in its colour, no text runs off the picture or over the squares, and a screenshot is saved
under pytest's tmp directory for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.results import table as tables
from harness.results.formats import svg
from harness.results.rundir import RunDir
from tests.test_html_browser import CSS, browser  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.browser

PUBLISHED = Path(__file__).resolve().parent.parent / "results" / "published"
RECORDED = Path(__file__).resolve().parent / "data" / "runs" / "recorded"


@pytest.mark.parametrize("run", [PUBLISHED, RECORDED], ids=lambda p: p.name)
def test_the_picture_draws_every_cell_within_its_width(
    run: Path,
    tmp_path: Path,
    browser: object,  # noqa: F811
) -> None:
    from selenium.webdriver import Chrome  # noqa: PLC0415 - see tests/test_html_browser.py

    assert isinstance(browser, Chrome)
    path = tmp_path / "table.svg"
    tables.write(RunDir(path=run), "svg", path)
    report = tables.report_of(RunDir(path=run))
    browser.get(path.as_uri())
    squares = browser.find_elements(CSS, "rect.cell")
    assert len(squares) == len(report.outcomes)
    palette = svg.colours(report)
    first = report.outcomes[0]
    drawn = browser.execute_script(
        "return getComputedStyle(document.querySelector(`rect.cell[data-cell='${arguments[0]}']`))"
        ".fill",
        first.cell_id,
    )
    expected = svg.colour_of(first, palette).lstrip("#")
    red, green, blue = (int(expected[i : i + 2], 16) for i in (0, 2, 4))
    assert drawn == f"rgb({red}, {green}, {blue})"
    width = browser.execute_script("return document.documentElement.width.baseVal.value")
    assert width <= svg.WIDTH
    # No label runs off the picture, and no label overlaps a square.
    overflow = browser.execute_script(
        """
        const svg = document.documentElement;
        const width = svg.width.baseVal.value;
        const boxes = [...svg.querySelectorAll('rect.cell')].map(r => r.getBBox());
        const bad = [];
        for (const t of svg.querySelectorAll('text')) {
          const b = t.getBBox();
          if (t.getAttribute('transform')) continue;  // rotated column heads sit above the grid
          if (b.x < -0.5 || b.x + b.width > width + 0.5) bad.push('off: ' + t.textContent);
          for (const r of boxes) {
            if (b.x < r.x + r.width && r.x < b.x + b.width &&
                b.y < r.y + r.height && r.y < b.y + b.height) {
              bad.push('over a square: ' + t.textContent); break;
            }
          }
        }
        return bad;
        """
    )
    assert overflow == []
    browser.save_screenshot(str(tmp_path / "table-svg.png"))
    assert (tmp_path / "table-svg.png").read_bytes().startswith(b"\x89PNG")
