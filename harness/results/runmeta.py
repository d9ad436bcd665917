"""run.json as a record: what produced a run, what it planned, and how far it got.

Runs recorded by older harness versions lack some fields (`axes`, `cell_ids`, `sandbox`,
`engine_storage_driver`, `complete`); they still load, with "?" or None where a value is
unknown, so that their tables can be rendered. Only `--resume` needs the planned cells.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness.config.cells import AXES, Cell
from harness.config.sandbox import Sandbox

if TYPE_CHECKING:
    # Only named in signatures: importing them would tie results.py to the engine and matrix.
    from harness.config.matrix import Matrix
    from harness.engine.api import EngineInfo

UNKNOWN = "?"


def now() -> str:
    """The current time as run.json records it (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class ScenarioInfo:
    """A scenario as the run saw it: the words tables show, and its content hash."""

    title: str
    description: str = ""
    source: str = ""
    claim_summary: str = ""
    claim_pattern: str = ""
    sha256: str = UNKNOWN

    def to_json(self) -> dict[str, Any]:
        """The JSON object run.json holds under `scenarios.<name>`."""
        return {
            "title": self.title,
            "description": self.description,
            "source": self.source,
            "claim": {"summary": self.claim_summary, "pattern": self.claim_pattern},
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ScenarioInfo:
        """The record from run.json's object; missing words are empty."""
        claim = data.get("claim")
        claim = claim if isinstance(claim, Mapping) else {}
        # The same defaults the tables used when they read the dictionary themselves.
        return cls(
            title=str(data.get("title", name)),
            description=str(data.get("description", "")),
            source=str(data.get("source", "")),
            claim_summary=str(claim.get("summary", UNKNOWN)),
            claim_pattern=str(claim.get("pattern", "")),
            sha256=str(data.get("sha256", UNKNOWN)),
        )


@dataclass(frozen=True, kw_only=True)
class RunMeta:
    """The contents of a run's run.json."""

    run_id: str
    harness_version: str = UNKNOWN
    engine_version: str = UNKNOWN
    # None for runs recorded before the driver was: what every file a cell read went through.
    engine_storage_driver: str | None = None
    host_python: str = UNKNOWN
    # The matrix file as an absolute path; None if not recorded.
    matrix: str | None = None
    matrix_sha256: str = UNKNOWN
    started: str = UNKNOWN
    finished: str | None = None
    cells_planned: int | None = None
    # Each axis in the matrix's order, so that tables list values as the matrix does.
    axes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What `--resume` runs: these cells, with this sandbox, minus those in cells.jsonl.
    cell_ids: tuple[str, ...] | None = None
    sandbox: Sandbox | None = None
    # The pip freezes (an earlier run's environments/) every build was constrained to, if any.
    pinned_from: str | None = None
    scenarios: Mapping[str, ScenarioInfo] = field(default_factory=dict)
    cells_recorded: int | None = None
    complete: bool | None = None
    # Where the run ran: host, engine, executor, CI attempt and, for a shard, which one of
    # which plan (see harness/execute/sharding.py); merged runs name the runs they merge.
    provenance: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        run_id: str,
        matrix: Matrix,
        cells: Sequence[Cell],
        *,
        sandbox: Sandbox,
        engine: EngineInfo,
        pinned_from: Path | None = None,
        provenance: Mapping[str, str] | None = None,
    ) -> RunMeta:
        """The record of a run that starts now with these cells."""
        return cls(
            run_id=run_id,
            harness_version=__version__,
            engine_version=engine.version,
            engine_storage_driver=engine.storage_driver,
            host_python=platform.python_version(),
            matrix=str(matrix.path.resolve()),
            matrix_sha256=matrix.sha256,
            started=now(),
            cells_planned=len(cells),
            axes={axis: tuple(matrix.axis_values(axis)) for axis in AXES},
            cell_ids=tuple(cell.id for cell in cells),
            sandbox=sandbox,
            pinned_from=str(pinned_from) if pinned_from else None,
            scenarios={
                name: ScenarioInfo(
                    title=s.title,
                    description=s.description,
                    source=s.source,
                    claim_summary=s.claim.summary,
                    claim_pattern=s.claim.pattern,
                    sha256=s.sha256,
                )
                for name, s in matrix.scenarios.items()
            },
            provenance=dict(provenance or {}),
        )

    def finish(self, recorded: int) -> RunMeta:
        """The record once this invocation ends with `recorded` cells in cells.jsonl."""
        planned = self.cells_planned if self.cells_planned is not None else len(self.cell_ids or ())
        return replace(self, finished=now(), cells_recorded=recorded, complete=recorded >= planned)

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to run.json (keys absent where nothing is recorded)."""
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "harness_version": self.harness_version,
            "engine_version": self.engine_version,
            "engine_storage_driver": self.engine_storage_driver,
            "host_python": self.host_python,
            "matrix": self.matrix,
            "matrix_sha256": self.matrix_sha256,
            "started": self.started,
            "finished": self.finished,
            "cells_planned": self.cells_planned,
            "axes": {axis: list(values) for axis, values in self.axes.items()},
            "cell_ids": list(self.cell_ids) if self.cell_ids is not None else None,
            "sandbox": self.sandbox.as_dict() if self.sandbox is not None else None,
            "pinned_from": self.pinned_from,
            "scenarios": {name: s.to_json() for name, s in self.scenarios.items()},
            "cells_recorded": self.cells_recorded,
            "complete": self.complete,
            "provenance": dict(self.provenance) or None,
        }
        optional = ("cell_ids", "sandbox", "cells_recorded", "complete", "provenance")
        return {k: v for k, v in data.items() if v is not None or k not in optional}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, run_id: str = UNKNOWN) -> RunMeta:
        """The record from run.json's object, tolerating what older versions did not record."""
        axes = data.get("axes")
        cell_ids = data.get("cell_ids")
        sandbox = data.get("sandbox")
        scenarios = data.get("scenarios")
        planned = data.get("cells_planned")
        recorded = data.get("cells_recorded")
        complete = data.get("complete")
        provenance = data.get("provenance")
        return cls(
            run_id=str(data.get("run_id") or run_id),
            harness_version=_text(data, "harness_version"),
            engine_version=_text(data, "engine_version"),
            engine_storage_driver=_optional_text(data, "engine_storage_driver"),
            host_python=_text(data, "host_python"),
            matrix=_optional_text(data, "matrix"),
            matrix_sha256=_text(data, "matrix_sha256"),
            started=_text(data, "started"),
            finished=_optional_text(data, "finished"),
            cells_planned=planned if isinstance(planned, int) else None,
            axes={
                str(axis): tuple(str(v) for v in values)
                for axis, values in (axes.items() if isinstance(axes, Mapping) else ())
                if isinstance(values, list)
            },
            cell_ids=tuple(str(c) for c in cell_ids) if isinstance(cell_ids, list) else None,
            sandbox=_sandbox(sandbox) if isinstance(sandbox, Mapping) else None,
            pinned_from=_optional_text(data, "pinned_from"),
            scenarios={
                str(name): ScenarioInfo.from_json(str(name), info)
                for name, info in (scenarios.items() if isinstance(scenarios, Mapping) else ())
                if isinstance(info, Mapping)
            },
            cells_recorded=recorded if isinstance(recorded, int) else None,
            complete=complete if isinstance(complete, bool) else None,
            provenance={
                str(k): str(v)
                for k, v in (provenance.items() if isinstance(provenance, Mapping) else ())
            },
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return UNKNOWN if value is None else str(value)


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def _sandbox(recorded: Mapping[str, Any]) -> Sandbox:
    """The recorded settings over today's defaults; settings this version lacks are dropped."""
    known = {f.name for f in fields(Sandbox)}
    return Sandbox().with_overrides({k: v for k, v in recorded.items() if k in known})
