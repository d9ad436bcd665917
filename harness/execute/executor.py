"""Where cells run: the `Executor` seam, and its first implementation, `LocalExecutor`.

An executor is handed the cells to run, grouped by image, each with its container spec
already built, and yields each cell's outcome as it finishes. The batches may arrive over time
(each as its image is ready, while others still build): an executor takes them as they come, or
waits for them all. Everything else (planning,
images, the result cache, cells.jsonl, progress) stays with the pipeline, so another place to
run cells (a CI shard, a cluster worker, a remote engine) is one more class with these three
methods.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from harness.build.images import ImageRecord
from harness.engine.api import ContainerRunner
from harness.execute.runner import CellJob, outcome_of_job
from harness.results.outcome import Outcome


@dataclass(frozen=True, kw_only=True)
class Batch:
    """The cells of one image: the unit an executor is handed."""

    image: ImageRecord
    jobs: tuple[CellJob, ...]


def batches_of(jobs: Iterable[CellJob]) -> tuple[Batch, ...]:
    """`jobs` grouped by image, images and cells in the order they first appear."""
    grouped: dict[tuple[str, str], list[CellJob]] = {}
    for job in jobs:
        grouped.setdefault(job.cell.image_key, []).append(job)
    return tuple(Batch(image=members[0].image, jobs=tuple(members)) for members in grouped.values())


@dataclass(frozen=True, kw_only=True)
class _Fed:
    """Every batch was taken (`count` cells handed to the pool), or taking them raised `error`."""

    count: int
    error: BaseException | None


class Executor(Protocol):
    """A place where cells run."""

    def run(self, batches: Iterable[Batch]) -> Iterator[Outcome]:
        """Run every cell of every batch, yielding each cell's outcome as it finishes."""

    def stop(self) -> int:
        """Stop the cells in flight (none starts after this); how many there were."""

    def close(self) -> None:
        """Release what the cells needed (a copy of the payload, say) once none is running."""


class LocalExecutor:
    """Cells in containers of one engine, `jobs` at a time on this process's threads (fewer
    while builds hold some of the slots they share)."""

    def __init__(
        self,
        runner: ContainerRunner,
        *,
        jobs: int,
        slot: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self._runner = runner
        self._jobs = jobs
        # A budget shared with the builds still running: each cell holds a slot while it runs.
        self._slot = slot
        self._feeder: threading.Thread | None = None

    def run(self, batches: Iterable[Batch]) -> Iterator[Outcome]:
        """Run every cell of every batch, yielding each cell's outcome as it finishes; a batch
        that arrives later starts its cells when it arrives, `jobs` cells at most in flight."""
        if self._jobs <= 1:
            # In this thread: Ctrl-C reaches the cell's wait directly.
            for batch in batches:
                for job in batch.jobs:
                    yield self._one(job)
            return
        pool = ThreadPoolExecutor(max_workers=self._jobs, thread_name_prefix="cell")
        finished: queue.SimpleQueue[Future[Outcome] | _Fed] = queue.SimpleQueue()

        def feed() -> None:
            # Waiting for the next batch (an image still building) must not hold back the
            # outcomes of cells already running, so the batches are taken in a thread.
            submitted = 0
            error: BaseException | None = None
            try:
                for batch in batches:
                    for job in batch.jobs:
                        pool.submit(self._one, job).add_done_callback(finished.put)
                        submitted += 1
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                error = exc
            finally:
                finished.put(_Fed(count=submitted, error=error))

        self._feeder = threading.Thread(target=feed, name="cell-feed", daemon=True)
        self._feeder.start()
        try:
            yielded = 0
            fed: _Fed | None = None
            while fed is None or yielded < fed.count:
                item = finished.get()
                if isinstance(item, _Fed):
                    fed = item
                    if fed.error is not None:
                        raise fed.error
                    continue
                yielded += 1
                yield item.result()
        finally:
            # On an interrupt, do not wait for cells in flight: stop() removes their containers.
            pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> int:
        """Kill and remove the containers in flight; no container starts after this."""
        return self._runner.stop_running()

    def close(self) -> None:
        """Remove the engine's copies of the payload, if it made any, once the batches are no
        longer being taken (after a stop, the rest of them end at once)."""
        if self._feeder is not None:
            self._feeder.join()
        self._runner.release()

    def _one(self, job: CellJob) -> Outcome:
        with self._slot() if self._slot else contextlib.nullcontext():
            return outcome_of_job(job, self._runner.run(job.spec))
