"""Rendering one Dockerfile per (Python, environment) from the packaged template, or from a
matrix's own `environment.Dockerfile.j2` in its template_dir where it has one."""

from __future__ import annotations

import hashlib
import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from harness.build.bases import Base
from harness.config.matrix import Matrix
from harness.errors import ConfigurationError

TEMPLATE = "environment.Dockerfile.j2"
IMAGE_REPOSITORY = "keras-matrix-env"
# Where a pinned build's constraints sit in the image: step N's are <N>.txt. Not under
# /opt/keras-matrix, which a mounted environment replaces with its own directory.
CONSTRAINTS_IN_IMAGE = "/etc/keras-matrix/constraints"


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
    # Each install step's pip constraints (--pin-from): the pip freeze an earlier build had
    # after exactly the steps up to this one; None for a step installed unpinned, and empty
    # where the environment is not pinned at all.
    constraints: tuple[bytes | None, ...] = ()
    # Seconds each install step may take (the matrix's build_timeout), for the failure's reason.
    build_timeout: int | None = None
    # pip considers no file uploaded after this (PIP_UPLOADED_PRIOR_TO, set before the installs).
    uploaded_prior_to: str | None = None

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
        pinned = directory / "constraints"
        shutil.rmtree(pinned, ignore_errors=True)  # a reused directory keeps no other pins
        for number, constraints in enumerate(self.constraints, start=1):
            if constraints is not None:
                pinned.mkdir(exist_ok=True)
                (pinned / f"{number}.txt").write_bytes(constraints)
        return directory

    @property
    def step_constraints(self) -> tuple[bytes | None, ...]:
        """Each install step's constraints, None where it is installed unpinned."""
        return self.constraints or (None,) * len(self.steps)


def constraints_material(constraints: Sequence[bytes | None]) -> bytes:
    """What an image's tag takes from its constraints: every step's, in order; nothing for an
    unpinned image, whose tag is then what it was before steps were pinned one by one."""
    if all(pins is None for pins in constraints):
        return b""
    return b"".join(hashlib.sha256(pins or b"").digest() for pins in constraints)


def install_steps(matrix: Matrix, python: str, environment: str) -> tuple[str, ...]:
    """An environment's `pip install` arguments under `python`, one string per step."""
    return tuple(
        shlex.join(step.args) for step in matrix.environments[environment].steps_for(python)
    )


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
    constraints: Sequence[bytes | None] = (),
) -> ImageSpec:
    """The Dockerfile and content tag of one image. The tag covers the Dockerfile's text, the
    files it copies, and the base image's ID: two hosts whose bases differ get distinct tags.

    `constraints` holds each install step's pins (None: that step unpinned), or nothing."""
    steps = install_steps(matrix, python, environment)
    uploaded_prior_to = matrix.environments[environment].uploaded_prior_to
    pinned = tuple(constraints) if any(pins is not None for pins in constraints) else ()
    if pinned and len(pinned) != len(steps):
        raise ValueError(f"{environment}: {len(steps)} install steps, {len(pinned)} constraints")
    in_image = tuple(
        None if pins is None else f"{CONSTRAINTS_IN_IMAGE}/{number}.txt"
        for number, pins in enumerate(pinned or (None,) * len(steps), start=1)
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
            constraints=bool(pinned),
            constraints_dir=CONSTRAINTS_IN_IMAGE,
            build_timeout=matrix.build_timeout,
            steps=steps,
            step_constraints=in_image,
            uploaded_prior_to=uploaded_prior_to,
        )
    except jinja2.TemplateError as exc:
        raise ConfigurationError(_template_problem(exc, template_dir)) from None
    if uploaded_prior_to and "PIP_UPLOADED_PRIOR_TO" not in text:
        # A matrix's own template from before the key would build today's releases silently.
        where = (template_dir / TEMPLATE) if template_dir is not None else Path(TEMPLATE)
        raise ConfigurationError(
            f"{where}: environment {environment!r} sets uploaded_prior_to, and the template "
            "never sets PIP_UPLOADED_PRIOR_TO (see the packaged environment.Dockerfile.j2)"
        )
    digest = hashlib.sha256(text.encode())
    for extra in (ca_bundle, constraints_material(pinned), (base.image_id or "").encode()):
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
        constraints=pinned,
        build_timeout=matrix.build_timeout,
        uploaded_prior_to=uploaded_prior_to,
    )


def _template_problem(exc: jinja2.TemplateError, template_dir: Path | None) -> str:
    """One line naming the template file and line, for a matrix's own broken template."""
    where = (template_dir / TEMPLATE) if template_dir is not None else Path(TEMPLATE)
    line = getattr(exc, "lineno", None)
    location = f"{where}:{line}" if line else str(where)
    return f"{location}: {type(exc).__name__}: {exc.message or exc}"
