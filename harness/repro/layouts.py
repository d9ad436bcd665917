"""Releases a report's installed layout narrows its packages to: a traceback through
`tensorflow_core` ran TensorFlow 2.1 or older, one through keras/backend/tensorflow_backend.py
a multi-backend Keras (2.3 or older). Where the report gives that package no version, the
newest release by its date would be another layout, which does not have the code that failed;
the newest release by then before the first without the layout is taken instead."""

from __future__ import annotations

from datetime import date

from packaging.version import Version

from harness.pypi import PackageIndex
from harness.repro import old_keras
from harness.repro.bug_report.model import Extraction
from harness.repro.resolution import Wanted

# TensorFlow from 2.6 brings a Keras of its own minor, which no multi-backend Keras is.
_BRINGS_KERAS = Version("2.6")
_TENSORFLOWS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu")


def narrowed(
    wanted: dict[str, Wanted], extraction: Extraction, index: PackageIndex | None, day: date | None
) -> dict[str, Wanted]:
    """Keras 2 for Keras 2.13-2.15's layout (see old_keras), then the older layouts."""
    keras = old_keras.keras_of_the_layout(wanted, extraction)
    found = {"keras": keras} if keras else {}
    return {**found, **of_the_layouts({**wanted, **found}, extraction, index, day)}


def of_the_layouts(
    wanted: dict[str, Wanted], extraction: Extraction, index: PackageIndex | None, day: date | None
) -> dict[str, Wanted]:
    """The packages the report's old layouts narrow, each as its newest release by `day`
    before the first release without that layout."""
    if index is None:
        return {}
    found: dict[str, Wanted] = {}
    for name, first_without, shown in extraction.old_layouts:
        if wanted.get(name) is not None and wanted[name].version:
            continue  # the report gives the version
        if name == "keras" and _brings_keras(wanted):
            continue
        bound = Version(first_without)
        newest = max(
            (
                r.version
                for r in index.releases(name)
                if r.version < bound and not r.version.is_prerelease and r.out_by(day)
            ),
            default=None,
        )
        if newest is None:
            continue
        by = f" out by {day}" if day else ""
        found[name] = Wanted(
            name=name,
            version=f"{newest.major}.{newest.minor}",
            exact=False,
            why=f"the report shows {shown}: the newest release before {first_without}{by}",
        )
    return found


def _brings_keras(wanted: dict[str, Wanted]) -> bool:
    for name in _TENSORFLOWS:
        version = wanted[name].version if name in wanted else ""
        if version and Version(version) >= _BRINGS_KERAS:
            return True
    return False
