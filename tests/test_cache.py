"""The result cache's key and store: what changes a key, what does not, and cached_from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from harness.cache import ResultCache, cell_key
from harness.engine import Mount, RunSpec
from harness.matrix import Backend
from harness.outcome import Outcome
from harness.parallel import MEMORY_PER_JOB_BYTES, default_jobs

SPEC = RunSpec(
    image="keras-matrix-env:py3.11-keras3-only-abc",
    command=("python", "/keras-matrix/driver.py", "run", "/keras-matrix/scenarios/s.py"),
    env={"KERAS_BACKEND": "jax"},
    mounts=(Mount(source=Path("/results/run-1/payload"), target="/keras-matrix"),),
    labels={"io.keras-matrix.run": "run-1"},
    timeout_s=360.0,
)
BACKEND = Backend(env={"KERAS_BACKEND": "jax"})


def key(
    spec: RunSpec = SPEC,
    image_id: str = "sha256:1",
    scenario: str = "s1",
    backend: Backend = BACKEND,
) -> str:
    return cell_key(spec=spec, image_id=image_id, scenario_sha256=scenario, backend=backend)


def test_what_names_a_run_does_not_change_the_key() -> None:
    other_run = dataclasses.replace(
        SPEC,
        labels={"io.keras-matrix.run": "run-2"},
        name="cell-7",
        mounts=(Mount(source=Path("/elsewhere/run-2/payload"), target="/keras-matrix"),),
    )
    assert key(other_run) == key()


def test_every_input_of_a_cell_changes_the_key() -> None:
    changed = {
        key(image_id="sha256:2"),
        key(scenario="s2"),
        key(backend=Backend(env={"KERAS_BACKEND": "jax"}, keras_json={"backend": "theano"})),
        key(dataclasses.replace(SPEC, timeout_s=60.0)),
        key(dataclasses.replace(SPEC, env={"KERAS_BACKEND": "torch"})),
        key(dataclasses.replace(SPEC, command=(*SPEC.command, "--keras-json", "x"))),
        key(
            dataclasses.replace(
                SPEC, mounts=(Mount(source=Path("/p"), target="/keras-matrix", read_only=False),)
            )
        ),
    }
    assert key() not in changed
    assert len(changed) == 7


def test_a_stored_outcome_comes_back_marked_with_the_run_that_ran_it(tmp_path: Path) -> None:
    cache = ResultCache.under(tmp_path)
    outcome = Outcome(
        run_id="run-1",
        cell_id="c",
        python="3.11",
        environment="e",
        backend="b",
        scenario="s",
        status="error",
        reason=None,
    )
    cache.put("ab" * 32, outcome)
    again = cache.get("ab" * 32, "run-2")
    assert again == dataclasses.replace(outcome, run_id="run-2", cached_from="run-1")
    assert cache.get("ab" * 32, "run-3") == dataclasses.replace(
        outcome, run_id="run-3", cached_from="run-1"
    )
    assert cache.get("cd" * 32, "run-2") is None


def test_build_failures_are_not_cached(tmp_path: Path) -> None:
    cache = ResultCache.under(tmp_path)
    failed = Outcome(
        run_id="r",
        cell_id="c",
        python="3.11",
        environment="e",
        backend="b",
        scenario="s",
        status="build_failed",
    )
    cache.put("ef" * 32, failed)
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
