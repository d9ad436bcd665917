"""Rendering one Dockerfile per (Python, environment) from the packaged template, or from a
matrix's own `environment.Dockerfile.j2` in its template_dir where it has one."""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from pathlib import Path

import jinja2

from harness.build.bases import Base
from harness.config.matrix import Matrix
from harness.errors import ConfigurationError

TEMPLATE = "environment.Dockerfile.j2"
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
    # An earlier build's pip freeze that every install step is constrained to (--pin-from).
    constraints: bytes | None = None
    # Seconds each install step may take (the matrix's build_timeout), for the failure's reason.
    build_timeout: int | None = None

    @property
    def tag(self) -> str:
        """The image's tag: its Python, environment and the Dockerfile's digest."""
        return f"{IMAGE_REPOSITORY}:py{self.python}-{self.environment}-{self.digest[:12]}"

    def write_context(self, directory: Path) -> Path:
        """Lay out a build context a person could also `docker build`."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "Dockerfile").write_text(self.dockerfile, encoding="utf-8")
        if self.ca_bundle is not None:
            (directory / "ca-bundle.crt").write_bytes(self.ca_bundle)
        if self.constraints is not None:
            (directory / "constraints.txt").write_bytes(self.constraints)
        return directory


def template_environment(template_dir: Path | None) -> jinja2.Environment:
    """The matrix's template directory first, then the templates shipped in the package: a
    matrix without a template of its own renders with the packaged one."""
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("harness", "templates")]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(template_dir))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
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
    template_dir: Path | None,
    ca_bundle: bytes | None,
    constraints: bytes | None = None,
) -> ImageSpec:
    """The Dockerfile and content tag of one image. The tag covers the Dockerfile's text, the
    files it copies, and the base image's ID: two hosts whose bases differ get distinct tags."""
    steps = tuple(
        shlex.join(step.args) for step in matrix.environments[environment].steps_for(python)
    )
    try:
        template = template_environment(template_dir).get_template(TEMPLATE)
        text = template.render(
            python=f"Python {python}",
            environment=environment,
            base_image=base.from_ref,
            base_notes=base.notes(),
            python_bin=base.python_bin,
            pip_version=matrix.pip_version,
            ca_bundle=ca_bundle is not None,
            constraints=constraints is not None,
            build_timeout=matrix.build_timeout,
            steps=steps,
        )
    except jinja2.TemplateError as exc:
        raise ConfigurationError(_template_problem(exc, template_dir)) from None
    digest = hashlib.sha256(text.encode())
    for extra in (ca_bundle, constraints, (base.image_id or "").encode()):
        digest.update(hashlib.sha256(extra or b"").digest())
    digest_hex = digest.hexdigest()
    return ImageSpec(
        python=python,
        environment=environment,
        base=base,
        dockerfile=text,
        ca_bundle=ca_bundle,
        steps=steps,
        digest=digest_hex,
        constraints=constraints,
        build_timeout=matrix.build_timeout,
    )


def _template_problem(exc: jinja2.TemplateError, template_dir: Path | None) -> str:
    """One line naming the template file and line, for a matrix's own broken template."""
    where = (template_dir / TEMPLATE) if template_dir is not None else Path(TEMPLATE)
    line = getattr(exc, "lineno", None)
    location = f"{where}:{line}" if line else str(where)
    return f"{location}: {type(exc).__name__}: {exc.message or exc}"
