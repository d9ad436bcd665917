"""A run's records read back: provenance, image records, and cells in matrix order.

Runs recorded by older harness versions lack some fields (run.json `axes`, images.json
base image IDs and Dockerfiles); they still load, with "?" where a value is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

from harness import driver
from harness.config.cells import AXES
from harness.results import runmeta
from harness.results.outcome import Outcome
from harness.results.rundir import RunDir
from harness.results.runmeta import RunMeta

# One list, the driver's: harness.driver is copied alone into containers and cannot import it.
RECORDED_PACKAGES = driver.PACKAGES
"""The packages whose installed versions the driver records in every cell, most telling first
(tables list packages in this order); narrower than a bug report's PINNED_PACKAGES."""
UNKNOWN = runmeta.UNKNOWN  # the tables' word for a value not recorded
NOT_INSTALLED = "not installed"
Phase = Literal["works", "import", "call", "no_result"]
PHASE_WORDS: Mapping[Phase, str] = {
    "works": "works",
    "import": "fails at import",
    "call": "fails at call",
    "no_result": "no result",
}


@dataclass(frozen=True, kw_only=True)
class ImageInfo:
    """One image as images.json records it, for tables and provenance."""

    python: str
    environment: str
    tag: str
    image_id: str | None
    base_image: str
    base_image_id: str | None
    status: str
    error: str | None
    dockerfile: str | None
    # The image's pip freeze, relative to the run's directory; None for older runs.
    freeze: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ImageInfo:
        """The record from an images.json entry, with "?" for what is missing."""
        return cls(
            python=str(data.get("python", UNKNOWN)),
            environment=str(data.get("environment", UNKNOWN)),
            tag=str(data.get("tag", UNKNOWN)),
            image_id=data.get("image_id"),
            base_image=str(data.get("base_image", UNKNOWN)),
            base_image_id=data.get("base_image_id"),
            status=str(data.get("status", UNKNOWN)),
            error=data.get("error"),
            dockerfile=data.get("dockerfile"),
            freeze=data.get("freeze"),
        )


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """What produced a run: enough for a reader to tell two tables apart."""

    run_id: str
    harness_version: str
    started: str
    finished: str | None
    engine_version: str
    # None for runs recorded before the driver was: what every file a cell read went through.
    engine_storage_driver: str | None
    host_python: str
    matrix: str
    matrix_sha256: str
    cells_planned: int | None
    cells_recorded: int
    images: tuple[ImageInfo, ...]

    @property
    def engine(self) -> str:
        """The engine as tables name it: version, and storage driver where recorded."""
        if self.engine_storage_driver:
            return f"{self.engine_version} (storage driver {self.engine_storage_driver})"
        return self.engine_version

    @property
    def bases(self) -> tuple[tuple[str, str | None], ...]:
        """Distinct base images and their IDs, in image order."""
        return tuple(
            dict.fromkeys(
                (i.base_image, i.base_image_id) for i in self.images if i.base_image != "-"
            )
        )

    def image(self, python: str, environment: str) -> ImageInfo | None:
        """The image of (python, environment), if the run recorded it."""
        return next(
            (i for i in self.images if (i.python, i.environment) == (python, environment)), None
        )


@dataclass(frozen=True, kw_only=True)
class Run:
    """A run's records as read from its directory, cells in matrix order."""

    info: RunMeta
    provenance: Provenance
    outcomes: tuple[Outcome, ...]
    axes: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, run_dir: RunDir) -> Run:
        """The run in `run_dir`: run.json, images.json and cells.jsonl."""
        images = run_dir.read_json("images.json")
        return cls.of(
            list(run_dir.outcomes()),
            run_dir.read_meta(),
            images if isinstance(images, list) else [],
        )

    @classmethod
    def of(
        cls,
        outcomes: Sequence[Outcome],
        meta: RunMeta,
        images: Sequence[Mapping[str, Any]] = (),
    ) -> Run:
        """A run from its records, cells sorted in matrix order."""
        axes = _axis_order(outcomes, meta.axes)
        index = {axis: {v: i for i, v in enumerate(values)} for axis, values in axes.items()}
        ordered = sorted(outcomes, key=lambda o: tuple(index[a][str(getattr(o, a))] for a in AXES))
        provenance = Provenance(
            run_id=meta.run_id,
            harness_version=meta.harness_version,
            started=meta.started,
            finished=meta.finished,
            engine_version=meta.engine_version,
            engine_storage_driver=meta.engine_storage_driver,
            host_python=meta.host_python,
            matrix=shown_path(meta.matrix or UNKNOWN),
            matrix_sha256=meta.matrix_sha256,
            cells_planned=meta.cells_planned,
            cells_recorded=len(outcomes),
            images=tuple(ImageInfo.parse(i) for i in images if isinstance(i, Mapping)),
        )
        return cls(info=meta, provenance=provenance, outcomes=tuple(ordered), axes=axes)


def _axis_order(
    outcomes: Sequence[Outcome], recorded: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """Each axis in matrix order (run.json `axes`); else Pythons by version, others as seen."""
    axes: dict[str, tuple[str, ...]] = {}
    for axis in AXES:
        seen = list(dict.fromkeys(str(getattr(o, axis)) for o in outcomes))
        known = [str(v) for v in recorded.get(axis) or () if v in seen]
        rest = [v for v in seen if v not in known]
        if axis == "python":
            rest.sort(key=version_key)
        axes[axis] = (*known, *rest)
    return axes


def shown_path(path: str) -> str:
    """A recorded absolute path, relative to the working directory when under it (as published
    from a clone: `matrix.yaml` rather than the recording host's home)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def version_key(value: str | None) -> tuple[int, Version | str]:
    """A sort key that orders versions as versions, and anything else after them."""
    if value is None:
        return (0, "")
    try:
        return (1, Version(value))
    except InvalidVersion:
        return (2, value)


def package_names(outcomes: Iterable[Outcome]) -> tuple[str, ...]:
    """Packages with a recorded version in some cell (the driver's list), in its order."""
    found = {
        name
        for o in outcomes
        for name, version in o.versions.items()
        if version and name != "python"
    }
    return tuple(
        sorted(
            found, key=lambda n: (RECORDED_PACKAGES.index(n) if n in RECORDED_PACKAGES else 99, n)
        )
    )


def phase_of(outcome: Outcome) -> Phase:
    """works / fails at import / fails at call / no result (build failed, timeout, crash)."""
    if outcome.status == "ok":
        return "works"
    if outcome.status == "error":
        return "import" if outcome.error is not None and outcome.error.phase == "import" else "call"
    return "no_result"
