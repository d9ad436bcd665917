"""One reproduction request: a report's extraction plus flags, resolved to exact values.

Every value says where it came from; every guess is listed as an assumption, so the
person reading the result knows what was the reporter's and what was ours.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import yamlsource
from harness.errors import ConfigurationError
from harness.pypi import PackageIndex
from harness.report import Block, Extraction, Pin, ReportedError, extract
from harness.textfiles import read_text

DEFAULT_PYTHON = "3.11"


class NothingToRunError(ConfigurationError):
    """The report has no code to run or no version to install."""


@dataclass(frozen=True, kw_only=True)
class Flags:
    """What the command line says; each overrides the report."""

    python: str | None = None
    pip: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    keras_json: dict[str, Any] | None = None
    script: Path | None = None
    block: int | None = None


@dataclass(frozen=True, kw_only=True)
class Request:
    python: str
    steps: tuple[str, ...]
    env: dict[str, str]
    keras_json: dict[str, Any] | None
    code: str
    code_origin: str
    extracted: tuple[tuple[str, str], ...]  # (what, where it was read)
    assumed: tuple[str, ...]
    reported_error: ReportedError | None
    source: Path

    def pinned(self) -> dict[str, str]:
        """name -> version for every `name==version` in the steps."""
        found: dict[str, str] = {}
        for step in self.steps:
            for word in shlex.split(step):
                name, sep, version = word.partition("==")
                if sep:
                    found[re.sub(r"\[.*\]$", "", name).lower()] = version
        return found


class _YamlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    python: str | None = None
    pip: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    keras_json: dict[str, Any] | None = None
    script: str | None = None
    code: str | None = None
    error: str | None = None  # "Type: message" the reporter saw


def read_source(path: Path) -> tuple[Extraction, str]:
    """A report file (Markdown/text) or a YAML request, as an extraction and a label."""
    text = read_text(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        return extract(text), "report"
    data, source = yamlsource.loads(text, path)
    try:
        parsed = _YamlRequest.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        kind = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise source.error(tuple(first["loc"]), kind) from None
    code = parsed.code
    if parsed.script is not None:
        script = path.parent / parsed.script
        if not script.is_file():
            raise source.error(("script",), f"no file {script}")
        code = script.read_text(encoding="utf-8")
    error = None
    if parsed.error:
        kind, _, message = parsed.error.partition(":")
        error = ReportedError(type=kind.strip(), message=message.strip())
    line = source.line_of(("code",)) if parsed.code else 1
    return Extraction(
        python=(parsed.python, f"{path.name}: python") if parsed.python else None,
        pip_steps=tuple(parsed.pip),
        env=dict(parsed.env),
        keras_json=parsed.keras_json,
        code=Block(info="python", text=code, line=line) if code else None,
        reported_error=error,
    ), "yaml"


def resolve(
    path: Path,
    extraction: Extraction,
    flags: Flags,
    index: PackageIndex | None,
    *,
    as_of: date | None = None,
) -> Request:
    """Exact values for one environment; refuses (one line) when code or versions are missing.

    `as_of` is the day the report was written: a partial version means the release current then.
    """
    extracted: list[tuple[str, str]] = []
    assumed: list[str] = []
    python = _python(extraction, flags, extracted, assumed)
    code, origin = _code(path, extraction, flags)
    extracted.append(("code", origin))
    steps = _steps(
        path,
        extraction=extraction,
        flags=flags,
        python=python,
        index=index,
        extracted=extracted,
        assumed=assumed,
        as_of=as_of,
    )
    env = {**extraction.env, **flags.env}
    for name, value in extraction.env.items():
        extracted.append((f"{name}={value}", "report"))
    keras_json = flags.keras_json if flags.keras_json is not None else extraction.keras_json
    if extraction.keras_json is not None and flags.keras_json is None:
        extracted.append(("keras.json", json.dumps(extraction.keras_json, sort_keys=True)))
    if extraction.reported_error is not None:
        error = extraction.reported_error
        extracted.append(("reported error", f"{error.type}: {error.message}"))
    if extraction.ignored_packages and not flags.pip:
        names = ", ".join(extraction.ignored_packages[:8]) + (
            " ..." if len(extraction.ignored_packages) > 8 else ""
        )
        assumed.append(f"not installed explicitly (not Keras-related; pip resolves them): {names}")
    return Request(
        python=python,
        steps=steps,
        env=env,
        keras_json=keras_json,
        code=code,
        code_origin=origin,
        extracted=tuple(extracted),
        assumed=tuple(assumed),
        reported_error=extraction.reported_error,
        source=path,
    )


def _python(
    extraction: Extraction, flags: Flags, extracted: list[tuple[str, str]], assumed: list[str]
) -> str:
    if flags.python:
        return flags.python
    if extraction.python:
        extracted.append((f"Python {extraction.python[0]}", extraction.python[1]))
        return extraction.python[0]
    assumed.append(f"Python {DEFAULT_PYTHON}: the report names no Python version")
    return DEFAULT_PYTHON


def _code(path: Path, extraction: Extraction, flags: Flags) -> tuple[str, str]:
    if flags.script is not None:
        text = read_text(flags.script, label=f"--script {flags.script}")
        return text, str(flags.script)
    candidates = [b for b in (extraction.code, *extraction.other_code) if b is not None]
    if flags.block is not None:
        ordered = sorted(candidates, key=lambda b: b.line)
        if not 1 <= flags.block <= len(ordered):
            raise NothingToRunError(
                f"{path}: --block {flags.block}: the report has {len(ordered)} Python blocks"
            )
        chosen = ordered[flags.block - 1]
    elif extraction.code is not None:
        chosen = extraction.code
    else:
        raise NothingToRunError(
            f"{path}: no Python code block found; add a ```python block or pass --script FILE"
        )
    others = len(candidates) - 1
    note = f" (of {others + 1} Python blocks; choose another with --block N)" if others else ""
    return chosen.text.rstrip() + "\n", f"{path.name}:{chosen.line}{note}"


def _steps(
    path: Path,
    *,
    extraction: Extraction,
    flags: Flags,
    python: str,
    index: PackageIndex | None,
    extracted: list[tuple[str, str]],
    assumed: list[str],
    as_of: date | None,
) -> tuple[str, ...]:
    if flags.pip:
        return flags.pip
    pins: dict[str, Pin] = {pin.name: pin for pin in extraction.pins}
    for pin in pins.values():
        extracted.append((f"{pin.name} {pin.version}", pin.source))
    exact = {name: _exact(pin, python, index, assumed, as_of) for name, pin in pins.items()}
    if extraction.pip_steps:
        for step in extraction.pip_steps:
            extracted.append(("step", f"pip install {step}"))
        return _pin_steps(extraction.pip_steps, exact, assumed)
    if not exact:
        raise NothingToRunError(
            f"{path}: no package version found (pip freeze, 'TensorFlow version: X', ...); "
            "pass --pip 'keras==3.12.0'"
        )
    return _order(exact, assumed)


def _exact(
    pin: Pin, python: str, index: PackageIndex | None, assumed: list[str], as_of: date | None
) -> str:
    try:
        release = Version(pin.version).release
    except InvalidVersion:
        raise ConfigurationError(
            f"{pin.name} {pin.version!r} ({pin.source}) is not a version"
        ) from None
    if len(release) >= 3 or Version(pin.version).is_prerelease:
        return pin.version
    if index is None:
        raise NothingToRunError(
            f"{pin.name} {pin.version} is not an exact release and PyPI cannot be asked offline"
        )
    latest = index.latest_matching(pin.name, pin.version, python=python, as_of=as_of)
    by = f" by {as_of}" if as_of else ""
    if latest is None:
        raise NothingToRunError(
            f"PyPI has no {pin.name} {pin.version}.x release{by} installable on Python {python}"
        )
    assumed.append(
        f"{pin.name} {latest}: the latest {pin.version}.x release on PyPI{by} for Python {python} "
        f"(the report says {pin.version})"
    )
    return str(latest)


def _pin_steps(
    steps: tuple[str, ...], exact: dict[str, str], assumed: list[str]
) -> tuple[str, ...]:
    """The report's own pip lines, with unpinned packages pinned to the versions it reports."""
    used: set[str] = set()
    out: list[str] = []
    for step in steps:
        words = []
        for word in shlex.split(step):
            bare = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?", word)
            name = bare[1].lower() if bare else re.split(r"[\[<>=!~;]", word)[0].lower()
            if bare and name in exact:
                assumed.append(f"`{bare[0]}` pinned to {exact[name]}, the version the report shows")
                words.append(f"{word}=={exact[name]}")
            else:
                words.append(word)
            used.add(name)
        out.append(shlex.join(words))
    extra = [f"{name}=={version}" for name, version in exact.items() if name not in used]
    if extra:
        out[-1] = f"{out[-1]} {' '.join(extra)}"
        assumed.append(
            f"{', '.join(extra)} added to the last pip step (the report shows them installed)"
        )
    return tuple(out)


def _order(exact: dict[str, str], assumed: list[str]) -> tuple[str, ...]:
    """One pip step, unless TF < 2.16 meets Keras 3: pip refuses that in one step, and users
    reach it by installing Keras afterwards, so the harness does the same."""
    tf = next((exact[n] for n in ("tensorflow", "tensorflow-cpu") if n in exact), None)
    keras = exact.get("keras")
    first = [f"{n}=={v}" for n, v in exact.items()]
    if tf and keras and Version(tf) < Version("2.16") and Version(keras).major >= 3:
        first.remove(f"keras=={keras}")
        assumed.append(
            f"keras {keras} installed in a second pip step after TensorFlow {tf} "
            "(one step would be refused by pip's resolver)"
        )
        return (" ".join(first), f"keras=={keras}")
    return (" ".join(first),)
