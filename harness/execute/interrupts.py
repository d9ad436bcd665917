"""Ctrl-C and SIGTERM: the first stops the run cleanly, a second one forces the exit."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

FORCED_EXIT = 130


class StopRequest:
    """Set once the user asked the run to stop; cells that finish after it are not recorded
    (they were cut short by the stop, so they are in flight and `--resume` runs them again)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()

    def request(self, signal_name: str) -> None:
        """Ask the run to stop, naming the signal that asked."""
        self.signal_name = signal_name
        self._event.set()


@contextmanager
def stop_on_signals(say: Callable[[str], None]) -> Iterator[StopRequest]:
    """While inside, SIGINT and SIGTERM raise KeyboardInterrupt in the main thread once;
    a second signal exits at once with code 130 (the next start removes what is left)."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals are delivered to the main thread only
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.requested:
            sys.stderr.write(
                f"\n{name} again: exiting now; the next `harness run` removes leftover containers\n"
            )
            sys.stderr.flush()
            os._exit(FORCED_EXIT)
        stop.request(name)
        say(f"{name}: stopping running containers and writing finished cells (again to force)")
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
