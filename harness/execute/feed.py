"""A run's images handed over one by one as each is ready, while the others still build.

The cells of an environment need nothing but that environment: on a first run they can start
as soon as it is built (or found, or refused), instead of waiting for the slowest build of the
matrix. The builds run in a thread of their own and put each record in a queue; the run takes
them from it in the order they come. With `background` off the builds all run first, in the
thread that iterates, as before (`-j 1`: one thing at a time).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping

from harness.build.images import ImageRecord

# The builds: given where to put each record as it is ready, and whether the run is stopping.
Builds = Callable[
    [Callable[[ImageRecord], None], Callable[[], bool]], Mapping[tuple[str, str], ImageRecord]
]


class _End:
    """Put in the queue once the builds have returned (or raised)."""


class ImageFeed:
    """The records of a run's images, each as soon as it is ready."""

    def __init__(self, builds: Builds, *, background: bool) -> None:
        self._builds = builds
        self._background = background
        self._queue: queue.SimpleQueue[ImageRecord | _End] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def stopping(self) -> bool:
        """Whether stop() was called."""
        return self._stop.is_set()

    def start(self) -> None:
        """Start the builds in their thread (with `background` off, iterating runs them)."""
        if self._background and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="builds", daemon=True)
            self._thread.start()

    def arrivals(self) -> Iterator[list[ImageRecord]]:
        """The records as their images are ready: each time, every record there is by then
        (with `background` off, all of them at once). A build's error is raised here, after
        the records before it, unless the feed was stopped."""
        if self._background:
            self.start()
        else:
            self._builds(self._queue.put, self._stop.is_set)
            self._queue.put(_End())
        ended = False
        while not ended:
            found: list[ImageRecord] = []
            item = self._queue.get()
            while True:
                if isinstance(item, _End):
                    ended = True
                    break
                found.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if found and not self.stopping:
                yield found
        if self._error is not None and not self.stopping:
            raise self._error

    def stop(self) -> None:
        """Start no more builds; records of builds still in flight are dropped."""
        self._stop.set()

    def wait(self, note: Callable[[str], None]) -> None:
        """Return once the builds' thread has ended (a build in flight runs to its end)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        note("waiting for the builds in flight to end (again to force)")
        thread.join()

    def _run(self) -> None:
        try:
            self._builds(self._queue.put, self._stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that iterates
            self._error = exc
        finally:
            self._queue.put(_End())
