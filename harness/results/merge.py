"""Several runs of one matrix (the shards of a plan, or reruns) as one run.

The merged run holds the union of the runs' cells, keyed by cell ID. A cell recorded twice
with the same outcome is kept once; with different outcomes, the conflict is reported and the
later attempt kept (the CI attempt number, then the run's start time, then the order the runs
were given in). Cells a run planned but did not record, and shards of the plan that no run
came from, are listed: a merge with any is partial.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import ConfigurationError, ResultsError
from harness.results.outcome import Outcome
from harness.results.rundir import CellWriter, RunDir
from harness.results.runmeta import RunMeta, now


@dataclass(frozen=True, kw_only=True)
class Conflict:
    """One cell recorded with different outcomes by two runs, and which one was kept."""

    cell_id: str
    kept: Outcome
    dropped: Outcome


@dataclass(frozen=True, kw_only=True)
class MergeReport:
    """What a merge found: how many cells, duplicates and conflicts, and what is missing."""

    run: RunDir
    cells: int
    duplicates: int
    conflicts: tuple[Conflict, ...]
    missing_cells: tuple[str, ...]
    missing_shards: tuple[str, ...]

    @property
    def partial(self) -> bool:
        """Whether some planned cell is in no run."""
        return bool(self.missing_cells or self.missing_shards)


def same_outcome(a: Outcome, b: Outcome) -> bool:
    """Whether two records of a cell say the same thing: status, reason, exception and message
    (durations, run IDs and container names differ between any two runs)."""
    return _verdict(a) == _verdict(b)


def _verdict(outcome: Outcome) -> tuple[object, ...]:
    error = outcome.error
    return (
        outcome.status,
        outcome.reason,
        error.type if error else None,
        error.shown if error else None,
        outcome.claim_reproduced,
    )


def describe(outcome: Outcome) -> str:
    """An outcome in a few words, for a conflict's report."""
    if outcome.error is not None:
        return f"{outcome.status} {outcome.error.short_type}: {outcome.error.shown[:80]}"
    return outcome.status + (f" ({outcome.reason[:80]})" if outcome.reason else "")


def _order_key(meta: RunMeta, position: int) -> tuple[int, str, int]:
    attempt = meta.provenance.get("attempt", "")
    return (int(attempt) if attempt.isdigit() else 0, meta.started, position)


def check_compatible(metas: Sequence[RunMeta], *, force: bool) -> None:
    """Refuse runs of different matrices or harness versions, unless forced."""
    first = metas[0]
    for meta in metas[1:]:
        for what, mine, theirs in (
            ("matrix", first.matrix_sha256, meta.matrix_sha256),
            ("harness version", first.harness_version, meta.harness_version),
        ):
            if mine != theirs and not force:
                raise ConfigurationError(
                    f"runs {first.run_id} and {meta.run_id} differ in {what} "
                    f"({mine[:16]} vs {theirs[:16]}); merge them anyway with --force"
                )


def merge_runs(runs: Sequence[RunDir], output: Path, *, force: bool = False) -> MergeReport:
    """Merge `runs` into a new run directory at `output` (which must not hold a run)."""
    if not runs:
        raise ConfigurationError("harness merge: name at least one run")
    if (output / "cells.jsonl").exists():
        raise ResultsError(f"{output}: already holds a run; choose another -o")
    metas = [run.read_meta() for run in runs]
    check_compatible(metas, force=force)
    order = sorted(range(len(runs)), key=lambda i: _order_key(metas[i], i))
    kept: dict[str, Outcome] = {}
    duplicates = 0
    conflicts: list[Conflict] = []
    for position in order:  # earliest first: a later record replaces an earlier one
        for outcome in runs[position].outcomes():
            earlier = kept.get(outcome.cell_id)
            if earlier is not None:
                if same_outcome(earlier, outcome):
                    duplicates += 1
                else:
                    conflicts.append(
                        Conflict(cell_id=outcome.cell_id, kept=outcome, dropped=earlier)
                    )
            kept[outcome.cell_id] = outcome
    planned = list(dict.fromkeys(c for meta in metas for c in (meta.cell_ids or ())))
    missing_cells = tuple(cell_id for cell_id in planned if cell_id not in kept)
    output.mkdir(parents=True, exist_ok=True)
    merged = RunDir(path=output.resolve())
    writer = CellWriter(merged.cells_path)
    try:
        in_plan_order = [kept[c] for c in planned if c in kept]
        in_plan_order += [o for c, o in kept.items() if c not in set(planned)]
        for outcome in in_plan_order:
            writer.write(outcome)  # as recorded: its run_id names the run that ran it
    finally:
        writer.close()
    merged.write_json("images.json", _merged_images(runs, order))
    _copy_freezes(runs, merged)
    missing_shards = _missing_shards(metas)
    complete = not missing_cells and not missing_shards
    merged.write_meta(_merged_meta(merged, metas, order, planned, len(kept), complete=complete))
    return MergeReport(
        run=merged,
        cells=len(kept),
        duplicates=duplicates,
        conflicts=tuple(conflicts),
        missing_cells=missing_cells,
        missing_shards=missing_shards,
    )


def _merged_images(runs: Sequence[RunDir], order: Sequence[int]) -> list[dict[str, Any]]:
    """One record per image; a usable record wins over a failed one, a later over an earlier."""
    images: dict[tuple[str, str], dict[str, Any]] = {}
    for position in order:
        records = runs[position].read_json("images.json")
        for record in records if isinstance(records, list) else ():
            if not isinstance(record, dict):
                continue
            key = (str(record.get("python")), str(record.get("environment")))
            earlier = images.get(key)
            usable = record.get("status") in ("reused", "built")
            if earlier is None or usable or earlier.get("status") not in ("reused", "built"):
                images[key] = record
    return list(images.values())


def _copy_freezes(runs: Sequence[RunDir], merged: RunDir) -> None:
    """Each image's pip freeze (environments/), from whichever run has it."""
    target = merged.path / "environments"
    for run in runs:
        source = run.path / "environments"
        if source.is_dir():
            target.mkdir(exist_ok=True)
            for path in sorted(source.iterdir()):
                if path.is_file() and not (target / path.name).exists():
                    shutil.copy2(path, target / path.name)


def _missing_shards(metas: Sequence[RunMeta]) -> tuple[str, ...]:
    """Shards of the runs' plan with cells that no run came from."""
    seen: set[str] = set()
    expected: set[str] = set()
    for meta in metas:
        shard = meta.provenance.get("shard")
        if not shard:
            continue
        seen.add(shard)
        total = shard.partition("/")[2]
        listed = meta.provenance.get("shards_with_cells", "")
        expected.update(f"{index}/{total}" for index in listed.split(",") if index)
    return tuple(sorted(expected - seen, key=lambda s: int(s.partition("/")[0])))


def _merged_meta(
    merged: RunDir,
    metas: Sequence[RunMeta],
    order: Sequence[int],
    planned: Sequence[str],
    recorded: int,
    *,
    complete: bool,
) -> RunMeta:
    """run.json of the merged run: the latest run's record, spanning every run's time, with
    every planned cell and the runs it came from."""
    latest = metas[order[-1]]
    axes = dict(latest.axes)
    scenarios = dict(latest.scenarios)
    for meta in metas:
        scenarios = {**meta.scenarios, **scenarios}
        for axis, values in meta.axes.items():
            axes[axis] = tuple(dict.fromkeys((*axes.get(axis, ()), *values)))
    finished = [m.finished for m in metas if m.finished]
    return replace(
        latest,
        run_id=merged.run_id,
        started=min(m.started for m in metas),
        finished=max(finished) if finished else now(),
        cells_planned=len(planned),
        cell_ids=tuple(planned),
        axes=axes,
        scenarios=scenarios,
        cells_recorded=recorded,
        complete=complete,
        provenance={
            "merged_from": ",".join(metas[i].run_id for i in order),
            "merged_by": f"harness {__version__}",
            "hosts": ",".join(sorted({m.provenance.get("host", "?") for m in metas})),
        },
    )
