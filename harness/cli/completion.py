"""Shell completion beyond click's own: run ids, a matrix's axis values, a run's cells.

click completes commands and options itself (`_HARNESS_COMPLETE=bash_source harness`, see the
README); these callbacks add the values only the harness knows. A completion must never fail
the shell, so anything unreadable completes to nothing.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from harness.config.cells import AXES
from harness.errors import HarnessError
from harness.results.rundir import CELLS, LATEST


def _results(ctx: click.Context) -> Path:
    found = ctx.params.get("results")
    return found if isinstance(found, Path) else Path("results")


def run_ids(results: Path) -> list[str]:
    """Runs under `results`, newest first, then `latest` and the published directory."""
    found: list[str] = []
    with contextlib.suppress(OSError):
        found = sorted(
            (p.name for p in results.iterdir() if (p / CELLS).is_file() and p.name != LATEST),
            reverse=True,
        )
    if (results / LATEST).exists():
        found.insert(0, LATEST)
    if (results / "published").is_dir():
        found.append(str(results / "published"))
    return found


def runs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Completes a run id from the results directory."""
    return [CompletionItem(r) for r in run_ids(_results(ctx)) if r.startswith(incomplete)]


def _matrix_values(ctx: click.Context, axis: str) -> tuple[str, ...]:
    from harness.config.matrix import load_matrix  # noqa: PLC0415 - only when completing

    path = ctx.params.get("matrix_file")
    try:
        return load_matrix(path if isinstance(path, Path) else Path("matrix.yaml")).axis_values(
            axis
        )
    except (HarnessError, OSError):
        return ()


def axis_values(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """`--only AXIS=V[,V]`: the axes, then the matrix's values for the axis."""
    axis, sep, values = incomplete.partition("=")
    if not sep:
        return [CompletionItem(f"{a}=") for a in AXES if a.startswith(axis)]
    if axis not in AXES:
        return []
    done, _, current = values.rpartition(",")
    prefix = f"{axis}={done + ',' if done else ''}"
    return [
        CompletionItem(prefix + value)
        for value in _matrix_values(ctx, axis)
        if value.startswith(current) and value not in done.split(",")
    ]


def environments(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Completes an environment name from the matrix named on the command line."""
    return [
        CompletionItem(e) for e in _matrix_values(ctx, "environment") if e.startswith(incomplete)
    ]


def cells(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Cell ids of the latest run (the run argument comes after the cell)."""
    path = _results(ctx) / LATEST / CELLS
    found: list[str] = []
    with contextlib.suppress(OSError, ValueError):
        import json  # noqa: PLC0415 - only when completing

        with path.open(encoding="utf-8") as handle:
            found = [json.loads(line)["cell_id"] for line in handle if line.strip()]
    return [CompletionItem(c) for c in found if incomplete in c]
