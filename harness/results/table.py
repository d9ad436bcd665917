"""A run's tables: render one format, write it beside the run, or publish every format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.results import formats, published
from harness.results.diff import diff_runs
from harness.results.formats import summary
from harness.results.records import Run
from harness.results.rundir import CELLS, RunDir
from harness.results.views import Report
from harness.textfiles import write_atomic

PUBLISHED = Path("results") / "published"
STEM = "table"


def load(run_dir: RunDir) -> Run:
    """A run's records: its cells.jsonl, or a published directory's table.json."""
    if (run_dir.path / CELLS).is_file():
        return Run.load(run_dir)
    return published.from_table_json(run_dir.path / published.TABLE_JSON)


def report_of(
    run_dir: RunDir, rows: Sequence[str] | None = None, cols: Sequence[str] | None = None
) -> Report:
    """The report of the run in `run_dir`, laid out with these rows and columns."""
    return Report.build(load(run_dir), rows=rows, cols=cols)


def render(
    run_dir: RunDir,
    fmt: str = "md",
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
    *,
    against: Run | None = None,
) -> str:
    """One format; `against` (an earlier run) adds the changed cells to the summary format."""
    report = report_of(run_dir, rows, cols)
    if fmt == "summary" and against is not None:
        return summary.render(report, diff_runs(against, report.run))
    return formats.render(report, fmt)


def write(
    run_dir: RunDir,
    fmt: str = "md",
    output: Path | None = None,
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
    *,
    against: Run | None = None,
) -> Path:
    """Write one format; by default beside the run's cells, as table.<ext>."""
    path = output or run_dir.path / f"{STEM}.{formats.extension(fmt)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render(run_dir, fmt, rows, cols, against=against))
    return path


def publish(
    run_dir: RunDir,
    out_dir: Path = PUBLISHED,
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
) -> list[Path]:
    """Every format into one stable directory (table.md, .html, .json, .csv, ...), replacing
    them, with the run's records and pip freezes beside them: the directory is a run itself."""
    report = report_of(run_dir, rows, cols)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats.FORMATS:
        path = out_dir / f"{STEM}.{formats.extension(fmt)}"
        write_atomic(path, formats.render(report, fmt))
        written.append(path)
    return written + published.copy_records(run_dir, out_dir)
