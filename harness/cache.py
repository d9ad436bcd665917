"""The result cache: a cell whose inputs have not changed is not run again.

A cell's key is the SHA-256 of everything that can change its outcome: the image's ID (not
its tag: a rebuilt image is a new input), the scenario's content, the backend's configuration,
the driver's content, and the container's whole `RunSpec` (command, environment, limits and
whatever sandbox settings it carries) minus what names one run (labels, container name, the
host path of the payload). Entries live under `<results>/.cache/cells/`, beside the runs they
point back to, so `cached_from` always names a run directory next to it and removing
`results/` resets everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from harness import driver
from harness.cells import Cell
from harness.engine import RunSpec
from harness.images import ImageRecord
from harness.matrix import Backend, Matrix
from harness.outcome import Outcome
from harness.results import write_atomic
from harness.runner import Payload, run_spec
from harness.sandbox import Sandbox

KEY_SCHEMA = 1
CACHE_DIR = ".cache"
# RunSpec fields that name a run rather than change what happens in it.
RUN_SPECIFIC_FIELDS = frozenset({"labels", "name"})
# A cell that died for reasons outside its inputs would be wrong forever if cached.
UNCACHED_STATUSES = frozenset({"build_failed"})


@cache
def driver_sha256() -> str:
    return hashlib.sha256(Path(driver.__file__).read_bytes()).hexdigest()


def spec_identity(spec: RunSpec, image_id: str) -> dict[str, Any]:
    """The RunSpec as it affects the container: image by ID, mounts by target only."""
    data = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
    for name in RUN_SPECIFIC_FIELDS:
        data.pop(name, None)
    data["image"] = image_id
    data["mounts"] = [{"target": m.target, "read_only": m.read_only} for m in spec.mounts]
    return data


def cell_key(*, spec: RunSpec, image_id: str, scenario_sha256: str, backend: Backend) -> str:
    material = {
        "schema": KEY_SCHEMA,
        "spec": spec_identity(spec, image_id),
        "scenario_sha256": scenario_sha256,
        "backend": {"env": backend.env, "keras_json": backend.keras_json},
        "driver_sha256": driver_sha256(),
    }
    text = json.dumps(material, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    """JSON for the odd values a RunSpec may hold (mappings, paths, tuples of dataclasses)."""
    if isinstance(value, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


@dataclass(frozen=True, kw_only=True)
class ResultCache:
    root: Path

    @classmethod
    def under(cls, results_root: Path) -> ResultCache:
        return cls(root=results_root / CACHE_DIR / "cells")

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, run_id: str) -> Outcome | None:
        """The stored outcome, as a record of this run that says which run produced it."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            stored = Outcome.from_json(data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError):
            return None  # a damaged entry is a miss: the cell runs again and rewrites it
        origin = stored.cached_from or stored.run_id
        return dataclasses.replace(stored, run_id=run_id, cached_from=origin)

    def put(self, key: str, outcome: Outcome) -> None:
        if outcome.status in UNCACHED_STATUSES:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(outcome.to_json(), sort_keys=True) + "\n")

    def storing(
        self, keys: Mapping[str, str], on_outcome: Callable[[Outcome], None]
    ) -> Callable[[Outcome], None]:
        """Wrap a sink so that each fresh outcome is also stored under its cell's key."""

        def sink(outcome: Outcome) -> None:
            key = keys.get(outcome.cell_id)
            if key is not None:
                self.put(key, outcome)
            on_outcome(outcome)

        return sink


def lookup(
    cache: ResultCache,
    matrix: Matrix,
    cells: Sequence[Cell],
    images: Mapping[tuple[str, str], ImageRecord],
    *,
    payload: Payload,
    run_id: str,
    use_cache: bool,
    sandbox: Sandbox | None = None,
) -> tuple[list[Outcome], list[Cell], dict[str, str]]:
    """Split cells into those answered by the cache and those to run, with each runnable cell's key.

    With `use_cache` off nothing is read, but fresh outcomes are still stored for the next run.
    """
    cached: list[Outcome] = []
    to_run: list[Cell] = []
    keys: dict[str, str] = {}
    for cell in cells:
        image = images[cell.image_key]
        if not image.usable or image.image_id is None:
            to_run.append(cell)  # the runner records it as build_failed without a container
            continue
        spec = run_spec(matrix, cell, image.tag, payload, run_id, sandbox=sandbox)
        key = cell_key(
            spec=spec,
            image_id=image.image_id,
            scenario_sha256=matrix.scenarios[cell.scenario].sha256,
            backend=matrix.backends[cell.backend],
        )
        keys[cell.id] = key
        found = cache.get(key, run_id) if use_cache else None
        if found is None:
            to_run.append(cell)
        else:
            cached.append(found)
    return cached, to_run, keys
