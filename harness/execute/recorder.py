"""Where each finished cell goes: cells.jsonl, the result cache and the progress bar."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from harness.execute.cache import ResultCache
from harness.execute.interrupts import StopRequest
from harness.execute.runner import CellJob
from harness.execute.ui import CellProgress
from harness.results.outcome import Outcome
from harness.results.rundir import CellWriter


class Recorder:
    """Records a run's outcomes as they arrive, and counts them.

    Fresh outcomes are stored in the result cache under their cell's key and advance the
    progress bar; outcomes taken from the cache are only written. Once a stop is requested,
    nothing more is recorded: a cell that finishes then was cut short by the stop, so it is
    in flight and `--resume` runs it again. Outcomes may come from several threads (the
    cells of one image while the next image is being taken in).
    """

    def __init__(
        self,
        *,
        writer: CellWriter,
        cache: ResultCache,
        stop: StopRequest,
        progress: CellProgress | None = None,
    ) -> None:
        self._writer = writer
        self._cache = cache
        self._stop = stop
        self._keys: dict[str, str] = {}
        self._progress = progress
        self._lock = threading.Lock()
        self.count = 0

    def reused(self, outcome: Outcome) -> None:
        """Record an outcome taken from the result cache."""
        with self._lock:
            self._writer.write(outcome)
            self.count += 1

    def expect(self, jobs: Iterable[CellJob]) -> None:
        """Announce cells about to run: their cache keys."""
        with self._lock:
            self._keys.update((job.cell.id, job.key) for job in jobs if job.key is not None)

    def fresh(self, outcome: Outcome) -> None:
        """Record an outcome just produced (a cell run, or one whose build failed)."""
        with self._lock:
            if self._stop.requested:
                return
            key = self._keys.get(outcome.cell_id)
            if key is not None:
                self._cache.put(key, outcome)
            self._writer.write(outcome)
            self.count += 1
            if self._progress is not None:
                self._progress.advance(outcome)

    def close(self) -> None:
        """Close the progress bar and cells.jsonl."""
        with self._lock:
            if self._progress is not None:
                self._progress.close()
            self._writer.close()
