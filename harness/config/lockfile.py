"""MATRIX.lock: the exact releases a matrix's tracked environments stood for when locked.

Written deterministically (the same answers from PyPI give the same bytes), one line per
environment so that an upgrade reads as a short diff, and read back with file:line errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from packaging.version import Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.config import yamlsource
from harness.config.tracking import LockedGroup, LockedRelease, TrackRequest
from harness.textfiles import write_atomic

LOCK_VERSION = 1


def lock_path(matrix_path: Path) -> Path:
    """MATRIX.lock beside MATRIX."""
    return matrix_path.with_name(matrix_path.name + ".lock")


@dataclass(frozen=True, kw_only=True)
class Lock:
    """MATRIX.lock read: each tracked group's releases."""

    path: Path
    groups: Mapping[str, LockedGroup]

    def render(self, matrix_name: str) -> str:
        """The lock file's text, with a header saying how it was made."""
        lines = [
            f"# The releases {matrix_name}'s tracked environments run with, written by",
            f"# `harness lock {matrix_name}`; runs use them without asking PyPI, and",
            "# `harness lock --upgrade` asks again. Review changes like code.",
            f"lock_version: {LOCK_VERSION}",
            "tracked:" + ("" if self.groups else " {}"),
        ]
        for name in sorted(self.groups):
            group = self.groups[name]
            request = group.request
            lines += [
                f"  {_q(name)}:",
                f"    track: {{{_q(request.package)}: {_q(request.specifier)}}}",
                f"    every: {request.every}",
                f"    pre: {'true' if request.pre else 'false'}",
                f"    name: {_q(request.template)}",
                "    environments:" + ("" if group.releases else " []"),
            ]
            lines += [
                f"      - {{environment: {_q(r.environment)}, version: {_q(r.version)}, "
                f"uploaded: {_q(r.uploaded.isoformat() if r.uploaded else None)}, "
                f"pythons: [{', '.join(_q(p) for p in r.pythons)}]}}"
                for r in group.releases
            ]
            if group.skipped:
                lines.append("    skipped:")
                lines += [
                    f"      - {{version: {_q(version)}, reason: {_q(reason)}}}"
                    for version, reason in group.skipped
                ]
        return "\n".join(lines) + "\n"

    def write(self, matrix_name: str) -> None:
        """Write the lock file, atomically."""
        write_atomic(self.path, self.render(matrix_name))


def _q(value: str | None) -> str:
    # JSON strings are YAML scalars that no YAML reading can turn into a number or a date.
    return json.dumps(value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Release(_Model):
    environment: str = Field(min_length=1)
    version: str = Field(min_length=1)
    uploaded: str | None
    pythons: list[str]


class _Skipped(_Model):
    version: str
    reason: str


class _Group(_Model):
    track: dict[str, str] = Field(min_length=1, max_length=1)
    every: Literal["minor", "release"]
    pre: bool
    name: str
    environments: list[_Release]
    skipped: list[_Skipped] = Field(default_factory=list)


class _File(_Model):
    lock_version: Literal[1]
    tracked: dict[str, _Group]


def read_lock(path: Path) -> Lock | None:
    """The lock at `path`, or None if there is none; a damaged one is a one-line error."""
    if not path.is_file():
        return None
    data, source = yamlsource.load(path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        raise source.error(
            tuple(error["loc"]), f"{message} (rewrite the file with `harness lock`)"
        ) from None
    groups = {}
    for name, group in parsed.tracked.items():
        ((package, specifier),) = group.track.items()
        releases = []
        for index, release in enumerate(group.environments):
            try:
                uploaded = date.fromisoformat(release.uploaded) if release.uploaded else None
            except ValueError:
                raise source.error(
                    ("tracked", name, "environments", index, "uploaded"),
                    f"{release.uploaded!r} is not a date like 2024-03-08",
                ) from None
            releases.append(
                LockedRelease(
                    environment=release.environment,
                    version=release.version,
                    uploaded=uploaded,
                    pythons=tuple(release.pythons),
                )
            )
        groups[name] = LockedGroup(
            request=TrackRequest(
                package=package,
                specifier=specifier,
                every=group.every,
                pre=group.pre,
                name=group.name,
            ),
            releases=tuple(releases),
            skipped=tuple((s.version, s.reason) for s in group.skipped),
        )
    return Lock(path=path, groups=groups)


def changes(old: Lock | None, new: Lock) -> list[str]:
    """What an upgrade changed, one line each: new minors (or releases), new patches,
    environments gone, Pythons dropped or added, releases newly skipped."""
    lines: list[str] = []
    before = dict(old.groups) if old else {}
    for name in sorted(set(before) | set(new.groups)):
        if name not in new.groups:
            lines.append(f"{name}: no longer tracked")
            continue
        group = new.groups[name]
        package = group.request.package
        previous = before.get(name)
        known = {r.environment: r for r in previous.releases} if previous else {}
        kind = "minor" if group.request.every == "minor" else "release"
        for release in group.releases:
            was = known.pop(release.environment, None)
            if was is None:
                lines.append(
                    f"{release.environment}: new {kind}, {package} {release.version}"
                    f"{_uploaded(release)}, Pythons {', '.join(release.pythons)}"
                )
                continue
            if was.version != release.version:
                word = "new patch" if _newer(release.version, was.version) else "now"
                lines.append(
                    f"{release.environment}: {word} {package} {was.version} -> "
                    f"{release.version}{_uploaded(release)}"
                )
            dropped = [p for p in was.pythons if p not in release.pythons]
            added = [p for p in release.pythons if p not in was.pythons]
            if dropped:
                lines.append(f"{release.environment}: dropped Pythons {', '.join(dropped)}")
            if added:
                lines.append(f"{release.environment}: added Pythons {', '.join(added)}")
        lines += [f"{gone}: gone from {name} ({package} {r.version})" for gone, r in known.items()]
        seen = set(previous.skipped) if previous else set()
        lines += [
            f"{name}: skipped {package} {version} ({reason})"
            for version, reason in group.skipped
            if (version, reason) not in seen
        ]
    return lines


def _uploaded(release: LockedRelease) -> str:
    return f" (uploaded {release.uploaded.isoformat()})" if release.uploaded else ""


def _newer(a: str, b: str) -> bool:
    return Version(a) > Version(b)


def stale_groups(lock: Lock, requests: Mapping[str, TrackRequest]) -> list[str]:
    """Tracked environments whose request differs from the one the lock was written for."""
    return [
        name
        for name, request in requests.items()
        if name in lock.groups and not lock.groups[name].request.same_as(request)
    ]


def missing_groups(lock: Lock | None, requests: Mapping[str, TrackRequest]) -> list[str]:
    """The tracked groups the lock does not cover yet."""
    return [name for name in requests if lock is None or name not in lock.groups]
