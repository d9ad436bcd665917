"""`harness show CELL` and `harness ls`: a run's records at the terminal, without the HTML."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import click

from harness.cli import completion
from harness.config.cells import AXES
from harness.errors import ConfigurationError
from harness.results import published
from harness.results.outcome import STATUSES, Outcome
from harness.results.records import PHASE_WORDS, Run, phase_of
from harness.results.rundir import CELLS, RunDir
from harness.results.views import Report

RESULTS_OPT = click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Where runs are found (RUN may also be a path, or results/published).",
)


def run_summary(run_dir: RunDir) -> dict[str, Any]:
    """What `harness run --json` prints: where the run is and what it found."""
    report = Report.build(Run.load(run_dir))
    images = run_dir.read_json("images.json")
    meta = run_dir.read_meta()
    return {
        "run_id": run_dir.run_id,
        "path": str(run_dir.path),
        "complete": meta.complete,
        "cells_planned": meta.cells_planned,
        "cells": len(report.outcomes),
        "statuses": report.status_counts(),
        "images": dict(Counter(str(i.get("status")) for i in images if isinstance(i, dict))),
        "claims": [
            {"scenario": c.scenario, "verdict": c.verdict, "reproduced": len(c.reproduced)}
            for c in report.claims
        ],
        "table": str(run_dir.path / "table.md"),
        "environments": str(run_dir.path / "environments"),
    }


def find_cell(run: Run, wanted: str) -> Outcome:
    """The cell `wanted` names: its id, or a part of it that only one cell's id holds."""
    ids = {o.cell_id: o for o in run.outcomes}
    if wanted in ids:
        return ids[wanted]
    matching = [o for o in run.outcomes if wanted in o.cell_id]
    if len(matching) == 1:
        return matching[0]
    if matching:
        listed = ", ".join(o.cell_id for o in matching[:4])
        more = f" and {len(matching) - 4} more" if len(matching) > 4 else ""
        raise ConfigurationError(f"{wanted!r} matches {len(matching)} cells: {listed}{more}")
    close = difflib.get_close_matches(wanted, list(ids), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else " (`harness ls RUN` lists them)"
    raise ConfigurationError(f"no cell {wanted!r} in run {run.provenance.run_id}{hint}")


def describe(report: Report, o: Outcome) -> str:
    """One cell as `harness show` prints it."""
    p = report.provenance
    lines = [f"{o.cell_id}  (run {p.run_id}, {p.matrix})", ""]
    lines.append(f"status:     {o.status}: {report.text(o)} ({PHASE_WORDS[phase_of(o)]})")
    claim = next((c for c in report.claims if c.scenario == o.scenario), None)
    verdict = {True: "reproduced", False: "not reproduced", None: "not checked (no result)"}
    claimed = f" (the article: {claim.summary})" if claim else ""
    lines.append(f"claim:      {verdict[o.claim_reproduced]}{claimed}")
    if o.versions:
        installed = ", ".join(f"{k} {v or 'not installed'}" for k, v in o.versions.items())
        lines.append(f"versions:   {installed}")
    lines.append(f"image:      {o.image or '-'} ({o.image_id or 'no image'})")
    if o.cached_from:
        lines.append(f"recorded:   taken from the result cache; run {o.cached_from} ran it")
    if o.error is not None:
        lines.append(f"error:      {o.error.type}: {o.error.message}")
        for name, frame in (("raised at", o.error.raised_at), ("scenario", o.error.scenario_line)):
            if frame is not None:
                code = f": {frame.code}" if frame.code else ""
                lines.append(
                    f"{name + ':':<11} {frame.file}:{frame.line} in {frame.function}{code}"
                )
    elif o.reason:
        lines += ["reason:", *(f"  {line}" for line in o.reason.splitlines())]
    if o.pip_conflicts:
        lines += ["pip conflicts:", *(f"  {line}" for line in o.pip_conflicts)]
    if o.error is not None and o.error.traceback:
        lines += ["", "Traceback (as the container printed it):", o.error.traceback.rstrip()]
    lines += ["", "Reproduce it:", o.command or "(no container ran: the image was not built)"]
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("cell", shell_complete=completion.cells)
@click.argument("run_name", metavar="[RUN]", required=False, shell_complete=completion.runs)
@RESULTS_OPT
def show(cell: str, run_name: str | None, results: Path) -> None:
    """Print one cell of RUN (default: the latest): status, versions, error, traceback and the
    `docker run` line that reproduces it. CELL is its id, or any part of it that is unique."""
    run = published.load_run(results, run_name)
    report = Report.build(run)
    click.echo(describe(report, find_cell(run, cell)), nl=False)


def _runs(results: Path) -> list[dict[str, Any]]:
    found = []
    for name in completion.run_ids(results):
        path = Path(name) if "/" in name else results / name
        if name == "latest" or not (path / CELLS).is_file():
            continue
        run = RunDir(path=path)
        meta = run.read_meta()
        statuses = Counter(o.status for o in run.outcomes())
        found.append(
            {
                "run_id": name if "/" not in name else str(path),
                "started": meta.started,
                "matrix": meta.matrix,
                "cells": sum(statuses.values()),
                "cells_planned": meta.cells_planned,
                "statuses": {s: statuses[s] for s in STATUSES if statuses[s]},
            }
        )
    return found


@click.command(name="ls")
@click.argument("run_name", metavar="[RUN]", required=False, shell_complete=completion.runs)
@RESULTS_OPT
@click.option(
    "--only",
    multiple=True,
    metavar="AXIS=V[,V]",
    help="With RUN: keep cells whose AXIS (python, environment, backend, scenario) is one of "
    "the values.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="With RUN: keep cells with this status (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls(
    run_name: str | None,
    results: Path,
    only: tuple[str, ...],
    statuses: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the runs under --results, or with RUN, its cells (filtered by --only, --status)."""
    if run_name is None:
        runs = _runs(results)
        if as_json:
            click.echo(json.dumps(runs, indent=2))
            return
        for r in runs:
            counts = ", ".join(f"{n} {s}" for s, n in r["statuses"].items())
            planned = f"/{r['cells_planned']}" if r["cells_planned"] else ""
            click.echo(f"{r['run_id']}  {r['cells']}{planned} cells ({counts})  {r['matrix']}")
        click.echo(f"{len(runs)} runs under {results}", err=True)
        return
    run = published.load_run(results, run_name)
    report = Report.build(run)
    filters = _filters(run, only)
    chosen = [
        o
        for o in run.outcomes
        if (not statuses or o.status in statuses)
        and all(getattr(o, axis) in values for axis, values in filters.items())
    ]
    if as_json:
        rows = [
            {"id": o.cell_id, "status": o.status, "text": report.text(o)}
            | {"claim_reproduced": o.claim_reproduced}
            for o in chosen
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(o.cell_id) for o in chosen), default=0)
    for o in chosen:
        click.echo(f"{o.cell_id:<{width}}  {report.text(o)}")
    click.echo(f"{len(chosen)} of {len(run.outcomes)} cells", err=True)


def _filters(run: Run, only: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, tuple[str, ...]] = {}
    for item in only:
        axis, sep, values = item.partition("=")
        if not sep or axis not in AXES:
            raise ConfigurationError(
                f"--only {item!r}: write AXIS=VALUE[,VALUE] with AXIS one of {', '.join(AXES)}"
            )
        wanted = tuple(v for v in values.split(",") if v)
        for value in wanted:
            if value not in run.axes[axis]:
                close = difflib.get_close_matches(value, list(run.axes[axis]), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigurationError(f"--only {item!r}: no {axis} {value!r} in this run{hint}")
        filters[axis] = wanted
    return filters
