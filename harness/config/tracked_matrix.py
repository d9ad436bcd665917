"""A matrix's tracked environments expanded through its lock into ordinary ones.

Runs never ask PyPI: a tracked matrix without a lock is refused (a run would otherwise
depend on the day it started), and a lock older than the matrix is used, with a note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from harness.config.lockfile import Lock, lock_path, read_lock, stale_groups
from harness.config.matrix_schema import NAME, Environment, InstallStep, MatrixFile, Rule
from harness.config.tracking import LockedGroup, TrackRequest, python_limit
from harness.config.yamlsource import SourceMap


@dataclass(frozen=True, kw_only=True)
class Expanded:
    """A matrix's environments and rules with its tracked ones expanded through the lock."""

    environments: Mapping[str, Environment]
    include: tuple[Rule, ...]
    exclude: tuple[Rule, ...]
    lock: Path | None = None
    # The matrix and its lock together, as the run's matrix hash; None without tracking.
    sha256: str | None = None
    notes: tuple[str, ...] = ()


def requests(parsed: MatrixFile) -> dict[str, TrackRequest]:
    """Each tracked environment's request, in the matrix's order."""
    found = {}
    for name, environment in parsed.environments.items():
        if environment.track is not None:
            ((package, specifier),) = environment.track.items()
            found[name] = TrackRequest(
                package=package,
                specifier=specifier,
                every=environment.every or "minor",
                pre=bool(environment.pre),
                name=environment.name or "",
            )
    return found


def expand(parsed: MatrixFile, path: Path, source: SourceMap, *, lock: Lock | None) -> Expanded:
    """The matrix file with each tracked environment replaced by one per locked release."""
    wanted = requests(parsed)
    if not wanted:
        return Expanded(
            environments=parsed.environments,
            include=tuple(parsed.include),
            exclude=tuple(parsed.exclude),
        )
    if lock is None:
        lock = read_lock(lock_path(path))
    if lock is None:
        first = next(iter(wanted))
        raise source.error(
            ("environments", first, "track"),
            f"tracked, and there is no {lock_path(path).name} to say which releases: run "
            f"`harness lock {path}` first (runs use its pins, so that they can be repeated)",
        )
    notes: list[str] = []
    stale = stale_groups(lock, wanted)
    if stale:
        notes.append(
            f"{lock.path.name} is older than {path.name} (tracked differently: "
            f"{', '.join(stale)}); its releases are used, those now out of range left out; "
            f"`harness lock {path}` updates it"
        )
    environments: dict[str, Environment] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for name, environment in parsed.environments.items():
        if name not in wanted:
            _add(environments, name, environment, source, ("environments", name))
            continue
        group = lock.groups.get(name)
        if group is None:
            raise source.error(
                ("environments", name, "track"),
                f"not in {lock.path.name}: run `harness lock {path}`",
            )
        expanded, note = _expand_group(name, environment, group, wanted[name], parsed.python)
        if not expanded and environment.python is not None:
            raise source.error(
                ("environments", name, "python"),
                f"{environment.python!r} leaves none of {name}'s locked releases a Python "
                f"of the matrix's {parsed.python}",
            )
        if note:
            notes.append(note)
        for child, built in expanded.items():
            _add(environments, child, built, source, ("environments", name, "name"))
        groups[name] = tuple(expanded)
    return Expanded(
        environments=environments,
        include=tuple(_widen(rule, groups) for rule in parsed.include),
        exclude=tuple(_widen(rule, groups) for rule in parsed.exclude),
        lock=lock.path,
        sha256=hashlib.sha256(
            path.read_bytes() + b"\0" + lock.render(path.name).encode()
        ).hexdigest(),
        notes=tuple(notes),
    )


def _expand_group(
    name: str,
    environment: Environment,
    group: LockedGroup,
    request: TrackRequest,
    pythons: list[str],
) -> tuple[dict[str, Environment], str | None]:
    """One environment per locked release still in the requested range, limited to the
    Pythons it has wheels for (and the group's own `python:`)."""
    in_range = SpecifierSet(request.specifier)
    expanded: dict[str, Environment] = {}
    unusable: list[str] = []
    for release in group.releases:
        version = Version(release.version)
        if (version.is_prerelease and not request.pre) or not in_range.contains(
            version, prereleases=True
        ):
            continue
        limit = python_limit(release.pythons) if release.pythons else "<0"
        if environment.python:
            limit += "," + environment.python
        if not any(Version(p) in SpecifierSet(limit) for p in pythons):
            unusable.append(release.environment)
            continue
        description = f"{group.pin(release)}" + (
            f", uploaded {release.uploaded.isoformat()}" if release.uploaded else ""
        )
        expanded[release.environment] = Environment(
            description=f"{environment.description} ({description})".lstrip()
            if environment.description
            else description,
            python=limit,
            steps=(InstallStep(pip=group.pin(release)), *environment.then),
            uploaded_prior_to=environment.uploaded_prior_to,
        )
    note = (
        f"{name}: {', '.join(unusable)} left out: no wheel for the matrix's Pythons "
        f"({', '.join(pythons)})"
        if unusable
        else None
    )
    return expanded, note


def _add(
    into: dict[str, Environment],
    name: str,
    environment: Environment,
    source: SourceMap,
    loc: tuple[str, ...],
) -> None:
    if name in into:
        raise source.error(loc, f"the environment name {name!r} is given twice")
    if not NAME.match(name):
        raise source.error(loc, f"{name!r}: names may use letters, digits, '.', '_' and '-'")
    into[name] = environment


def _widen(rule: Rule, groups: Mapping[str, tuple[str, ...]]) -> Rule:
    """A rule naming a tracked environment names every environment it expands to."""
    named = rule.values("environment")
    if named is None or not any(value in groups for value in named):
        return rule
    widened = [child for value in named for child in groups.get(value, (value,))]
    return rule.model_copy(update={"environment": widened})
