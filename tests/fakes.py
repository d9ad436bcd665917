"""An in-memory image store and container runner for unit tests of the logic around Docker.

Never evidence that Docker works: the integration tests are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness import driver
from harness.engine.api import (
    HARNESS_LABEL,
    BuildResult,
    ContainerInfo,
    EngineInfo,
    LineSink,
    RunResult,
    RunSpec,
)
from harness.errors import EngineError


def driver_output(
    status: str = "ok", exception: Mapping[str, object] | None = None, **extra: object
) -> str:
    record = {
        "status": status,
        "exception": exception,
        "versions": {"python": "3.11.2", "keras": "3.12.0"},
        "exit_code": 0 if status == "ok" else 1,
        "duration_s": 0.5,
        "reason": None,
    } | extra
    return driver.MARKER + json.dumps(record) + "\n"


# What pip prints when it refuses an install: no release of that version.
REFUSED_LOG = (
    "ERROR: Could not find a version that satisfies the requirement tensorflow-cpu==9.9\n"
    "ERROR: No matching distribution found for tensorflow-cpu==9.9"
)


class FakeEngine:
    """An `Engine` in memory: builds succeed unless the tag names a failing environment (whose
    build prints `failing_log`, pip refusing it by default), and each container's result comes
    from `runner`."""

    def __init__(
        self,
        *,
        failing: frozenset[str] = frozenset(),
        runner: Callable[[RunSpec], RunResult] | None = None,
        failing_log: str = REFUSED_LOG,
    ) -> None:
        self.images: dict[str, str] = {}
        self.builds: list[str] = []
        # The images each build named as its cache sources: tag -> tags.
        self.cache_sources: dict[str, tuple[str, ...]] = {}
        self.runs: list[RunSpec] = []
        self.containers_left: list[ContainerInfo] = []
        self.removed_containers: list[str] = []
        self.stopped = 0
        self.driver = "overlay2"
        # Whether bind mounts reach this process's files (a local engine).
        self.binds = True
        # Files each image holds, as read_file() finds them: (image ref, path) -> text.
        self.files: dict[tuple[str, str], str] = {}
        self.digests: dict[str, str] = {}
        self._failing = failing
        self._failing_log = failing_log
        self._runner = runner or (
            lambda spec: RunResult(
                exit_code=0,
                stdout=driver_output(),
                stderr="",
                oom_killed=False,
                timed_out=False,
                duration_s=0.1,
            )
        )

    def describe(self) -> EngineInfo:
        return EngineInfo(version="fake-1.0", storage_driver=self.driver)

    def image_id(self, ref: str) -> str | None:
        return self.images.get(ref)

    def repo_digest(self, ref: str) -> str | None:
        return self.digests.get(ref)

    def read_file(self, image: str, path: str) -> str | None:
        if image not in self.images:
            raise EngineError(f"no image {image}")
        return self.files.get((image, path), "six==1.16.0\n")

    def pull(self, ref: str) -> None:
        raise EngineError("no registry here")

    def import_image(self, tarball: Path, ref: str, *, python: str) -> str:
        self.images[ref] = f"sha256:{ref}"
        return self.images[ref]

    def build(
        self,
        context: Path,
        ref: str,
        labels: Mapping[str, str],
        on_line: LineSink,
        build_args: Mapping[str, str] | None = None,
        *,
        cache_from: Sequence[str] = (),
    ) -> BuildResult:
        self.builds.append(ref)
        self.cache_sources[ref] = tuple(cache_from)
        on_line("Step 1/1 : FROM base")
        if any(name in ref for name in self._failing):
            return BuildResult(
                ok=False,
                image_id=None,
                log=self._failing_log,
                error="The command returned a non-zero code: 1",
            )
        self.images[ref] = f"sha256:{len(self.images)}"
        return BuildResult(ok=True, image_id=self.images[ref], log="Successfully built", error=None)

    def run(self, spec: RunSpec) -> RunResult:
        self.runs.append(spec)
        return self._runner(spec)

    def gateway(self) -> str | None:
        return None  # no bridge: builds go straight to PyPI, no caching index is started

    def stop_running(self) -> int:
        self.stopped += 1
        return 0

    def release(self) -> None:
        pass  # nothing is copied: there is no engine

    def binds_host_paths(self, image: str) -> bool:
        return self.binds

    def remove_cells(self, where: Callable[[ContainerInfo], bool]) -> int:
        cells = [c for c in self.containers_left if c.labels.get(HARNESS_LABEL) == "cell"]
        picked = {c.id for c in cells if where(c)}
        self.removed_containers += sorted(picked)
        self.containers_left = [c for c in self.containers_left if c.id not in picked]
        return len(picked)
