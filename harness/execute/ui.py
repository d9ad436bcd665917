"""What a person sees: notes, live build logs (one build at a time) and progress displays."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
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
        return CellProgress(self.console, total)

    def builds(self, total: int) -> BuildProgress:
        """A progress display for `total` image builds."""
        return BuildProgress(self.console, total)


class BuildProgress:
    """Images being built (however many at once): one line each as it finishes, one bar."""

    def __init__(self, console: Console, total: int) -> None:
        self._progress, self._task = _bar(console, "images", total)

    def advance(self, spec: ImageSpec, record: ImageRecord) -> None:
        """Count one image as done, printing a line for an image built or failed."""
        if record.status == "reused":
            return
        name = f"py{spec.python}/{spec.environment}"
        detail = f" in {record.seconds:g}s" if record.seconds else ""
        if record.error:
            detail += f": {record.error.splitlines()[0]}"
        kind = "environment" if record.environment_dir is not None else "image"
        self._progress.console.print(escape(f"  {kind} {name}: {record.status}{detail}"))
        self._progress.update(self._task, advance=1, description=escape(name))

    def close(self) -> None:
        """Remove the bar."""
        self._progress.stop()


class CellProgress:
    """Cells running: one line each as it finishes, one bar."""

    def __init__(self, console: Console, total: int) -> None:
        self._progress, self._task = _bar(console, "cells", total)

    def advance(self, outcome: Outcome) -> None:
        """Count one cell as done, printing its id and status."""
        label = (
            outcome.status
            if outcome.error is None
            else f"{outcome.status}: {outcome.error.short_type}"
        )
        self._progress.console.print(escape(f"  {outcome.cell_id}: {label}"))
        self._progress.update(self._task, advance=1, description=escape(outcome.cell_id))

    def close(self) -> None:
        """Remove the bar."""
        self._progress.stop()


def _bar(console: Console, label: str, total: int) -> tuple[Progress, TaskID]:
    """One live bar; printed lines go above it, so logs and the bar never interleave."""
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
        disable=total == 0,
    )
    task = progress.add_task("", total=total)
    progress.start()
    return progress, task
