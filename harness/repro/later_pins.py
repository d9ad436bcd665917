"""Exact versions a report names that PyPI received only after the report's date.

A report dated 2024-07-10 that says `keras==3.14.0` cannot have run it then: the date is the
issue's creation, and the text was edited later, or the number is a slip. The text is what the
reporter wrote about the environment, so the version is kept as written (pip would be told the
same), and the listing says that it postdates the report: a reader then knows which to doubt.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.nightlies import STANDS_IN
from harness.repro.resolution import Wanted


def released_later(
    wanted: Iterable[Wanted], index: PackageIndex | None, day: date | None
) -> list[str]:
    """An assumption for each exact version in `wanted` uploaded after `day`."""
    if index is None or day is None:
        return []
    notes = []
    for item in wanted:
        if not item.exact or item.why.startswith(STANDS_IN):
            continue  # a nightly's release comes after the nightly, and its note says so
        try:
            release = index.release(item.name, item.version)
        except PackageIndexError:
            continue
        if release is not None and release.uploaded is not None and release.uploaded > day:
            notes.append(
                f"{item.name} {item.version} kept as the report writes it, though PyPI "
                f"received it on {release.uploaded}, after the report's date {day} (the "
                "report was edited later, or the number is a slip)"
            )
    return notes
