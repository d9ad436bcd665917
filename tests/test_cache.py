"""The result cache's key and store: what changes a key, what does not, and cached_from."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.config.sandbox import Sandbox
from harness.engine.api import Mount, RunSpec
from harness.execute.cache import NAMING_FIELDS, ResultCache, cell_key
from harness.execute.parallel import MEMORY_PER_JOB_BYTES, default_jobs

from .builders import outcome

SPEC = RunSpec(
    image="keras-matrix-env:py3.11-keras3-only-abc",
    command=("python", "/keras-matrix/driver.py", "run", "/keras-matrix/scenarios/s.py"),
    env={"KERAS_BACKEND": "jax"},
    mounts=(Mount(source=Path("/results/run-1/payload"), target="/keras-matrix"),),
    run_id="run-1",
    cell_id="py3.11/keras3-only/jax/s",
    owner="host:1:1",
    timeout_s=360.0,
)
CONTENTS = {"/keras-matrix/driver.py": "d1", "/keras-matrix/scenarios/s.py": "s1"}


def key(
    spec: RunSpec = SPEC, image_id: str = "sha256:1", contents: Mapping[str, str] = CONTENTS
) -> str:
    return cell_key(spec, image_id=image_id, contents=contents)


def test_what_names_a_container_does_not_change_the_key() -> None:
    other_run = dataclasses.replace(
        SPEC,
        run_id="run-2",
        name="cell-7",
        owner="elsewhere:2:2",
        cell_id="renamed",
        mounts=(Mount(source=Path("/elsewhere/run-2/payload"), target="/keras-matrix"),),
    )
    assert key(other_run) == key()
    # The tag names the image; its ID is what the cell ran in.
    assert key(dataclasses.replace(SPEC, image="another-tag")) == key()


def test_the_image_id_and_the_payload_contents_change_the_key() -> None:
    changed = {
        key(image_id="sha256:2"),
        key(contents=CONTENTS | {"/keras-matrix/scenarios/s.py": "s2"}),
        key(contents=CONTENTS | {"/keras-matrix/driver.py": "d2"}),
        key(contents=CONTENTS | {"/keras-matrix/backends/stale.json": "j1"}),
    }
    assert key() not in changed and len(changed) == 4


def _another(value: Any, annotation: Any) -> Any:
    """A value of the same type as `value` that differs from it."""
    if value is None:
        # An optional field: a value of its other type.
        inner = next(a for a in typing.get_args(annotation) if a is not type(None))
        value = {str: "", int: 0, float: 0.0, bool: False}[inner]
    if isinstance(value, tuple) and value and isinstance(value[0], Mount):
        return (dataclasses.replace(value[0], read_only=not value[0].read_only),)
    changes: list[tuple[type, Any]] = [
        (bool, lambda v: not v),
        (int, lambda v: v + 1),
        (float, lambda v: v + 1),
        (str, lambda v: v + "x"),
        (Mapping, lambda v: {**v, "EXTRA": "1"}),
        (tuple, lambda v: (*v, "x")),
    ]
    change = next((f for kind, f in changes if isinstance(value, kind)), None)
    assert change is not None, f"no other value for {value!r}: teach _another this type"
    return change(value)


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(RunSpec)])
def test_every_field_of_the_spec_changes_the_key_unless_it_names_the_container(name: str) -> None:
    hints = typing.get_type_hints(RunSpec)
    if name == "sandbox":
        return  # each of its own fields is checked below
    changed = dataclasses.replace(SPEC, **{name: _another(getattr(SPEC, name), hints[name])})
    if name in NAMING_FIELDS or name == "image":
        assert key(changed) == key()
    else:
        assert key(changed) != key(), f"RunSpec.{name} is not in the cache key"


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Sandbox)])
def test_every_sandbox_setting_changes_the_key(name: str) -> None:
    hints = typing.get_type_hints(Sandbox)
    sandbox = dataclasses.replace(
        SPEC.sandbox, **{name: _another(getattr(SPEC.sandbox, name), hints[name])}
    )
    assert key(dataclasses.replace(SPEC, sandbox=sandbox)) != key(), f"Sandbox.{name}"


def test_a_stored_outcome_comes_back_marked_with_the_run_that_ran_it(tmp_path: Path) -> None:
    cache = ResultCache.under(tmp_path)
    stored = outcome(run_id="run-1", status="error")
    cache.put("ab" * 32, stored)
    again = cache.get("ab" * 32, "run-2")
    assert again == dataclasses.replace(stored, run_id="run-2", cached_from="run-1")
    assert cache.get("ab" * 32, "run-3") == dataclasses.replace(
        stored, run_id="run-3", cached_from="run-1"
    )
    assert cache.get("cd" * 32, "run-2") is None


def test_build_failures_are_not_cached(tmp_path: Path) -> None:
    cache = ResultCache.under(tmp_path)
    cache.put("ef" * 32, outcome(status="build_failed"))
    assert cache.get("ef" * 32, "r2") is None


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache.under(tmp_path)
    path = cache.root / "01" / ("01" * 32 + ".json")
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert cache.get("01" * 32, "r") is None


def test_default_jobs_follow_cpus_and_free_memory() -> None:
    assert default_jobs(cpus=2, memory=24 * 2**30) == 2
    assert default_jobs(cpus=8, memory=3 * MEMORY_PER_JOB_BYTES) == 3
    assert default_jobs(cpus=4, memory=0) == 1
    assert default_jobs(cpus=4, memory=None) >= 1
