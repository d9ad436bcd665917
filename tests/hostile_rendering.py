"""A hostile cell's text, and the checks that every published format shows it as text.

The text is the one `tests/data/hostile/scenarios/hostile_message.py` raises in a container;
its constants are read from that file, so the unit tests and the real-engine test check the
same bytes. The Markdown is read by a real CommonMark renderer (markdown-it-py, with raw HTML
allowed and every link accepted, as the most permissive renderers do); the HTML by Chromium.
"""

from __future__ import annotations

import ast
import csv
import io
import itertools
import re
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.token import Token

from harness.results.outcome import Frame, Outcome, RaisedError, Status, signature_of
from harness.results.records import Run
from harness.results.runmeta import RunMeta
from harness.results.views import Report

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

SCENARIO = Path(__file__).resolve().parent / "data" / "hostile" / "scenarios" / "hostile_message.py"


def _constants(path: Path) -> dict[str, str]:
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = ast.literal_eval(node.value) if _is_literal(node.value) else None
            if isinstance(value, str):
                found[node.targets[0].id] = value
    return found


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


_FROM_SCENARIO = _constants(SCENARIO)
MESSAGE = _FROM_SCENARIO["MESSAGE"]
TYPE_NAME = _FROM_SCENARIO["TYPE_NAME"]
FUNCTION = _FROM_SCENARIO["FUNCTION"]
FILE = _FROM_SCENARIO["FILE"]
# What a spreadsheet runs, and what the CSV must turn into text (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
# As the driver records them: the class's module, then its name; the traceback it writes.
TYPE = f"__main__.{TYPE_NAME}"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    f'  File "{FILE}", line 2, in {FUNCTION}\n'
    f"{TYPE_NAME}: {MESSAGE}\n"
)
# Fields that start as a spreadsheet formula would, one per cell; `-11` is a number and stays.
LEADING = ("+1+1", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1", "'=1+1", "''@x", "-11", "-0.5")


# --- a run whose cells hold the hostile text ------------------------------------------------


def outcome_of(scenario: str, status: Status, **fields: object) -> Outcome:
    base: dict[str, object] = {
        "run_id": "r",
        "cell_id": f"py3.11/tiny/plain/{scenario}",
        "python": "3.11",
        "environment": "tiny",
        "backend": "plain",
        "scenario": scenario,
        "status": status,
        "claim_reproduced": False,
        "versions": {"python": "3.11.2", "six": "<b>1.16.0</b>"},
    }
    return Outcome(**(base | fields))  # type: ignore[arg-type]


def hostile_outcomes() -> list[Outcome]:
    error = RaisedError(
        type=TYPE,
        message=MESSAGE,
        raised_at=Frame(file=FILE, line=2, function=FUNCTION),
        scenario_line=Frame(file="/keras-matrix/scenarios/s.py", line=37, function="<module>"),
        phase="call",
        traceback=TRACEBACK,
    )
    found = [
        outcome_of(
            "raises",
            "error",
            error=error,
            signature=signature_of(TYPE, MESSAGE),
            stdout_tail=MESSAGE + "\n",
            stderr_tail=MESSAGE + "\n" + TRACEBACK,
            pip_conflicts=(MESSAGE,),
        ),
        outcome_of(
            "crashes", "crashed", reason=MESSAGE, signature=signature_of("crashed", MESSAGE)
        ),
    ]
    for n, text in enumerate(LEADING):
        raised = RaisedError(
            type="ValueError",
            message=text,
            raised_at=None,
            scenario_line=None,
            phase="call",
            traceback="",
        )
        found.append(
            outcome_of(
                f"leading{n}", "error", error=raised, signature=signature_of("ValueError", text)
            )
        )
    return found


def hostile_report() -> Report:
    return Report.build(Run.of(hostile_outcomes(), RunMeta(run_id="r")))


# --- Markdown --------------------------------------------------------------------------------


class _EveryLink(MarkdownIt):
    """markdown-it refuses javascript: links by itself; so that an injected one would show."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return True


def markdown_parser() -> MarkdownIt:
    """CommonMark with GFM tables, raw HTML on, and no link refused: nothing is filtered for us."""
    return _EveryLink("commonmark", {"html": True}).enable(["table", "strikethrough"])


def tokens(text: str) -> Iterator[Token]:
    """Every token of the document, inline ones included."""
    for token in markdown_parser().parse(text):
        yield token
        yield from token.children or ()


def assert_markdown_inert(text: str, *, own_html: Collection[str] = ()) -> str:
    """No raw HTML but the document's own tags, no link, image or strikethrough; the HTML."""
    found = list(tokens(text))
    html = [t.content.strip() for t in found if t.type in ("html_inline", "html_block")]
    assert [h for h in html if h not in own_html] == [], "raw HTML reached the Markdown"
    # The provenance table's own links: each image's pip freeze, a file beside the table.
    own_links = [
        t
        for t in found
        if t.type == "link_open"
        and re.fullmatch(r"environments/[\w.+-]+\.txt", str(t.attrGet("href")))
    ]
    assert [t for t in found if t.type in ("link_open", "image", "s_open")] == own_links
    headings = [n.content for t, n in itertools.pairwise(found) if t.type == "heading_open"]
    assert [h for h in headings if "heading" in h] == [], "a line of the text became a heading"
    rendered = str(markdown_parser().render(text))
    rendered = re.sub(r'<a href="environments/[\w.+-]+\.txt">pip freeze</a>', "", rendered)
    for tag in ("<script", "<img", "<svg", "<a ", "<!--"):
        assert tag not in rendered, f"{tag} in the rendered Markdown"
    return rendered


def code_texts(text: str) -> list[str]:
    """The contents of every code span and code block, as a reader sees them."""
    return [t.content for t in tokens(text) if t.type in ("code_inline", "fence", "code_block")]


def plain_texts(text: str) -> list[str]:
    """Each paragraph's, heading's or table cell's text as a reader sees it."""
    return [
        "".join(c.content for c in t.children or ())
        for t in markdown_parser().parse(text)
        if t.type == "inline"
    ]


def strong_texts(text: str) -> list[str]:
    """The text inside each **bold** run."""
    found, inside = [], False
    for token in tokens(text):
        if token.type == "strong_open":
            found.append("")
            inside = True
        elif token.type == "strong_close":
            inside = False
        elif inside:
            found[-1] += token.content
    return found


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- CSV -------------------------------------------------------------------------------------


def assert_csv_neutral(text: str) -> list[dict[str, str]]:
    """No field a spreadsheet would run, in any locale's separator; the rows, as written."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    # Every field quoted: a spreadsheet set to `;` (as in several locales) finds no field
    # boundary inside a message that holds one.
    quoted = io.StringIO()
    csv.writer(quoted, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(records)
    assert quoted.getvalue() == text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for name, value in row.items():
            assert not value.startswith(FORMULA_STARTS) or NUMBER.fullmatch(value), (name, value)
    return rows


def csv_original(value: str) -> str:
    """The text before neutralising: one leading quote off where quotes precede a formula start."""
    return value[1:] if re.match(r"'+[=+\-@\t\r]", value) else value


# --- HTML in Chromium ------------------------------------------------------------------------


def assert_page_runs_no_script(browser: Chrome, page: Path, *, scripts: int) -> None:
    """Load the page and open every details element: no handler ran, nothing was injected."""
    browser.get(page.as_uri())
    title = browser.title
    browser.execute_script(
        "document.querySelectorAll('details').forEach(function (d) { d.open = true; });"
    )
    time.sleep(0.3)  # time for an injected handler (onerror of a failed image, onload) to fire
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.title == title
    assert browser.execute_script("return document.images.length") == 0
    assert browser.execute_script("return document.querySelectorAll('svg, iframe').length") == 0
    assert browser.execute_script("return document.scripts.length") == scripts


def text_of(browser: Chrome, selector: str) -> list[str]:
    """The exact text of the elements (textContent: no layout, no whitespace folding)."""
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", selector
    )
    assert isinstance(found, list)
    return [str(t) for t in found]
