"""The `lock` command: a matrix's tracked environments resolved to exact releases."""

from __future__ import annotations

from pathlib import Path

import click

from harness.config import tracked_matrix
from harness.config.lockfile import Lock, changes, lock_path, read_lock
from harness.config.matrix import load_matrix, parse_matrix_file
from harness.config.tracking import resolve
from harness.errors import ConfigurationError
from harness.execute.pipeline import default_ca_bundle
from harness.pypi import PackageIndex


def make_index(ca_bundle: Path | None) -> PackageIndex:
    """PyPI's Simple API; tests put recorded answers in its place."""
    return PackageIndex.simple(ca_bundle)


@click.command()
@click.argument(
    "matrix_file", metavar="MATRIX", type=click.Path(path_type=Path), default="matrix.yaml"
)
@click.option(
    "--upgrade",
    is_flag=True,
    help="Ask PyPI again for every tracked environment (not only new or changed ones) and "
    "print what changed: new minors, new patches, dropped Pythons.",
)
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="CA bundle for HTTPS to PyPI. Default: $PIP_CERT, $REQUESTS_CA_BUNDLE or "
    "$SSL_CERT_FILE if set.",
)
def lock(matrix_file: Path, upgrade: bool, ca_bundle: Path | None) -> None:
    """Write MATRIX.lock: each tracked environment's releases, pinned exactly.

    Runs (plan, build, run, dockerfile) read the lock and never PyPI, so a run can be
    repeated offline and gives the same environments. Without --upgrade, only tracked
    environments that are new or changed in MATRIX are asked about; the rest keep their pins.
    Exit codes: 0 written or up to date, 2 a configuration error, 8 PyPI unreachable (the
    lock is left as it was).
    """
    parsed, _ = parse_matrix_file(matrix_file)
    wanted = tracked_matrix.requests(parsed)
    if not wanted:
        raise ConfigurationError(
            f"{matrix_file}: no environment is tracked (an environment with `track:`), so "
            "there is nothing to lock"
        )
    path = lock_path(matrix_file)
    old = read_lock(path)
    kept = {
        name: old.groups[name]
        for name, request in wanted.items()
        if old is not None and not upgrade and name in old.groups
        if old.groups[name].request.same_as(request)
    }
    asked = [name for name in wanted if name not in kept]
    if not asked and old is not None and set(old.groups) == set(wanted):
        click.echo(
            f"{path} is up to date ({sum(len(g.releases) for g in old.groups.values())} "
            "environments); `--upgrade` asks PyPI for newer releases"
        )
        return
    index = make_index(ca_bundle or default_ca_bundle())
    resolved = {name: resolve(name, wanted[name], index) for name in asked}
    new = Lock(path=path, groups={name: kept.get(name) or resolved[name] for name in wanted})
    matrix = load_matrix(matrix_file, lock=new)  # the whole matrix must hold with these pins
    new.write(matrix_file.name)
    found = changes(old, new)
    for line in found or ["no change"]:
        click.echo(line)
    for note in matrix.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {path}", err=True)
