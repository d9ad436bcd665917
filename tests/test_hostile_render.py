"""A message written to attack the tables, raised in a real container, then published.

`tests/data/hostile/scenarios/hostile_message.py` prints a text full of HTML, Markdown and
CSV metacharacters and raises it from a class, a function and a "file" named to attack them
too. The harness runs it in the `tiny` image of the hostile suite; every format of the run's
table must show that text exactly and run none of it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.config.matrix_schema import BaseKind
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.pipeline import Options, default_ca_bundle, run_matrix
from harness.execute.ui import Reporter
from harness.results import table as tables
from harness.results.rundir import RunDir
from tests.hostile_rendering import (
    FILE,
    FUNCTION,
    MESSAGE,
    TYPE,
    TYPE_NAME,
    assert_csv_neutral,
    assert_markdown_inert,
    assert_page_runs_no_script,
    code_texts,
    csv_original,
    markdown_parser,
    one_line,
    plain_texts,
    text_of,
)
from tests.test_html_browser import browser  # noqa: F401 - the headless Chromium fixture

from .conftest import DATA

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = pytest.mark.docker
RENDER = DATA / "hostile" / "render.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> RunDir:
    engine = DockerEngine.connect(silent)
    matrix = load_matrix(RENDER)
    base: BaseKind = "debian"
    options = Options(
        base=base,
        template_dir=matrix.template_dir,
        ca_bundle=default_ca_bundle(),
        sandbox=matrix.sandbox,
    )
    return run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        results_root=tmp_path_factory.mktemp("hostile-render"),
        reporter=Reporter(verbose=False),
        echo=silent,
    )


def test_the_cell_records_the_text_it_raised_and_printed(run_dir: RunDir) -> None:
    (outcome,) = run_dir.outcomes()
    assert outcome.status == "error", (outcome.status, outcome.reason, outcome.stderr_tail[-500:])
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.message) == (TYPE, MESSAGE)
    assert outcome.error.raised_at is not None
    assert (outcome.error.raised_at.file, outcome.error.raised_at.function) == (FILE, FUNCTION)
    assert outcome.error.traceback.endswith(f"{TYPE_NAME}: {MESSAGE}\n")
    assert outcome.stdout_tail == MESSAGE + "\n"
    assert outcome.stderr_tail.startswith(MESSAGE + "\n")


def test_markdown_shows_it_as_text(run_dir: RunDir) -> None:
    text = tables.render(run_dir, "md")
    assert (run_dir.path / "table.md").read_text(encoding="utf-8") == text  # as `run` wrote it
    assert_markdown_inert(text)
    assert f"{TYPE}: {MESSAGE}\n" in code_texts(text)
    assert f"{FILE}:2 in {FUNCTION}" in code_texts(text)
    assert one_line(MESSAGE)[:159] + "…" in code_texts(text)
    assert f"{TYPE_NAME} E1" in plain_texts(text)


def test_json_keeps_it_exactly(run_dir: RunDir) -> None:
    (cell,) = json.loads(tables.render(run_dir, "json"))["cells"]
    assert (cell["error"]["type"], cell["error"]["message"]) == (TYPE, MESSAGE)
    assert cell["error"]["raised_at"]["function"] == FUNCTION
    assert cell["stdout_tail"] == MESSAGE + "\n"


def test_csv_makes_no_formula_of_it(run_dir: RunDir) -> None:
    text = tables.render(run_dir, "csv")
    (row,) = assert_csv_neutral(text)
    assert row["message"] == "'" + MESSAGE  # it starts with "=cmd|"
    assert csv_original(row["message"]) == MESSAGE
    assert list(csv.reader(io.StringIO(text, newline="")))[1][11] == row["message"]


@pytest.mark.browser
def test_html_and_rendered_markdown_run_nothing_of_it_in_chromium(
    run_dir: RunDir,
    tmp_path: Path,
    browser: Chrome,  # noqa: F811
) -> None:
    page = tmp_path / "table.html"
    tables.write(run_dir, "html", page)
    assert_page_runs_no_script(browser, page, scripts=1)
    assert text_of(browser, "pre.message") == [f"{TYPE}: {MESSAGE}"]
    assert text_of(browser, "details.detail pre")[-1] == MESSAGE + "\n"  # stdout, last
    markdown_page = tmp_path / "table-md.html"
    body = markdown_parser().render(tables.render(run_dir, "md"))
    markdown_page.write_text(f"<!DOCTYPE html><title>md</title>{body}", encoding="utf-8")
    assert_page_runs_no_script(browser, markdown_page, scripts=0)
