"""The `harness` command: plan, build, run, table, publish, diff, repro, bisect, lock, clean."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import os
import sys
import traceback as tracebacks
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import yaml
from click.core import ParameterSource
from pydantic import ValidationError

from harness import (
    __version__,
    browse,
    ci_github,
    completion,
    environments,
    lock_cli,
    results_cli,
    scale_cli,
    wheelhouse,
)
from harness.bases import BASE_KINDS, DEBIAN_REPOSITORY, BaseKind, BaseResolver
from harness.cells import AXES, Cell
from harness.commands import echo_to, silent
from harness.dockerfile import HARNESS_LABEL, IMAGE_REPOSITORY, render
from harness.engine import DockerEngine
from harness.errors import (
    INTERNAL_ERROR,
    ConfigurationError,
    EngineUnavailableError,
    HarnessError,
)
from harness.images import BuildFailures
from harness.matrix import Matrix, SandboxSettings, load_matrix
from harness.parallel import default_jobs
from harness.pipeline import Options, build_all, default_ca_bundle, execute, image_keys
from harness.planning import RunPlan, chosen_cells, resume_run, start_run
from harness.repro_cli import bisect, repro
from harness.results import RunDir
from harness.sandbox import Sandbox
from harness.sharding import plan_shards, provenance, read_history
from harness.ui import Reporter

F = TypeVar("F", bound=Callable[..., Any])
ENV_PREFIX = "HARNESS"
MATRIX_ARG = click.argument(
    "matrix_file", metavar="MATRIX", type=click.Path(path_type=Path), default="matrix.yaml"
)
BASE_OPT = click.option(
    "--base",
    type=click.Choice(BASE_KINDS),
    default=None,
    help="Base images: python:X-slim from a registry, Debian built locally, or auto "
    "(registry, falling back to Debian). Default: the matrix's `base`.",
)
REBUILD_OPT = click.option(
    "--rebuild",
    is_flag=True,
    help="Build even images that exist already, and retry environments that failed to build.",
)
ONLY_OPT = click.option(
    "--only",
    "only",
    multiple=True,
    metavar="AXIS=V[,V]",
    shell_complete=completion.axis_values,
    help="Keep cells whose AXIS (python, environment, backend, scenario) is one of the values.",
)
TEMPLATES_OPT = click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory of Dockerfile templates. Default: the matrix's template_dir.",
)
CA_OPT = click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="CA bundle for pip inside builds. Default: $PIP_CERT, $REQUESTS_CA_BUNDLE or "
    "$SSL_CERT_FILE if set.",
)


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _load(matrix_file: Path) -> Matrix:
    """The matrix, with what its lock has to say (older than the matrix, ...) on stderr."""
    matrix = load_matrix(matrix_file)
    for note in matrix.notes:
        click.echo(f"note: {note}", err=True)
    return matrix


def _cells(matrix: Matrix, only: tuple[str, ...]) -> tuple[Cell, ...]:
    return chosen_cells(matrix, only)


PIN_OPT = click.option(
    "--pin-from",
    "pin_from",
    metavar="RUN",
    default=None,
    shell_complete=completion.runs,
    help="Build every environment with exactly the versions RUN's images had (its "
    "environments/ pip freezes, as pip constraints). RUN: a run id, a run directory or "
    "results/published. Default: the matrix's `constraints`.",
)
JOBS_OPT = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Builds and cells run at once. Default: one per CPU, fewer if free memory is short.",
)
MIRROR_OPT = click.option(
    "--pip-mirror-port",
    type=click.IntRange(0, 65535),
    default=wheelhouse.DEFAULT_PORT,
    show_default=True,
    help="Port of the host-side caching pip index that builds install through "
    "(each file is downloaded once per host); 0 installs straight from PyPI.",
)


def _options(
    matrix: Matrix,
    base: str | None,
    templates: Path | None,
    ca_bundle: Path | None,
    jobs: int | None = None,
    rebuild: bool = False,
    mirror_port: int = wheelhouse.DEFAULT_PORT,
    sandbox: Sandbox | None = None,
    pin_from: str | None = None,
    results: Path = Path("results"),
) -> Options:
    # click.Choice has already limited `base` to the BaseKind values.
    kind = cast(BaseKind, base or matrix.base)
    pins = environments.find_directory(pin_from, results) if pin_from else matrix.constraints
    return Options(
        constraints=pins,
        base=kind,
        template_dir=templates or matrix.template_dir,
        ca_bundle=ca_bundle or default_ca_bundle(),
        jobs=jobs or default_jobs(),
        rebuild=rebuild,
        mirror_port=mirror_port or None,
        sandbox=sandbox or matrix.sandbox,
    )


def _sandbox(base: Sandbox, settings: tuple[str, ...]) -> Sandbox:
    """`base` with each `--sandbox KEY=VALUE` applied, checked as matrix.yaml's `sandbox:` is."""
    overrides: dict[str, Any] = {}
    for item in settings:
        key, sep, text = item.partition("=")
        if not sep or key not in SandboxSettings.model_fields:
            raise ConfigurationError(
                f"--sandbox {item!r}: write KEY=VALUE with KEY one of "
                f"{', '.join(SandboxSettings.model_fields)}"
            )
        try:
            value = yaml.safe_load(text) if text else None
        except yaml.YAMLError:
            value = text
        # Sizes and users are strings even where YAML would read a number (`user=1000`).
        if SandboxSettings.model_fields[key].annotation in (str | None,):
            value = text
        try:
            SandboxSettings.model_validate({key: value})
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigurationError(f"--sandbox {item!r}: {message}") from None
        overrides[key] = value
    return base.with_overrides(overrides)


def _image_options(command: F) -> F:
    """The options that choose cells and how their images are built (build, run)."""
    for option in reversed(
        (ONLY_OPT, BASE_OPT, TEMPLATES_OPT, CA_OPT, JOBS_OPT, MIRROR_OPT, REBUILD_OPT, PIN_OPT)
    ):
        command = option(command)
    return command


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
@scale_cli.SHARDS_OPT
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
        scale_cli.check_shard_count(shards)
    matrix = _load(matrix_file)
    cells = _cells(matrix, only)
    if shards is not None:
        scale_cli.print_plan(plan_shards(cells, shards, read_history(results)), as_json=as_json)
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
    matrix = _load(matrix_file)
    if environment not in matrix.environments or python not in matrix.python:
        raise ConfigurationError(
            f"{matrix_file}: no image for python {python!r} and environment {environment!r}"
            + _did_you_mean(environment, list(matrix.environments))
        )
    options = _options(matrix, base, templates, ca_bundle, pin_from=pin_from)
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
        constraints=environments.constraints_for(options.constraints, python, environment),
    )
    click.echo(f"# tag: {spec.tag}")
    if planned.image_id is None:
        click.echo(f"# ({planned.image} is not on this host: a build's tag covers its ID)")
    click.echo(spec.dockerfile, nl=False)


@cli.command()
@MATRIX_ARG
@_image_options
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
    results: Path,
) -> None:
    """Build the images MATRIX needs (unchanged environments are reused)."""
    matrix = _load(matrix_file)
    cells = _cells(matrix, only)
    reporter = Reporter()
    engine = DockerEngine.connect(reporter.command)
    options = _options(
        matrix,
        base,
        templates,
        ca_bundle,
        jobs=jobs,
        rebuild=rebuild,
        mirror_port=pip_mirror_port,
        pin_from=pin_from,
        results=results,
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
@MATRIX_ARG
@_image_options
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
@scale_cli.SHARDS_OPT
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
) -> None:
    """Build what is needed, run every cell, write cells.jsonl and table.md."""
    reporter = Reporter(verbose=not quiet)
    plan: RunPlan | None = None
    choice: scale_cli.ShardChoice | None = None
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
        matrix = _load(matrix_file)
        cells, sandbox = _cells(matrix, only), matrix.sandbox
        if shard is not None:
            choice = scale_cli.choose_shard(
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
    options = _options(
        matrix,
        base,
        templates,
        ca_bundle,
        jobs=jobs,
        rebuild=rebuild,
        mirror_port=pip_mirror_port,
        sandbox=_sandbox(sandbox, sandbox_settings),
        pin_from=pin_from,
        results=results,
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
        cluster = scale_cli.dask_executor(scheduler, jobs=options.jobs, say=reporter.note)
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


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask.")
def clean(yes: bool) -> None:
    """Remove every image the harness built (environment and base images)."""
    if not yes:
        click.confirm("Remove all keras-matrix images?", abort=True)
    reporter = Reporter()
    engine = DockerEngine.connect(reporter.command)
    removed = engine.remove_images(
        HARNESS_LABEL, repositories=(IMAGE_REPOSITORY, DEBIAN_REPOSITORY)
    )
    click.echo(f"removed {removed} images")


cli.add_command(repro)
cli.add_command(bisect)
cli.add_command(results_cli.table)
cli.add_command(results_cli.publish)
cli.add_command(results_cli.diff)
cli.add_command(browse.show)
cli.add_command(browse.ls)
cli.add_command(lock_cli.lock)
cli.add_command(scale_cli.merge)
cli.add_command(ci_github.ci)


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
    except Exception:  # noqa: BLE001 - a harness bug: its own exit code, never 1
        tracebacks.print_exc()
        click.echo(
            f"error: an unexpected harness error (a bug; please report it with the traceback "
            f"above); exit {INTERNAL_ERROR}",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)
