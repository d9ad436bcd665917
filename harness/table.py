"""A run's tables: render one format, write it beside the run, or publish every format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness import formats
from harness.records import Run
from harness.results import RunDir, write_atomic
from harness.views import Report

PUBLISHED = Path("results") / "published"
STEM = "table"


def report_of(
    run_dir: RunDir, rows: Sequence[str] | None = None, cols: Sequence[str] | None = None
) -> Report:
    return Report.build(Run.load(run_dir), rows=rows, cols=cols)


def render(
    run_dir: RunDir,
    fmt: str = "md",
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
) -> str:
    return formats.render(report_of(run_dir, rows, cols), fmt)


def write(
    run_dir: RunDir,
    fmt: str = "md",
    output: Path | None = None,
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
) -> Path:
    """Write one format; by default beside the run's cells, as table.<ext>."""
    path = output or run_dir.path / f"{STEM}.{formats.extension(fmt)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render(run_dir, fmt, rows, cols))
    return path


def publish(
    run_dir: RunDir,
    out_dir: Path = PUBLISHED,
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
) -> list[Path]:
    """Every format into one stable directory (table.md, .html, .json, .csv), replacing them."""
    report = report_of(run_dir, rows, cols)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats.FORMATS:
        path = out_dir / f"{STEM}.{formats.extension(fmt)}"
        write_atomic(path, formats.render(report, fmt))
        written.append(path)
    return written
