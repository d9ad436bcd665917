"""`harness worker-image`: an image that runs a Dask worker with this harness in it.

A worker on another machine needs the same harness and the same `distributed` as the client
(tasks name the harness's functions, and Dask refuses mismatched protocols). The image holds
this checkout's harness with the `cluster` extra at requirements.lock's versions, installed
from a wheelhouse made on this host (so the build needs no index), on one of the harness's own
base images for this Python (tasks are pickled: the worker's Python must be the client's).
Its only link to the cells is the engine it is given, e.g. the host's socket:

    docker run -d -v /var/run/docker.sock:/var/run/docker.sock keras-matrix-worker \
        dask worker tcp://SCHEDULER:8786 --nthreads 1
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

import harness
from harness.build.bases import Base, BaseResolver
from harness.config.matrix_schema import BASE_KINDS, BaseKind
from harness.engine.api import HARNESS_LABEL, ImageStore, LineSink
from harness.engine.commands import Echo, echo_to
from harness.engine.docker_engine import DockerEngine
from harness.errors import ConfigurationError, EngineError

WORKER_REPOSITORY = "keras-matrix-worker"
WORKER_IMAGE = f"{WORKER_REPOSITORY}:latest"
VENV = "/opt/harness"


@dataclass(frozen=True, kw_only=True)
class Checkout:
    """The harness's source tree and the lock its dependencies are pinned by."""

    root: Path
    lock: Path

    @classmethod
    def of_this_harness(cls) -> Checkout:
        """The checkout this harness runs from (an editable install)."""
        return cls.at(Path(harness.__file__).resolve().parent.parent)

    @classmethod
    def at(cls, root: Path) -> Checkout:
        """The checkout at `root`; one line if it is not one."""
        if not (root / "pyproject.toml").is_file() or not (root / "requirements.lock").is_file():
            raise ConfigurationError(
                f"{root}: no pyproject.toml and requirements.lock; the worker image is built "
                "from a checkout of the harness (pip install -e .)"
            )
        return cls(root=root, lock=root / "requirements.lock")


def dockerfile(base_ref: str, python_bin: str) -> str:
    """The worker image: a venv holding the wheelhouse's harness, first on PATH."""
    return (
        f"FROM {base_ref}\n"
        "COPY wheels /tmp/wheels\n"
        f"RUN {python_bin} -m venv {VENV} \\\n"
        f" && {VENV}/bin/pip install --no-index --find-links /tmp/wheels --no-cache-dir \\\n"
        "    'keras-matrix-harness[cluster]' \\\n"
        " && rm -rf /tmp/wheels\n"
        f"ENV PATH={VENV}/bin:$PATH\n"
        'CMD ["dask", "worker", "--help"]\n'
    )


def make_wheelhouse(checkout: Checkout, target: Path, *, echo: Echo) -> None:
    """Wheels of the harness (with `cluster`) and its dependencies at the locked versions."""
    argv = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--constraint",
        str(checkout.lock),
        "--wheel-dir",
        str(target),
        f"{checkout.root}[cluster]",
    ]
    echo(argv)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EngineError(f"pip wheel for the worker image failed (exit {done.returncode}): {last}")


def build_worker_image(
    engine: DockerEngine,
    *,
    tag: str,
    base: BaseKind,
    checkout: Checkout,
    echo: Echo,
    on_line: LineSink,
) -> str:
    """Build the worker image as `tag` on `engine`; its image ID."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    resolved = _base(engine, base, python, echo)
    with tempfile.TemporaryDirectory(prefix="keras-matrix-worker-") as scratch:
        context = Path(scratch)
        make_wheelhouse(checkout, context / "wheels", echo=echo)
        (context / "Dockerfile").write_text(
            dockerfile(resolved.from_ref, resolved.python_bin), encoding="utf-8"
        )
        result = engine.build(context, tag, {HARNESS_LABEL: "worker"}, on_line, None)
    if not result.ok or result.image_id is None:
        raise EngineError(f"docker build {tag}: {result.error or 'no image'}")
    return result.image_id


def _base(engine: ImageStore, kind: BaseKind, python: str, echo: Echo) -> Base:
    return BaseResolver(engine, kind, echo=echo, say=echo).ensure(python)


@click.command("worker-image")
@click.option("-t", "--tag", default=WORKER_IMAGE, show_default=True, help="The image's name.")
@click.option(
    "--base",
    type=click.Choice(BASE_KINDS),
    default="auto",
    show_default=True,
    help="Base image: python:X-slim from a registry, or Debian made here (auto: either).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not stream the build's log.")
def worker_image(tag: str, base: BaseKind, quiet: bool) -> None:
    """Build an image that runs a Dask worker with this harness (for `run --scheduler`)."""
    echo = echo_to(sys.stderr)
    engine = DockerEngine.connect(echo)
    image_id = build_worker_image(
        engine,
        tag=tag,
        base=base,
        checkout=Checkout.of_this_harness(),
        echo=echo,
        on_line=(lambda line: None) if quiet else (lambda line: click.echo(line, err=True)),
    )
    click.echo(f"{tag} {image_id}")
