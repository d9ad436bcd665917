"""The `harness` command: plan, build, run, table, publish, diff, repro, bisect, lock, clean."""

from __future__ import annotations

import contextlib
import errno
import json
import sys
import traceback as tracebacks
from pathlib import Path
from typing import Any

import click

from harness import __version__
from harness.build import freezes
from harness.build.bases import DEBIAN_REPOSITORY, BaseResolver
from harness.build.dockerfile import IMAGE_REPOSITORY, render
from harness.build.environment_store import EnvironmentStore
from harness.build.images import BuildFailures
from harness.cli import (
    browse,
    ci_github,
    completion,
    scale,
    tables,
    worker_image,
)
from harness.cli import (
    lock as lock_cli,
)
from harness.cli import (
    run as run_cli,
)
from harness.cli.bisect_command import bisect
from harness.cli.options import (
    BASE_OPT,
    CA_OPT,
    MATRIX_ARG,
    ONLY_OPT,
    PIN_OPT,
    TEMPLATES_OPT,
    did_you_mean,
    image_options,
    load_noting,
    options_for,
)
from harness.cli.repro_bisect import repro
from harness.config.cells import AXES
from harness.engine.api import HARNESS_LABEL
from harness.engine.commands import echo_to, silent
from harness.engine.docker_engine import DockerEngine
from harness.errors import (
    INTERNAL_ERROR,
    ConfigurationError,
    EngineUnavailableError,
    HarnessError,
    HostResourceError,
    ResultsError,
)
from harness.execute.pipeline import build_all, image_keys
from harness.execute.planning import chosen_cells
from harness.execute.sharding import plan_shards, read_history
from harness.execute.ui import Reporter

ENV_PREFIX = "HARNESS"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
@click.option(
    "--traceback", is_flag=True, help="Show a traceback for errors (for reporting harness bugs)."
)
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Reproduce Keras/TensorFlow errors across a matrix of clean Docker containers."""
    ctx.obj = {"traceback": traceback}


@cli.command()
@MATRIX_ARG
@ONLY_OPT
@click.option(
    "--json", "as_json", is_flag=True, help="Print the cells (with --shards, the shards) as JSON."
)
@scale.SHARDS_OPT
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="With --shards: the earlier runs whose build and cell times cost the shards.",
)
def plan(
    matrix_file: Path, only: tuple[str, ...], as_json: bool, shards: int | None, results: Path
) -> None:
    """List the cells MATRIX expands to (nothing is built or run).

    With --shards N, split them into N shards for N machines or CI jobs: the same matrix, N and
    history always give the same shards and plan hash; --json prints the GitHub Actions
    matrix (`{"include": [{"shard": "1/N", ...}]}`), never the cells.
    """
    if shards is not None:
        scale.check_shard_count(shards)
    matrix = load_noting(matrix_file)
    cells = chosen_cells(matrix, only)
    if shards is not None:
        scale.print_plan(plan_shards(cells, shards, read_history(results)), as_json=as_json)
        return
    if as_json:
        data: dict[str, Any] = {
            "matrix": str(matrix_file),
            "images": [{"python": p, "environment": e} for p, e in image_keys(cells)],
            "cells": [{"id": c.id, **{a: c.value(a) for a in AXES}} for c in cells],
        }
        click.echo(json.dumps(data, indent=2))
        return
    for cell in cells:
        click.echo(cell.id)
    click.echo(f"{len(cells)} cells in {len(image_keys(cells))} images", err=True)


@cli.command()
@MATRIX_ARG
@click.argument("python")
@click.argument("environment", shell_complete=completion.environments)
@BASE_OPT
@TEMPLATES_OPT
@CA_OPT
@PIN_OPT
def dockerfile(
    matrix_file: Path,
    python: str,
    environment: str,
    base: str | None,
    templates: Path | None,
    ca_bundle: Path | None,
    pin_from: str | None,
) -> None:
    """Print the Dockerfile rendered for PYTHON and ENVIRONMENT.

    Where an engine answers and holds the base image, FROM and the tag are those a build here
    would use (the tag covers the base image's ID); otherwise they are as planned.
    """
    matrix = load_noting(matrix_file)
    if environment not in matrix.environments or python not in matrix.python:
        raise ConfigurationError(
            f"{matrix_file}: no image for python {python!r} and environment {environment!r}"
            + did_you_mean(environment, list(matrix.environments))
        )
    options = options_for(matrix, base, templates, ca_bundle, pin_from=pin_from)
    resolver = BaseResolver(_NoEngine(), options.base, echo=echo_to(), say=echo_to())
    planned = resolver.planned(python)
    with contextlib.suppress(EngineUnavailableError):  # planning only: no base image ID
        planned = planned.resolved(DockerEngine.connect(silent))
    spec = render(
        matrix,
        python,
        environment,
        base=planned,
        template_dir=options.template_dir,
        ca_bundle=options.ca_bundle.read_bytes() if options.ca_bundle else None,
        constraints=freezes.step_constraints(options.constraints, matrix, python, environment),
    )
    click.echo(f"# tag: {spec.tag}")
    if planned.image_id is None:
        click.echo(f"# ({planned.image} is not on this host: a build's tag covers its ID)")
    click.echo(spec.dockerfile, nl=False)


@cli.command()
@MATRIX_ARG
@image_options
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Where build logs go.",
)
def build(
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
    results: Path,
) -> None:
    """Build the images MATRIX needs (unchanged environments are reused)."""
    matrix = load_noting(matrix_file)
    cells = chosen_cells(matrix, only)
    reporter = Reporter()
    engine = DockerEngine.connect(reporter.command)
    options = options_for(
        matrix,
        base,
        templates,
        ca_bundle,
        jobs=jobs,
        rebuild=rebuild,
        mirror_port=pip_mirror_port,
        pin_from=pin_from,
        results=results,
        environments=environments,
        environments_dir=environments_dir,
    )
    records = build_all(
        engine,
        matrix,
        cells,
        options,
        workdir=results / "builds-latest",
        reporter=reporter,
        echo=reporter.command,
        failures=BuildFailures.under(results),
    )
    failed = [r for r in records.values() if r.status == "failed"]
    click.echo(
        f"{len(records)} images: "
        + ", ".join(
            f"{sum(r.status == s for r in records.values())} {s}"
            for s in ("reused", "built", "failed")
        )
    )
    for record in failed:
        click.echo(
            f"  py{record.python}/{record.environment}: {(record.error or '').splitlines()[0]}"
        )


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask.")
def clean(yes: bool) -> None:
    """Remove every image the harness built (environment, base and worker images), and the
    mounted environments kept on this host."""
    if not yes:
        click.confirm("Remove all keras-matrix images and mounted environments?", abort=True)
    reporter = Reporter()
    engine = DockerEngine.connect(reporter.command)
    store = EnvironmentStore.default()
    environments, kept = store.clear()
    removed = engine.remove_images(
        HARNESS_LABEL,
        repositories=(IMAGE_REPOSITORY, DEBIAN_REPOSITORY, worker_image.WORKER_REPOSITORY),
    )
    click.echo(f"removed {removed} images and {environments - len(kept)} mounted environments")
    if kept:
        raise ResultsError(
            f"{len(kept)} mounted environments in {store.root} hold files this user cannot "
            f"remove (made by the engine's root): remove them as root, e.g. sudo rm -rf {kept[0]}"
        )


cli.add_command(run_cli.run)
cli.add_command(repro)
cli.add_command(bisect)
cli.add_command(tables.table)
cli.add_command(tables.publish)
cli.add_command(tables.diff)
cli.add_command(browse.show)
cli.add_command(browse.ls)
cli.add_command(lock_cli.lock)
cli.add_command(scale.merge)
cli.add_command(ci_github.ci)
cli.add_command(worker_image.worker_image)


class _NoEngine:
    """Stands in where only planning happens; any engine call is a harness bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"planning must not call the engine ({name})")


def main(argv: list[str] | None = None) -> None:
    """The command line; every option can also come from HARNESS_<COMMAND>_<OPTION>."""
    try:
        cli.main(
            args=argv, prog_name="harness", standalone_mode=False, auto_envvar_prefix=ENV_PREFIX
        )
    except HarnessError as exc:
        if "--traceback" in (argv or sys.argv):
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.return_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a harness bug: its own exit code, never 1
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # The disk filled while something was written: not a bug, and what was written
            # before (finished cells) is kept.
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(
                f"error: {exc.strerror}{where}: free space, then continue a run with "
                "`harness run --resume RUN`",
                err=True,
            )
            sys.exit(HostResourceError.return_code)
        tracebacks.print_exc()
        click.echo(
            f"error: an unexpected harness error (a bug; please report it with the traceback "
            f"above); exit {INTERNAL_ERROR}",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)
