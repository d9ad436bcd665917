"""What the harness asks of a container engine, and the records that cross that seam.

Two small protocols: an `ImageStore` (find, pull, import and build images) and a
`ContainerRunner` (run one container, stop those in flight, find and remove leftovers);
`Engine` is both. harness/engine/docker_engine.py implements them with the Docker SDK.
The labels a cell container carries are named here and nowhere else outside the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from harness.config.sandbox import Sandbox

LineSink = Callable[[str], None]

# Every image and container the harness makes carries HARNESS_LABEL; the others share the prefix.
LABEL_PREFIX = "io.keras-matrix"
HARNESS_LABEL = f"{LABEL_PREFIX}.harness"

# What `docker import` sets on a Debian base; the rendered Dockerfiles repeat it for people who
# make the base on another host.
DEBIAN_IMPORT_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["/bin/bash"]',
)


# Labels on every cell container: what it is, its run and cell, and the process that started it
# (so that a later start can tell a dead run's leftovers from a live run's containers).
CELL_LABEL_VALUE = "cell"
RUN_LABEL = f"{LABEL_PREFIX}.run"
CELL_LABEL = f"{LABEL_PREFIX}.cell"
# `host:pid:token`, judged by the token's lock (execute/dead_runs.py). Not `.owner`: harness
# versions before the lock read `.owner` as `host:pid:start` and would take a token for a
# reused pid's start time, removing a live run's containers.
OWNER_LABEL = f"{LABEL_PREFIX}.owner-lock"


@dataclass(frozen=True, kw_only=True)
class Mount:
    """A host directory made visible in the container."""

    source: Path
    target: str
    read_only: bool = True


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """A container to run once and remove."""

    image: str
    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()
    timeout_s: float = 600.0
    name: str | None = None
    sandbox: Sandbox = field(default_factory=Sandbox)
    # Whose container this is: they name it, they do not change what happens in it.
    run_id: str | None = None
    cell_id: str | None = None
    owner: str | None = None

    def labels(self) -> dict[str, str]:
        """The labels the container carries (none for a container that is not a cell's)."""
        if self.cell_id is None:
            return {}
        labels = {HARNESS_LABEL: CELL_LABEL_VALUE, CELL_LABEL: self.cell_id}
        if self.run_id is not None:
            labels[RUN_LABEL] = self.run_id
        if self.owner:
            labels[OWNER_LABEL] = self.owner
        return labels

    def argv(self) -> list[str]:
        """The `docker run` command that runs this container by hand."""
        argv = ["docker", "run", "--rm"]
        if self.name:
            argv += ["--name", self.name]
        argv += self.sandbox.docker_flags()
        for key, value in sorted(self.labels().items()):
            argv += ["--label", f"{key}={value}"]
        for key, value in sorted(self.env.items()):
            argv += ["-e", f"{key}={value}"]
        for mount in self.mounts:
            argv += ["-v", f"{mount.source}:{mount.target}{':ro' if mount.read_only else ''}"]
        return [*argv, self.image, *self.command]


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """What came back from one container: its streams, exit code and how it ended."""

    exit_code: int | None
    stdout: str
    stderr: str
    oom_killed: bool
    timed_out: bool
    duration_s: float
    # Bytes of the container's own output dropped to stay within the sandbox's limit.
    output_cut: int = 0


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """One `docker build`: whether it worked, the image, and its log."""

    ok: bool
    image_id: str | None
    log: str
    error: str | None


@dataclass(frozen=True, kw_only=True)
class ContainerInfo:
    """A container found on the engine, with its labels."""

    id: str
    name: str
    labels: Mapping[str, str]

    @property
    def owner(self) -> str | None:
        """`host:pid:start` of the process that started it, if recorded."""
        return self.labels.get(OWNER_LABEL)


@dataclass(frozen=True, kw_only=True)
class EngineInfo:
    """What a run records about the engine it ran on."""

    version: str
    storage_driver: str


class ImageStore(Protocol):
    """Where images are found, pulled, imported and built."""

    def image_id(self, ref: str) -> str | None:
        """The ID of the image `ref`, or None if the engine does not have it."""

    def repo_digest(self, ref: str) -> str | None:
        """`name@sha256:...` as the registry served `ref`; None for a locally made image."""

    def read_file(self, image: str, path: str) -> str | None:
        """A text file of `image`, or None if the image has no such file."""

    def pull(self, ref: str) -> None:
        """Pull `ref` from its registry."""

    def import_image(self, tarball: Path, ref: str, *, python: str) -> str:
        """Import a root filesystem tarball as base image `ref`; its ID."""

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
        """Build the Dockerfile in `context` as `ref`, streaming its log to `on_line`; layers
        are reused from `cache_from`'s images first when any are given."""

    def gateway(self) -> str | None:
        """The host's address as builds see it (for the host-side pip index), if known."""


class ContainerRunner(Protocol):
    """Where cell containers run, are stopped, and are cleaned up after a crash."""

    def run(self, spec: RunSpec) -> RunResult:
        """Run one container to its end (or its timeout) and remove it."""

    def stop_running(self) -> int:
        """Kill and remove the containers in flight; none starts after. How many there were."""

    def remove_cells(self, where: Callable[[ContainerInfo], bool]) -> int:
        """Remove the cell containers on the engine (any process's) that `where` picks; how many."""

    def release(self) -> None:
        """Remove what was made for this process's containers (copies of mounts) once done."""

    def binds_host_paths(self, image: str) -> bool:
        """Whether a directory of this process's host, bind-mounted into a container of `image`,
        is that directory (not a copy, not an empty path on another host)."""


class Engine(ImageStore, ContainerRunner, Protocol):
    """An engine that both builds images and runs containers."""

    def describe(self) -> EngineInfo:
        """The engine's version and storage driver, for run.json."""
