"""Planning, with no engine: what a resumed run has left, --only on resume, and refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from harness.config.cells import Cell, expand
from harness.config.matrix import Matrix, load_matrix
from harness.engine.api import EngineInfo
from harness.engine.commands import silent
from harness.errors import ConfigurationError, ResultsError
from harness.execute.pipeline import Options, execute
from harness.execute.planning import RunPlan, remaining, resume_run, start_run
from harness.execute.ui import Reporter
from harness.results.rundir import CellWriter

from .builders import harness, outcome
from .conftest import ROOT
from .fakes import FakeEngine

MATRIX = f"""\
python: ["3.11"]
base: debian
scenario_dir: "{ROOT / "scenarios"}"
template_dir: "{ROOT / "dockerfiles"}"
environments:
  keras3-only: {{steps: [keras==3.12.0]}}
backends:
  unset: {{}}
  invalid: {{env: {{KERAS_BACKEND: invalid_backend}}}}
scenarios: [missing_tensorflow, invalid_backend]
"""
ENGINE = EngineInfo(version="fake-1.0", storage_driver="overlay2")


def load(tmp_path: Path) -> Matrix:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    return load_matrix(path)


def stopped_run(
    tmp_path: Path, recorded: int, *, backends: tuple[str, ...] = ("unset", "invalid")
) -> tuple[RunPlan, list[Cell]]:
    """A run of the matrix's cells under `backends`, stopped after its first `recorded` cells."""
    tmp_path.mkdir(exist_ok=True)
    matrix = load(tmp_path)
    cells = [c for c in expand(matrix).cells if c.backend in backends]
    plan = start_run(
        matrix, cells, sandbox=matrix.sandbox, engine=ENGINE, results_root=tmp_path / "results"
    )
    writer = CellWriter(plan.run.cells_path)
    for cell in cells[:recorded]:
        writer.write(
            outcome(
                python=cell.python,
                environment=cell.environment,
                backend=cell.backend,
                scenario=cell.scenario,
            )
        )
    writer.close()
    return plan, cells


def test_remaining_subtracts_recorded_cells_and_keeps_the_planned_order() -> None:
    cells = [
        Cell(python="3.11", environment="e", backend=b, scenario=s)
        for b in ("x", "y")
        for s in ("s1", "s2")
    ]
    assert remaining(cells, [cells[1].id]) == (cells[0], cells[2], cells[3])
    assert remaining(cells, [cells[1].id], {"scenario": ("s2",)}) == (cells[3],)
    assert remaining(cells, [c.id for c in cells]) == ()


def test_a_new_run_plans_every_chosen_cell(tmp_path: Path) -> None:
    plan, cells = stopped_run(tmp_path, 0)
    assert plan.cells == plan.planned == tuple(cells) and plan.recorded == 0
    assert plan.run.read_meta().cell_ids == tuple(c.id for c in cells)


def test_resume_plans_the_cells_not_yet_recorded(tmp_path: Path) -> None:
    plan, cells = stopped_run(tmp_path, 1)
    resumed = resume_run(plan.run)
    assert resumed.planned == tuple(cells)
    assert resumed.cells == tuple(cells[1:])
    assert resumed.recorded == 1
    assert resumed.sandbox == plan.sandbox


def test_resume_with_only_narrows_the_cells_it_runs(tmp_path: Path) -> None:
    plan, cells = stopped_run(tmp_path, 1)
    resumed = resume_run(plan.run, only=("backend=invalid",))
    assert resumed.cells == tuple(c for c in cells[1:] if c.backend == "invalid")
    assert len(resumed.cells) == 2
    # Only the narrowed cells reach the engine; the run stays incomplete for a later resume.
    engine = FakeEngine()
    engine.images.setdefault("keras-matrix-base:bookworm", "sha256:base")
    options = Options(base="debian", template_dir=resumed.matrix.template_dir, ca_bundle=None)
    reporter = Reporter(Console(file=io.StringIO(), force_terminal=False))
    run = execute(engine, resumed, options, reporter=reporter, echo=silent)
    assert sorted(s.cell_id or "" for s in engine.runs) == sorted(c.id for c in resumed.cells)
    assert len(list(run.outcomes())) == 3
    assert run.read_meta().complete is False
    rest = resume_run(run)
    assert [c.backend for c in rest.cells] == ["unset"] and rest.recorded == 3


def test_resume_refuses_an_only_that_matches_none_of_the_runs_cells(tmp_path: Path) -> None:
    plan, _ = stopped_run(tmp_path, 1)
    with pytest.raises(ConfigurationError, match="unknown backend 'stale'"):
        resume_run(plan.run, only=("backend=stale",))
    # A run started with `--only backend=unset` has no cell that `--only backend=invalid` keeps.
    unset_only, _ = stopped_run(tmp_path / "unset-only", 1, backends=("unset",))
    with pytest.raises(ConfigurationError) as refused:
        resume_run(unset_only.run, only=("backend=invalid",))
    assert str(refused.value) == (
        f"--only backend=invalid: none of the 2 cells of run {unset_only.run.run_id} is left"
    )


def test_resume_refuses_another_matrix_and_a_changed_one(tmp_path: Path) -> None:
    plan, _ = stopped_run(tmp_path, 1)
    other = tmp_path / "other.yaml"
    other.write_text(MATRIX, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=f"MATRIX {other}: run {plan.run.run_id} runs "):
        resume_run(plan.run, matrix_file=other)
    assert resume_run(plan.run, matrix_file=tmp_path / "matrix.yaml").cells  # its own: fine
    (tmp_path / "matrix.yaml").write_text(MATRIX + "timeout: 5\n", encoding="utf-8")
    with pytest.raises(ResultsError, match="changed since run"):
        resume_run(plan.run)


def test_the_cli_refuses_to_resume_with_another_matrix_in_one_line(tmp_path: Path) -> None:
    plan, _ = stopped_run(tmp_path, 1)
    other = tmp_path / "other.yaml"
    other.write_text(MATRIX, encoding="utf-8")
    done = harness(
        "run", str(other), "--resume", "--results", str(tmp_path / "results"), timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"error: MATRIX {other}: run {plan.run.run_id} runs {tmp_path / 'matrix.yaml'}; "
        "omit MATRIX to resume it, or start a new run"
    ]
    done = harness(
        "run",
        "--resume",
        "--results",
        str(tmp_path / "results"),
        "--only",
        "backend=stale",
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"error: --only 'backend=stale': unknown backend 'stale' in {tmp_path / 'matrix.yaml'}"
    ]
