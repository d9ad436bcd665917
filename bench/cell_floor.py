"""The harness's cells against plain `docker run`s of the same scenarios in the same images.

Three ways to run every cell, `jobs` at a time, each a `docker run --rm` from the CLI:

- plain: `docker run --rm IMAGE python SCENARIO`, with the backend's variables and its
  keras.json mounted where Keras reads it: the floor a container per cell cannot go below;
- sandboxed: the same with the sandbox's flags (no network, read-only root, tmpfs home and /tmp,
  no capabilities, limits): what the confinement costs;
- recorded: the very `docker run` line the harness records for each cell (the sandbox, and the
  driver that starts the scenario and reports on it).

The harness's own run (`harness run`, cold) adds its process, the Docker API calls, the
outcomes and the records on top of the last. Where the harness mounted its environments
(harness/build/mounted.py), every level runs in the same environment: the prefix image, with the
environment's two directories mounted read-only where the image would hold them.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from harness.build.environment_store import mounts
from harness.config.cells import Cell
from harness.config.matrix import Matrix
from harness.config.sandbox import CELL_HOME, Sandbox
from harness.execute.runner import PAYLOAD_MOUNT, Payload, run_spec

LEVELS = ("plain", "sandboxed", "recorded")


@dataclass(frozen=True, kw_only=True)
class CellImage:
    """What a cell runs in, as the harness's images.json records it."""

    tag: str  # the image; for a mounted environment, its prefix image
    environment_dir: Path | None = None  # a mounted environment's host directory

    def volume_flags(self) -> list[str]:
        """The read-only `-v` flags of a mounted environment, as the harness mounts it."""
        if self.environment_dir is None:
            return []
        found = mounts(self.environment_dir)
        return [f for m in found for f in ("-v", f"{m.source}:{m.target}:ro")]


def argv_for(
    level: str, matrix: Matrix, cell: Cell, image: CellImage, payload: Payload
) -> list[str]:
    """The `docker run` line of `cell` at one level."""
    if level == "recorded":
        spec = run_spec(matrix, cell, image.tag, payload, "bench")
        if image.environment_dir is not None:
            spec = replace(spec, mounts=(*spec.mounts, *mounts(image.environment_dir)))
        return spec.argv()
    backend = matrix.backends[cell.backend]
    argv = ["docker", "run", "--rm"]
    if level == "sandboxed":
        argv += Sandbox().docker_flags()
    for key, value in sorted(backend.env.items()):
        argv += ["-e", f"{key}={value}"]
    argv += ["-v", f"{payload.path}:{PAYLOAD_MOUNT}:ro"]
    if backend.keras_json is not None:
        json_file = payload.path / "backends" / f"{cell.backend}.json"
        argv += ["-v", f"{json_file}:{CELL_HOME}/.keras/keras.json:ro"]
    argv += image.volume_flags()
    return [*argv, image.tag, "python", f"{PAYLOAD_MOUNT}/scenarios/{cell.scenario}.py"]


def run_level(
    level: str,
    matrix: Matrix,
    *,
    cells: Sequence[Cell],
    images: Mapping[tuple[str, str], CellImage],
    payload: Payload,
    jobs: int,
) -> float:
    """Wall seconds of every cell run at `level`, `jobs` at a time."""

    def one(cell: Cell) -> None:
        argv = argv_for(level, matrix, cell, images[cell.image_key], payload)
        subprocess.run(argv, capture_output=True, check=False, timeout=matrix.timeout + 60)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, cells))
    return time.monotonic() - started


def measure(
    matrix: Matrix,
    cells: Sequence[Cell],
    images: Mapping[tuple[str, str], CellImage],
    jobs: int,
    say: Callable[[str], None],
) -> dict[str, float]:
    """One round of every level, in LEVELS' order."""
    found = {}
    with tempfile.TemporaryDirectory(prefix="cell-floor-") as scratch:
        Path(scratch).chmod(0o755)  # the cells' user reads it
        payload = Payload.prepare(Path(scratch), matrix)
        for level in LEVELS:
            found[level] = run_level(
                level, matrix, cells=cells, images=images, payload=payload, jobs=jobs
            )
            say(f"  docker run, {level}: {found[level]:.1f} s")
    return found
