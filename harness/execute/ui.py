"""What a person sees: notes, live build logs (one build at a time) and progress displays."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from harness.build.dockerfile import ImageSpec
    from harness.build.images import ImageRecord
    from harness.results.outcome import Outcome


class Reporter:
    """What a person sees: notes, echoed commands, build logs and progress bars, on stderr."""

    def __init__(self, console: Console | None = None, *, verbose: bool = True) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.verbose = verbose
        # One live display holds every open bar: builds and cells can run at once, and a
        # console shows one live display at a time.
        self._lock = threading.Lock()
        self._display: Progress | None = None
        self._open = 0

    def note(self, text: str) -> None:
        """Print one line for the person running the harness."""
        self.console.print(escape(text))

    def command(self, argv: Sequence[str]) -> None:
        """Print a command the harness runs, as a person could re-run it."""
        self.console.print(f"[dim]+ {escape(shlex.join(argv))}[/dim]", soft_wrap=True)

    def build_line(self, spec: ImageSpec, line: str) -> None:
        """Print one line of a build's log (when verbose)."""
        if self.verbose and line.strip():
            self.console.print(
                f"[dim]  py{spec.python}/{escape(spec.environment)} │ {escape(line)}[/dim]",
                soft_wrap=True,
            )

    def cells(self, total: int) -> CellProgress:
        """A progress display for `total` cells."""
        return CellProgress(self._bar("cells", total), total)

    def builds(self, total: int) -> BuildProgress:
        """A progress display for `total` image builds."""
        return BuildProgress(self._bar("images", total))

    def _bar(self, label: str, total: int) -> Bar:
        """One bar on the live display; printed lines go above it, never between its lines."""
        with self._lock:
            if self._display is None:
                self._display = Progress(
                    TextColumn("{task.fields[label]}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TextColumn("{task.description}"),
                    console=self.console,
                    transient=False,
                )
                self._display.start()
            self._open += 1
            task = self._display.add_task("", total=total, label=label, visible=total > 0)
            return Bar(self._display, task, self._close_bar)

    def _close_bar(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0 and self._display is not None:
                self._display.stop()
                self._display = None


class Bar:
    """One task of the live display, and how to give it back."""

    def __init__(self, display: Progress, task: TaskID, release: Callable[[], None]) -> None:
        self.display = display
        self.task = task
        self._release = release
        self._closed = False

    def close(self) -> None:
        """Give the bar back; the display ends with its last bar."""
        if not self._closed:
            self._closed = True
            self._release()


class BuildProgress:
    """Images being built (however many at once): one line each as it finishes, one bar."""

    def __init__(self, bar: Bar) -> None:
        self._bar = bar

    def advance(self, spec: ImageSpec, record: ImageRecord) -> None:
        """Count one image as done, printing a line for an image built or failed."""
        if record.status == "reused":
            return
        name = f"py{spec.python}/{spec.environment}"
        detail = f" in {record.seconds:g}s" if record.seconds else ""
        if record.error:
            detail += f": {record.error.splitlines()[0]}"
        kind = "environment" if record.environment_dir is not None else "image"
        self._bar.display.console.print(escape(f"  {kind} {name}: {record.status}{detail}"))
        self._bar.display.update(self._bar.task, advance=1, description=escape(name))

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()


class CellProgress:
    """Cells running: one line each as it finishes, one bar."""

    def __init__(self, bar: Bar, total: int) -> None:
        self._bar = bar
        self._total = total

    def advance(self, outcome: Outcome) -> None:
        """Count one cell as done, printing its id and status."""
        label = (
            outcome.status
            if outcome.error is None
            else f"{outcome.status}: {outcome.error.short_type}"
        )
        self._bar.display.console.print(escape(f"  {outcome.cell_id}: {label}"))
        self._bar.display.update(self._bar.task, advance=1, description=escape(outcome.cell_id))

    def fewer(self, count: int) -> None:
        """`count` of the cells counted on run nowhere (cached, or their image unreachable)."""
        if count:
            self._total = max(0, self._total - count)
            self._bar.display.update(self._bar.task, total=self._total, visible=self._total > 0)

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()
