"""Building a matrix's images and running single cells against the real engine, for tests that
check a claim where it takes effect (tests/test_evidence_*.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.build.images import ImageRecord
from harness.config.cells import Cell, expand
from harness.config.matrix import Matrix
from harness.config.sandbox import Sandbox
from harness.engine.api import Engine, RunSpec
from harness.engine.commands import silent
from harness.execute.pipeline import Options, build_all, default_ca_bundle
from harness.execute.runner import Payload, outcome_of, run_spec
from harness.execute.ui import Reporter
from harness.results.outcome import Outcome


def build(engine: Engine, matrix: Matrix, workdir: Path) -> dict[tuple[str, str], ImageRecord]:
    """Every image the matrix's cells need, built (or reused) as `harness build` would."""
    options = Options(
        base=matrix.base,
        template_dir=matrix.template_dir,
        ca_bundle=default_ca_bundle(),
        sandbox=matrix.sandbox,
    )
    return build_all(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        workdir=workdir,
        reporter=Reporter(verbose=False),
        echo=silent,
    )


@dataclass(frozen=True, kw_only=True)
class CellRun:
    spec: RunSpec
    outcome: Outcome
    stdout: str  # the container's own output, the driver's record included


def run_cell(
    engine: Engine,
    matrix: Matrix,
    cell: Cell,
    image: ImageRecord,
    payload: Payload,
    *,
    sandbox: Sandbox | None = None,
    run_id: str = "evidence",
) -> CellRun:
    """One cell through the runner's own path: its RunSpec, the engine, its outcome."""
    assert image.usable, (image.status, image.error)
    spec = run_spec(matrix, cell, image.tag, payload, run_id, sandbox=sandbox or matrix.sandbox)
    result = engine.run(spec)
    outcome = outcome_of(
        cell=cell,
        scenario=matrix.scenarios[cell.scenario],
        image=image,
        spec=spec,
        result=result,
        run_id=run_id,
    )
    return CellRun(spec=spec, outcome=outcome, stdout=result.stdout)


def harness(*args: str, cwd: Path, timeout: float = 3000) -> subprocess.CompletedProcess[str]:
    """The `harness` command line, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=timeout,
    )


def cells_of(run: Path) -> dict[str, dict[str, Any]]:
    """A run's cells.jsonl, by cell id."""
    lines = (run / "cells.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["cell_id"]: record for record in map(json.loads, lines)}


def error_text(cell: dict[str, Any]) -> str:
    error = cell.get("error")
    assert error is not None, (cell["status"], cell.get("reason"), cell.get("stderr_tail"))
    return f"{error['type']}: {error['message']}"
