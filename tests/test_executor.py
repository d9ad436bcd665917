"""The executor seam: a second executor, in-process, plugged into the same pipeline; and what
the pipeline does when a run is interrupted. No engine runs a container here."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.api import RunResult
from harness.engine.commands import silent
from harness.errors import Interrupted
from harness.execute.executor import Batch
from harness.execute.pipeline import Options, run_matrix
from harness.execute.runner import outcome_of_job
from harness.execute.ui import Reporter
from harness.results.outcome import Outcome
from harness.results.rundir import RunDir

from .fakes import FakeEngine, driver_output
from .test_pipeline import MATRIX


class InProcessExecutor:
    """Runs no container: each cell's result is the driver's record of a clean exit."""

    def __init__(self, *, interrupt_after: int | None = None) -> None:
        self.batches: list[Batch] = []
        self.stopped = 0
        self.closed = 0
        self._interrupt_after = interrupt_after

    def run(self, batches: Iterable[Batch]) -> Iterator[Outcome]:
        done = 0
        for batch in batches:
            self.batches.append(batch)
            for job in batch.jobs:
                if done == self._interrupt_after:
                    raise KeyboardInterrupt  # as the signal handler raises it
                result = RunResult(
                    exit_code=0,
                    stdout=driver_output(),
                    stderr="",
                    oom_killed=False,
                    timed_out=False,
                    duration_s=0.0,
                )
                done += 1
                yield outcome_of_job(job, result)

    def stop(self) -> int:
        self.stopped += 1
        return 0

    def close(self) -> None:
        self.closed += 1


def run(tmp_path: Path, executor: InProcessExecutor, engine: FakeEngine | None = None) -> RunDir:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    engine = engine or FakeEngine(failing=frozenset({"tf-9.9"}))
    engine.images.setdefault("keras-matrix-base:bookworm", "sha256:base")
    return run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        Options(base="debian", template_dir=matrix.template_dir, ca_bundle=None),
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=io.StringIO(), force_terminal=False)),
        echo=silent,
        executor=executor,
    )


def test_a_second_executor_runs_the_cells_with_no_other_change(tmp_path: Path) -> None:
    engine = FakeEngine(failing=frozenset({"tf-9.9"}))
    executor = InProcessExecutor()
    first = run(tmp_path, executor, engine)
    assert engine.runs == []  # no container: the cells went to the executor
    assert [b.image.environment for b in executor.batches] == ["keras3-only"]
    assert all(job.cell.environment == "keras3-only" for job in executor.batches[0].jobs)
    by_status = {o.cell_id: o.status for o in first.outcomes()}
    assert sorted(by_status.values()) == ["build_failed"] * 4 + ["ok"] * 4
    # Its outcomes went through the same recorder: cached, so the next run runs nothing.
    again = InProcessExecutor()
    second = run(tmp_path, again, engine)
    assert [job for b in again.batches for job in b.jobs] == []
    assert {o.cached_from for o in second.outcomes() if o.status == "ok"} == {first.run_id}


def test_an_interrupt_stops_the_executor_and_keeps_finished_cells(tmp_path: Path) -> None:
    executor = InProcessExecutor(interrupt_after=2)
    with pytest.raises(Interrupted) as raised:
        run(tmp_path, executor)
    assert (executor.stopped, executor.closed) == (1, 1)
    run_dir = RunDir.open(tmp_path / "results", None)
    # The four build failures and the two cells that finished before the signal.
    assert len(list(run_dir.outcomes())) == 6
    assert str(raised.value).startswith("interrupted by SIGINT: 6 cells recorded this time")
    assert f"harness run --resume {run_dir.run_id}" in str(raised.value)
    meta = run_dir.read_meta()
    assert (meta.cells_recorded, meta.complete) == (6, False)
    assert (run_dir.path / "table.md").is_file()
