"""matrix.yaml: its schema, and loading it into validated, frozen values."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shlex
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from harness import yamlsource
from harness.bases import BaseKind
from harness.cells import AXES, expand
from harness.errors import ConfigurationError
from harness.sandbox import Sandbox, parse_size
from harness.scenarios import Scenario, load_scenario
from harness.yamlsource import Loc, SourceMap

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
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
        return self.python is None or Version(python) in SpecifierSet(self.python)

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(shlex.split(self.pip))


class Environment(_Model):
    """A named install: ordered pip steps, as a user would have typed them."""

    description: str = ""
    python: str | None = None
    steps: tuple[InstallStep, ...] = Field(min_length=1, strict=False)  # YAML gives a list

    _python = field_validator("python")(_specifier)

    def supports(self, python: str) -> bool:
        return self.python is None or Version(python) in SpecifierSet(self.python)

    def steps_for(self, python: str) -> tuple[InstallStep, ...]:
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
    """The `sandbox:` section: each key overrides one default of harness.sandbox.Sandbox."""

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
        return sandbox.with_overrides(self.model_dump())


class Rule(_Model):
    """An include/exclude entry: each named axis takes one value or a list."""

    python: str | list[str] | None = None
    environment: str | list[str] | None = None
    backend: str | list[str] | None = None
    scenario: str | list[str] | None = None

    def values(self, axis: str) -> tuple[str, ...] | None:
        value = getattr(self, axis)
        if value is None:
            return None
        return (value,) if isinstance(value, str) else tuple(value)

    def is_empty(self) -> bool:
        return all(self.values(axis) is None for axis in AXES)


class _File(_Model):
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

    @field_validator("python")
    @classmethod
    def _versions(cls, value: list[str]) -> list[str]:
        for version in value:
            if not re.fullmatch(r"3\.\d{1,2}", version):
                raise ValueError(f"{version!r} is not a Python version like '3.11'")
        return value


class Matrix(_Model):
    """A loaded, validated matrix file, with its scenarios read."""

    path: Path
    sha256: str
    scenario_dir: Path
    # Where a template of the matrix's own may be; None: the packaged template only.
    template_dir: Path | None
    python: tuple[str, ...]
    base: BaseKind
    pip_version: str
    timeout: int
    build_timeout: int
    environments: Mapping[str, Environment]
    backends: Mapping[str, Backend]
    scenarios: Mapping[str, Scenario]
    include: tuple[Rule, ...]
    exclude: tuple[Rule, ...]
    sandbox: Sandbox = Sandbox()
    # A directory of pip freezes (a run's environments/) that builds are constrained to.
    constraints: Path | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    def axis_values(self, axis: str) -> tuple[str, ...]:
        return {
            "python": self.python,
            "environment": tuple(self.environments),
            "backend": tuple(self.backends),
            "scenario": tuple(self.scenarios),
        }[axis]


def load_matrix(path: Path) -> Matrix:
    """Load and validate `path`; every mistake is a one-line ConfigurationError."""
    data, source = yamlsource.load(path)
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path}:1: the matrix must be a mapping of keys (python, environments, ...)"
        )
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise _explain(_most_telling(exc.errors()), source) from None
    _check_unique(parsed.python, ("python",), source)
    _check_unique(parsed.scenarios, ("scenarios",), source)
    for kind in ("environments", "backends"):
        for name in getattr(parsed, kind):
            if not _NAME.match(name):
                raise source.error((kind, name), "names may use letters, digits, '.', '_' and '-'")
    scenario_dir = (path.parent / parsed.scenario_dir).resolve()
    if not scenario_dir.is_dir():
        raise source.error(
            ("scenario_dir",),
            f"no directory {scenario_dir} (the scenario scripts; set scenario_dir, "
            "relative to this file)",
        )
    scenarios = _load_scenarios(parsed.scenarios, scenario_dir, source)
    matrix = Matrix(
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        scenario_dir=scenario_dir,
        template_dir=_template_dir(path, parsed.template_dir, source),
        constraints=_constraints_dir(path, parsed.constraints, source),
        python=tuple(parsed.python),
        base=parsed.base,
        pip_version=parsed.pip_version,
        timeout=parsed.timeout,
        build_timeout=parsed.build_timeout,
        environments=parsed.environments,
        backends=parsed.backends,
        scenarios=scenarios,
        include=tuple(parsed.include),
        exclude=tuple(parsed.exclude),
        sandbox=parsed.sandbox.apply(Sandbox()),
    )
    for name, environment in matrix.environments.items():
        if not any(environment.supports(python) for python in matrix.python):
            raise source.error(
                ("environments", name, "python"),
                f"{environment.python!r} matches none of the matrix's Pythons "
                f"{list(matrix.python)}",
            )
    for kind in ("include", "exclude"):
        for index, rule in enumerate(getattr(matrix, kind)):
            _check_rule(matrix, rule, (kind, index), source)
    expansion = expand(matrix)
    for kind, index in expansion.idle_rules:
        verb = (
            "adds no cell (each is excluded by an environment's python limit)"
            if kind == "include"
            else "matches no cell"
        )
        raise source.error((kind, index), f"this rule {verb}")
    if not expansion.cells:
        raise source.error((), "the matrix expands to no cells")
    return matrix


def _template_dir(path: Path, named: str | None, source: SourceMap) -> Path | None:
    """The matrix's template directory: `dockerfiles` beside it if that exists, or the one it
    names, which must exist (a typo must not fall back to the packaged template silently)."""
    if named is None:
        default = (path.parent / "dockerfiles").resolve()
        return default if default.is_dir() else None
    found = (path.parent / named).resolve()
    if not found.is_dir():
        raise source.error(
            ("template_dir",),
            f"no directory {found} (a directory holding environment.Dockerfile.j2; leave "
            "template_dir out to use the packaged template)",
        )
    return found


def _constraints_dir(path: Path, named: str | None, source: SourceMap) -> Path | None:
    if named is None:
        return None
    found = (path.parent / named).resolve()
    if (found / "environments").is_dir():
        found = found / "environments"  # a run directory names its environments
    if not found.is_dir():
        raise source.error(
            ("constraints",),
            f"no directory {found} (a run's environments/ directory of pip freezes, or the run)",
        )
    return found


def _check_unique(values: list[str], loc: Loc, source: SourceMap) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise source.error((*loc, index), f"{value!r} is listed twice")
        seen.add(value)


def _load_scenarios(names: list[str], directory: Path, source: SourceMap) -> dict[str, Scenario]:
    scenarios = {}
    available = sorted(p.stem for p in directory.glob("*.py"))
    for index, name in enumerate(names):
        loc: Loc = ("scenarios", index)
        if not _NAME.match(name) or name.endswith(".py"):
            raise source.error(
                loc,
                f"{name!r}: name a script in the scenario directory by its stem "
                "(e.g. 'missing_tensorflow'), not a path",
            )
        path = directory / f"{name}.py"
        if not path.is_file():
            raise source.error(loc, f"no scenario file {path}{_did_you_mean(name, available)}")
        if not path.resolve().is_relative_to(directory):
            raise source.error(loc, f"{path} links outside {directory}; scenarios must live in it")
        scenarios[name] = load_scenario(name, path)
    return scenarios


def _check_rule(matrix: Matrix, rule: Rule, loc: Loc, source: SourceMap) -> None:
    if rule.is_empty():
        raise source.error(loc, f"names no axis; use any of {', '.join(AXES)}")
    for axis in AXES:
        known = matrix.axis_values(axis)
        for value in rule.values(axis) or ():
            if value not in known:
                raise source.error(
                    (*loc, axis), f"unknown {axis} {value!r}{_did_you_mean(value, known)}"
                )


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _most_telling(errors: list[ErrorDetails]) -> ErrorDetails:
    """An unknown key first: a misspelt key also shows up as the right one missing."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    return (unknown or errors)[0]


def _explain(error: ErrorDetails, source: SourceMap) -> ConfigurationError:
    loc = _file_loc(error)
    if error["type"] == "extra_forbidden":
        fields = _fields_at(_File, loc[:-1])
        return source.error(loc, f"unknown key{_did_you_mean(str(loc[-1]), fields)}")
    if error["type"] == "missing":
        return source.error(loc, "required key is missing")
    value = error.get("input")
    if isinstance(value, float) and error["type"] == "string_type":
        return source.error(
            loc, f"write versions as quoted strings: YAML reads {value} as a number"
        )
    message = error["msg"].removeprefix("Value error, ")
    return source.error(loc, message)


def _file_loc(error: ErrorDetails) -> Loc:
    """The error's place in the file: pydantic also names the union member it tried
    ("str", "list[str]") below a field, which the file does not have; a key the user wrote
    (the last part of an unknown-key error, or a top-level key) is kept whatever its name."""
    parts = error["loc"]
    last = len(parts) - 1
    return tuple(
        part
        for index, part in enumerate(parts)
        if not (
            _is_union_tag(part)
            and index > 0
            and not (index == last and error["type"] == "extra_forbidden")
        )
    )


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and (part in {"str", "list[str]"} or part.startswith("function-"))


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys allowed at `loc`, for "did you mean" on an unknown key."""
    annotation: Any = model
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        field = annotation.model_fields.get(str(part))
        if field is None:
            return []
        annotation = _unwrap(field.annotation)
        origin = typing.get_origin(annotation)
        if origin in (dict, Mapping, list, tuple):
            annotation = _unwrap(typing.get_args(annotation)[0 if origin in (list, tuple) else 1])
            if not parts:
                return []
            parts.pop(0)  # the mapping key or list index
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation
