"""The commands that read finished runs: table, publish, diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from harness.cli import completion
from harness.results import formats, published
from harness.results import table as tables
from harness.results.diff import diff_document, diff_runs
from harness.results.diff import render_markdown as render_diff_markdown
from harness.results.diff import render_text as render_diff_text
from harness.results.rundir import RunDir

RESULTS_OPT = click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Where runs are found (RUN may also be a path).",
)
ROWS_OPT = click.option(
    "--rows",
    metavar="AXIS[,AXIS]",
    default=None,
    help="Row axes: python, environment, backend, scenario, or an installed package "
    "(keras, tensorflow, ...). Default: environment,python.",
)
COLS_OPT = click.option(
    "--cols",
    metavar="AXIS[,AXIS]",
    default=None,
    help="Column axes, as for --rows. Default: backend. Axes in neither split the "
    "table into sections.",
)


def _axes(value: str | None) -> tuple[str, ...] | None:
    names = tuple(a.strip() for a in (value or "").split(",") if a.strip())
    return names or None


@click.command()
@click.argument("run_name", metavar="[RUN]", required=False, shell_complete=completion.runs)
@RESULTS_OPT
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(formats.FORMATS)),
    default="md",
    show_default=True,
    help="md, html, json, csv; junit (JUnit XML for CI), summary (compact Markdown for "
    "$GITHUB_STEP_SUMMARY), svg (a picture of the run).",
)
@click.option(
    "--against",
    metavar="RUN",
    default=None,
    shell_complete=completion.runs,
    help="With -f summary: also list the cells that changed since RUN (e.g. results/published).",
)
@ROWS_OPT
@COLS_OPT
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=None,
    help="Where to write ('-' for standard output). Default: table.<format> beside the cells.",
)
@click.option(
    "--print/--no-print",
    "show",
    default=None,
    help="Also print the table (default: only for Markdown written to the run's directory).",
)
def table(
    run_name: str | None,
    results: Path,
    fmt: str,
    rows: str | None,
    cols: str | None,
    output: Path | None,
    show: bool | None,
    against: str | None,
) -> None:
    """(Re)write RUN's table (default: the latest run) from its cells.jsonl.

    RUN may also be a published directory (results/published).
    """
    run_dir = RunDir(path=published.locate(results, run_name))
    baseline = published.load_run(results, against) if against else None
    if output is not None and str(output) == "-":
        click.echo(
            tables.render(run_dir, fmt, _axes(rows), _axes(cols), against=baseline), nl=False
        )
        return
    path = tables.write(run_dir, fmt, output, _axes(rows), _axes(cols), against=baseline)
    if show if show is not None else (fmt == "md" and output is None):
        click.echo(path.read_text(encoding="utf-8"))
    click.echo(f"wrote {path}", err=True)


@click.command()
@click.argument("run_name", metavar="[RUN]", required=False)
@RESULTS_OPT
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=tables.PUBLISHED,
    show_default=True,
    help="Directory that receives the tables.",
)
@ROWS_OPT
@COLS_OPT
def publish(
    run_name: str | None, results: Path, out_dir: Path, rows: str | None, cols: str | None
) -> None:
    """Write RUN's tables in every format to one stable directory, with the run's records
    (cells.jsonl, run.json, images.json) and its images' pip freezes (environments/)."""
    run_dir = RunDir(path=published.locate(results, run_name))
    for path in tables.publish(run_dir, out_dir, _axes(rows), _axes(cols)):
        click.echo(f"wrote {path}")


@click.command()
@click.argument("run_a", metavar="RUN_A", shell_complete=completion.runs)
@click.argument("run_b", metavar="RUN_B", shell_complete=completion.runs)
@RESULTS_OPT
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "md"]), default="text", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON instead.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the report here (it is always printed).",
)
def diff(
    run_a: str, run_b: str, results: Path, fmt: str, as_json: bool, output: Path | None
) -> None:
    """List cells whose outcome changed from RUN_A to RUN_B.

    A run is a run id, a run directory, or a published directory (results/published).
    Exit code: 0 no cell changed, 1 some cell changed; 2 bad usage, 6 a run is missing or
    unreadable, 70 a harness bug.
    """
    found = diff_runs(published.load_run(results, run_a), published.load_run(results, run_b))
    if as_json:
        text = json.dumps(diff_document(found), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_diff_markdown(found) if fmt == "md" else render_diff_text(found)
    click.echo(text, nl=False)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    sys.exit(found.exit_code)
