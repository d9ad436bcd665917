"""A snippet run in environments built from pip steps: the in-memory matrix that `repro`
and `bisect` hand to the same pipeline `harness run` uses."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.build.bases import DEBIAN_SUITES, BaseResolver
from harness.config.cells import Cell
from harness.config.matrix import Matrix
from harness.config.matrix_schema import Backend, Environment
from harness.config.scenarios import Claim, Scenario
from harness.engine.commands import Echo
from harness.errors import BaseImageError, ConfigurationError
from harness.execute.pipeline import Options, run_matrix
from harness.execute.ui import Reporter
from harness.repro.pip_version import pip_for, renoted
from harness.repro.request import Request
from harness.results.outcome import Outcome

SNIPPET = "snippet"
NEVER = r"(?!)"  # a claim pattern for reports that quote no error


@dataclass(frozen=True, kw_only=True)
class Setup:
    """One environment to build: ordered pip steps."""

    name: str
    steps: tuple[str, ...]
    description: str = ""
    # PyPI as of this moment for what the steps leave open (day_of_pypi.py); None: today's.
    uploaded_prior_to: str | None = None


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One backend configuration: environment variables and keras.json."""

    name: str
    env: Mapping[str, str] = field(default_factory=dict)
    keras_json: dict[str, Any] | None = None


def environment_name(steps: tuple[str, ...]) -> str:
    """A readable, valid, stable name: 'tensorflow-2.16.1_keras-3.3.3'."""
    words = [w for step in steps for w in step.split() if not w.startswith("-")]
    readable = "_".join(
        re.sub(r"[^A-Za-z0-9.-]+", "-", w.replace("==", "-")).strip("-") for w in words
    )
    if len(readable) <= 60:
        return readable or "empty"
    return f"{readable[:48]}-{hashlib.sha256(' | '.join(steps).encode()).hexdigest()[:8]}"


def build_matrix(
    *,
    source: Path,
    snippet: Path,
    python: str,
    setups: tuple[Setup, ...],
    settings: tuple[Setting, ...],
    claim: Claim,
    template_dir: Path,
    timeout: int = 600,
) -> Matrix:
    """The in-memory matrix of one snippet across `setups` x `settings` on one Python."""
    environments: dict[str, Environment] = {}
    pip_version = pip_for(python, dated=any(s.uploaded_prior_to for s in setups))[0]
    for setup in setups:
        # Python alone (a report whose error is that the one module its code needs is
        # missing): an environment has at least one step, and reinstalling the venv's own pip
        # adds nothing to it.
        steps = setup.steps or (f"pip=={pip_version}",)
        try:
            environments[setup.name] = Environment.model_validate(
                {
                    "description": setup.description,
                    "steps": [{"pip": s} for s in steps],
                    "uploaded_prior_to": setup.uploaded_prior_to,
                }
            )
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigurationError(f"pip step {' | '.join(setup.steps)!r}: {message}") from None
    backends = {}
    for setting in settings:
        try:
            backends[setting.name] = Backend.model_validate(
                {"env": dict(setting.env), "keras_json": setting.keras_json}
            )
        except ValidationError as exc:
            raise ConfigurationError(
                f"backend setting {dict(setting.env)}: {exc.errors()[0]['msg']}"
            ) from None
    text = snippet.read_bytes()
    scenario = Scenario(
        name=SNIPPET,
        path=snippet,
        title=f"Snippet from {source.name}",
        description="",
        source=str(source),
        claim=claim,
        sha256=hashlib.sha256(text).hexdigest(),
    )
    return Matrix(
        path=source,
        sha256=hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else "-",
        scenario_dir=snippet.parent,
        template_dir=template_dir,
        python=(python,),
        base="auto",
        pip_version=pip_version,
        timeout=timeout,
        build_timeout=3600,
        environments=environments,
        backends=backends,
        scenarios={SNIPPET: scenario},
        include=(),
        exclude=(),
    )


def cells_of(matrix: Matrix) -> tuple[Cell, ...]:
    """Every (environment, setting) cell of a snippet matrix."""
    return tuple(
        Cell(python=matrix.python[0], environment=e, backend=b, scenario=SNIPPET)
        for e in matrix.environments
        for b in matrix.backends
    )


def usable_python(
    resolver: BaseResolver, python: str, fits: Callable[[str], bool] = lambda _: True
) -> tuple[str, str | None]:
    """`python`, or the nearest Python a base image can be had for here, with the reason.
    Of those, one the request's pinned releases have files for (`fits`) comes first."""
    try:
        resolver.ensure(python)
    except BaseImageError as first:
        minor = int(python.split(".")[1])
        for candidate in sorted(
            DEBIAN_SUITES, key=lambda v: (not fits(v), abs(int(v.split(".")[1]) - minor))
        ):
            try:
                resolver.ensure(candidate)
            except BaseImageError:
                continue
            # Said, so a failed install reads as this machine's limit, not the report's.
            none = "" if fits(candidate) else "; the pinned releases have files for no Python here"
            return candidate, f"Python {candidate} instead of {python}: {first}{none}"
        raise
    return python, None


def with_python(request: Request, python: str, note: str) -> Request:
    """The request under another Python, with a note saying why (and the pip it gets)."""
    assumed = renoted((*request.assumed, note), request.python, python)
    return replace(request, python=python, assumed=assumed)


def run(
    engine: Any,
    matrix: Matrix,
    options: Options,
    *,
    results_root: Path,
    reporter: Reporter,
    echo: Echo,
    resolver: BaseResolver | None = None,
) -> tuple[Path, list[Outcome]]:
    """Build and run every (environment, setting) pair; outcomes in matrix order."""
    run_dir = run_matrix(
        engine,
        matrix,
        cells_of(matrix),
        options,
        results_root=results_root,
        reporter=reporter,
        echo=echo,
        resolver=resolver,
    )
    return run_dir.path, list(run_dir.outcomes())
