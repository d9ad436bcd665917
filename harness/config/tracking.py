"""Tracked environments: one package's version range, followed on PyPI minor by minor (or
release by release), each release with the Pythons its wheels install on."""

from __future__ import annotations

import difflib
import functools
import itertools
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from packaging import tags
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from harness.pypi import PackageIndex, Release, admits

Every = Literal["minor", "release"]
# The Pythons a lock records wheels for; a wheel naming a newer CPython adds it.
CANDIDATE_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 15))
# The oldest C library of a base image the harness builds (Debian 11, for Python 3.9): a
# manylinux wheel needing a newer one would not install there.
GLIBC = (2, 31)
NAME_FIELDS = ("name", "package", "version", "minor", "major")
DEFAULT_NAMES: dict[str, str] = {"minor": "{name}-{minor}", "release": "{name}-{version}"}


@dataclass(frozen=True, kw_only=True)
class TrackRequest:
    """What a tracked environment asks of the index. The lock keeps a copy: a matrix whose
    request differs from the lock's has changed since the lock was written."""

    package: str
    specifier: str
    every: Every = "minor"
    pre: bool = False
    name: str = ""  # the name template; "" for the default of `every`

    @property
    def template(self) -> str:
        """The template that names the group's environments."""
        return self.name or DEFAULT_NAMES[self.every]

    def as_dict(self) -> dict[str, Any]:
        """The request as matrix.yaml and the lock spell it."""
        return {
            "track": {self.package: self.specifier},
            "every": self.every,
            "pre": self.pre,
            "name": self.template,
        }

    def same_as(self, other: TrackRequest) -> bool:
        """Whether `other` asks for the same range (the lock is still valid for it)."""
        return self.as_dict() == other.as_dict() and canonicalize_name(
            self.package
        ) == canonicalize_name(other.package)


@dataclass(frozen=True, kw_only=True)
class LockedRelease:
    """One environment of a tracked group: an exact release and what it ships for."""

    environment: str
    version: str
    uploaded: date | None
    pythons: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class LockedGroup:
    """One tracked group as locked: the releases it stands for, and those left out."""

    request: TrackRequest
    releases: tuple[LockedRelease, ...]
    # Releases in range left out, with why ("yanked", "no wheel for Linux x86_64").
    skipped: tuple[tuple[str, str], ...] = ()

    def pin(self, release: LockedRelease) -> str:
        """The pip requirement that installs `release`."""
        return f"{self.request.package}=={release.version}"


def check_template(template: str) -> str | None:
    """Why `template` cannot name environments, or None if it can."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"invalid name template {template!r}: {exc}"
    fields = [field for _, field, _, _ in parsed if field is not None]
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in NAME_FIELDS:
            close = difflib.get_close_matches(field, NAME_FIELDS, n=1)
            hint = f"; did you mean {{{close[0]}}}?" if close else ""
            return f"unknown field {{{field}}} in {template!r} (use {_fields()}){hint}"
        if spec or conversion:
            return f"{template!r}: write fields plainly, as {{{field}}}"
    if "version" not in fields and "minor" not in fields:
        return f"{template!r} names no version: add {{minor}} or {{version}}"
    return None


def _fields() -> str:
    return ", ".join("{" + f + "}" for f in NAME_FIELDS)


def environment_name(group: str, request: TrackRequest, version: Version) -> str:
    """The environment name a tracked release gets from the group's template."""
    major, minor = (*version.release, 0)[:2]
    return request.template.format(
        name=group,
        package=request.package,
        version=str(version),
        minor=f"{major}.{minor}",
        major=str(major),
    )


def resolve(group: str, request: TrackRequest, index: PackageIndex) -> LockedGroup:
    """The newest usable release of each minor (or every usable release) in the range."""
    wanted = SpecifierSet(request.specifier)
    in_range = [
        r
        for r in index.releases(request.package)
        if (request.pre or not r.version.is_prerelease)
        and wanted.contains(r.version, prereleases=True)
    ]
    skipped: list[tuple[str, str]] = []
    usable: list[tuple[Release, tuple[str, ...]]] = []
    for release in in_range:
        pythons = wheel_pythons(release)
        if release.yanked:
            skipped.append((str(release.version), "yanked"))
        elif not pythons:
            skipped.append((str(release.version), "no wheel for Linux x86_64"))
        else:
            usable.append((release, pythons))
    newest: dict[tuple[int, ...] | Version, tuple[Release, tuple[str, ...]]] = {}
    for release, pythons in usable:  # oldest first: the last one of each key is the newest
        key = release.version.release[:2] if request.every == "minor" else release.version
        newest[key] = (release, pythons)
    chosen = sorted(newest.values(), key=lambda pair: pair[0].version)
    return LockedGroup(
        request=request,
        releases=tuple(
            LockedRelease(
                environment=environment_name(group, request, release.version),
                version=str(release.version),
                uploaded=release.uploaded,
                pythons=pythons,
            )
            for release, pythons in chosen
        ),
        skipped=tuple(skipped),
    )


def wheel_pythons(release: Release) -> tuple[str, ...]:
    """The Pythons some file of `release` installs on in a Linux x86_64 container: a wheel
    whose tags packaging.tags says that CPython supports, and whose Requires-Python admits
    it. A release with no wheel at all (an sdist alone) counts the Pythons its
    Requires-Python admits, as pip would build it; one with wheels counts only those, since
    for the others pip would try to build a package that ships wheels from source."""
    wheels: list[tuple[str | None, frozenset[tags.Tag]]] = []
    sdists: list[str | None] = []
    for (requires, _), filename in zip(release.files, release.file_names, strict=False):
        if not filename.endswith(".whl"):
            sdists.append(requires)
            continue
        try:
            wheels.append((requires, parse_wheel_filename(filename)[3]))
        except InvalidWheelFilename:
            continue
    candidates = _candidates(tag for _, found in wheels for tag in found)
    if not wheels:
        return tuple(
            p for p in candidates if any(r is None or admits(r, p) for r in sdists) and sdists
        )
    return tuple(
        p
        for p in candidates
        if any((r is None or admits(r, p)) and found & supported_tags(p) for r, found in wheels)
    )


def _candidates(seen: Iterable[tags.Tag]) -> tuple[str, ...]:
    extra = {
        f"3.{t.interpreter[3:]}"
        for t in seen
        if t.interpreter.startswith("cp3") and t.interpreter[3:].isdigit()
    }
    found = set(CANDIDATE_PYTHONS) | {p for p in extra if int(p[2:]) > 14}
    return tuple(sorted(found, key=lambda p: int(p[2:])))


@functools.cache
def supported_tags(python: str) -> frozenset[tags.Tag]:
    """Every wheel tag CPython `python` accepts on x86_64 Linux with glibc GLIBC: its own ABI,
    the stable ABI of it and older versions (abi3), pure-Python wheels, and manylinux
    platforms up to GLIBC (the legacy manylinux1/2010/2014 names included)."""
    major, minor = (int(part) for part in python.split("."))
    platforms = [
        *(f"manylinux_{GLIBC[0]}_{m}_x86_64" for m in range(GLIBC[1], 4, -1)),
        "manylinux2014_x86_64",
        "manylinux2010_x86_64",
        "manylinux1_x86_64",
        "linux_x86_64",
    ]
    version = (major, minor)
    return frozenset(
        itertools.chain(
            tags.cpython_tags(version, abis=[f"cp{major}{minor}"], platforms=platforms),
            tags.compatible_tags(version, interpreter=f"cp{major}{minor}", platforms=platforms),
        )
    )


def python_limit(pythons: Iterable[str]) -> str:
    """A specifier admitting exactly `pythons` among minor versions ('3.9', '3.11' ->
    '>=3.9,<3.12,!=3.10.*'), as an environment's `python:` takes."""
    minors = sorted(int(p.split(".")[1]) for p in pythons)
    gaps = [f"!=3.{m}.*" for m in range(minors[0], minors[-1]) if m not in minors]
    return ",".join([f">=3.{minors[0]}", f"<3.{minors[-1] + 1}", *gaps])
