"""matrix.yaml's schema: the models each part of the file is validated against."""

from __future__ import annotations

import json
import re
import shlex
from datetime import date, datetime, timezone
from typing import Any, Literal, get_args

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.config.cells import AXES
from harness.config.sandbox import Sandbox, parse_size
from harness.config.tracking import check_template

# The first pip with --uploaded-prior-to (PIP_UPLOADED_PRIOR_TO); it runs on Python 3.9 and later.
PIP_WITH_UPLOADED_PRIOR_TO = Version("26.0")


def utc_moment(value: object) -> str:
    """A date or datetime (YAML's, or ISO 8601 text) as pip's UTC form, 2021-09-02T00:00:00Z.
    A date alone is its first moment, in UTC, so that every host reads it alike."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date or time like 2021-09-02 or 2021-09-02T12:00:00Z"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if not isinstance(value, datetime):
        # ValueError, not TypeError: pydantic reports only the former as the key's error.
        raise ValueError(f"{value!r} is not a date or time like 2021-09-02")  # noqa: TRY004
    moment = (
        value.replace(tzinfo=timezone.utc)
        if value.tzinfo is None
        else value.astimezone(timezone.utc)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Where base images come from: the one spelling of it (matrix.yaml `base:`, --base, Options).
BaseKind = Literal["auto", "registry", "debian"]
BASE_KINDS: tuple[BaseKind, ...] = get_args(BaseKind)

# pip options whose next word is a value, not a requirement.
_PIP_OPTIONS_WITH_VALUE = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-c",
        "--constraint",
        "-r",
        "--requirement",
        "--platform",
        "--python-version",
        "--only-binary",
        "--no-binary",
        "--retries",
        "--timeout",
        "--trusted-host",
        "--proxy",
        "--cert",
        "--prefix",
        "--target",
        "--root",
    }
)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _specifier(value: str | None) -> str | None:
    if value is not None:
        try:
            SpecifierSet(value)
        except InvalidSpecifier:
            raise ValueError(
                f"invalid version specifier {value!r} (e.g. '>=3.10' or '<3.12')"
            ) from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InstallStep(_Model):
    """One `pip install` invocation; `python` limits it to some Python versions."""

    pip: str = Field(min_length=1)
    python: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"pip": value} if isinstance(value, str) else value

    @field_validator("pip")
    @classmethod
    def _requirements(cls, value: str) -> str:
        words = shlex.split(value)
        if not words:
            raise ValueError("empty pip arguments")
        skip_next = False
        for word in words:
            if skip_next:
                skip_next = False
            elif word.startswith("-"):
                skip_next = word in _PIP_OPTIONS_WITH_VALUE
            else:
                try:
                    Requirement(word)
                except InvalidRequirement as exc:
                    reason = str(exc).splitlines()[0]
                    raise ValueError(f"invalid requirement {word!r}: {reason}") from None
        return value

    _python = field_validator("python")(_specifier)

    def applies_to(self, python: str) -> bool:
        """Whether this step runs under `python` (its `python:` specifier, if any)."""
        return self.python is None or Version(python) in SpecifierSet(self.python)

    @property
    def args(self) -> tuple[str, ...]:
        """The step's pip arguments, split as a shell would."""
        return tuple(shlex.split(self.pip))


class Environment(_Model):
    """A named install: ordered pip steps, as a user would have typed them; or a tracked
    one (`track`), which MATRIX.lock expands into one such environment per release."""

    description: str = ""
    python: str | None = None
    # Only a value given is checked (pydantic leaves defaults alone), so `steps: []` is an
    # error while a tracked environment has none.
    steps: tuple[InstallStep, ...] = Field(default=(), min_length=1, strict=False)
    track: dict[str, str] | None = None
    then: tuple[InstallStep, ...] = Field(default=(), strict=False)
    every: Literal["minor", "release"] | None = None
    pre: bool | None = None
    name: str | None = None
    # Every package as PyPI had it before this moment (pip's --uploaded-prior-to): what the
    # steps leave open resolves as it did then, not to today's releases.
    uploaded_prior_to: str | None = None

    _python = field_validator("python")(_specifier)

    @field_validator("uploaded_prior_to", mode="before")
    @classmethod
    def _moment(cls, value: object) -> str | None:
        return None if value is None else utc_moment(value)

    @field_validator("track")
    @classmethod
    def _track(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) != 1:
            raise ValueError(
                "track one package, as {tensorflow-cpu: '>=2.12'}; install others in `then`"
            )
        ((package, specifier),) = value.items()
        try:
            requirement = Requirement(package)
        except InvalidRequirement:
            requirement = None
        if requirement is None or str(requirement) != package:
            raise ValueError(f"{package!r} is not a package name")
        if _specifier(specifier) == "":
            raise ValueError(f"give {package} a version range, such as '>=2.12'")
        return value

    @field_validator("name")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        problem = check_template(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _kind(self) -> Environment:
        if self.track is None:
            if not self.steps:
                raise ValueError(
                    "give `steps` (pip installs) or `track` (a package's version range)"
                )
            extra = [k for k in ("then", "every", "pre", "name") if getattr(self, k)]
            if extra:
                raise ValueError(f"`{extra[0]}` goes with `track`, which is not given")
        elif self.steps:
            raise ValueError("`track` takes no `steps`; give later installs as `then`")
        return self

    def supports(self, python: str) -> bool:
        """Whether the environment can be built for `python`."""
        return self.python is None or Version(python) in SpecifierSet(self.python)

    def steps_for(self, python: str) -> tuple[InstallStep, ...]:
        """The environment's pip steps that run under `python`."""
        return tuple(step for step in self.steps if step.applies_to(python))


class Backend(_Model):
    """Backend configuration: environment variables and/or ~/.keras/keras.json."""

    description: str = ""
    env: dict[str, str] = Field(default_factory=dict)
    keras_json: dict[str, Any] | None = None

    @field_validator("env")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"{name!r} is not a valid environment variable name")
            if "\0" in text:
                raise ValueError(f"{name}: a value cannot hold a NUL character")
        return value

    @field_validator("keras_json")
    @classmethod
    def _json(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # YAML has dates and other values JSON has not; keras.json must be plain JSON.
        if value is not None:
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"not plain JSON: {exc}") from None
        return value


class SandboxSettings(_Model):
    """The `sandbox:` section: each key overrides one default of harness.config.sandbox.Sandbox."""

    network: Literal["none", "bridge", "host"] | None = None
    user: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$"
    )
    read_only: bool | None = None
    cap_drop_all: bool | None = None
    no_new_privileges: bool | None = None
    home_size: str | None = None
    tmp_size: str | None = None
    memory: str | None = None
    memory_swap: str | None = None
    pids_limit: int | None = Field(default=None, ge=8)
    nofile: int | None = Field(default=None, ge=64, le=1048576)
    output_limit: int | None = Field(default=None, ge=1024)

    @field_validator("home_size", "tmp_size", "memory", "memory_swap")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and parse_size(value) < 1024 * 1024:
            raise ValueError(f"{value!r} is less than 1m")
        return value

    @model_validator(mode="after")
    def _swap(self) -> SandboxSettings:
        if (
            self.memory
            and self.memory_swap
            and parse_size(self.memory_swap) < parse_size(self.memory)
        ):
            raise ValueError("memory_swap (memory plus swap) must be at least memory")
        return self

    def apply(self, sandbox: Sandbox) -> Sandbox:
        """`sandbox` with the settings this section gives."""
        return sandbox.with_overrides(self.model_dump())


class Rule(_Model):
    """An include/exclude entry: each named axis takes one value or a list."""

    python: str | list[str] | None = None
    environment: str | list[str] | None = None
    backend: str | list[str] | None = None
    scenario: str | list[str] | None = None

    def values(self, axis: str) -> tuple[str, ...] | None:
        """The values the rule names on one axis, or None where it names none."""
        value = getattr(self, axis)
        if value is None:
            return None
        return (value,) if isinstance(value, str) else tuple(value)

    def is_empty(self) -> bool:
        """Whether the rule names no axis at all."""
        return all(self.values(axis) is None for axis in AXES)


class MatrixFile(_Model):
    """matrix.yaml as written, validated: the top-level keys and their defaults."""

    python: list[str] = Field(min_length=1)
    base: BaseKind = "auto"
    scenario_dir: str = "scenarios"
    template_dir: str | None = None
    constraints: str | None = None
    pip_version: str = "24.3.1"
    timeout: int = Field(default=600, gt=0)
    build_timeout: int = Field(default=3600, gt=0)
    environments: dict[str, Environment] = Field(min_length=1)
    backends: dict[str, Backend] = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1)
    include: list[Rule] = Field(default_factory=list)
    exclude: list[Rule] = Field(default_factory=list)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)

    @field_validator("pip_version")
    @classmethod
    def _pip_version(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion:
            raise ValueError(f"{value!r} is not a pip version like '24.3.1'") from None
        return value

    @model_validator(mode="after")
    def _pip_reads_the_moment(self) -> MatrixFile:
        dated = [n for n, e in self.environments.items() if e.uploaded_prior_to]
        if dated and Version(self.pip_version) < PIP_WITH_UPLOADED_PRIOR_TO:
            raise ValueError(
                f"environment {dated[0]!r} sets uploaded_prior_to, which pip reads from "
                f"{PIP_WITH_UPLOADED_PRIOR_TO} on: set pip_version to "
                f"'{PIP_WITH_UPLOADED_PRIOR_TO}' or later (this matrix has {self.pip_version})"
            )
        return self

    @field_validator("python")
    @classmethod
    def _versions(cls, value: list[str]) -> list[str]:
        for version in value:
            if not re.fullmatch(r"3\.\d{1,2}", version):
                raise ValueError(f"{version!r} is not a Python version like '3.11'")
        return value
