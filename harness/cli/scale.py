"""Commands and options for running a matrix on more than one machine: shards and merges."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harness.cli import completion
from harness.config.cells import Cell
from harness.errors import ConfigurationError
from harness.execute.sharding import (
    ShardPlan,
    check_shard_count,
    parse_shard,
    plan_shards,
    read_history,
    shard_from_environment,
)
from harness.results import table
from harness.results.merge import describe, merge_runs
from harness.results.rundir import RunDir

if TYPE_CHECKING:
    from harness.execute.executor_dask import DaskExecutor


def print_plan(plan: ShardPlan, *, as_json: bool) -> None:
    """`harness plan --shards N`: the shards, or the GitHub matrix `include` as JSON."""
    if as_json:
        click.echo(json.dumps(plan.include(), sort_keys=True, separators=(",", ":")))
        return
    for shard in plan.shards:
        click.echo(
            f"shard {shard.label}: {len(shard.images)} images, {len(shard.cells)} cells, "
            f"expected {_minutes(shard.cost_s)}"
        )
    cells = sum(len(shard.cells) for shard in plan.shards)
    distinct = len({image for shard in plan.shards for image in shard.images})
    click.echo(
        f"plan {plan.hash}: {cells} cells, {distinct} images built {plan.builds} times, "
        f"slowest shard {plan.imbalance:.2f} x the ideal "
        f"({_minutes(plan.total_cost_s / len(plan.shards))})"
    )


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


@dataclass(frozen=True, kw_only=True)
class ShardChoice:
    """The shard this invocation runs, of which plan."""

    plan: ShardPlan
    index: int

    @property
    def cells(self) -> tuple[Cell, ...]:
        """The cells of the chosen shard."""
        return self.plan.shard(self.index).cells


def choose_shard(
    cells: Sequence[Cell],
    shard: str,
    *,
    shards: int | None,
    plan_hash: str | None,
    history_root: Path,
    env: Mapping[str, str] | None = None,
) -> ShardChoice:
    """`--shard i/N` or `--shard auto`, the plan recomputed here and checked against its hash."""
    if shard == "auto":
        index, total = shard_from_environment(os.environ if env is None else env, shards)
    else:
        index, total = parse_shard(shard)
        if shards is not None and shards != total:
            raise ConfigurationError(f"--shard {shard} and --shards {shards} disagree")
    plan = plan_shards(cells, total, read_history(history_root))
    if plan_hash is not None and plan_hash != plan.hash:
        raise ConfigurationError(
            f"--plan-hash {plan_hash}: the plan recomputed here is {plan.hash} (another matrix, "
            "--only or history under --results); rerun `harness plan --shards`"
        )
    return ShardChoice(plan=plan, index=index)


def dask_executor(scheduler: str | None, *, jobs: int, say: Callable[[str], None]) -> DaskExecutor:
    """`--executor dask`: the executor, or one line saying how to install what it needs."""
    try:
        from harness.execute.executor_dask import DaskExecutor  # noqa: PLC0415 - an optional extra
    except ImportError:
        raise ConfigurationError(
            "--executor dask needs the cluster extra: pip install 'keras-matrix-harness[cluster]'"
        ) from None
    return DaskExecutor.connect(scheduler, jobs=jobs, say=say)


def parse_cluster(text: str) -> tuple[str | None, int | None]:
    """`--cluster`: (scheduler address, None), or (None, workers) for `local[:N]`."""
    kind, colon, count = text.partition(":")
    if kind != "local":
        if "://" not in text:
            raise ConfigurationError(
                f"--cluster {text}: give a scheduler address (tcp://HOST:8786) or local:N"
            )
        return text, None
    if not colon:
        return None, None
    if not count.isdigit() or int(count) < 1:
        raise ConfigurationError(
            f"--cluster {text}: N in local:N is a number of workers (1 or more)"
        )
    return None, int(count)


SHARDS_OPT = click.option(
    "--shards",
    type=int,
    default=None,
    metavar="N",
    help="Split the cells into N shards balanced by expected cost (at most 256).",
)


@click.command()
@click.argument("runs", nargs=-1, required=True, shell_complete=completion.runs)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory of the merged run (a new one).",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Where run ids are looked up.",
)
@click.option(
    "--allow-partial", is_flag=True, help="Exit 0 even if some planned cell is in no run."
)
@click.option("--force", is_flag=True, help="Merge runs of different matrices or harness versions.")
def merge(
    runs: tuple[str, ...], output: Path, results: Path, allow_partial: bool, force: bool
) -> None:
    """Merge RUNs (shards of one plan, or reruns) into one run at OUTPUT.

    Cells are keyed by cell id: a cell recorded twice with the same outcome is kept once; with
    different outcomes the conflict is listed and the later attempt kept. Exit 1 if a planned
    cell is in no run (unless --allow-partial).
    """
    report = merge_runs([RunDir.open(results, name) for name in runs], output, force=force)
    table.write(report.run, "md")
    click.echo(
        f"merged {len(runs)} runs: {report.cells} cells, {report.duplicates} duplicates dropped, "
        f"{len(report.conflicts)} conflicts -> {report.run.path}"
    )
    for conflict in report.conflicts:
        click.echo(
            f"conflict {conflict.cell_id}: kept {describe(conflict.kept)} "
            f"(run {conflict.kept.run_id}), dropped {describe(conflict.dropped)} "
            f"(run {conflict.dropped.run_id})",
            err=True,
        )
    for shard in report.missing_shards:
        click.echo(f"missing shard {shard}: no run of it was given", err=True)
    for cell_id in report.missing_cells:
        click.echo(f"missing cell {cell_id}: planned, recorded by no run", err=True)
    if report.partial:
        click.echo(
            f"partial: {len(report.missing_shards)} shards and {len(report.missing_cells)} "
            "cells missing" + ("" if allow_partial else " (--allow-partial to accept)"),
            err=True,
        )
        if not allow_partial:
            raise SystemExit(1)


__all__ = ["SHARDS_OPT", "ShardChoice", "check_shard_count", "choose_shard", "merge", "print_plan"]
