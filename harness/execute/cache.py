"""The result cache: a cell whose inputs have not changed is not run again.

A cell's key is the SHA-256 of its whole `RunSpec` as canonical JSON (every field, nested
dataclasses included, so a field added to RunSpec or Sandbox is in the key without anyone
listing it), with three substitutions: the image by ID rather than tag (a rebuilt image is a
new input), each mount by its target rather than its host path, and the payload files the
command names by their content (driver, scenario, keras.json). Only the fields that name a
container rather than change what happens in it are left out. Entries live under
`<results>/.cache/cells/`, beside the runs they point back to, so `cached_from` always names a
run directory next to it and removing `results/` resets everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.engine.api import RunSpec
from harness.results.outcome import Outcome
from harness.textfiles import write_atomic

# 2: the key covers the whole spec and the payload by content (1 listed backend fields by hand).
KEY_SCHEMA = 2
CACHE_DIR = ".cache"
# RunSpec fields that name a container rather than change what happens in it.
NAMING_FIELDS = frozenset({"name", "run_id", "cell_id", "owner"})
# A cell that died for reasons outside its inputs would be wrong forever if cached.
UNCACHED_STATUSES = frozenset({"build_failed"})


def canonical(value: object) -> object:
    """`value` as plain JSON data: dataclasses field by field, mappings, sequences, paths."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=str)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def spec_identity(spec: RunSpec, image_id: str) -> dict[str, Any]:
    """The RunSpec as it affects the container: image by ID, mounts by target, no names."""
    data = {
        f.name: canonical(getattr(spec, f.name))
        for f in dataclasses.fields(spec)
        if f.name not in NAMING_FIELDS
    }
    data["image"] = image_id
    # A mount's host path names the run; the payload files are keyed by content instead.
    data["mounts"] = [
        {k: v for k, v in canonical_mount.items() if k != "source"}
        for canonical_mount in map(_plain_dict, spec.mounts)
    ]
    return data


def cell_key(spec: RunSpec, *, image_id: str, contents: Mapping[str, str]) -> str:
    """The cache key of a cell run by `spec` in image `image_id`, whose command names the
    payload files whose SHA-256 are `contents` (by path in the container)."""
    material = {
        "schema": KEY_SCHEMA,
        "spec": spec_identity(spec, image_id),
        "contents": dict(contents),
    }
    text = json.dumps(material, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_dict(value: object) -> dict[str, object]:
    found = canonical(value)
    return found if isinstance(found, dict) else {"value": found}


@dataclass(frozen=True, kw_only=True)
class ResultCache:
    """Outcomes by cell key, one JSON file each."""

    root: Path

    @classmethod
    def under(cls, results_root: Path) -> ResultCache:
        """The cache beside the runs in `results_root`."""
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
        """Store a fresh outcome under its cell's key (build failures are not stored)."""
        if outcome.status in UNCACHED_STATUSES:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(outcome.to_json(), sort_keys=True) + "\n")
