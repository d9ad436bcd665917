"""A cold build of one environment as a mounted environment (`--only cold-build`, on by default).

The harness's own code path (harness.build.mounted.build_mounted) builds the environment into a
fresh EnvironmentStore in a scratch directory of the host's own disk, never the user's
~/.cache/keras-matrix/environments. Two things differ, both in the engine it is handed: the
prefix image is built with `--no-cache` (as the image builds beside it are, so that no builder
cache left by earlier prefixes makes it warm), and under a bench tag rather than the shared
`keras-matrix-env:py<P>-prefix-<digest>` one, so that removing it after each round leaves the
harness's own prefixes, and the environments that name them, alone. The engine also times each
of its calls: the prefix build, the container that copies the prefix's venv out, the install
containers.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
from cold_build import (
    BENCH_REPOSITORY,
    PYTHON,
    part,
    ratio_row,
    remove_image,
    scratch_root,
    timed_build,
)

from harness.build.dockerfile import ImageSpec
from harness.build.dockerfile_cut import split
from harness.build.environment_store import EnvironmentStore
from harness.build.images import ImageRecord
from harness.build.mounted import STORE_MOUNT, MountedBuild, build_mounted
from harness.engine.api import BuildResult, LineSink, RunResult, RunSpec
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine

_PREFIX_REPOSITORY = "keras-matrix-env:"


@dataclass(kw_only=True)
class MountedBuildTiming:
    """Seconds per part of one mounted build."""

    seconds: float = 0.0
    prefix: float = 0.0  # the prefix image, classic builder, --no-cache
    # The container that lays the environment out (the prefix's venv and state, copied as root).
    copy_out: float = 0.0
    installs: list[float] = field(default_factory=list)  # each install step's container

    @property
    def rest(self) -> float:
        """What the harness does between the engine's calls (the store, the record)."""
        return self.seconds - self.prefix - self.copy_out - sum(self.installs)


def bench_tag(ref: str) -> str:
    """The bench's own tag for a prefix image the harness would tag `ref`."""
    if not ref.startswith(_PREFIX_REPOSITORY):
        return ref
    return f"{BENCH_REPOSITORY}:mounted-{ref.removeprefix(_PREFIX_REPOSITORY)}"


class TimingEngine(DockerEngine):
    """The harness's Docker engine with the prefix built cold under a bench tag, every build and
    container timed into `timing`."""

    def __init__(self, client: docker.DockerClient, timing: MountedBuildTiming) -> None:
        super().__init__(client, silent, copy_mounts=None)
        self.client = client
        self.timing = timing
        self.tags: set[str] = set()

    def image_id(self, ref: str) -> str | None:
        return super().image_id(bench_tag(ref))

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
        tag = bench_tag(ref)
        self.tags.add(tag)
        timed = timed_build(self.client, context, tag, dict(build_args or {}), dict(labels))
        self.timing.prefix += timed.seconds
        return BuildResult(
            ok=timed.error is None, image_id=timed.image_id, log="", error=timed.error
        )

    def run(self, spec: RunSpec) -> RunResult:
        started = time.monotonic()
        result = super().run(replace(spec, image=bench_tag(spec.image)))
        seconds = time.monotonic() - started
        # The layout (the prefix's venv and state copied out, as root) mounts the store.
        if any(mount.target == STORE_MOUNT for mount in spec.mounts):
            self.timing.copy_out += seconds
        else:
            self.timing.installs.append(seconds)
        return result


def mounted_build(
    client: docker.DockerClient, spec: ImageSpec, build_args: Mapping[str, str]
) -> MountedBuildTiming:
    """`spec` built cold as a mounted environment into a fresh store; all of it removed after."""
    cut = split(spec)
    if cut is None:
        raise RuntimeError(f"{spec.environment}: its Dockerfile cannot be cut before its installs")
    timing = MountedBuildTiming()
    engine = TimingEngine(client, timing)
    scratch = Path(tempfile.mkdtemp(prefix="cold-build-mounted-", dir=scratch_root()))
    try:
        job = MountedBuild(
            engine=engine,
            store=EnvironmentStore(root=scratch / "environments"),
            log_dir=scratch / "builds",
            context_dir=scratch / "contexts",
            on_line=lambda which, line: None,
            build_args=build_args,
            retry_delays=(),  # a failure is the bench's to report, not to wait out
            say=lambda text: None,
        )
        record = ImageRecord(
            python=spec.python,
            environment=spec.environment,
            tag="-",
            base_image=spec.base.from_ref,
            base_image_id=spec.base.image_id,
            status="reused",
        )
        started = time.monotonic()
        built = build_mounted(job, spec, cut, record)
        timing.seconds = time.monotonic() - started
        if built.status != "built":
            raise RuntimeError(f"mounted build of {spec.environment} failed: {built.error}")
    finally:
        for tag in engine.tags:
            remove_image(client, tag)
        shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(docker.errors.DockerException):
            engine.release()
    return timing


def rows(builds: list[MountedBuildTiming], host_s: float) -> list[tuple[str, str, str]]:
    """The mounted builds: the ratio against the host venv, then each part's median."""
    return [
        ratio_row(
            f"cold build, mounted py{PYTHON} (prefix --no-cache, fresh store",
            [b.seconds for b in builds],
            host_s,
        ),
        (
            "  prefix image (classic builder, up to the installs)",
            part([b.prefix for b in builds]),
            "",
        ),
        ("  copy-out of the prefix's venv and state", part([b.copy_out for b in builds]), ""),
        (
            f"  install container(s) ({len(builds[0].installs)})",
            part([sum(b.installs) for b in builds]),
            "",
        ),
        ("  the rest (the store, the record)", part([b.rest for b in builds]), ""),
    ]
