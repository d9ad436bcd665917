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
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.config import yamlsource
from harness.pypi import PackageIndex, fits
from harness.repro import (
    git_installs,
    keras3_backend,
    layouts,
    nightlies,
    old_keras,
    platform_builds,
)
from harness.repro.bare_python import only_the_missing_module, python_3
from harness.repro.bug_report.parse import CodeBlock, Extraction, Pin, ReportedError, extract
from harness.repro.code_to_run import NothingToRunError, code_to_run
from harness.repro.jaxlib_beside_jax import jaxlib_wanted
from harness.repro.later_pins import released_later
from harness.repro.numpy_of_its_day import numpy_wanted
from harness.repro.pip_version import pip_for
from harness.repro.python_fit import fitting_python
from harness.repro.request_steps import order, pin_steps, step_pins
from harness.repro.resolution import (
    DEFAULT_PYTHON,
    installs_on,
    settle,
    version_of,
)
from harness.repro.resolution_day import resolution_day
from harness.repro.unreadable_versions import refuse_unreadable_versions
from harness.repro.wanted_packages import imported, named
from harness.textfiles import read_text


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
    """One reproduction request resolved to exact values: Python, pip steps, settings, code."""

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
    as_of: date | None = None  # the day the report was written, when known

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
        code=CodeBlock(info="python", text=code, line=line) if code else None,
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
    """Exact values for one environment; refuses (one line) only when nothing can be run.

    `as_of` is the day the report was written when the caller knows it (`--as-of`, an
    issue's creation date); it wins over a date written in the report, not over the day the
    report's own resolver stopped at (uv's --exclude-newer)."""
    day, said = resolution_day(as_of, extraction)
    extracted: list[tuple[str, str]] = [said] if said else []
    assumed: list[str] = []
    code, origin = code_to_run(path, extraction, script=flags.script, block=flags.block)
    extracted.append(("code", origin))
    assumed.extend(extraction.notes)
    if flags.pip:
        python = flags.python or (extraction.python[0] if extraction.python else DEFAULT_PYTHON)
        steps = flags.pip
    else:
        python, steps = _environment(
            path, extraction, flags, index, day=day, extracted=extracted, assumed=assumed
        )
    env = {**extraction.env, **flags.env}
    for name, value in extraction.env.items():
        extracted.append((f"{name}={value}", "report"))
    keras_json = flags.keras_json if flags.keras_json is not None else extraction.keras_json
    pins = {name: v for step in steps for name, v in step_pins(step).items() if v}
    shown_backend = None if flags.pip else old_keras.keras_json(pins, extraction)
    if keras_json is None and shown_backend is not None:
        keras_json, why = shown_backend
        assumed.append(why)
    if extraction.keras_json is not None and flags.keras_json is None:
        extracted.append(("keras.json", json.dumps(extraction.keras_json, sort_keys=True)))
    if extraction.reported_error is not None:
        error = extraction.reported_error
        extracted.append((f"claimed error ({error.source})", f"{error.type}: {error.message}"))
    assumed.extend(note for note in pip_for(python)[1:] if note)
    installed = {name for step in steps for name in step_pins(step)}
    ignored = [name for name in extraction.ignored_packages if name not in installed]
    if ignored and not flags.pip:
        names = ", ".join(ignored[:8]) + (" ..." if len(ignored) > 8 else "")
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
        as_of=day,
    )


def resolve_text(
    text: str,
    *,
    source: Path,
    flags: Flags | None = None,
    index: PackageIndex | None,
    as_of: date | None = None,
) -> Request:
    """A report given as text (a file, standard input, an issue fetched from a tracker)."""
    return resolve(source, extract(text), flags or Flags(), index, as_of=as_of)


def _installable(
    extraction: Extraction, index: PackageIndex | None, assumed: list[str]
) -> Extraction:
    """The extraction with what a Linux container cannot install as written replaced: git
    installs by PyPI's releases, other systems' TensorFlow builds by `tensorflow`."""
    extraction, from_git = git_installs.from_pypi(extraction, index)
    assumed.extend(from_git)
    extraction, for_linux = platform_builds.for_linux(extraction)
    assumed.extend(for_linux)
    return extraction


def _environment(
    path: Path,
    extraction: Extraction,
    flags: Flags,
    index: PackageIndex | None,
    *,
    day: date | None,
    extracted: list[tuple[str, str]],
    assumed: list[str],
) -> tuple[str, tuple[str, ...]]:
    """The Python and the pip steps: the reporter's own lines kept as written, every package
    the report names or the code imports pinned."""
    refuse_unreadable_versions(path, extraction)
    extraction = _installable(extraction, index, assumed)
    steps = extraction.pip_steps
    wanted = named(extraction, extracted, assumed)
    wanted.update(layouts.narrowed(wanted, extraction, index, day))
    wanted.update(imported(extraction, wanted, assumed, index))
    in_steps = {name for step in steps for name in step_pins(step)}
    wanted, stand_ins = nightlies.standing_in(wanted, index, installed_by_steps=in_steps)
    assumed.extend(stand_ins)
    if not wanted and only_the_missing_module(extraction, assumed):
        alone = settle({}, index, day=day, python=python_3(flags.python, extraction, assumed))
        extracted.extend(alone.extracted)
        assumed.extend(alone.assumed)
        return alone.python, ()
    if not wanted:
        raise NothingToRunError(
            f"{path}: no package named or imported (pip freeze, 'TensorFlow version: X', "
            "pip install ..., import ...); pass --pip 'keras==3.12.0'"
        )
    python_said = python_3(flags.python, extraction, assumed)
    if python_said is not None and python_said[1] != "given" and index is not None:
        fitted_python, moved = fitting_python(
            python_said[0], list(wanted.values()), partial(installs_on, index=index)
        )
        if moved is not None:
            extracted.append((f"Python {python_said[0]}", python_said[1]))
            assumed.append(moved)
            python_said = (fitted_python, "given")
    found = settle(wanted, index, day=day, python=python_said)
    backend = old_keras.backend_wanted(found.exact, extraction, assumed) or (
        keras3_backend.backend_wanted(found.exact, extraction, assumed)
    )
    if backend is not None:
        # Resolved again with the backend: it may narrow the Python (TensorFlow 1.x has no
        # wheels for 3.8 and later).
        wanted[backend.name] = backend
        found = settle(wanted, index, day=day, python=python_said)
    numpy = numpy_wanted(found.exact, wanted, index, day=day, python=found.python)
    if numpy is not None:
        wanted["numpy"] = numpy
        found = settle(wanted, index, day=day, python=python_said)
    jaxlib = jaxlib_wanted(found.exact, wanted, index, python=found.python, steps=steps)
    if jaxlib is not None:
        wanted["jaxlib"] = jaxlib
        assumed.append(f"jaxlib {jaxlib.version} added: {jaxlib.why}")
        found = settle(wanted, index, day=day, python=python_said)
    python, exact = found.python, found.exact
    extracted.extend(found.extracted)
    assumed.extend(found.assumed)
    assumed.extend(released_later(wanted.values(), index, day))
    unnamed = [name for name, item in wanted.items() if not item.version]
    if extraction.hosted and unnamed:
        # No public record says which release a hosted runtime had on a given day; the date
        # rule is the one the report's own words support, and the listing says so.
        by = f"as of {day}" if day else "as of today"
        assumed.append(
            f"the report ran on {extraction.hosted} and does not name its preinstalled "
            f"{', '.join(unnamed)}: resolved {by} as any package named without a version "
            f"({extraction.hosted}'s runtime may have held older releases)"
        )
    if steps:
        # A version the report shows that is no release (a slip, left open) pinned nothing.
        shown = {pin.name for pin in extraction.pins if _pinned_as_shown(pin, exact)}
        riders = frozenset(
            [*(["numpy"] if numpy is not None else []), *(["jaxlib"] if jaxlib else [])]
        )
        return python, pin_steps(steps, exact, assumed, shown=shown, riders=riders)
    return python, order(exact, assumed)


def as_json(request: Request) -> dict[str, Any]:
    """The extraction as `harness repro --dry-run --json` prints it."""
    error = request.reported_error
    return {
        "python": request.python,
        "steps": list(request.steps),
        "env": dict(request.env),
        "keras_json": request.keras_json,
        "code": request.code,
        "claim": None if error is None else {"type": error.type, "message": error.message},
        "as_of": request.as_of.isoformat() if request.as_of else None,
        "assumptions": list(request.assumed),
    }


def _pinned_as_shown(pin: Pin, exact: dict[str, str]) -> bool:
    """Whether `pin`'s version (exact, or a prefix such as '2.16') is the one settled."""
    settled = version_of(exact.get(pin.name, ""))
    prefix = version_of(pin.version)
    return settled is not None and prefix is not None and fits(settled, str(prefix))
