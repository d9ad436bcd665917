"""Nightly builds PyPI no longer has. tf-nightly and keras-nightly keep only their recent
builds there (a few months'), so a report's `tf-nightly==2.6.0.dev20210620` cannot be
installed today; the first release of the line that nightly led to (tensorflow 2.6.0) is the
nearest code PyPI still serves, and the listing says it stands in."""

from __future__ import annotations

from dataclasses import replace

from packaging.version import InvalidVersion, Version

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.resolution import Wanted

# Each nightly distribution and the one its builds are released as.
RELEASED_AS = {"tf-nightly": "tensorflow", "keras-nightly": "keras"}
# The reason a release given in a nightly's place carries (later_pins leaves it unflagged).
STANDS_IN = "in place of the nightly"


def standing_in(
    wanted: dict[str, Wanted], index: PackageIndex | None, *, installed_by_steps: set[str]
) -> tuple[dict[str, Wanted], list[str]]:
    """`wanted` with each exact nightly PyPI no longer has replaced by the first release of
    its line, and the assumptions. A nightly the reporter's own pip line installs is left to
    that line, as written."""
    if index is None:
        return wanted, []
    kept: dict[str, Wanted] = {}
    notes: list[str] = []
    for name, item in wanted.items():
        stable = RELEASED_AS.get(name)
        release = (
            _line_release(index, name, item) if stable and name not in installed_by_steps else None
        )
        if stable is None or release is None or stable in wanted:
            kept[name] = item
            continue
        why = f"{STANDS_IN} {name} {item.version}"
        kept[stable] = replace(item, name=stable, version=release, exact=True, why=why)
        notes.append(
            f"{name} {item.version} is no longer on PyPI (it keeps only recent nightlies): "
            f"{stable} {release}, the first release of the line that nightly led to, stands in"
        )
    return kept, notes


def _line_release(index: PackageIndex, name: str, item: Wanted) -> str | None:
    """The first final release of `item`'s major.minor, when `item` is an exact nightly
    that PyPI does not have; None otherwise."""
    try:
        version = Version(item.version)
    except InvalidVersion:
        return None
    if not item.exact or not version.is_devrelease:
        return None
    try:
        if index.release(name, item.version) is not None:
            return None
        stable = RELEASED_AS[name]
        line = version.release[:2]
        return next(
            (
                str(r.version)
                for r in index.releases(stable)
                if r.version.release[:2] == line and not r.version.is_prerelease
            ),
            None,
        )
    except PackageIndexError:
        return None
