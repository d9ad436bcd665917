"""matrix.yaml: loading it into validated, frozen values (its schema is in matrix_schema)."""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from harness.config import tracked_matrix, yamlsource
from harness.config.cells import AXES, expand
from harness.config.lockfile import Lock
from harness.config.matrix_schema import (
    NAME,
    Backend,
    BaseKind,
    Environment,
    MatrixFile,
    Rule,
)
from harness.config.sandbox import Sandbox
from harness.config.scenarios import Scenario, load_scenario
from harness.config.yamlsource import Loc, SourceMap
from harness.errors import ConfigurationError


class Matrix(BaseModel):
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
    # The lock the tracked environments were expanded through, and what to tell the user
    # about it (older than the matrix, environments with no wheel for its Pythons).
    lock: Path | None = None
    notes: tuple[str, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    def axis_values(self, axis: str) -> tuple[str, ...]:
        """The matrix's values on one axis, in matrix order."""
        return {
            "python": self.python,
            "environment": tuple(self.environments),
            "backend": tuple(self.backends),
            "scenario": tuple(self.scenarios),
        }[axis]


def load_matrix(path: Path, *, lock: Lock | None = None) -> Matrix:
    """Load and validate `path`; every mistake is a one-line ConfigurationError. Tracked
    environments are expanded through `lock`, by default MATRIX.lock beside the matrix."""
    parsed, source = parse_matrix_file(path)
    scenario_dir = (path.parent / parsed.scenario_dir).resolve()
    if not scenario_dir.is_dir():
        raise source.error(
            ("scenario_dir",),
            f"no directory {scenario_dir} (the scenario scripts; set scenario_dir, "
            "relative to this file)",
        )
    scenarios = _load_scenarios(parsed.scenarios, scenario_dir, source)
    tracked = tracked_matrix.expand(parsed, path, source, lock=lock)
    matrix = Matrix(
        path=path,
        sha256=tracked.sha256 or hashlib.sha256(path.read_bytes()).hexdigest(),
        scenario_dir=scenario_dir,
        template_dir=_template_dir(path, parsed.template_dir, source),
        constraints=_constraints_dir(path, parsed.constraints, source),
        python=tuple(parsed.python),
        base=parsed.base,
        pip_version=parsed.pip_version,
        timeout=parsed.timeout,
        build_timeout=parsed.build_timeout,
        environments=tracked.environments,
        backends=parsed.backends,
        scenarios=scenarios,
        include=tracked.include,
        exclude=tracked.exclude,
        sandbox=parsed.sandbox.apply(Sandbox()),
        lock=tracked.lock,
        notes=tracked.notes,
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


def parse_matrix_file(path: Path) -> tuple[MatrixFile, SourceMap]:
    """`path` read and checked against the schema, tracked environments not yet expanded."""
    data, source = yamlsource.load(path)
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path}:1: the matrix must be a mapping of keys (python, environments, ...)"
        )
    try:
        parsed = MatrixFile.model_validate(data)
    except ValidationError as exc:
        raise _explain(_most_telling(exc.errors()), source) from None
    _check_unique(parsed.python, ("python",), source)
    _check_unique(parsed.scenarios, ("scenarios",), source)
    for kind in ("environments", "backends"):
        for name in getattr(parsed, kind):
            if not NAME.match(name):
                raise source.error((kind, name), "names may use letters, digits, '.', '_' and '-'")
    return parsed, source


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
        if not NAME.match(name) or name.endswith(".py"):
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
        fields = _fields_at(MatrixFile, loc[:-1])
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
