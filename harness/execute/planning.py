"""What one invocation runs, decided before anything is built: a run directory and its cells.

A new run plans the cells chosen from its matrix; a resumed run plans the cells its run.json
lists, minus those already in cells.jsonl. Both are narrowed by `--only` the same way, and both
are then executed by the same call (`pipeline.execute`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.config.cells import AXES, Cell, expand, select
from harness.config.matrix import Matrix, load_matrix
from harness.config.sandbox import Sandbox
from harness.engine.api import EngineInfo
from harness.errors import ConfigurationError, ResultsError
from harness.results.rundir import RunDir, new_run_id
from harness.results.runmeta import RunMeta

Filters = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    """A run, every cell it plans, and the cells this invocation runs in it."""

    run: RunDir
    matrix: Matrix
    planned: tuple[Cell, ...]
    cells: tuple[Cell, ...]
    # The sandbox the run was started with (a resumed run keeps it).
    sandbox: Sandbox
    # How many of the planned cells cells.jsonl held when the plan was made.
    recorded: int = 0


def only_filters(matrix: Matrix, only: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--only AXIS=V[,V]` options as filters, each value checked against `matrix`."""
    filters: dict[str, tuple[str, ...]] = {}
    for item in only:
        axis, sep, values = item.partition("=")
        if not sep or axis not in AXES:
            hint = _did_you_mean(axis, AXES) if sep else ""
            raise ConfigurationError(
                f"--only {item!r}: write AXIS=VALUE[,VALUE] with AXIS one of {', '.join(AXES)}"
                + hint
            )
        wanted = tuple(v for v in values.split(",") if v)
        known = matrix.axis_values(axis)
        unknown = [v for v in wanted if v not in known]
        if unknown:
            raise ConfigurationError(
                f"--only {item!r}: unknown {axis} {unknown[0]!r} in {matrix.path}"
                + _did_you_mean(unknown[0], known)
            )
        filters[axis] = wanted
    return filters


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def chosen_cells(matrix: Matrix, only: Sequence[str]) -> tuple[Cell, ...]:
    """The cells of `matrix` that `--only` keeps (all of them without it)."""
    cells = select(expand(matrix).cells, only_filters(matrix, only))
    if not cells:
        raise ConfigurationError(f"--only {' '.join(only)}: no cell of {matrix.path} is left")
    return cells


def remaining(
    planned: Sequence[Cell], recorded: Iterable[str], filters: Filters | None = None
) -> tuple[Cell, ...]:
    """The planned cells not yet recorded (by cell ID) that `filters` keep, in planned order."""
    done = set(recorded)
    return select((cell for cell in planned if cell.id not in done), dict(filters or {}))


def start_run(
    matrix: Matrix,
    cells: Sequence[Cell],
    *,
    sandbox: Sandbox,
    engine: EngineInfo,
    results_root: Path,
    pinned_from: Path | None = None,
    provenance: Mapping[str, str] | None = None,
) -> RunPlan:
    """A new run directory for `cells`, its run.json written and marked latest."""
    run = RunDir.create(results_root, new_run_id())
    meta = RunMeta.start(
        run.run_id,
        matrix,
        cells,
        sandbox=sandbox,
        engine=engine,
        pinned_from=pinned_from,
        provenance=provenance,
    )
    run.write_meta(meta)
    run.mark_latest()  # now, so that `--resume` finds a run killed before it ends
    return RunPlan(
        run=run, matrix=matrix, planned=tuple(cells), cells=tuple(cells), sandbox=sandbox
    )


def resume_run(
    run: RunDir, *, only: Sequence[str] = (), matrix_file: Path | None = None
) -> RunPlan:
    """The cells `run` planned and has not recorded, narrowed by `--only`.

    `matrix_file`, if given, must be the run's own matrix: a resumed run keeps its matrix.
    """
    meta = run.read_meta()
    matrix_path, planned_ids = meta.matrix, meta.cell_ids
    if matrix_path is None or planned_ids is None:
        raise ResultsError(
            f"{run.path / 'run.json'}: records no matrix or cell list; this run cannot be resumed"
        )
    if matrix_file is not None and matrix_file.resolve() != Path(matrix_path):
        raise ConfigurationError(
            f"MATRIX {matrix_file}: run {run.run_id} runs {matrix_path}; "
            "omit MATRIX to resume it, or start a new run"
        )
    matrix = load_matrix(Path(matrix_path))
    if matrix.sha256 != meta.matrix_sha256:
        raise ResultsError(
            f"{matrix_path} changed since run {run.run_id} started; start a new run instead"
        )
    by_id = {cell.id: cell for cell in expand(matrix).cells}
    missing = [cell_id for cell_id in planned_ids if cell_id not in by_id]
    if missing:
        raise ResultsError(f"run {run.run_id}: cell {missing[0]} is no longer in {matrix_path}")
    planned = tuple(by_id[cell_id] for cell_id in planned_ids)
    filters = only_filters(matrix, only)
    if only and not select(planned, filters):
        raise ConfigurationError(
            f"--only {' '.join(only)}: none of the {len(planned)} cells of run {run.run_id} is left"
        )
    done = finished_ids(run)
    return RunPlan(
        run=run,
        matrix=matrix,
        planned=planned,
        cells=remaining(planned, done, filters),
        sandbox=meta.sandbox or Sandbox(),
        recorded=sum(cell.id in done for cell in planned),
    )


def finished_ids(run: RunDir) -> set[str]:
    """IDs of the cells `run` has recorded."""
    return {outcome.cell_id for outcome in run.outcomes()}
