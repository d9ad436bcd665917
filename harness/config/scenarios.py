"""Scenario scripts and the metadata each carries in its module docstring (YAML)."""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from harness.errors import ConfigurationError
from harness.textfiles import read_text


class _Claim(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    description: str
    source: str
    claim: _Claim


class ShownError(Protocol):
    """An error as a cell raised and showed it (results.outcome.RaisedError is one)."""

    @property
    def type(self) -> str:
        """The exception's qualified type."""

    @property
    def message(self) -> str:
        """`str()` of the exception."""

    @property
    def display(self) -> str | None:
        """The exception's last lines as the terminal showed them, if recorded."""


@dataclass(frozen=True, kw_only=True)
class Claim:
    """The error a source article says the scenario produces."""

    summary: str
    pattern: str

    def matches(self, error_type: str, message: str) -> bool:
        """Whether the claim's pattern is found in `Type: message`."""
        return re.search(self.pattern, f"{error_type}: {message}") is not None

    def matches_error(self, error: ShownError) -> bool:
        """Whether the claim holds for `Type: message`, or for the error as it was displayed."""
        if self.matches(error.type, error.message):
            return True
        return error.display is not None and re.search(self.pattern, error.display) is not None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A scenario script and the metadata its docstring carries."""

    name: str
    path: Path
    title: str
    description: str
    source: str
    claim: Claim
    sha256: str


def load_scenario(name: str, path: Path) -> Scenario:
    """Read a scenario script's metadata without running it."""
    text = read_text(path)
    try:
        module = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise ConfigurationError(
            f"{path}:{exc.lineno}: scenario is not valid Python: {exc.msg}"
        ) from None
    docstring = ast.get_docstring(module, clean=True)
    if not docstring:
        raise ConfigurationError(
            f"{path}:1: scenario has no docstring with its metadata "
            "(title, description, source, claim)"
        )
    try:
        raw: Any = yaml.safe_load(docstring)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}:1: scenario metadata is not valid YAML: {exc}") from None
    try:
        meta = _Metadata.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "metadata"
        raise ConfigurationError(f"{path}:1: scenario metadata: {where}: {first['msg']}") from None
    return Scenario(
        name=name,
        path=path,
        title=meta.title,
        description=meta.description.strip(),
        source=meta.source,
        claim=Claim(summary=meta.claim.summary, pattern=meta.claim.pattern),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
