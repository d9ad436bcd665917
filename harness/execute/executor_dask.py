"""`DaskExecutor`: cells run on the workers of a `dask.distributed` cluster.

Each task is one image's cells (or a chunk of them, when one image holds more than its share
of the cells): the worker makes sure its own engine has the image, building it from the
recorded Dockerfile if not, then runs the cells one after the other in containers of that
engine and returns their outcomes. The client yields each task's outcomes as the task
completes, so cells.jsonl, the result cache and the progress bar work as with the local
executor. Dask schedules the tasks and retries those of a worker that is lost.

Nothing assumes the worker sees the client's files: each task carries the payload's bytes,
which the worker writes to a directory of its own before it runs the cells. Nor that the
worker's engine sees the worker's files (a worker in a container given the host's socket):
the engine checks, and copies the payload into volumes it owns where its binds would not
reach (engine.py, engine_payload.py).

Needs the `cluster` extra (`pip install 'keras-matrix-harness[cluster]'`).
"""

from __future__ import annotations

import math
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import Client, LocalCluster, as_completed

from harness.build.images import ImageRecord
from harness.engine.api import RUN_LABEL
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.errors import ConfigurationError
from harness.execute.executor import Batch
from harness.execute.runner import CellJob, build_failed, outcome_of_job
from harness.results.outcome import Outcome

if TYPE_CHECKING:
    from distributed import Future

# Payload files by path under their mount's source directory.
Files = Mapping[str, bytes]


@dataclass(frozen=True, kw_only=True)
class Task:
    """What a worker is sent: cells of one image, and the bytes of the directories they mount."""

    batch: Batch
    mounts: Mapping[str, Files]


def tasks_of(batches: Sequence[Batch], workers: int) -> list[Task]:
    """One task per image, a big image cut into chunks of at most its share of the cells."""
    total = sum(len(batch.jobs) for batch in batches)
    share = max(1, math.ceil(total / max(1, workers)))
    mounts = _mount_files([job for batch in batches for job in batch.jobs])
    tasks: list[Task] = []
    for batch in batches:
        for start in range(0, len(batch.jobs), share):
            chunk = Batch(image=batch.image, jobs=batch.jobs[start : start + share])
            needed = {m.source.as_posix() for job in chunk.jobs for m in job.spec.mounts}
            tasks.append(Task(batch=chunk, mounts={k: v for k, v in mounts.items() if k in needed}))
    return tasks


def _mount_files(jobs: Sequence[CellJob]) -> dict[str, Files]:
    """The files under every directory the cells mount, read once on the client."""
    found: dict[str, Files] = {}
    for job in jobs:
        for mount in job.spec.mounts:
            key = mount.source.as_posix()
            if key not in found and mount.source.is_dir():
                found[key] = {
                    path.relative_to(mount.source).as_posix(): path.read_bytes()
                    for path in sorted(mount.source.rglob("*"))
                    if path.is_file()
                }
    return found


# One engine per worker process, made on its first task.
_ENGINE: DockerEngine | None = None
_ENGINE_LOCK = threading.Lock()


def _worker_engine() -> DockerEngine:
    global _ENGINE  # noqa: PLW0603 - a worker process's one connection, shared by its tasks
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = DockerEngine.connect(silent)
        return _ENGINE


def run_task(task: Task) -> list[Outcome]:
    """On a worker: have the image, lay out the payload, run each cell; their outcomes."""
    engine = _worker_engine()
    image = task.batch.image
    with tempfile.TemporaryDirectory(prefix="harness-task-") as scratch:
        if engine.image_id(image.tag) is None:
            failure = _build(engine, task, Path(scratch) / "context")
            if failure is not None:
                return [build_failed(job.cell, failure, job.run_id) for job in task.batch.jobs]
        local = _lay_out(task.mounts, Path(scratch) / "mounts")
        outcomes = []
        for job in task.batch.jobs:
            mounts = tuple(
                replace(m, source=local.get(m.source.as_posix(), m.source)) for m in job.spec.mounts
            )
            spec = replace(job.spec, mounts=mounts)
            outcomes.append(outcome_of_job(job, engine.run(spec)))
        return outcomes


def _build(engine: DockerEngine, task: Task, context: Path) -> ImageRecord | None:
    """Build the task's image from its recorded Dockerfile; the failed record, or None."""
    image = task.batch.image
    if not image.dockerfile:
        return replace(image, status="failed", error=f"{image.tag}: not on this worker's engine")
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(image.dockerfile, encoding="utf-8")
    labels = {"keras-matrix-harness": "worker-build"}
    result = engine.build(context, image.tag, labels, lambda line: None, None)
    if result.ok:
        return None
    return replace(image, status="failed", error=result.error or "the build failed on a worker")


def _lay_out(mounts: Mapping[str, Files], root: Path) -> dict[str, Path]:
    """Each mounted directory's files under `root`; where each original source now is."""
    placed: dict[str, Path] = {}
    for number, (source, files) in enumerate(sorted(mounts.items())):
        directory = root / str(number)
        for relative, data in files.items():
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        directory.mkdir(parents=True, exist_ok=True)
        placed[source] = directory.resolve()
    return placed


def _stop_worker() -> int:
    """On a worker: kill and remove the containers its cells are running."""
    return _ENGINE.stop_running() if _ENGINE is not None else 0


def _sweep_runs(run_ids: frozenset[str]) -> int:
    """On a worker, once every task is done: remove any container of these runs still on its
    engine, such as one a lost worker was running when it died."""
    engine = _worker_engine()
    return engine.remove_cells(lambda container: container.labels.get(RUN_LABEL) in run_ids)


def _release_worker() -> None:
    """On a worker: remove its engine's copies of the payload, if it made any."""
    if _ENGINE is not None:
        _ENGINE.release()


class DaskExecutor:
    """Cells on a Dask cluster's workers, one task per image (or chunk of one)."""

    def __init__(
        self, client: Client, *, owns_cluster: bool, say: Callable[[str], None] = print
    ) -> None:
        self._client = client
        self._say = say
        self._owns_cluster = owns_cluster
        self._futures: list[Future[list[Outcome]]] = []
        self._run_ids: frozenset[str] = frozenset()

    @classmethod
    def connect(
        cls, scheduler: str | None, *, jobs: int, say: Callable[[str], None]
    ) -> DaskExecutor:
        """A client of the scheduler at `scheduler`, or of a local cluster of `jobs` workers."""
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
            )
            say(f"dask: a local cluster of {jobs} worker processes at {cluster.scheduler_address}")
            return cls(Client(cluster), owns_cluster=True, say=say)
        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise ConfigurationError(
                f"--scheduler {scheduler}: no scheduler answers ({exc})"
            ) from None
        say(f"dask: scheduler {scheduler}, {len(client.scheduler_info()['workers'])} workers")
        return cls(client, owns_cluster=False, say=say)

    def run(self, batches: Iterable[Batch]) -> Iterator[Outcome]:
        """Submit one task per image (or chunk), yielding outcomes as tasks complete."""
        # Tasks are balanced across workers by size: every batch first (every image built).
        batches = tuple(batches)
        workers = max(1, len(self._client.scheduler_info()["workers"]))
        tasks = tasks_of(batches, workers)
        self._run_ids = frozenset(job.run_id for batch in batches for job in batch.jobs)
        # pure=False: two runs of the same cells are two tasks, never one cached result.
        self._futures = [
            self._client.submit(run_task, task, pure=False, retries=2) for task in tasks
        ]
        for future in as_completed(self._futures):
            yield from future.result()
        if self._run_ids:
            swept = sum(self._client.run(_sweep_runs, self._run_ids).values())
            if swept:
                self._say(f"dask: removed {swept} containers left by lost workers")

    def stop(self) -> int:
        """Cancel the tasks not yet done and remove the containers running on every worker."""
        self._client.cancel(self._futures)
        stopped = self._client.run(_stop_worker)
        return sum(int(count) for count in stopped.values())

    def close(self) -> None:
        """Have every worker release its engine's copies of the payload."""
        self._client.run(_release_worker)

    def shutdown(self) -> None:
        """Close the client, and the local cluster if this executor started it."""
        cluster = self._client.cluster if self._owns_cluster else None
        self._client.close()
        if cluster is not None:
            cluster.close()
