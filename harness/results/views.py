"""What a published table shows, computed once from a run's records; formats only lay it out.

A `Report` holds a run's provenance, its cells in matrix order, a grid of them (rows and
columns chosen from the axes; the axes left over split the grid into sections), a summary
per environment, the verdict on each scenario's claim, and a legend of error signatures
with the first version boundary each shows.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harness.config.cells import AXES
from harness.errors import ConfigurationError
from harness.results.outcome import Outcome
from harness.results.records import (
    NOT_INSTALLED,
    PHASE_WORDS,
    UNKNOWN,
    ImageInfo,
    Phase,
    Provenance,
    Run,
    package_names,
    phase_of,
    version_key,
)
from harness.results.runmeta import ScenarioInfo
from harness.results.signatures import Signature, signatures

DEFAULT_ROWS = ("environment", "python")
DEFAULT_COLS = ("backend",)
STATUS_WORDS = {
    "ok": "ok",
    "error": "error",
    "timeout": "timeout",
    "crashed": "crashed",
    "build_failed": "build failed",
}


# --- axes: the four cell axes, plus installed package versions --------------------------------


def axis_value(outcome: Outcome, axis: str) -> str:
    """An outcome's value on an axis or a package (its installed version)."""
    if axis in AXES:
        return str(getattr(outcome, axis))
    if not outcome.versions:  # the cell never ran: nothing was measured
        return UNKNOWN
    return outcome.versions.get(axis) or NOT_INSTALLED


def check_axes(names: Sequence[str], outcomes: Sequence[Outcome], option: str) -> tuple[str, ...]:
    """The names given to --rows/--cols, checked to be axes or packages of the run."""
    packages = package_names(outcomes)
    for name in names:
        if name not in AXES and name not in packages:
            choices = [*AXES, *packages]
            close = difflib.get_close_matches(name, choices, n=1)
            hint = f" Perhaps you meant {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"{option} {name!r}: not an axis. Axes: {', '.join(AXES)}; package versions: "
                f"{', '.join(packages) or 'none recorded'}.{hint}"
            )
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{option}: an axis is named twice in {','.join(names)}")
    return tuple(names)


# --- the grid --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GridSection:
    """One section of the grid: the cells whose section axes take `key`."""

    key: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    cols: tuple[tuple[str, ...], ...]
    cells: Mapping[tuple[tuple[str, ...], tuple[str, ...]], tuple[Outcome, ...]]

    def at(self, row: tuple[str, ...], col: tuple[str, ...]) -> tuple[Outcome, ...]:
        """The outcomes in one grid cell."""
        return self.cells.get((row, col), ())


@dataclass(frozen=True, kw_only=True)
class Grid:
    """The table's layout: row and column axes, and a block per section."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    sections: tuple[str, ...]
    blocks: tuple[GridSection, ...]


def make_grid(run: Run, rows: Sequence[str], cols: Sequence[str]) -> Grid:
    """Rows × columns, one block per combination of the axes in neither (the sections)."""
    used = set(rows) | set(cols)
    if set(rows) & set(cols):
        raise ConfigurationError(f"--rows and --cols share {sorted(set(rows) & set(cols))[0]!r}")
    # Package versions stand for the environment: naming one keeps environment out of the sections.
    covers_environment = any(a not in AXES for a in used)
    sections = tuple(
        a for a in AXES if a not in used and not (a == "environment" and covers_environment)
    )
    order = _value_order(run)

    def key(outcome: Outcome, axes: Sequence[str]) -> tuple[str, ...]:
        return tuple(axis_value(outcome, a) for a in axes)

    def sort(keys: Iterable[tuple[str, ...]], axes: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(
            sorted(
                set(keys), key=lambda k: tuple(order(a, v) for a, v in zip(axes, k, strict=True))
            )
        )

    blocks = []
    for section in sort((key(o, sections) for o in run.outcomes), sections):
        mine = [o for o in run.outcomes if key(o, sections) == section]
        cells: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[Outcome, ...]] = {}
        for outcome in mine:
            at = (key(outcome, rows), key(outcome, cols))
            cells[at] = (*cells.get(at, ()), outcome)
        blocks.append(
            GridSection(
                key=section,
                rows=sort((key(o, rows) for o in mine), rows),
                cols=sort((key(o, cols) for o in mine), cols),
                cells=cells,
            )
        )
    return Grid(rows=tuple(rows), cols=tuple(cols), sections=sections, blocks=tuple(blocks))


def _value_order(run: Run) -> Callable[[str, str], tuple[int, Any]]:
    index = {axis: {v: i for i, v in enumerate(values)} for axis, values in run.axes.items()}

    def order(axis: str, value: str) -> tuple[int, Any]:
        if axis in index:
            return (0, index[axis].get(value, len(index[axis])))
        if value == UNKNOWN:
            return (3, "")
        return version_key(None if value == NOT_INSTALLED else value)

    return order


# --- environments, claims, cells -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EnvironmentSummary:
    """One environment at one Python: its key versions, its image, and how its cells went."""

    environment: str
    python: str
    versions: Mapping[str, str]  # the recorded packages as installed ("not installed" where absent)
    image: ImageInfo | None
    counts: Mapping[Phase, int]

    @property
    def total(self) -> int:
        """The number of cells in the environment."""
        return sum(self.counts.values())

    @property
    def verdict(self) -> str:
        """The cells in a few words: the one phase they share, "does not install", or "mixed"."""
        present = [p for p in PHASE_WORDS if self.counts.get(p)]
        if present == ["no_result"] and self.image is not None and self.image.status == "failed":
            return "does not install"
        if len(present) == 1:
            return PHASE_WORDS[present[0]]
        return "mixed"


def environment_summaries(run: Run) -> tuple[EnvironmentSummary, ...]:
    """A summary per (environment, Python), in matrix order."""
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in sorted(
        run.outcomes,
        key=lambda o: (
            run.axes["environment"].index(o.environment),
            run.axes["python"].index(o.python),
        ),
    ):
        groups.setdefault((outcome.environment, outcome.python), []).append(outcome)
    packages = package_names(run.outcomes)
    found = []
    for (environment, python), cells in groups.items():
        measured = next((c.versions for c in cells if c.versions), None)
        versions = {
            p: (measured.get(p) or NOT_INSTALLED) if measured else UNKNOWN for p in packages
        }
        if measured and measured.get("python"):
            versions = {"python": str(measured["python"]), **versions}
        counts = Counter(phase_of(c) for c in cells)
        found.append(
            EnvironmentSummary(
                environment=environment,
                python=python,
                versions=versions,
                image=run.provenance.image(python, environment),
                counts={p: counts.get(p, 0) for p in PHASE_WORDS},
            )
        )
    return tuple(found)


@dataclass(frozen=True, kw_only=True)
class ClaimVerdict:
    """A scenario's claim and whether the run reproduced it."""

    scenario: str
    title: str
    source: str
    summary: str
    pattern: str
    ran: int  # cells that ran to a result (ok or error)
    reproduced: tuple[Outcome, ...]
    instead: tuple[tuple[str, int], ...]  # what the other cells did, most common first
    no_result: int  # cells without a result: build failed, timeout, crash

    @property
    def verdict(self) -> str:
        """ "reproduced", "not reproduced" or "not run"."""
        if self.reproduced:
            return "reproduced"
        return "not reproduced" if self.ran else "not run"

    @property
    def text(self) -> str:
        """The verdict with its counts of cells."""
        if self.reproduced:
            return f"reproduced in {len(self.reproduced)} of {self.ran} cells"
        if self.ran:
            return f"not reproduced (0 of {self.ran} cells)"
        return "not run (no cell ran)"


def claim_verdicts(run: Run, labels: Mapping[str, str]) -> tuple[ClaimVerdict, ...]:
    """Each scenario's claim checked against the run's cells."""
    found = []
    for scenario in run.axes["scenario"]:
        cells = [o for o in run.outcomes if o.scenario == scenario]
        info = run.info.scenarios.get(scenario) or ScenarioInfo.from_json(scenario, {})
        ran = [o for o in cells if o.status in ("ok", "error")]
        hits = tuple(o for o in ran if o.claim_reproduced)
        instead = Counter(cell_text(o, labels) for o in cells if not o.claim_reproduced)
        found.append(
            ClaimVerdict(
                scenario=scenario,
                title=info.title,
                source=info.source,
                summary=info.claim_summary,
                pattern=info.claim_pattern,
                ran=len(ran),
                reproduced=hits,
                instead=tuple(instead.most_common()),
                no_result=len(cells) - len(ran),
            )
        )
    return tuple(found)


def cell_text(outcome: Outcome, labels: Mapping[str, str]) -> str:
    """A cell in a few words: `ok`, `ModuleNotFoundError E1`, `build failed E4`."""
    if outcome.status == "ok":
        return "ok"
    label = labels.get(outcome.signature or "", "")
    if outcome.status == "error" and outcome.error is not None:
        return f"{outcome.error.short_type} {label}".strip()
    return f"{STATUS_WORDS.get(outcome.status, outcome.status)} {label}".strip()


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Report:
    """What a published table shows, computed once from a run's records."""

    run: Run
    grid: Grid
    signatures: tuple[Signature, ...]
    environments: tuple[EnvironmentSummary, ...]
    claims: tuple[ClaimVerdict, ...]

    @classmethod
    def build(
        cls, run: Run, rows: Sequence[str] | None = None, cols: Sequence[str] | None = None
    ) -> Report:
        """The report of `run`, with the grid laid out by `rows` and `cols` (or the defaults)."""
        if not rows:
            rows = tuple(a for a in DEFAULT_ROWS if a not in (cols or DEFAULT_COLS)) or DEFAULT_ROWS
        if not cols:
            cols = (
                (
                    next(
                        a for a in ("backend", "scenario", "python", "environment") if a not in rows
                    ),
                )
                if set(rows) != set(AXES)
                else ()
            )
        rows = check_axes(rows, run.outcomes, "--rows")
        cols = check_axes(cols, run.outcomes, "--cols")
        found = signatures(run.outcomes)
        labels = {s.signature: s.label for s in found}
        return cls(
            run=run,
            grid=make_grid(run, rows, cols),
            signatures=found,
            environments=environment_summaries(run),
            claims=claim_verdicts(run, labels),
        )

    @property
    def provenance(self) -> Provenance:
        """Where the run came from."""
        return self.run.provenance

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """The run's cells, in matrix order."""
        return self.run.outcomes

    @cached_property
    def labels(self) -> dict[str, str]:
        """Each error signature's label (E1, E2, ...)."""
        return {s.signature: s.label for s in self.signatures}

    def text(self, outcome: Outcome) -> str:
        """A cell in a few words, as the grid shows it."""
        return cell_text(outcome, self.labels)

    def status_counts(self) -> dict[str, int]:
        """How many cells ended in each status, in the tables' order of statuses."""
        counts = Counter[str](o.status for o in self.outcomes)
        return {status: counts[status] for status in STATUS_WORDS if counts[status]}

    def cached_from(self) -> dict[str, int]:
        """Runs whose recorded cells this run took from the result cache, with counts."""
        origins = Counter(o.cached_from for o in self.outcomes if o.cached_from)
        return dict(sorted(origins.items()))

    def scenario_title(self, scenario: str) -> str:
        """The scenario's title as the run recorded it, else its name."""
        info = self.run.info.scenarios.get(scenario)
        return info.title if info is not None else scenario

    def scenario_description(self, scenario: str) -> str:
        """The scenario's description as the run recorded it, else empty."""
        info = self.run.info.scenarios.get(scenario)
        return info.description if info is not None else ""
