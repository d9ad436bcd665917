"""A cold image build against the same install in a host venv (`make bench`, `--only cold-build`).

The image is one environment of the bench matrix rendered exactly as the harness renders it and
built with the classic builder and `--no-cache`, as a fresh machine or a CI shard without an image
cache builds it. The floor is the Dockerfile's steps run by hand in a new host venv: `python -m
venv`, pip pinned to the matrix's version, each `pip install`, then `pip check` and `pip freeze`,
through the same warm mirror and with the same pip settings (no pip cache, no version check).
Each build's stream is timed line by line, so that every Dockerfile step's time is known, split
where its output allows into the command's own run and what follows it (the builder's commit of
the layer and its removal of the step's container).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import buildkit_build
import docker
import host_layer

from harness import __version__
from harness.build import wheelhouse
from harness.build.bases import BaseResolver
from harness.build.dockerfile import ImageSpec, render
from harness.config.matrix import Matrix
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.pipeline import default_ca_bundle

ENVIRONMENT = "tf-2.15"
PYTHON = "3.11"
BENCH_REPOSITORY = "keras-matrix-bench-cold"
# The pip settings the template sets with ENV, for the host's pip too.
PIP_SETTINGS = {
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_CACHE_DIR": "1",
    "PIP_PROGRESS_BAR": "off",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PIP_FIND_LINKS": "",  # the same files the image gets, no host extras
}
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]+)")
_REMOVING = re.compile(r"^Removing intermediate container")
_DONE = re.compile(r"^ ---> ([0-9a-f]{12})$")


@dataclass(kw_only=True)
class StepTiming:
    """One Dockerfile step as the build stream shows it, in seconds since the build started."""

    instruction: str
    started: float
    running: float | None = None  # " ---> Running in": the step's container has started
    last_output: float | None = None  # the command's last line (pip's "Successfully installed")
    done: float | None = None  # " ---> <image>": the layer is committed

    @property
    def seconds(self) -> float:
        return (self.done or self.started) - self.started

    @property
    def after_output(self) -> float | None:
        """From the command's last line to the committed layer: the commit, where the command
        prints its last line just before it ends (pip does)."""
        if self.last_output is None or self.done is None:
            return None
        return self.done - self.last_output


@dataclass(kw_only=True)
class TimedBuild:
    seconds: float
    steps: list[StepTiming] = field(default_factory=list)
    image_id: str | None = None
    error: str | None = None


def bench_spec(matrix: Matrix, engine: DockerEngine, environment: str = ENVIRONMENT) -> ImageSpec:
    """The environment's image spec, rendered as `harness build` renders it."""
    resolver = BaseResolver(engine, matrix.base, echo=silent, say=lambda words: None)
    ca_bundle = default_ca_bundle()
    return render(
        matrix,
        PYTHON,
        environment,
        base=resolver.ensure(PYTHON),
        template_dir=matrix.template_dir,
        ca_bundle=ca_bundle.read_bytes() if ca_bundle else None,
    )


def timed_build(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    build_args: dict[str, str],
    labels: dict[str, str],
    *,
    nocache: bool = True,
) -> TimedBuild:
    """A classic-builder build as the harness makes it (labels and build arguments through the
    API), every line of its stream timed on arrival."""
    started = time.monotonic()
    build = TimedBuild(seconds=0.0)
    current: StepTiming | None = None
    stream: Any = client.api.build(
        path=str(context),
        tag=tag,
        labels=labels,
        nocache=nocache,
        rm=True,
        forcerm=True,
        decode=True,
        buildargs=build_args,
    )
    for chunk in stream:
        now = time.monotonic() - started
        if "error" in chunk:
            build.error = str(chunk["error"]).strip()
        aux = chunk.get("aux")
        if isinstance(aux, dict) and "ID" in aux:
            build.image_id = str(aux["ID"])
        text = chunk.get("stream")
        if not isinstance(text, str):
            continue
        for line in text.splitlines():
            if match := _STEP.match(line):
                current = StepTiming(instruction=match.group(3), started=now)
                build.steps.append(current)
            elif current is None:
                continue
            elif _RUNNING.match(line):
                current.running = now
            elif _DONE.match(line):
                current.done = now
            elif (
                not _REMOVING.match(line)
                and line.strip()
                and current.running is not None
                and current.done is None  # "Successfully built" follows the last step's layer
            ):
                current.last_output = now
    build.seconds = time.monotonic() - started
    return build


def previous_closing_label(spec: ImageSpec) -> str:
    """The LABEL instruction the harness appended to every Dockerfile before its template put
    the labels first (one instruction, after the installs)."""
    labels = {
        "io.keras-matrix.harness": __version__,
        "io.keras-matrix.python": spec.python,
        "io.keras-matrix.environment": spec.environment,
        "io.keras-matrix.dockerfile-sha256": spec.digest,
    }
    pairs = [f"{json.dumps(key)}={json.dumps(value)}" for key, value in labels.items()]
    return "LABEL " + " \\\n      ".join(pairs) + "\n"


def remove_image(client: docker.DockerClient, ref: str) -> None:
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(ref, force=True)


@dataclass(kw_only=True)
class HostInstall:
    """The Dockerfile's steps by hand in a new host venv: seconds per part."""

    venv: float
    pip: float
    steps: list[float]
    check_freeze: float

    @property
    def seconds(self) -> float:
        return self.venv + self.pip + sum(self.steps) + self.check_freeze


def host_environ(mirror: wheelhouse.Mirror | None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | PIP_SETTINGS
    if "PIP_CERT" in os.environ:
        environ["PIP_CERT"] = os.environ["PIP_CERT"]
    if mirror is not None:
        environ |= {"PIP_INDEX_URL": mirror.index_url, "PIP_TRUSTED_HOST": mirror.host}
    return environ


def host_install(
    steps: Sequence[Sequence[str]],
    pip_version: str,
    mirror: wheelhouse.Mirror | None,
    *,
    extra: Sequence[str] = (),
) -> HostInstall:
    """Run the image's install steps in a new venv on the host's own filesystem."""
    environ = host_environ(mirror)
    scratch = Path(tempfile.mkdtemp(prefix="cold-build-venv-", dir=scratch_root()))
    venv = scratch / "venv"
    try:

        def timed(argv: list[str], output: Path | None = None) -> float:
            started = time.monotonic()
            with (output or Path(os.devnull)).open("w", encoding="utf-8") as out:
                subprocess.run(argv, env=environ, stdout=out, stderr=subprocess.STDOUT, check=False)
            return time.monotonic() - started

        venv_s = timed([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        pip_s = timed([python, "-m", "pip", "install", "--quiet", f"pip=={pip_version}"])
        step_s = [
            timed([python, "-m", "pip", "install", *extra, *args], scratch / f"{number}.log")
            for number, args in enumerate(steps, start=1)
        ]
        started = time.monotonic()
        timed([python, "-m", "pip", "check"], scratch / "pip-check.txt")
        timed([python, "-m", "pip", "freeze", "--all"], scratch / "pip-freeze.txt")
        check_s = time.monotonic() - started
        return HostInstall(venv=venv_s, pip=pip_s, steps=step_s, check_freeze=check_s)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def scratch_root() -> Path:
    """Host-side scratch space on the host's own disk (not a tmpfs), beside the wheel cache."""
    root = wheelhouse.default_cache_dir().parent / "bench-scratch"
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass(kw_only=True)
class ColdBuildResult:
    builds: list[TimedBuild]
    hosts: list[HostInstall]
    # Builds of the same environment from another template, in the same rounds.
    others: list[TimedBuild] = field(default_factory=list)
    # Builds whose installs ran on the host's filesystem (bench/host_layer.py).
    host_layers: list[host_layer.HostLayerBuild] = field(default_factory=list)
    # The same Dockerfile through BuildKit (bench/buildkit_build.py).
    buildkits: list[buildkit_build.BuildKitBuild] = field(default_factory=list)

    @property
    def build_s(self) -> float:
        return statistics.median(b.seconds for b in self.builds)

    @property
    def host_s(self) -> float:
        return statistics.median(h.seconds for h in self.hosts)


def cold_builds(
    client: docker.DockerClient,
    spec: ImageSpec,
    matrix: Matrix,
    mirror: wheelhouse.Mirror | None,
    *,
    repeat: int,
    say: Callable[[str], None],
    other: ImageSpec | None = None,
    with_host_layer: bool = False,
    with_buildkit: bool = False,
    more: Sequence[Callable[[], None]] = (),
) -> ColdBuildResult:
    """`repeat` rounds of a cold build and a host install (and a cold build from `other`, and
    each of `more`), alternated, the order reversed every other round."""
    steps = [list(s.args) for s in matrix.environments[spec.environment].steps_for(PYTHON)]
    build_args = mirror.build_args if mirror else {}
    result = ColdBuildResult(builds=[], hosts=[])
    with tempfile.TemporaryDirectory(prefix="cold-build-context-") as scratch:

        def builder(which: ImageSpec, into: list[TimedBuild], name: str) -> Callable[[], None]:
            context = which.write_context(Path(scratch) / name)
            tag = f"{BENCH_REPOSITORY}:{which.environment}-{name}"
            labels: dict[str, str] = {}
            if name == "compared" and "\nLABEL " not in which.dockerfile:
                # A template from before the labels moved to its top: the harness closed its
                # Dockerfile with one LABEL naming the image's Python, environment and digest.
                body = which.dockerfile + previous_closing_label(which)
                (context / "Dockerfile").write_text(body, encoding="utf-8")

            def build() -> None:
                timed = timed_build(client, context, tag, build_args, labels)
                remove_image(client, tag)
                if timed.error:
                    raise RuntimeError(f"cold build of {which.environment} failed: {timed.error}")
                into.append(timed)
                say(f"  cold build ({name}) {len(into)}: {timed.seconds:.1f} s")

            return build

        def host() -> None:
            result.hosts.append(host_install(steps, matrix.pip_version, mirror))
            say(f"  host venv install {len(result.hosts)}: {result.hosts[-1].seconds:.1f} s")

        def host_layered() -> None:
            tag = f"{BENCH_REPOSITORY}:{spec.environment}-host-layer"
            context = Path(scratch) / f"host-layer-{len(result.host_layers)}"
            timed = host_layer.host_layer_build(
                client,
                spec,
                context=context,
                tag=tag,
                build_args=build_args,
                scratch_root=scratch_root(),
            )
            remove_image(client, tag)
            result.host_layers.append(timed)
            say(f"  host-layer build {len(result.host_layers)}: {timed.seconds:.1f} s")

        def buildkit() -> None:
            context = spec.write_context(Path(scratch) / "buildkit")
            tag = f"{BENCH_REPOSITORY}:{spec.environment}-buildkit"
            timed = buildkit_build.timed_build(context, tag, build_args)
            remove_image(client, tag)
            if timed.error:
                raise RuntimeError(f"BuildKit build of {spec.environment} failed: {timed.error}")
            result.buildkits.append(timed)
            say(f"  BuildKit build {len(result.buildkits)}: {timed.seconds:.1f} s")

        parts = [host, builder(spec, result.builds, "template")]
        if other is not None:
            parts.append(builder(other, result.others, "compared"))
        if with_host_layer:
            parts.append(host_layered)
        if with_buildkit:
            parts.append(buildkit)
        parts += more
        for round_ in range(max(repeat, 1)):
            for part in parts if round_ % 2 == 0 else reversed(parts):
                part()
    return result


def spread(values: Sequence[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


_METADATA = ("ENV", "ARG", "SHELL", "USER", "WORKDIR", "LABEL", "COPY", "FROM")


def report(result: ColdBuildResult, spec: ImageSpec) -> list[tuple[str, str, str]]:
    """Rows: the ratio, then each Dockerfile step against its host counterpart."""
    hosts = [h.seconds for h in result.hosts]
    rows = [
        (
            f"host venv, the same steps (median of {len(hosts)})",
            f"{result.host_s:.1f} s",
            f"1.00 x ({spread(hosts)} s)",
        )
    ]
    for name, builds in (("", result.builds), (" (compared template)", result.others)):
        if not builds:
            continue
        seconds = [b.seconds for b in builds]
        median = statistics.median(seconds)
        rows.append(
            (
                f"cold build py{PYTHON}/{spec.environment}{name} (--no-cache, median of "
                f"{len(builds)})",
                f"{median:.1f} s",
                f"{median / result.host_s:.2f} x host venv ({spread(seconds)} s)",
            )
        )
        rows += step_rows(builds, result.hosts)
    if result.host_layers:
        rows += host_layer_rows(result)
    if result.buildkits:
        rows += buildkit_rows(result)
    return rows


def buildkit_rows(result: ColdBuildResult) -> list[tuple[str, str, str]]:
    """The BuildKit builds: the ratio, then the installs and the export."""
    builds = result.buildkits
    seconds = [b.seconds for b in builds]
    median = statistics.median(seconds)
    return [
        (
            f"BuildKit build py{PYTHON} (docker buildx, --no-cache; median of {len(builds)})",
            f"{median:.1f} s",
            f"{median / result.host_s:.2f} x host venv ({spread(seconds)} s)",
        ),
        ("  install steps", f"{statistics.median(b.installs for b in builds):.1f} s", ""),
        ("  exporting to image", f"{statistics.median(b.export for b in builds):.1f} s", ""),
    ]


def ratio_row(label: str, seconds: list[float], host_s: float) -> tuple[str, str, str]:
    """A build's row: `label` with the count, the median, and its ratio to the host venv."""
    median = statistics.median(seconds)
    return (
        f"{label}; median of {len(seconds)})",
        f"{median:.1f} s",
        f"{median / host_s:.2f} x host venv ({spread(seconds)} s)",
    )


def part(values: list[float]) -> str:
    """The median of one part of a build."""
    return f"{statistics.median(values):.1f} s"


def host_layer_rows(result: ColdBuildResult) -> list[tuple[str, str, str]]:
    """The host-layer builds: the ratio, then each part's median."""
    builds = result.host_layers
    return [
        ratio_row(
            f"host-layer build py{PYTHON} (installs on the host's disk, docker load",
            [b.seconds for b in builds],
            result.host_s,
        ),
        ("  classic builder up to the first install", part([b.prefix for b in builds]), ""),
        ("  venv copied onto the host", part([b.copy_out for b in builds]), ""),
        ("  install steps in containers", part([sum(b.installs) for b in builds]), ""),
        ("  layer tarballs", part([sum(b.layers) for b in builds]), ""),
        ("  docker load", part([b.load for b in builds]), ""),
    ]


def step_rows(builds: list[TimedBuild], hosts: list[HostInstall]) -> list[tuple[str, str, str]]:
    """Each Dockerfile step's median, with the builder's commit where the output shows it and
    the host's time for the same work."""
    host_parts: dict[str, list[float]] = {
        "venv": [h.venv + h.pip for h in hosts],
        "check": [h.check_freeze for h in hosts],
    }
    for number in range(len(hosts[0].steps)):
        host_parts[f"install {number + 1}"] = [h.steps[number] for h in hosts]
    rows = []
    install_number = 0
    metadata: list[float] = []
    count = min(len(b.steps) for b in builds)
    for index in range(count):
        instruction = builds[0].steps[index].instruction
        seconds = [b.steps[index].seconds for b in builds]
        if instruction.split(" ", 1)[0] in _METADATA:
            metadata.append(statistics.median(seconds))
        commits = [s for b in builds if (s := b.steps[index].after_output) is not None]
        host_key = None
        if "python3 -m venv" in instruction:
            host_key = "venv"
        elif "pip install" in instruction:
            install_number += 1
            host_key = f"install {install_number}"
        if "pip check" in instruction:
            host_key = f"{host_key} + check" if host_key else "check"
        note = f"{spread(seconds)} s"
        if commits and "pip install" in instruction:
            note += f"; after pip's last line (the commit): {statistics.median(commits):.1f} s"
        if host_key is not None:
            host_s = sum(statistics.median(host_parts[key]) for key in host_key.split(" + "))
            note += f"; host: {host_s:.1f} s"
        rows.append(
            (f"  {index + 1}: {instruction[:58]}", f"{statistics.median(seconds):.1f} s", note)
        )
    rows.append(
        (
            "  of which steps that run no command (FROM, COPY, ENV, ARG, SHELL, USER, WORKDIR, "
            "LABEL)",
            f"{sum(metadata):.1f} s",
            f"{len(metadata)} steps",
        )
    )
    return rows
