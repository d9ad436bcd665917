"""Exact versions for what a report leaves open, as of the day it was written.

A partial version ('TF 2.11', 'keras 3') means the release current when the report was
written: the newest matching release uploaded by then, never a later patch. A package named
or imported without a version gets the newest release out by then. The Python is one that
every package can install on (from the files' wheel tags and Requires-Python), among the
Pythons released by then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from packaging.version import Version

from harness.errors import ConfigurationError, PackageIndexError
from harness.pypi import PackageIndex, Release, fits
from harness.repro.bug_report.distributions import brought_by
from harness.repro.constraints import fitted

DEFAULT_PYTHON = "3.11"
# First release of each CPython: a report cannot have used a Python released after it.
PYTHON_RELEASED = {
    "3.5": date(2015, 9, 13),
    "3.6": date(2016, 12, 23),
    "3.7": date(2018, 6, 27),
    "3.8": date(2019, 10, 14),
    "3.9": date(2020, 10, 5),
    "3.10": date(2021, 10, 4),
    "3.11": date(2022, 10, 24),
    "3.12": date(2023, 10, 2),
    "3.13": date(2024, 10, 7),
}
# Tried in this order: the default first, then its neighbours (base images for 3.9, 3.11 and
# 3.13 can be built here from Debian), then older Pythons for older packages.
PREFERENCE = ("3.11", "3.10", "3.12", "3.9", "3.13", "3.8", "3.7", "3.6", "3.5")


@dataclass(frozen=True, kw_only=True)
class Wanted:
    """One package to install: an exact version, a prefix ('2.16'), or '' for any."""

    name: str
    version: str
    exact: bool
    why: str  # what the report said, for the assumption
    # When no release out by the report's date fits the packages settled before it, the
    # first one after it (True), or the newest by then all the same (False: the others were
    # installed over it, as a TensorFlow 2.15 under a Keras 3.0 was).
    later: bool = True
    # The range a pip line installs it within (`<2.16`), where it pins no one release.
    within: str = ""


def version_of(text: str) -> Version | None:
    """`text` as a PEP 440 version, or None when it is not one."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a part longer than int() reads (4300 digits)
        return None


def is_exact(version: str) -> bool:
    """Whether `version` names one release (three parts, or a pre-release), not a series."""
    parsed = version_of(version)
    if parsed is None:
        raise ConfigurationError(f"{version!r} is not a version")
    return len(parsed.release) >= 3 or parsed.is_prerelease


@dataclass(frozen=True, kw_only=True)
class ImpliedDates:
    """The earliest day the report can have been written, seen from each package it names.

    With no date given, a report cannot predate the releases it names (an exact version's
    upload; for a partial one, the first release matching it). Versions it leaves open are
    resolved as of the latest of those days among the *other* packages, so that they fit the
    versions the report does name: a partial version does not date itself ("keras 3" alone is
    the newest 3.x, not 3.0.0). The day is an assumption, never the report's `as_of`."""

    days: tuple[tuple[date, str, str], ...]  # (uploaded, "name version", name)

    def latest(self) -> date | None:
        """The latest day any package's version was resolved as of, if any."""
        return max((d for d, _, _ in self.days), default=None)

    def for_package(self, name: str, assumed: list[str]) -> date | None:
        """The day `name`'s open version is resolved as of, said once in `assumed`."""
        others = [entry for entry in self.days if entry[2] != name]
        if not others:
            return None
        day, label, _ = max(others)
        said = (
            f"as of {day}: the report gives no date and cannot predate {label} "
            f"(uploaded {day}); versions it leaves open are resolved as of that day"
        )
        if said not in assumed:
            assumed.append(said)
        return day


def implied_dates(wanted: Iterable[Wanted], index: PackageIndex) -> ImpliedDates:
    """Each named version's upload day (see `ImpliedDates`)."""
    days: list[tuple[date, str, str]] = []
    for item in wanted:
        if not item.version:
            continue
        try:
            release = (
                index.release(item.name, item.version)
                if item.exact
                else _first(index, item.name, item.version)
            )
        except PackageIndexError:
            continue  # not on PyPI (a private index's package): it dates nothing
        if release is not None and release.uploaded is not None:
            days.append((release.uploaded, f"{item.name} {release.version}", item.name))
    return ImpliedDates(days=tuple(days))


def _first(
    index: PackageIndex, name: str, prefix: str, python: str | None = None, within: str = ""
) -> Release | None:
    """The earliest final release matching `prefix` and in the range `within` (installable
    on `python`, if given)."""
    for release in index.releases(name):
        if release.version.is_prerelease or not fits(release.version, prefix, within):
            continue
        if python is None or release.installable_on(python):
            return release
    return None


def choose_python(
    wanted: Sequence[Wanted], index: PackageIndex | None, as_of: date | None
) -> tuple[str, str]:
    """A Python every wanted package installs on, and why it was chosen."""
    released = [p for p in PREFERENCE if as_of is None or PYTHON_RELEASED[p] <= as_of]
    names = ", ".join(f"{w.name} {w.version or w.within}".strip() for w in wanted)
    if not wanted and released and released[0] != DEFAULT_PYTHON:
        # Nothing to install: the Python of the day is the one the reporter could have had.
        return released[0], (
            f"Python {released[0]}: the report names no Python version; the first of "
            f"{', '.join(released)} (Pythons released by {as_of})"
        )
    if index is None or not wanted:
        return DEFAULT_PYTHON, f"Python {DEFAULT_PYTHON}: the report names no Python version"
    # A Python with releases out by the report's date first (TensorFlow 2.4.1 on 3.8 in
    # March 2021, not 2.5.0 on 3.9); a package first released later allows any.
    fits = (
        (python, strict)
        for strict in (True, False)
        for python in released or [DEFAULT_PYTHON]
        if all(_installs(w, python, index, as_of, strict=strict) for w in wanted)
    )
    for python, strict in fits:
        if python == DEFAULT_PYTHON:
            return python, (
                f"Python {python}: the report names no Python version (files for it: {names})"
            )
        tried = ", ".join(released[: released.index(python)])
        out_by = f" out by {as_of}" if as_of and strict else ""
        return python, (
            f"Python {python}: the report names no Python version, and {names} "
            f"have no files for {tried or 'a newer Python'}{out_by}"
            + (f" (Pythons released by {as_of})" if as_of else "")
        )
    return DEFAULT_PYTHON, (
        f"Python {DEFAULT_PYTHON}: the report names no Python version and no Python "
        f"has files for all of {names}"
    )


def installs_on(wanted: Wanted, python: str, index: PackageIndex) -> bool:
    """Whether any release `wanted` names (whenever it came out) has files for `python`."""
    return _installs(wanted, python, index, None)


def _installs(
    wanted: Wanted, python: str, index: PackageIndex, as_of: date | None, *, strict: bool = False
) -> bool:
    """Whether `wanted` has a release for `python`: out by `as_of` when `strict`, else any."""
    if wanted.exact:
        release = index.release(wanted.name, wanted.version)
        return release is None or release.installable_on(python)
    found = _latest(index, wanted, python, as_of)
    if found is not None or strict:
        return found is not None
    return _first(index, wanted.name, wanted.version, python, wanted.within) is not None


def _latest(index: PackageIndex, wanted: Wanted, python: str, as_of: date | None) -> Version | None:
    """The newest final release `wanted` allows on `python` out by `as_of`, in its range if any."""
    versions = index.versions(wanted.name, python=python, as_of=as_of)
    return max((v for v in versions if fits(v, wanted.version, wanted.within)), default=None)


def exact_version(
    wanted: Wanted, python: str, index: PackageIndex | None, as_of: date | None, *, dated: bool
) -> tuple[str, str | None]:
    """The version to install and, when it was not the reporter's, the assumption. `dated`:
    `as_of` is the report's own day, not one its versions imply (a bound, not the day)."""
    if wanted.exact:
        return wanted.version, None
    if index is None:
        raise ConfigurationError(
            f"{wanted.name} {wanted.version or '(no version)'} is not an exact release and "
            "PyPI cannot be asked offline"
        )
    if wanted.within and not _installs(wanted, python, index, None):
        # No release in the range installs on this Python: the step stays as written, and
        # pip refuses it in the build as it refused the reporter; the rest is chosen as if
        # the line gave no range.
        version, said = exact_version(replace(wanted, within=""), python, index, as_of, dated=dated)
        return version, (
            f"{said}; no {wanted.name} release in {wanted.within} has files for Python "
            f"{python}, so pip refuses the step as written"
        )
    latest = _latest(index, wanted, python, as_of)
    when = f" out by {as_of}" if as_of else ""
    within = f" in {wanted.within}" if wanted.within else ""
    if latest is None and dated and wanted.version:
        # "TF 2.16" on 2024-03-01, when PyPI had only 2.16.0rc0: where no final release fits,
        # pip installs a pre-release (Python 3.12's `pip install tensorflow` got the rc).
        prefix = Version(wanted.version).release
        candidates = index.versions(wanted.name, python=python, pre=True, as_of=as_of)
        pre = max((v for v in candidates if v.release[: len(prefix)] == prefix), default=None)
        if pre is not None:
            return str(pre), (
                f"{wanted.name} {pre}: the latest {wanted.version}.x release on PyPI for Python "
                f"{python}{when}, a pre-release: no final one was out, and pip installs a "
                f"pre-release where no final release fits ({wanted.why})"
            )
    if latest is None and as_of is not None:
        # Nothing out by then: the report names a package first released later, so it was
        # written later; its first release is the nearest guess.
        first = _first(index, wanted.name, wanted.version, python, wanted.within)
        if first is not None:
            return str(first.version), (
                f"{wanted.name} {first.version}: its first "
                f"{wanted.version + '.x ' if wanted.version else ''}release{within} for Python "
                f"{python}, none being out by {as_of} ({wanted.why})"
            )
    if latest is None:
        raise ConfigurationError(
            f"PyPI has no {wanted.name} {wanted.version + '.x ' if wanted.version else ''}"
            f"release{within}{when} installable on Python {python}"
        )
    if wanted.version:
        return str(latest), (
            f"{wanted.name} {latest}: the latest {wanted.version}.x release on PyPI for "
            f"Python {python}{when} ({wanted.why})"
        )
    return str(latest), (
        f"{wanted.name} {latest}: the latest release{within} for Python {python}{when} "
        f"({wanted.why})"
    )


@dataclass(frozen=True, kw_only=True)
class Settled:
    """The Python and each package's exact version, with what was read and assumed for them."""

    python: str
    exact: dict[str, str]
    extracted: tuple[tuple[str, str], ...]  # (what, where it was read)
    assumed: tuple[str, ...]


def settle(
    wanted: dict[str, Wanted],
    index: PackageIndex | None,
    *,
    day: date | None,
    python: tuple[str, str] | None,
) -> Settled:
    """The Python (`python`: given or read, with where; else chosen) and an exact version
    for each wanted package, as of `day` or, without one, the day the named versions imply."""
    extracted: list[tuple[str, str]] = []
    assumed: list[str] = []
    wanted = _without_unknown_versions(wanted, index, assumed)
    implied = None
    if day is None and index is not None:
        implied = implied_dates(wanted.values(), index)
    if python is not None:
        chosen = python[0]
        if python[1] != "given":
            extracted.append((f"Python {chosen}", python[1]))
    else:
        latest = implied.latest() if implied is not None else None
        chosen, why = choose_python(list(wanted.values()), index, day or latest)
        assumed.append(why)
    exact: dict[str, str] = {}
    # The reporter's exact versions first, then partial ones, then none: a version left open
    # is chosen within what those settled before it require (harness/repro/constraints.py).
    # Among those equally open, a package another one brings comes after it (NumPy after
    # TensorFlow): pip chooses it to fit what brings it, not the other way round.
    brought = {
        name: name in brought_by({n: w.version or None for n, w in wanted.items() if n != name})
        for name in wanted
    }
    for name, item in sorted(
        wanted.items(), key=lambda pair: (_openness(pair[1]), brought[pair[0]])
    ):
        as_of = day
        if implied is not None and not item.exact:
            as_of = implied.for_package(name, assumed)
        newest, assumption = exact_version(item, chosen, index, as_of, dated=day is not None)
        version, fit = newest, None
        if not item.exact and index is not None and exact:
            version, fit = fitted(
                name,
                item.version,
                newest,
                exact,
                index,
                python=chosen,
                as_of=as_of,
                later=item.later,
                within=item.within,
            )
        # Another version than the newest by then says why itself.
        assumed.extend(a for a in (assumption if version == newest else None, fit) if a)
        exact[name] = version
    in_order = {name: exact[name] for name in wanted}
    return Settled(
        python=chosen, exact=in_order, extracted=tuple(extracted), assumed=tuple(assumed)
    )


def _without_unknown_versions(
    wanted: dict[str, Wanted], index: PackageIndex | None, assumed: list[str]
) -> dict[str, Wanted]:
    """Partial versions no release of the package matches ("keras: 3.21", for 3.2.1) left
    open: resolved as a package named without a version, rather than refusing the report
    over one number. So is an exact one a listing or a sentence gives ("- keras-cv=1.4.0"
    when keras-cv had reached 0.6): a slip, which pip could not install either. A version
    a pip line writes is kept: pip is told what the reporter told it."""
    if index is None:
        return wanted
    kept = dict(wanted)
    for name, item in wanted.items():
        if item.why == "as written" or not item.version or not index.releases(name):
            continue
        if not _released(index, name, item):
            assumed.append(
                f"{name} {item.version} not pinned: PyPI has no {name} {item.version} or "
                f"{item.version}.x release (removed, or a slip in the report); resolved as a "
                "package named without a version"
            )
            kept[name] = replace(
                item, version="", exact=False, why=f"the report's {item.version} is no release"
            )
    return kept


def _released(index: PackageIndex, name: str, item: Wanted) -> bool:
    if not item.exact:
        return _first(index, name, item.version) is not None
    version = version_of(item.version)
    return version is None or any(r.version == version for r in index.releases(name))


def _openness(item: Wanted) -> int:
    return 0 if item.exact else 1 if item.version or item.within else 2
