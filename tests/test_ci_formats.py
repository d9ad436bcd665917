"""Results in CI's own formats: JUnit XML against a JUnit schema, the step summary's size,
the SVG picture's squares and colours, and runs read back from a published table.json."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema

from harness.results import table as tables
from harness.results.diff import diff_runs
from harness.results.formats import junit, summary, svg
from harness.results.outcome import Outcome, RaisedError
from harness.results.published import from_table_json
from harness.results.records import Run
from harness.results.rundir import RunDir
from harness.results.runmeta import RunMeta
from harness.results.views import Report

DATA = Path(__file__).resolve().parent / "data"
RUNS = DATA / "runs"
PUBLISHED = DATA.parent.parent / "results" / "published"
JUNIT_XSD = xmlschema.XMLSchema(DATA / "schemas" / "junit.xsd")


def report_of(path: Path) -> Report:
    return tables.report_of(RunDir(path=path))


@pytest.mark.parametrize(
    "path", [RUNS / "recorded", RUNS / "quick", RUNS / "edited", PUBLISHED], ids=lambda p: p.name
)
def test_junit_validates_against_the_junit_schema(path: Path) -> None:
    report = report_of(path)
    text = junit.render(report)
    JUNIT_XSD.validate(text)
    root = ET.fromstring(text)  # noqa: S314 - our own output
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(report.outcomes)
    statuses = [o.status for o in report.outcomes]
    assert int(root.get("failures", "-1")) == statuses.count("error")
    assert len(root.findall("testsuite/testcase/failure")) == statuses.count("error")
    no_result = sum(s in ("build_failed", "timeout", "crashed") for s in statuses)
    assert len(root.findall("testsuite/testcase/error")) == no_result == int(root.get("errors", ""))
    assert [s.get("name") for s in root.findall("testsuite")] == list(report.run.axes["scenario"])


def test_the_junit_schema_rejects_what_ci_readers_would() -> None:
    text = junit.render(report_of(RUNS / "recorded"))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JUNIT_XSD.validate(text.replace(' hostname="localhost"', "", 1))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JUNIT_XSD.validate(
            text.replace("<failure ", "<failed ", 1).replace("</failure>", "</failed>", 1)
        )


def test_junit_keeps_xml_valid_whatever_a_cell_printed() -> None:
    run = Run.load(RunDir(path=RUNS / "recorded"))
    first = next(o for o in run.outcomes if o.error is not None)
    assert first.error is not None
    hostile = replace(
        first,
        error=replace(first.error, traceback="\x1b[31mred\x00 & <tags>\x07", message="a\x0cb"),
        stdout_tail="\x1b[0m",
    )
    report = Report.build(Run.of([hostile], run.info))
    text = junit.render(report)
    JUNIT_XSD.validate(text)
    failure = ET.fromstring(text).find("testsuite/testcase/failure")  # noqa: S314
    assert failure is not None
    assert failure.text == "\ufffd[31mred\ufffd & <tags>\ufffd"
    assert failure.get("message") == "a\ufffdb"


def _big_run(environments: int, backends: int, scenarios: int) -> Run:
    outcomes = []
    for e in range(environments):
        for python in ("3.9", "3.11", "3.13"):
            for b in range(backends):
                for s in range(scenarios):
                    failing = (e + b + s) % 3 == 0
                    outcomes.append(
                        Outcome(
                            run_id="big",
                            cell_id=f"py{python}/env-{e}/backend-{b}/scenario_{s}",
                            python=python,
                            environment=f"env-{e}",
                            backend=f"backend-{b}",
                            scenario=f"scenario_{s}",
                            status="error" if failing else "ok",
                            error=RaisedError(
                                type="ValueError",
                                message=f"backend {b} of environment {e} is not usable here",
                                raised_at=None,
                                scenario_line=None,
                                phase="call",
                                traceback="Traceback ...",
                            )
                            if failing
                            else None,
                            signature=f"ValueError: backend {b}" if failing else None,
                            claim_reproduced=False,
                            versions={"keras": f"3.{e}.0", "tensorflow": f"2.{e}.1"},
                        )
                    )
    return Run.of(outcomes, RunMeta(run_id="big"))


def test_the_step_summary_stays_small_for_a_big_run() -> None:
    big = _big_run(environments=300, backends=8, scenarios=10)
    assert len(big.outcomes) == 72000
    changed = [
        replace(o, status="ok", error=None, signature=None) if o.status == "error" else o
        for o in big.outcomes
    ]
    after = Run.of(changed, RunMeta(run_id="after"))
    text = summary.render(Report.build(after), diff_runs(big, after))
    assert len(text.encode()) < summary.BUDGET < 64 * 1024
    assert "… and" in text and "more environments" in text
    assert f"… and {24000 - summary.MAX_CHANGES} more: `harness diff big after`" in text


def test_the_summary_lists_changes_against_an_earlier_run() -> None:
    text = tables.render(
        RunDir(path=RUNS / "edited"),
        "summary",
        against=Run.load(RunDir(path=RUNS / "recorded")),
    )
    assert "### Changed cells against run `20261121T052821Z`" in text
    assert re.search(r"\d+ cells changed \(", text)
    assert "**reproduced in 1 of 5 cells**" in text


def test_the_svg_has_a_square_per_cell_coloured_as_its_legend_says() -> None:
    report = report_of(PUBLISHED)
    text = svg.render(report)
    root = ET.fromstring(text)  # noqa: S314 - our own output
    assert int(root.get("width", "0")) <= svg.WIDTH
    squares = root.findall("{http://www.w3.org/2000/svg}rect[@class='cell']")
    assert len(squares) == len(report.outcomes) == _published_cells()
    palette = svg.colours(report)
    by_id = {o.cell_id: o for o in report.outcomes}
    for square in squares:
        outcome = by_id[square.get("data-cell", "")]
        assert square.get("fill") == svg.colour_of(outcome, palette)
    swatches = {
        s.get("fill") for s in root.findall("{http://www.w3.org/2000/svg}rect[@class='swatch']")
    }
    assert {s.get("fill") for s in squares} <= swatches
    ok = [s for s in squares if by_id[s.get("data-cell", "")].status == "ok"]
    assert {s.get("fill") for s in ok} == {svg.OK}
    assert len(text.encode()) < 120 * 1024


def test_a_published_table_json_reads_back_as_its_run() -> None:
    run = Run.load(RunDir(path=RUNS / "recorded"))
    document = tables.render(RunDir(path=RUNS / "recorded"), "json")
    back = from_table_json(_write(document))
    assert diff_runs(run, back).changes == ()
    assert [o.cell_id for o in back.outcomes] == [o.cell_id for o in run.outcomes]
    assert [o.signature for o in back.outcomes] == [o.signature for o in run.outcomes]
    assert [o.claim_reproduced for o in back.outcomes] == [o.claim_reproduced for o in run.outcomes]
    # Its tables are the run's own, provenance included.
    assert tables.render(RunDir(path=RUNS / "recorded"), "md") == _md(back)


def _write(text: str) -> Path:
    import tempfile  # noqa: PLC0415

    path = Path(tempfile.mkdtemp()) / "table.json"
    path.write_text(text, encoding="utf-8")
    return path


def _md(run: Run) -> str:
    from harness.results import formats  # noqa: PLC0415

    return formats.render(Report.build(run), "md")


def _published_cells() -> int:
    """The published run's cell count, as its cells.jsonl records them."""
    return len((PUBLISHED / "cells.jsonl").read_text(encoding="utf-8").splitlines())


def test_the_published_directory_has_every_cell_of_its_table() -> None:
    run = tables.load(RunDir(path=PUBLISHED))
    document = json.loads((PUBLISHED / "table.json").read_text(encoding="utf-8"))
    assert len(run.outcomes) == len(document["cells"]) == _published_cells()
    assert diff_runs(run, run).exit_code == 0
