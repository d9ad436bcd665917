"""Each image of a run, taken in as it is ready: recorded, and its cells turned into work.

For every record the builds hand over: the image's pip freeze is exported and images.json
rewritten (so an interrupted run's table names the images it had), the cells of that image
become jobs, those the result cache holds are written at once, those whose build pip refused
are recorded as `build_failed`, and the rest go on as one batch to the executor.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from harness.build import freezes
from harness.build.images import ImageRecord
from harness.config.cells import Cell
from harness.config.matrix import Matrix
from harness.config.sandbox import Sandbox
from harness.engine.api import Engine
from harness.execute.cache import ResultCache
from harness.execute.executor import Batch, batches_of
from harness.execute.recorder import Recorder
from harness.execute.runner import CellJob, Payload, prepare_jobs
from harness.execute.ui import CellProgress, Reporter
from harness.results.outcome import Outcome
from harness.results.rundir import RunDir


@dataclass(kw_only=True)
class Intake:
    """What a run does with each image as it arrives; `images` holds those taken in so far."""

    engine: Engine
    run: RunDir
    matrix: Matrix
    cells: Sequence[Cell]
    payload: Payload
    sandbox: Sandbox
    owner: str | None
    cache: ResultCache
    use_cache: bool
    recorder: Recorder
    progress: CellProgress
    reporter: Reporter
    images: dict[tuple[str, str], ImageRecord] = field(default_factory=dict)
    cached: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def batches(self, arrivals: Iterable[Sequence[ImageRecord]]) -> Iterator[Batch]:
        """The cells to run of each image, one batch per image, as each arrives.

        Every image that has arrived is taken in before its batch is handed on: the cells of
        refused or cached images are recorded at once, not when the executor next asks.
        """
        for records in arrivals:
            batches = [batch for record in records for batch in self.take(record)]
            yield from batches
        if self.cached:
            self.reporter.note(
                f"{self.cached} cells unchanged since earlier runs: taken from the result cache"
            )

    def take(self, record: ImageRecord) -> tuple[Batch, ...]:
        """Record one image, and its cells: cached and refused ones written, the rest batched."""
        key = (record.python, record.environment)
        exported = freezes.export(
            self.engine,
            {key: record},
            run_path=self.run.path,
            cache_dir=self.run.path.parent / ".cache" / "freezes",
            note=self.reporter.note,
        )
        self._write_images(exported[key])
        mine = [cell for cell in self.cells if cell.image_key == key]
        jobs, refused = prepare_jobs(
            self.matrix,
            mine,
            exported,
            payload=self.payload,
            run_id=self.run.run_id,
            sandbox=self.sandbox,
            owner=self.owner,
        )
        cached, to_run = take_cached(self.cache, jobs, self.run.run_id, use_cache=self.use_cache)
        for outcome in cached:
            self.recorder.reused(outcome)
        self.cached += len(cached)
        # The bar counted every cell: those cached, or whose index was unreachable, run nowhere.
        self.progress.fewer(len(mine) - len(refused) - len(to_run))
        self.recorder.expect(to_run)
        for outcome in refused:
            self.recorder.fresh(outcome)
        return batches_of(to_run)

    def _write_images(self, record: ImageRecord) -> None:
        """images.json: the images taken in so far, in the order the cells first use them."""
        with self._lock:
            self.images[(record.python, record.environment)] = record
            order = list(dict.fromkeys(cell.image_key for cell in self.cells))
            found = [self.images[key] for key in order if key in self.images]
            self.run.write_json("images.json", [asdict(found_record) for found_record in found])


def take_cached(
    cache: ResultCache, jobs: Sequence[CellJob], run_id: str, *, use_cache: bool
) -> tuple[list[Outcome], list[CellJob]]:
    """Outcomes the cache holds for unchanged cells, and the jobs left to run.

    With `use_cache` off nothing is read, but fresh outcomes are still stored for the next run.
    """
    cached: list[Outcome] = []
    to_run: list[CellJob] = []
    for job in jobs:
        found = cache.get(job.key, run_id) if use_cache and job.key is not None else None
        if found is None:
            to_run.append(job)
        else:
            cached.append(found)
    return cached, to_run
