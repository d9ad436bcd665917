"""Error signatures: distinct errors, where they are raised, and the version boundaries
the matrix shows for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.version import InvalidVersion, Version

from harness.results.outcome import Outcome
from harness.results.records import RECORDED_PACKAGES, Phase, package_names, phase_of


@dataclass(frozen=True, kw_only=True)
class Boundary:
    """A version where a signature starts or stops, as the matrix shows it."""

    package: str
    kind: Literal["from", "until", "absent"]
    version: str | None  # first version with it ("from"), last with it ("until"); None for "absent"
    other: str | None  # the nearest version without it

    @property
    def text(self) -> str:
        """The boundary in words: where the error appears or stops appearing."""
        if self.kind == "absent":
            return f"only where {self.package} is not installed"
        if self.kind == "from":
            return f"appears from {self.package} {self.version} (not with {self.other})"
        return f"appears up to {self.package} {self.version} (gone from {self.other})"


@dataclass(frozen=True, kw_only=True)
class Signature:
    """One distinct error of a run: its label, the cells that show it, and where it starts."""

    label: str  # E1, E2, ... in order of first appearance
    signature: str
    id: str
    kind: str  # the exception's type, or the status (build_failed, timeout, crashed)
    message: str  # the full message of its first cell
    phases: tuple[Phase, ...]
    raised_at: str | None
    cells: tuple[Outcome, ...]
    boundaries: tuple[Boundary, ...]

    @property
    def first(self) -> Outcome:
        """The first cell that shows the error."""
        return self.cells[0]

    @property
    def boundary(self) -> Boundary | None:
        """The first version boundary, if the matrix shows one."""
        return self.boundaries[0] if self.boundaries else None

    @property
    def short_kind(self) -> str:
        """The exception's class name, or the status in words (build failed, timeout)."""
        if self.first.error is None:
            return self.kind.replace("_", " ")
        return self.kind.rsplit(".", 1)[-1]


def signatures(outcomes: Sequence[Outcome]) -> tuple[Signature, ...]:
    """The run's distinct errors, labelled E1, E2, ... in order of first appearance."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        if outcome.signature is not None:
            groups.setdefault(outcome.signature, []).append(outcome)
    found = []
    for number, (signature, cells) in enumerate(groups.items(), start=1):
        first = cells[0]
        if first.error is not None:
            kind, message = first.error.type, first.error.message
        else:
            kind, message = first.status, first.reason or ""
        found.append(
            Signature(
                label=f"E{number}",
                signature=signature,
                id=first.signature_id or "",
                kind=kind,
                message=message,
                phases=tuple(dict.fromkeys(phase_of(c) for c in cells)),
                raised_at=raised_at(first),
                cells=tuple(cells),
                boundaries=boundaries(signature, outcomes),
            )
        )
    return tuple(found)


def raised_at(outcome: Outcome) -> str | None:
    """Where the exception was raised; the scenario's own line when it raised it itself."""
    if outcome.error is None:
        return None
    frame = outcome.error.raised_at or outcome.error.scenario_line
    if frame is None:
        return None
    return f"{short_path(frame.file)}:{frame.line} in {frame.function}"


def short_path(path: str) -> str:
    """A file's path from its site-packages on, as tables show it."""
    return path.rsplit("-packages/", 1)[-1]


def boundaries(signature: str, outcomes: Sequence[Outcome]) -> tuple[Boundary, ...]:
    """Version splits that explain exactly where `signature` occurs.

    Only cells of the (scenario, backend) pairs where it occurs at all are compared, and
    only cells that ran. A package qualifies if the cells with the signature and those
    without fall on two sides of one version (or of "not installed").
    """
    slices = {(o.scenario, o.backend) for o in outcomes if o.signature == signature}
    compared = [o for o in outcomes if (o.scenario, o.backend) in slices and o.versions]
    packages = package_names(compared)
    ordered = [p for p in packages if p in RECORDED_PACKAGES and p != "numpy"]
    found = []
    for package in (*ordered, "python", *(p for p in packages if p not in ordered)):
        split = _split(
            package, [(_installed(o, package), o.signature == signature) for o in compared]
        )
        if split is not None:
            found.append(split)
    return tuple(found)


def _installed(outcome: Outcome, package: str) -> str | None:
    return outcome.python if package == "python" else outcome.versions.get(package)


def _split(package: str, points: Sequence[tuple[str | None, bool]]) -> Boundary | None:
    has = [v for v, hit in points if hit]
    lacks = [v for v, hit in points if not hit]
    if not has or not lacks:
        return None
    if all(v is None for v in has):
        absent = all(v is not None for v in lacks)
        return (
            Boundary(package=package, kind="absent", version=None, other=None) if absent else None
        )
    if any(v is None for v in has):  # some cells with it lack the package: no version split
        return None
    return _version_split(package, [v for v in has if v], [v for v in lacks if v])


def _version_split(package: str, has: Sequence[str], lacks: Sequence[str]) -> Boundary | None:
    """Versions with the signature all above (or all below) the installed versions without it."""
    try:
        spelled = {Version(v): v for v in (*has, *lacks)}
        with_it = sorted({Version(v) for v in has})
        without = sorted({Version(v) for v in lacks})
    except InvalidVersion:
        return None
    if not without:
        return None
    if with_it[0] > without[-1]:
        return Boundary(
            package=package, kind="from", version=spelled[with_it[0]], other=spelled[without[-1]]
        )
    if with_it[-1] < without[0]:
        return Boundary(
            package=package, kind="until", version=spelled[with_it[-1]], other=spelled[without[0]]
        )
    return None
