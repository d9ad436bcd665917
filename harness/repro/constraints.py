"""What the packages of a reproduction require of the ones the report leaves open.

A package the report never versions gets the newest release out by the report's date; but the
reporter's pip chose it beside the others, within their Requires-Dist. `pip install
tensorflow==2.4.1 numpy` in March 2021 installed numpy 1.19.5 (TensorFlow 2.4.1 requires
numpy~=1.19.2), not that day's newest numpy, 1.20.1, which pip refuses beside it. So an open
version is the newest by the date that every other package's requirements allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex, fits


@dataclass(frozen=True, kw_only=True)
class Constraint:
    """What the other packages require of one package, and which of them require it."""

    specifier: SpecifierSet
    by: tuple[str, ...]  # "tensorflow 2.4.1 requires numpy~=1.19.2"


def constraint_on(
    name: str, others: Mapping[str, str], index: PackageIndex, python: str
) -> Constraint:
    """The specifiers that `others` (name -> exact version) put on `name` when installed on
    CPython `python` on Linux x86_64 (markers evaluated there; extras not asked for ignored).
    Raises PackageIndexError when a release's requirements cannot be read."""
    wanted = canonicalize_name(name)
    specifier = SpecifierSet()
    by: list[str] = []
    for other, version in others.items():
        for line in index.requirements(other, version, python=python):
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue  # pip would refuse the release; nothing to learn from the line
            if canonicalize_name(requirement.name) != wanted or not requirement.specifier:
                continue
            if requirement.marker is not None and not _applies(requirement.marker, python):
                continue
            specifier &= requirement.specifier
            by.append(f"{other} {version} requires {requirement.name}{requirement.specifier}")
    return Constraint(specifier=specifier, by=tuple(by))


def _applies(marker: Marker, python: str) -> bool:
    environment = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "extra": "",
    }
    try:
        return marker.evaluate(environment)
    except InvalidMarker:
        return True


def fitted(
    name: str,
    prefix: str,
    version: str,
    others: Mapping[str, str],
    index: PackageIndex,
    *,
    python: str,
    as_of: date | None,
    later: bool = True,
    within: str = "",
) -> tuple[str, str | None]:
    """`version` of `name` (an open version, resolved to `prefix`'s newest), or, when `others`
    require another or it requires other versions of them, the newest release by `as_of`
    (else, when `later`, the oldest after it) that fits both ways; with the assumption that
    says so. Without `later`, none fitting by then keeps `version`: the others were installed
    over it, as pip lets a second step do."""
    try:
        constraint = constraint_on(name, others, index, python)
    except PackageIndexError as exc:
        return version, (
            f"{name} {version} not checked against the other packages' requirements: {exc}"
        )
    # A pre-release only where one was chosen: the only releases of `prefix` out by then.
    pre = Version(version).is_prerelease
    allowed = [
        release.version
        for release in index.releases(name)
        if release.installable_on(python)
        and (pre or not release.version.is_prerelease)
        and fits(release.version, prefix, within)
        and constraint.specifier.contains(release.version)
    ]
    by_then = sorted((v for v in allowed if _out_by(index, name, v, as_of)), reverse=True)
    after = [v for v in allowed if v not in by_then] if later else []
    reasons = list(constraint.by)
    for candidate in (*by_then, *after)[:_TRIED]:
        refusal = _refusal(name, str(candidate), others, index, python)
        if refusal is None:
            return _chosen(
                name, str(candidate), version, reasons, late=candidate in after, as_of=as_of
            )
        reasons.append(refusal)
    if not later:
        return version, (
            f"{name} {version}: none out by {as_of} fits the other packages, which were "
            f"installed over it ({'; '.join(reasons)})"
        )
    return version, f"{name} {version} kept: no release fits ({'; '.join(reasons)})"


# Releases of an open package tried, newest first, before its version is left as it was.
_TRIED = 12


def _chosen(
    name: str, chosen: str, newest: str, reasons: list[str], *, late: bool, as_of: date | None
) -> tuple[str, str | None]:
    if chosen == newest:
        return chosen, None
    why = "; ".join(reasons)
    if late:
        return chosen, (
            f"{name} {chosen}, not {newest}: none out by {as_of} fits the other packages, the "
            f"first release after it does ({why})"
        )
    by = f" out by {as_of}" if as_of else ""
    return chosen, (
        f"{name} {chosen}, not {newest}: the latest release{by} that fits the other "
        f"packages ({why})"
    )


def _refusal(
    name: str, version: str, others: Mapping[str, str], index: PackageIndex, python: str
) -> str | None:
    """What release `version` of `name` requires that `others` do not satisfy, if anything
    (nothing when its requirements cannot be read: pip will say)."""
    try:
        lines = index.requirements(name, version, python=python)
    except PackageIndexError:
        return None
    settled = {canonicalize_name(n): v for n, v in others.items()}
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        installed = settled.get(canonicalize_name(requirement.name))
        if installed is None or not requirement.specifier:
            continue
        if requirement.marker is not None and not _applies(requirement.marker, python):
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            return f"{name} {version} requires {requirement.name}{requirement.specifier}"
    return None


def _out_by(index: PackageIndex, name: str, version: Version, as_of: date | None) -> bool:
    release = index.release(name, str(version))
    return release is not None and release.out_by(as_of)
