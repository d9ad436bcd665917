"""Rendering one Dockerfile per (Python, environment) from dockerfiles/*.j2."""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from pathlib import Path

import jinja2

from harness import __version__
from harness.bases import Base
from harness.matrix import Matrix

TEMPLATE = "environment.Dockerfile.j2"
LABEL_PREFIX = "io.keras-matrix"
HARNESS_LABEL = f"{LABEL_PREFIX}.harness"
IMAGE_REPOSITORY = "keras-matrix-env"


@dataclass(frozen=True, kw_only=True)
class ImageSpec:
    """Everything needed to build one environment image, and its content-derived tag."""

    python: str
    environment: str
    base: Base
    dockerfile: str
    ca_bundle: bytes | None
    steps: tuple[str, ...]
    digest: str

    @property
    def tag(self) -> str:
        return f"{IMAGE_REPOSITORY}:py{self.python}-{self.environment}-{self.digest[:12]}"

    @property
    def labels(self) -> dict[str, str]:
        return {
            HARNESS_LABEL: __version__,
            f"{LABEL_PREFIX}.python": self.python,
            f"{LABEL_PREFIX}.environment": self.environment,
            f"{LABEL_PREFIX}.dockerfile-sha256": self.digest,
        }

    def write_context(self, directory: Path) -> Path:
        """Lay out a build context a person could also `docker build`."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "Dockerfile").write_text(self.dockerfile, encoding="utf-8")
        if self.ca_bundle is not None:
            (directory / "ca-bundle.crt").write_bytes(self.ca_bundle)
        return directory


def template_environment(template_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - renders a Dockerfile, not HTML
    )


def render(
    matrix: Matrix,
    python: str,
    environment: str,
    *,
    base: Base,
    template_dir: Path,
    ca_bundle: bytes | None,
) -> ImageSpec:
    steps = tuple(
        shlex.join(step.args) for step in matrix.environments[environment].steps_for(python)
    )
    text = (
        template_environment(template_dir)
        .get_template(TEMPLATE)
        .render(
            python=f"Python {python}",
            environment=environment,
            base_image=base.image,
            python_bin=base.python_bin,
            pip_version=matrix.pip_version,
            ca_bundle=ca_bundle is not None,
            steps=steps,
        )
    )
    digest = hashlib.sha256(text.encode())
    if ca_bundle is not None:
        digest.update(ca_bundle)
    return ImageSpec(
        python=python,
        environment=environment,
        base=base,
        dockerfile=text,
        ca_bundle=ca_bundle,
        steps=steps,
        digest=digest.hexdigest(),
    )
