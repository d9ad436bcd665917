"""Options and helpers the commands that build and run share (build, run, dockerfile, plan)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import yaml
from pydantic import ValidationError

from harness.build import environment_store, freezes, wheelhouse
from harness.cli import completion
from harness.config.matrix import Matrix, load_matrix
from harness.config.matrix_schema import BASE_KINDS, BaseKind, SandboxSettings
from harness.config.sandbox import Sandbox
from harness.errors import ConfigurationError
from harness.execute.parallel import default_jobs
from harness.execute.pipeline import Options, default_ca_bundle

F = TypeVar("F", bound=Callable[..., Any])
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


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def load_noting(matrix_file: Path) -> Matrix:
    """The matrix, with what its lock has to say (older than the matrix, ...) on stderr."""
    matrix = load_matrix(matrix_file)
    for note in matrix.notes:
        click.echo(f"note: {note}", err=True)
    return matrix


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
ENVIRONMENTS_OPT = click.option(
    "--environments",
    type=click.Choice(environment_store.ENVIRONMENT_MODES),
    default="auto",
    show_default=True,
    help="images: every environment is an image. mounts: its installs are kept in a host "
    "directory, mounted into a shared image of its base (no layer is written: much faster on "
    "fuse-overlayfs and vfs). auto: mounts on those storage drivers where the engine sees this "
    "host's directories, images elsewhere and for --executor dask.",
)
ENVIRONMENTS_DIR_OPT = click.option(
    "--environments-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where mounted environments are kept. Default: ~/.cache/keras-matrix/environments "
    "(one per host, as images are one per engine).",
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


def options_for(
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
    environments: str = "auto",
    environments_dir: Path | None = None,
) -> Options:
    """The build and run Options the command-line flags and the matrix say."""
    # click.Choice has already limited `base` to the BaseKind values.
    kind = cast(BaseKind, base or matrix.base)
    pins = freezes.find_directory(pin_from, results) if pin_from else matrix.constraints
    return Options(
        constraints=pins,
        base=kind,
        template_dir=templates or matrix.template_dir,
        ca_bundle=ca_bundle or default_ca_bundle(),
        jobs=jobs or default_jobs(),
        rebuild=rebuild,
        mirror_port=mirror_port or None,
        sandbox=sandbox or matrix.sandbox,
        # click.Choice has already limited `environments` to the modes.
        environments=cast(environment_store.EnvironmentMode, environments),
        # Absolute: the engine binds it, wherever the harness was started.
        environments_dir=environments_dir.resolve() if environments_dir else None,
    )


def sandbox_with(base: Sandbox, settings: tuple[str, ...]) -> Sandbox:
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


def image_options(command: F) -> F:
    """The options that choose cells and how their images are built (build, run)."""
    for option in reversed(
        (
            ONLY_OPT,
            BASE_OPT,
            TEMPLATES_OPT,
            CA_OPT,
            JOBS_OPT,
            MIRROR_OPT,
            REBUILD_OPT,
            PIN_OPT,
            ENVIRONMENTS_OPT,
            ENVIRONMENTS_DIR_OPT,
        )
    ):
        command = option(command)
    return command
