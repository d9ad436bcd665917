"""The same cold build through BuildKit (`docker buildx build`), where the Docker CLI has buildx.

The harness drives the classic builder through the Engine API (docker-py has no BuildKit
session). This measures what BuildKit would change on the same engine, the same Dockerfile and
the same mirror: it commits no layer for instructions that run no command, and it snapshots
each `RUN` instead of committing a container, then writes the image's layers once at export.
Run with `--buildkit`; the Docker CLI must find the buildx plugin (for example under
`$DOCKER_CONFIG/cli-plugins/`).
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

# `--progress=plain` prints "#5 [2/6] RUN ..." when a vertex starts and "#5 DONE 3.2s" when
# it ends; the export is the vertex named "exporting to image".
_STARTED = re.compile(r"^#(\d+) (\[.*?\] .*|exporting to image)$")
_DONE = re.compile(r"^#(\d+) DONE (\d+(?:\.\d+)?)s$")


@dataclass(kw_only=True)
class BuildKitBuild:
    """One `docker buildx build --no-cache`: its wall time and each vertex's own time."""

    seconds: float
    vertices: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def export(self) -> float:
        return self.vertices.get("exporting to image", 0.0)

    @property
    def installs(self) -> float:
        return sum(s for name, s in self.vertices.items() if "pip install" in name)


def buildx_version() -> str | None:
    """The buildx plugin's version line, or None where the Docker CLI has no buildx."""
    try:
        done = subprocess.run(
            ["docker", "buildx", "version"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def timed_build(context: Path, tag: str, build_args: dict[str, str]) -> BuildKitBuild:
    """Build `context` with BuildKit and no cache, into the engine's image store."""
    argv = ["docker", "buildx", "build", "--no-cache", "--progress=plain", "--load", "-t", tag]
    for name, value in build_args.items():
        argv += ["--build-arg", f"{name}={value}"]
    started = time.monotonic()
    done = subprocess.run([*argv, str(context)], capture_output=True, text=True, check=False)
    build = BuildKitBuild(seconds=time.monotonic() - started)
    names: dict[str, str] = {}
    for line in done.stderr.splitlines():
        if match := _STARTED.match(line):
            names.setdefault(match.group(1), match.group(2))
        elif (match := _DONE.match(line)) and match.group(1) in names:
            build.vertices[names[match.group(1)]] = float(match.group(2))
    if done.returncode != 0:
        build.error = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return build
