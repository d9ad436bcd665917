"""`harness bisect`: the first release of a package where a snippet's outcome changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from harness.cli.repro_bisect import base_kind, common_options, env_pairs
from harness.engine.docker_engine import DockerEngine
from harness.errors import ConfigurationError
from harness.execute.pipeline import Options, base_resolver, default_ca_bundle
from harness.execute.ui import Reporter
from harness.pypi import PackageIndex
from harness.repro.bisection import (
    Observation,
    candidates,
    parse_range,
    search,
    side_by_side,
    snippet_target,
)
from harness.repro.day_of_pypi import day_of_pypi, released
from harness.repro.session import Setting, Setup, build_matrix, environment_name, run
from harness.textfiles import write_atomic


@click.command()
@click.argument("target", metavar="SCENARIO_OR_SNIPPET")
@click.argument("package")
@click.argument("versions", metavar="LOW..HIGH")
@click.option(
    "--python", default="3.11", show_default=True, help="Python version of every environment."
)
@click.option(
    "--with", "extra", default="", metavar="ARGS", help="More requirements for the same pip step."
)
@click.option(
    "--env",
    "env",
    multiple=True,
    metavar="NAME=VALUE",
    help="An environment variable for the runs.",
)
@click.option("--pre", is_flag=True, help="Include pre-releases.")
@click.option(
    "--release-day",
    is_flag=True,
    help="Install each release with PyPI as of the day after its upload (its dependencies as "
    "they were then), not today's.",
)
@click.option(
    "--json",
    "as_json_output",
    is_flag=True,
    help="Print the search as JSON (also written to bisect.json).",
)
@common_options
def bisect(
    *,
    target: str,
    package: str,
    versions: str,
    python: str,
    extra: str,
    env: tuple[str, ...],
    pre: bool,
    release_day: bool,
    as_json_output: bool,
    base: str,
    templates: Path,
    results: Path,
    quiet: bool,
) -> None:
    """Find the first release of PACKAGE in LOW..HIGH where the snippet's outcome changes."""
    lo, hi = parse_range(versions)
    snippet, claim = snippet_target(target)
    index = PackageIndex.https(default_ca_bundle())
    usable, skipped = candidates(index, package, lo, hi, python=python, pre=pre)
    reporter = Reporter(verbose=not quiet)
    reporter.note(
        f"{len(usable)} releases of {package} in {lo}..{hi} install on Python {python}: "
        + ", ".join(str(v) for v in usable)
    )
    for version, why in skipped:
        reporter.note(f"  skipped {package} {version}: {why}")
    if len(usable) < 2:
        raise ConfigurationError(
            f"{package} {lo}..{hi}: fewer than two releases install on Python {python}"
        )
    engine = DockerEngine.connect(reporter.command)
    options = Options(base=base_kind(base), template_dir=templates, ca_bundle=default_ca_bundle())
    root = results / f"bisect-{package}-{lo}-{hi}"
    setting = Setting(name="as-given", env=env_pairs(env))
    resolver = base_resolver(engine, options, reporter=reporter, echo=reporter.command)

    def observe(version: Any) -> Observation:
        step = f"{package}=={version} {extra}".strip()
        day = (
            day_of_pypi([step], released(index, package, version), index, python=python)
            if release_day
            else None
        )
        setup = Setup(
            name=environment_name((step,)),
            steps=(step,),
            uploaded_prior_to=day.moment if day else None,
        )
        matrix = build_matrix(
            source=snippet,
            snippet=snippet,
            python=python,
            setups=(setup,),
            settings=(setting,),
            claim=claim,
            template_dir=templates,
        )
        _, outcomes = run(
            engine,
            matrix,
            options,
            results_root=root,
            reporter=reporter,
            echo=reporter.command,
            resolver=resolver,
        )
        found = Observation.of(version, outcomes[0])
        reporter.note(f"  {package} {version}: {found.skipped or found.key}")
        return found

    result = search(usable, observe, skipped)
    lines = [f"### `{snippet.name}`: {package} {lo}..{hi} on Python {python}", ""]
    if release_day:
        lines += [
            "Each release was installed with PyPI as of the day after its upload: its "
            "dependencies as they were then.",
            "",
        ]
    if result.before is not None and result.after is not None:
        before, after = result.before.version, result.after.version
        lines += [
            f"The outcome changes between {package} {before} and {after}.",
            "",
            side_by_side(package, result),
        ]
    else:
        lines.append(f"No change: every release tried behaves like {package} {usable[0]}.")
    lines += [
        "",
        "Tried: "
        + ", ".join(
            f"{o.version} ({'skipped' if o.key is None else 'run'})"
            for o in sorted(result.observations, key=lambda o: o.version)
        ),
    ]
    lines += [f"Skipped {v}: {why}" for v, why in result.skipped]
    text = "\n".join(lines) + "\n"
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root / "bisect.md", text)
    data: dict[str, Any] = {"package": package, "python": python, "range": [str(lo), str(hi)]}
    data["release_day"] = release_day
    data |= result.to_json()
    write_atomic(root / "bisect.json", json.dumps(data, indent=2) + "\n")
    click.echo(json.dumps(data, indent=2) if as_json_output else text)
    reporter.note(f"wrote {root / 'bisect.md'} and bisect.json")
