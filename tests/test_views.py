"""What the tables show: grids, summaries, claims, signatures, version boundaries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pytest

from harness.errors import ConfigurationError
from harness.results.outcome import Frame, Outcome, RaisedError, signature_of
from harness.results.records import Run
from harness.results.rundir import RunDir
from harness.results.signatures import boundaries, raised_at
from harness.results.views import Report

RUNS = Path(__file__).resolve().parent / "data" / "runs"


def recorded(name: str = "recorded") -> Run:
    return Run.load(RunDir(path=RUNS / name))


def cell(
    environment: str,
    *,
    error: str | None = None,
    versions: Mapping[str, str | None] | None = None,
    python: str = "3.11",
    backend: str = "unset",
    scenario: str = "s",
    phase: Literal["import", "call"] = "call",
) -> Outcome:
    raised = None
    if error is not None:
        raised = RaisedError(
            type="ValueError",
            message=error,
            raised_at=None,
            scenario_line=None,
            phase=phase,
            traceback="",
        )
    return Outcome(
        run_id="r",
        cell_id=f"py{python}/{environment}/{backend}/{scenario}",
        python=python,
        environment=environment,
        backend=backend,
        scenario=scenario,
        status="error" if error else "ok",
        error=raised,
        signature=signature_of("ValueError", error) if error else None,
        claim_reproduced=False,
        versions=dict(versions or {"python": f"{python}.2"}),
    )


def test_default_grid_is_environments_by_backends_one_table_per_scenario() -> None:
    grid = Report.build(recorded()).grid
    assert (grid.rows, grid.cols, grid.sections) == (
        ("environment", "python"),
        ("backend",),
        ("scenario",),
    )
    assert [b.key for b in grid.blocks] == [
        ("missing_tensorflow",),
        ("version_mismatch",),
        ("history_before_fit",),
        ("history_interrupted_fit",),
    ]
    block = grid.blocks[0]
    assert block.rows == (
        ("keras3-only", "3.11"),
        ("tf-2.15", "3.11"),
        ("tf-2.15_then_keras-3", "3.11"),
        ("no-such-wheel", "3.11"),
    )
    assert block.cols == (("unset",), ("invalid",))
    assert all(len(block.at(r, c)) == 1 for r in block.rows for c in block.cols)


def test_cells_are_put_in_matrix_order_whatever_order_they_finished_in() -> None:
    run = recorded("quick")
    assert run.outcomes[3].cell_id == "py3.11/keras3-only/jax/missing_tensorflow"
    assert run.axes["backend"] == ("unset", "jax", "invalid", "stale-json")


def test_a_package_can_be_an_axis_and_stands_for_the_environment() -> None:
    grid = Report.build(recorded(), rows=["keras"], cols=["backend"]).grid
    assert grid.sections == ("python", "scenario")
    assert grid.blocks[0].rows == (("2.15.0",), ("3.12.0",), ("?",))  # "?": the build failed
    together = grid.blocks[0].at(("3.12.0",), ("unset",))
    assert [o.environment for o in together] == ["keras3-only", "tf-2.15_then_keras-3"]


def test_the_same_axis_cannot_be_rows_and_columns() -> None:
    with pytest.raises(ConfigurationError, match="share 'backend'"):
        Report.build(recorded(), rows=["backend"], cols=["backend"])


def test_cols_default_to_an_axis_the_rows_leave() -> None:
    grid = Report.build(recorded(), rows=["backend", "environment"]).grid
    assert grid.cols == ("scenario",)
    assert grid.sections == ("python",)


def test_summary_per_environment_separates_import_from_call_failures() -> None:
    found = {e.environment: e for e in Report.build(recorded()).environments}
    assert dict(found["keras3-only"].counts) == {"works": 0, "import": 8, "call": 0, "no_result": 0}
    assert found["keras3-only"].verdict == "fails at import"
    assert dict(found["tf-2.15"].counts) == {"works": 4, "import": 0, "call": 1, "no_result": 3}
    assert found["tf-2.15"].verdict == "mixed"
    assert found["tf-2.15"].versions["keras"] == "2.15.0"
    assert found["keras3-only"].versions["tensorflow-cpu"] == "not installed"
    assert found["no-such-wheel"].verdict == "does not install"
    assert found["no-such-wheel"].versions["keras"] == "?"


def test_claims_are_judged_on_cells_that_ran() -> None:
    claims = {c.scenario: c for c in Report.build(recorded()).claims}
    before_fit = claims["history_before_fit"]
    assert (before_fit.verdict, before_fit.ran, before_fit.no_result) == ("not reproduced", 5, 3)
    assert dict(before_fit.instead)["AttributeError E4"] == 1
    edited = {c.scenario: c for c in Report.build(recorded("edited")).claims}["history_before_fit"]
    assert edited.verdict == "reproduced"
    assert [o.cell_id for o in edited.reproduced] == ["py3.11/tf-2.15/invalid/history_before_fit"]
    assert edited.text == "reproduced in 1 of 5 cells"


def test_signatures_are_labelled_in_order_with_every_cell() -> None:
    report = Report.build(recorded())
    assert [s.label for s in report.signatures] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    first = report.signatures[0]
    assert (first.kind, first.message) == ("ModuleNotFoundError", "No module named 'tensorflow'")
    assert first.phases == ("import",)
    assert len(first.cells) == 6
    assert sum(len(s.cells) for s in report.signatures) == sum(
        o.status != "ok" for o in report.outcomes
    )
    assert first.boundary is not None
    assert first.boundary.text == "only where tensorflow-cpu is not installed"


def test_boundary_where_an_error_appears_from_a_version_on() -> None:
    outcomes = [
        cell("k2", versions={"keras": "2.15.0"}),
        cell("k30", error="boom", versions={"keras": "3.0.0"}),
        cell("k312", error="boom", versions={"keras": "3.12.0"}),
    ]
    (found,) = boundaries(outcomes[1].signature or "", outcomes)
    assert found.text == "appears from keras 3.0.0 (not with 2.15.0)"


def test_boundary_where_an_error_stops_at_a_version() -> None:
    outcomes = [
        cell("old", error="boom", versions={"tensorflow": "2.12.1"}),
        cell("new", versions={"tensorflow": "2.16.2"}),
        cell("none", versions={"tensorflow": None}),  # not installed: no version to compare
    ]
    (found,) = boundaries(outcomes[0].signature or "", outcomes)
    assert (found.kind, found.version, found.other) == ("until", "2.12.1", "2.16.2")


def test_boundary_on_the_python_axis() -> None:
    outcomes = [
        cell("e", python="3.9"),
        cell("e", python="3.11", error="boom"),
        cell("e", python="3.13", error="boom"),
    ]
    (found,) = boundaries(outcomes[1].signature or "", outcomes)
    assert found.text == "appears from python 3.11 (not with 3.9)"


def test_no_boundary_when_versions_interleave_or_other_slices_differ() -> None:
    outcomes = [
        cell("a", error="boom", versions={"keras": "3.0.0"}),
        cell("b", versions={"keras": "3.5.0"}),
        cell("c", error="boom", versions={"keras": "3.12.0"}),
        cell("d", versions={"keras": "2.0.0"}, scenario="other"),  # another scenario: not compared
    ]
    assert boundaries(outcomes[0].signature or "", outcomes) == ()


def test_raised_at_falls_back_to_the_scenario_line() -> None:
    line = Frame(
        file="/keras-matrix/scenarios/s.py", line=26, function="<module>", code="x.history"
    )
    error = RaisedError(
        type="AttributeError",
        message="m",
        raised_at=None,
        scenario_line=line,
        phase="call",
        traceback="",
    )
    outcome = Outcome(
        run_id="r",
        cell_id="c",
        python="3.11",
        environment="e",
        backend="b",
        scenario="s",
        status="error",
        error=error,
    )
    assert raised_at(outcome) == "/keras-matrix/scenarios/s.py:26 in <module>"
    library = Frame(
        file="/opt/venv/lib/python3.11/site-packages/keras/src/x.py", line=3, function="f"
    )
    outcome = Outcome(
        run_id="r",
        cell_id="c",
        python="3.11",
        environment="e",
        backend="b",
        scenario="s",
        status="error",
        error=RaisedError(
            type="T", message="m", raised_at=library, scenario_line=line, phase="call", traceback=""
        ),
    )
    assert raised_at(outcome) == "keras/src/x.py:3 in f"


def test_a_run_without_image_records_still_has_provenance() -> None:
    run = recorded("quick")
    assert run.provenance.images == ()
    assert run.provenance.engine_version == "20.10.24+dfsg1"
    assert run.provenance.matrix_sha256.startswith("ba7c43177900")
