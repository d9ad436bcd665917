"""One budget of `jobs` slots for a run's builds and cells, builds served first.

Each build and each cell holds one slot while it runs, so a run never has more than `jobs`
installs and cells at once (what the default `jobs` sizes memory for). Two rules order them:

- A freed slot goes to a waiting build before a waiting cell. A cell can only run once its
  environment is ready, so a build left waiting behind cells ends late and its own cells
  then run alone at the end of the run, on one core of two.
- At most `jobs - 1` builds hold slots at once (one when `jobs` is 1 or 2). Two installs side
  by side are each much slower than one beside cells (docs/performance.md, "Cells while others
  build"), and one slot kept for cells lets the environments already ready go on.

A build beyond that limit waits even when a slot is free and no cell wants it; the builds of
a run are then one after another, each beside cells.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Use:
    """How the slots are used at one moment."""

    held: int  # slots held, by builds and cells
    builds: int  # of them, by builds
    builds_waiting: int
    cells_waiting: int


class Slots:
    """`jobs` slots for builds and cells (see the module's docstring)."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self._jobs = jobs
        self._most_builds = max(1, jobs - 1)
        self._held = 0
        self._builds = 0
        self._builds_waiting = 0
        self._cells_waiting = 0
        self._changed = threading.Condition()

    def use(self) -> Use:
        """How the slots are used now."""
        with self._changed:
            return Use(self._held, self._builds, self._builds_waiting, self._cells_waiting)

    @contextmanager
    def build(self) -> Iterator[None]:
        """Hold a slot for one build while the block runs."""
        with self._changed:
            self._builds_waiting += 1
            try:
                self._changed.wait_for(self._build_may_start)
            finally:
                self._builds_waiting -= 1
                # A cell held back for this build may start once it no longer waits (it took
                # its slot, or it stopped waiting); nothing else would wake that cell until
                # some slot is freed, which may be the end of this build.
                self._changed.notify_all()
            self._held += 1
            self._builds += 1
        try:
            yield
        finally:
            with self._changed:
                self._held -= 1
                self._builds -= 1
                self._changed.notify_all()

    @contextmanager
    def cell(self) -> Iterator[None]:
        """Hold a slot for one cell while the block runs."""
        with self._changed:
            self._cells_waiting += 1
            try:
                self._changed.wait_for(self._cell_may_start)
            finally:
                self._cells_waiting -= 1
            self._held += 1
        try:
            yield
        finally:
            with self._changed:
                self._held -= 1
                self._changed.notify_all()

    def _build_may_start(self) -> bool:
        return self._held < self._jobs and self._builds < self._most_builds

    def _cell_may_start(self) -> bool:
        # A build that could take the free slot now goes first.
        return self._held < self._jobs and not (self._builds_waiting and self._build_may_start())
