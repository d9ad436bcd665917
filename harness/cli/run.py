"""`harness run`: build what is needed, run the cells (all, a shard, or on a Dask cluster)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import click
from click.core import ParameterSource

from harness.cli import browse, scale
from harness.cli.options import (
    MATRIX_ARG,
    image_options,
    load_noting,
    options_for,
    sandbox_with,
)
from harness.engine.docker_engine import DockerEngine
from harness.errors import ConfigurationError
from harness.execute.pipeline import execute
from harness.execute.planning import RunPlan, chosen_cells, resume_run, start_run
from harness.execute.sharding import provenance
from harness.execute.ui import Reporter
from harness.results.rundir import RunDir


@click.command()
@MATRIX_ARG
@image_options
@click.option(
    "--no-cache",
    is_flag=True,
    help="Run every cell, even those whose inputs are unchanged since an earlier run.",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Directory that receives results/<run-id>/.",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not stream build logs.")
@click.option(
    "--sandbox",
    "sandbox_settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one setting of the cells' sandbox (the keys of matrix.yaml's `sandbox:`, "
    "e.g. memory=8g, network=bridge, pids_limit=8192); see docs/sandbox.md.",
)
@click.option(
    "--resume",
    "resume",
    is_flag=False,
    flag_value="latest",
    default=None,
    metavar="[RUN]",
    help="Continue a stopped run (default: the latest): run its cells not yet in cells.jsonl "
    "(those --only keeps), with its matrix and sandbox; MATRIX, if given, must be the run's.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the run's outcome as JSON on standard output (progress stays on stderr).",
)
@click.option(
    "--shard",
    default=None,
    metavar="i/N|auto",
    help="Run only shard i of N of `harness plan --shards N` (history from --results); auto: "
    "from CI_NODE_INDEX/CI_NODE_TOTAL (GitLab) or JOB_COMPLETION_INDEX (Kubernetes, with "
    "--shards).",
)
@scale.SHARDS_OPT
@click.option(
    "--plan-hash", default=None, metavar="H", help="With --shard: refuse unless the plan is H."
)
@click.option(
    "--executor",
    type=click.Choice(("local", "dask")),
    default="local",
    show_default=True,
    help="Where cells run: this engine, or a Dask cluster whose workers use their own engines.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="With --executor dask: the scheduler (tcp://HOST:8786); default: a local cluster.",
)
@click.option(
    "--cluster",
    "cluster_address",
    default=None,
    metavar="tcp://HOST:8786|local:N",
    help="Shorthand for --executor dask: a scheduler's address, or local:N for a local "
    "cluster of N workers.",
)
def run(
    matrix_file: Path,
    only: tuple[str, ...],
    base: str | None,
    templates: Path | None,
    ca_bundle: Path | None,
    jobs: int | None,
    pip_mirror_port: int,
    rebuild: bool,
    pin_from: str | None,
    environments: str,
    environments_dir: Path | None,
    no_cache: bool,
    results: Path,
    quiet: bool,
    sandbox_settings: tuple[str, ...],
    resume: str | None,
    as_json: bool,
    shard: str | None,
    shards: int | None,
    plan_hash: str | None,
    executor: str,
    scheduler: str | None,
    cluster_address: str | None,
) -> None:
    """Build what is needed, run every cell, write cells.jsonl and table.md."""
    reporter = Reporter(verbose=not quiet)
    if cluster_address is not None:
        if scheduler is not None:
            raise ConfigurationError("--cluster and --scheduler: give the address once")
        scheduler, workers = scale.parse_cluster(cluster_address)
        executor, jobs = "dask", workers or jobs
    plan: RunPlan | None = None
    choice: scale.ShardChoice | None = None
    if shard is not None and resume is not None:
        raise ConfigurationError("--shard and --resume: a resumed run keeps its own cells")
    if resume is not None:
        # A resumed run keeps its matrix and sandbox; every other option applies to it.
        given = click.get_current_context().get_parameter_source("matrix_file")
        plan = resume_run(
            RunDir.open(results, None if resume == "latest" else resume),
            only=only,
            matrix_file=None if given is ParameterSource.DEFAULT else matrix_file,
        )
        matrix, cells, sandbox = plan.matrix, plan.cells, plan.sandbox
        reporter.note(
            f"resuming {plan.run.run_id}: {plan.recorded} of {len(plan.planned)} cells recorded, "
            f"{len(cells)} to run"
        )
    else:
        matrix = load_noting(matrix_file)
        cells, sandbox = chosen_cells(matrix, only), matrix.sandbox
        if shard is not None:
            choice = scale.choose_shard(
                cells, shard, shards=shards, plan_hash=plan_hash, history_root=results
            )
            cells = choice.cells
            reporter.note(
                f"shard {choice.plan.shard(choice.index).label} of plan {choice.plan.hash}"
            )
            if not cells:
                click.echo(f"shard {shard} has no cells in plan {choice.plan.hash}; nothing to run")
                return
    engine = DockerEngine.connect(reporter.command)
    options = options_for(
        matrix,
        base,
        templates,
        ca_bundle,
        jobs=jobs,
        rebuild=rebuild,
        mirror_port=pip_mirror_port,
        sandbox=sandbox_with(sandbox, sandbox_settings),
        pin_from=pin_from,
        results=results,
        environments=environments,
        environments_dir=environments_dir,
    )
    options = dataclasses.replace(options, use_cache=not no_cache)
    if plan is None:
        info = engine.describe()
        address = os.environ.get("DOCKER_HOST") or "local socket"
        plan = start_run(
            matrix,
            cells,
            sandbox=options.sandbox,
            engine=info,
            results_root=results,
            pinned_from=options.constraints,
            provenance=provenance(
                os.environ,
                engine=f"Docker {info.version} at {address}",
                executor=executor if scheduler is None else f"{executor} {scheduler}",
                plan=choice.plan if choice else None,
                index=choice.index if choice else None,
            ),
        )
    cluster = None
    if executor == "dask":
        # Dask's workers run cells on their own engines: an environment must be an image.
        if options.environments == "mounts":
            raise ConfigurationError(
                "--environments mounts and --executor dask: workers on other hosts cannot "
                "mount this host's directories; use --environments images (or auto)"
            )
        options = dataclasses.replace(options, environments="images")
        cluster = scale.dask_executor(scheduler, jobs=options.jobs, say=reporter.note)
    try:
        run_dir = execute(
            engine, plan, options, reporter=reporter, echo=reporter.command, executor=cluster
        )
    finally:
        if cluster is not None:
            cluster.shutdown()
    _report_run(run_dir, as_json)


def _report_run(run_dir: RunDir, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(browse.run_summary(run_dir), indent=2))
        click.echo(
            f"wrote {run_dir.path / 'cells.jsonl'} and {run_dir.path / 'table.md'}", err=True
        )
        return
    click.echo(f"wrote {run_dir.path / 'cells.jsonl'} and {run_dir.path / 'table.md'}")
