"""The `repro` and `bisect` commands: a bug report to a clean container, a range to a boundary."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import click

from harness.config.matrix_schema import BaseKind
from harness.engine.docker_engine import DockerEngine
from harness.errors import ConfigurationError
from harness.execute.pipeline import Options, base_resolver, default_ca_bundle
from harness.execute.ui import Reporter
from harness.pypi import PackageIndex
from harness.repro.github import IssueReference, api_root, fetch_issue
from harness.repro.github import https_fetch as github_fetch
from harness.repro.installed import read_freeze
from harness.repro.python_fit import pins_fit
from harness.repro.report_source import read_report
from harness.repro.reproduce import (
    Variant,
    claim_of,
    dated,
    listing,
    markdown,
    setting_label,
    settings_of,
    variants_of,
)
from harness.repro.request import Flags, Request, as_json, resolve
from harness.repro.session import (
    SNIPPET,
    build_matrix,
    run,
    usable_python,
    with_python,
)
from harness.textfiles import write_atomic

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "dockerfiles"
COMMON = [
    click.option(
        "--base",
        type=click.Choice(["auto", "registry", "debian"]),
        default="auto",
        show_default=True,
        help="Base images: python:X-slim, Debian built locally, or auto (registry, else Debian).",
    ),
    click.option(
        "--templates",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_TEMPLATES,
        help="Directory of Dockerfile templates.",
    ),
    click.option(
        "--results",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("results"),
        show_default=True,
        help="Directory that receives the run's cells and report.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="Do not stream build logs."),
]


def common_options(function: Any) -> Any:
    """The options `repro` and `bisect` share (--base, --templates, --results, -q)."""
    for option in reversed(COMMON):
        function = option(function)
    return function


def env_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    """`--env NAME=VALUE` options as a mapping; a pair without `=` is one line's error."""
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"--env {pair!r}: write NAME=VALUE")
        env[name] = value
    return env


def _keras_json(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"--keras-json {path}: not a readable JSON file: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"--keras-json {path}: must hold a JSON object")
    return data


def _index() -> PackageIndex:
    return PackageIndex.https(default_ca_bundle())


def _issue(reference: IssueReference) -> Any:
    fetch = github_fetch(os.environ.get("GITHUB_TOKEN") or None, default_ca_bundle())
    return fetch_issue(reference, fetch, api=api_root())


@click.command()
# The report is opened by `read_report`, which refuses in one line; click's own check would
# print its usage text around the reason. Without one, --pip and --script say what to run.
@click.argument("report", required=False, metavar="[REPORT]")
@click.option("--python", help="Python version (overrides the report), e.g. 3.11.")
@click.option(
    "--pip",
    "pip",
    multiple=True,
    metavar="ARGS",
    help="One `pip install` step (repeat for ordered steps); overrides the report's versions.",
)
@click.option(
    "--env", "env", multiple=True, metavar="NAME=VALUE", help="An environment variable for the run."
)
@click.option(
    "--keras-json", type=click.Path(path_type=Path, dir_okay=False), help="A keras.json to install."
)
@click.option(
    "--script",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Run this file, not the report's code.",
)
@click.option(
    "--block",
    type=click.IntRange(1),
    help="Run the report's Nth Python block (counted from the top).",
)
@click.option(
    "--neighbours",
    is_flag=True,
    help="Also run previous/next minors of TensorFlow and Keras (within the reported major), "
    "with and without the backend setting.",
)
@click.option(
    "--cross-major",
    is_flag=True,
    help="Let --neighbours cross a major version (keras 2.15 beside keras 3.0).",
)
@click.option("--dry-run", is_flag=True, help="Show what was extracted and assumed, build nothing.")
@click.option(
    "--json", "as_json_output", is_flag=True, help="With --dry-run: print the extraction as JSON."
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the report was written (YYYY-MM-DD): partial versions mean releases out by then.",
)
@click.option(
    "--today",
    is_flag=True,
    help="Resolve what the steps leave open from PyPI today, not as of the report's day.",
)
@common_options
def repro(  # click passes every option by keyword
    *,
    report: str | None,
    python: str | None,
    pip: tuple[str, ...],
    env: tuple[str, ...],
    keras_json: Path | None,
    script: Path | None,
    block: int | None,
    neighbours: bool,
    cross_major: bool,
    dry_run: bool,
    as_json_output: bool,
    as_of: datetime | None,
    today: bool,
    base: str,
    templates: Path,
    results: Path,
    quiet: bool,
) -> None:
    """Build the environment a bug REPORT describes, run its code, print a Markdown report.

    REPORT is a file, - (standard input), or a GitHub issue or pull request (its URL, or
    OWNER/REPO#N; GITHUB_TOKEN is sent if set). Without REPORT, --pip and --script are needed.
    """
    if as_json_output and not dry_run:
        raise ConfigurationError("--json prints the extraction: use it with --dry-run")
    flags = Flags(
        python=python,
        pip=pip,
        env=env_pairs(env),
        keras_json=_keras_json(keras_json),
        script=script,
        block=block,
    )
    source = read_report(report, flags, fetch_issue=_issue)
    index = _index()
    # A date given on the command line wins over the issue's creation date.
    day = as_of.date() if as_of else source.as_of
    request = resolve(source.path, source.extraction, flags, index, as_of=day)
    reporter = Reporter(verbose=not quiet)

    def environments(request: Request) -> tuple[list[Variant], Request]:
        found = variants_of(request, index, neighbours=neighbours, cross_major=cross_major)
        return (list(found), request) if today else dated(found, request, index)

    variants, request = environments(request)
    reporter.note(f"extracted from {source.origin}:")
    for line in listing(source.notes, request):
        reporter.note(line)
    for variant in variants[1:]:
        steps = " ; ".join(variant.setup.steps)
        reporter.note(f"  neighbour: {variant.label}: pip install {steps}")
    for setting in settings_of(request, neighbours=neighbours)[1:]:
        reporter.note(f"  neighbour: each environment {setting_label(setting.name, request)}")
    if dry_run:
        if as_json_output:
            said = {**as_json(request), "uploaded_prior_to": variants[0].setup.uploaded_prior_to}
            click.echo(json.dumps(said, indent=2))
        return
    engine = DockerEngine.connect(reporter.command)
    options = Options(base=base_kind(base), template_dir=templates, ca_bundle=default_ca_bundle())
    resolver = base_resolver(engine, options, reporter=reporter, echo=reporter.command)
    usable, note = usable_python(resolver, request.python, pins_fit(request.steps, index))
    if note:
        reporter.note(f"  assumed: {note}")
        request = with_python(request, usable, note)
        # Neighbours are the releases that install on the Python actually used.
        variants, request = environments(request)
    with tempfile.TemporaryDirectory(prefix="keras-repro-") as scratch:
        snippet = Path(scratch) / f"{SNIPPET}.py"
        snippet.write_text(request.code, encoding="utf-8")
        matrix = build_matrix(
            source=source.path,
            snippet=snippet,
            python=request.python,
            setups=tuple(v.setup for v in variants),
            settings=settings_of(request, neighbours=neighbours),
            claim=claim_of(request),
            template_dir=templates,
        )
        run_dir, outcomes = run(
            engine,
            matrix,
            options,
            results_root=results,
            reporter=reporter,
            echo=reporter.command,
            resolver=resolver,
        )
    text = markdown(
        request,
        matrix,
        outcomes,
        variants,
        run_dir=run_dir,
        note=note,
        label=source.label,
        installed=read_freeze(run_dir, request.python, outcomes[0].environment),
    )
    write_atomic(run_dir / "repro.md", text)
    click.echo(text)
    reporter.note(f"wrote {run_dir / 'repro.md'}")


def base_kind(value: str) -> BaseKind:
    """`--base` checked against the kinds of base image there are."""
    if value not in ("auto", "registry", "debian"):
        raise ConfigurationError(f"--base {value!r}: choose auto, registry or debian")
    return cast(BaseKind, value)
