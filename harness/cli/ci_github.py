"""`harness ci github`: a GitHub Actions workflow that runs a matrix in shards and merges them.

A `plan` job prints the shards (`harness plan --shards N --json`) as its output; a `shard` job
per shard runs `harness run --shard`, with the plan's hash so that a shard whose checkout
plans differently refuses instead of running the wrong cells, and uploads its run as the
artifact `cells-<shard>-<attempt>` (a re-run attempt never overwrites an earlier one); a
`merge` job, run even when a shard failed, downloads every shard's run, merges them, and
publishes the tables, a summary and JUnit XML. With `--schedule`, the same jobs keep the
published table current (ci_schedule.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli import ci_schedule
from harness.config.matrix_schema import BASE_KINDS
from harness.errors import ConfigurationError
from harness.execute.sharding import check_shard_count

DEFAULT_WORKFLOW = Path(".github/workflows/keras-matrix.yml")
# The actions every emitted workflow uses, at one version each (actionlint, in the tests, flags
# those on a deprecated runtime).
ACTIONS = {
    "__CHECKOUT__": "actions/checkout@v5",
    "__SETUP_PYTHON__": "actions/setup-python@v6",
    "__UPLOAD_ARTIFACT__": "actions/upload-artifact@v6",
    "__DOWNLOAD_ARTIFACT__": "actions/download-artifact@v7",
}

_TEMPLATE = """\
# Written by `harness ci github`; change its options rather than this file
# (`harness ci github --check` fails when the two differ).
name: keras-matrix

on:
  workflow_dispatch:
__SCHEDULE__
permissions:
  contents: read

jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      shards: ${{ steps.plan.outputs.shards }}
      any: ${{ steps.plan.outputs.any }}
    steps:
      - uses: __CHECKOUT__
      - uses: __SETUP_PYTHON__
        with:
          python-version: "3.11"
      - run: pip install .
__LOCK_UPGRADE__      # Planned with the shards' (empty) --results: runs committed under results/
      # would give costs the shards do not see, and a plan hash they refuse.
      - id: plan
        run: |
          shards="$(harness plan __MATRIX__ --shards __SHARDS__ --json --results shard-results)"
          echo "shards=$shards" >> "$GITHUB_OUTPUT"
          if [ "$shards" = '{"include":[]}' ]; then any=false; else any=true; fi
          echo "any=$any" >> "$GITHUB_OUTPUT"

  shard:
    needs: plan
    # An empty matrix is an error in Actions: no shard job when the plan has no cells.
    if: needs.plan.outputs.any == 'true'
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      max-parallel: __SHARDS__
      matrix: ${{ fromJSON(needs.plan.outputs.shards) }}
    steps:
      - uses: __CHECKOUT__
      - uses: __SETUP_PYTHON__
        with:
          python-version: "3.11"
      - run: pip install .
__LOCK_DOWNLOAD__      - name: harness run --shard ${{ matrix.shard }}
        env:
          SHARD: ${{ matrix.shard }}
          PLAN_HASH: ${{ matrix.plan_hash }}
        run: >-
          harness run __MATRIX__ --shard "$SHARD" --plan-hash "$PLAN_HASH"
          --base __BASE__ --results shard-results --quiet
      - uses: __UPLOAD_ARTIFACT__
        if: always()
        with:
          name: cells-${{ matrix.index }}-${{ github.run_attempt }}
          path: |
            shard-results/
            !shard-results/latest
          if-no-files-found: ignore

  merge:
    needs: [plan, shard]
    if: always() && needs.plan.outputs.any == 'true'
    runs-on: ubuntu-latest
__MERGE_PERMISSIONS__    steps:
      - uses: __CHECKOUT__
      - uses: __SETUP_PYTHON__
        with:
          python-version: "3.11"
      - run: pip install .
      - uses: __DOWNLOAD_ARTIFACT__
        with:
          pattern: cells-*
          merge-multiple: true
          path: shard-results
__LOCK_DOWNLOAD__      # Partial merges still publish: a failed shard already fails the workflow.
      - run: harness merge shard-results/*/ -o merged --allow-partial
__PUBLISH__"""

# Without --schedule: the tables, a summary and JUnit XML as an artifact of the run.
_PUBLISH = """\
      - run: harness publish merged -o published
      - run: harness table merged -f summary -o - >> "$GITHUB_STEP_SUMMARY"
      - run: harness table merged -f junit -o published/junit.xml
      - uses: __UPLOAD_ARTIFACT__
        with:
          name: tables-${{ github.run_attempt }}
          path: published/
"""


def workflow(
    matrix: str,
    *,
    shards: int,
    schedule: str | None,
    base: str = "registry",
    published: str = ci_schedule.DEFAULT_PUBLISHED,
) -> str:
    """The workflow's YAML text, the same for the same arguments. With a schedule it is the
    living table's: the lock upgraded, the run diffed against `published` and republished."""
    check_shard_count(shards)
    for option, path in (("MATRIX", matrix), ("--published", published)):
        if not path or any(c in path for c in " \"'$`\n"):
            raise ConfigurationError(f"{option} {path!r}: a path without spaces or quotes, please")
    parts = {"__SCHEDULE__": "", "__LOCK_UPGRADE__": "", "__LOCK_DOWNLOAD__": ""}
    parts |= {"__MERGE_PERMISSIONS__": "", "__PUBLISH__": _PUBLISH}
    if schedule is not None:
        parts = ci_schedule.parts(schedule, matrix=matrix)
    text = _TEMPLATE
    for marker, fragment in (parts | ACTIONS).items():
        text = text.replace(marker, fragment)
    return (
        text.replace("__MATRIX__", matrix)
        .replace("__SHARDS__", str(shards))
        .replace("__BASE__", base)
        .replace("__PUBLISHED__", published.rstrip("/"))
    )


@click.group()
def ci() -> None:
    """Write CI configuration that runs a matrix in shards."""


@ci.command()
@click.argument("matrix", default="matrix.yaml")
@click.option("--shards", type=int, default=4, show_default=True, help="Shard jobs (max 256).")
@click.option(
    "--schedule",
    default=None,
    metavar="CRON",
    help="Run on this cron schedule as the living table: upgrade MATRIX's lock, run, diff "
    "against the published run (job summary), republish, and open a pull request.",
)
@click.option(
    "--published",
    metavar="DIR",
    default=ci_schedule.DEFAULT_PUBLISHED,
    show_default=True,
    help="With --schedule: the committed published run to diff against and replace.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"Write the workflow here (e.g. {DEFAULT_WORKFLOW}); default: standard output.",
)
@click.option(
    "--base",
    type=click.Choice(BASE_KINDS),
    default="registry",
    show_default=True,
    help="Base images on the runners (GitHub's Ubuntu runners reach Docker Hub).",
)
@click.option("--check", is_flag=True, help="Exit 1 if OUTPUT differs from what would be written.")
def github(
    matrix: str,
    shards: int,
    schedule: str | None,
    published: str,
    output: Path | None,
    base: str,
    check: bool,
) -> None:
    """A GitHub Actions workflow: plan, one job per shard, merge and publish."""
    text = workflow(matrix, shards=shards, schedule=schedule, base=base, published=published)
    if check:
        target = output or DEFAULT_WORKFLOW
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            click.echo(f"{target}: differs from `harness ci github`'s output; regenerate it")
            raise SystemExit(1)
        click.echo(f"{target}: up to date")
        return
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
