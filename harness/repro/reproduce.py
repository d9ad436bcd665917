"""`harness repro`: one report's environment, built and run, written up for pasting back."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version

from harness import __version__
from harness.build.bases import registry_base
from harness.build.dockerfile import render
from harness.config.matrix import Matrix
from harness.config.scenarios import Claim
from harness.pypi import PackageIndex
from harness.repro.day_of_pypi import day_of_pypi, said
from harness.repro.installed import named_in
from harness.repro.request import Request
from harness.repro.session import NEVER, SNIPPET, Setting, Setup, environment_name
from harness.repro.verdict import describe, outcome_line, verdict
from harness.results.markdown_escape import code_block, code_span, escape_text, one_line
from harness.results.outcome import Outcome, normalize

REPORTED = "as-reported"
WITHOUT = "no-backend-setting"
NEIGHBOUR_PACKAGES = ("tensorflow", "tensorflow-cpu", "keras")


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One environment the repro runs: as reported, or a neighbouring release."""

    setup: Setup
    label: str  # "as reported", "keras 3.11.3 (previous minor)"


def listing(notes: Sequence[str], request: Request) -> Iterator[str]:
    """What was read and assumed, a line each, as printed before anything is built."""
    yield from (f"  {said}" for said in notes)
    yield from (f"  {what}  <- {where}" for what, where in request.extracted)
    yield from (f"  assumed: {assumption}" for assumption in request.assumed)
    for number, step in enumerate(request.steps, start=1):
        yield f"  step {number}: pip install {step}"


def dated(
    variants: Sequence[Variant], request: Request, index: PackageIndex | None
) -> tuple[list[Variant], Request]:
    """Each variant's install seeing PyPI as of the report's day (day_of_pypi.py), and the
    request with that said among its assumptions (for the one as reported)."""
    out = []
    for number, variant in enumerate(variants):
        day = day_of_pypi(variant.setup.steps, request.as_of, index, python=request.python)
        if day is None:
            out.append(variant)
            continue
        if number == 0 and said(day) not in request.assumed:
            request = replace(request, assumed=(*request.assumed, said(day)))
        out.append(replace(variant, setup=replace(variant.setup, uploaded_prior_to=day.moment)))
    return out, request


def claim_of(request: Request) -> Claim:
    """The claim a repro checks: the report's quoted error type."""
    error = request.reported_error
    if error is None:
        return Claim(summary="no error quoted in the report", pattern=NEVER)
    # The type is what a maintainer compares first; the message is shown beside it.
    summary = f"{error.type}: {error.message}" if error.message else error.type
    return Claim(summary=summary, pattern=rf"(?:^|\.){re.escape(error.short_type)}:")


def settings_of(request: Request, *, neighbours: bool) -> tuple[Setting, ...]:
    """The settings the snippet runs under: as reported, and without the backend's choice."""
    reported = Setting(name=REPORTED, env=request.env, keras_json=request.keras_json)
    if neighbours and (request.env.get("KERAS_BACKEND") or request.keras_json is not None):
        without = {k: v for k, v in request.env.items() if k != "KERAS_BACKEND"}
        return (reported, Setting(name=WITHOUT, env=without))
    return (reported,)


def variants_of(
    request: Request, index: PackageIndex | None, *, neighbours: bool, cross_major: bool = False
) -> tuple[Variant, ...]:
    """The reported environment, then previous/next minor of TensorFlow and Keras (within the
    reported major version unless `cross_major`)."""
    # The row label names the reported versions, so that the neighbours' rows read against it.
    shown = [f"{n} {v}" for n, v in request.pinned().items() if n in NEIGHBOUR_PACKAGES]
    base = Variant(
        setup=Setup(
            name=environment_name(request.steps), steps=request.steps, description="as reported"
        ),
        label=f"{', '.join(shown)} (as reported)" if shown else "as reported",
    )
    if not neighbours or index is None:
        return (base,)
    found = [base]
    for name, version in request.pinned().items():
        if name not in NEIGHBOUR_PACKAGES:
            continue
        adjacent = adjacent_minors(
            index, name, Version(version), request.python, cross_major=cross_major
        )
        for other, label in adjacent:
            steps = tuple(_swap(step, name, version, str(other)) for step in request.steps)
            found.append(
                Variant(
                    setup=Setup(name=environment_name(steps), steps=steps, description=label),
                    label=f"{name} {other} ({label})",
                )
            )
    return tuple(found)


def adjacent_minors(
    index: PackageIndex, name: str, version: Version, python: str, *, cross_major: bool = False
) -> list[tuple[Version, str]]:
    """The latest patch of the previous and of the next minor that install on `python`.

    They stay within `version`'s major: keras 2.15 is another library than keras 3.0 (tf.keras
    against multi-backend Keras), so setting it beside 3.0 answers a different question. With
    `cross_major`, the nearest minor across the major boundary is taken too, and labelled so.
    """
    releases = index.versions(name, python=python)
    by_minor: dict[tuple[int, int], Version] = {}
    for release in releases:
        by_minor[(release.major, release.minor)] = max(
            release, by_minor.get((release.major, release.minor), release)
        )
    minors = sorted(m for m in by_minor if cross_major or m[0] == version.major)
    here = (version.major, version.minor)
    before = [m for m in minors if m < here]
    after = [m for m in minors if m > here]
    out = []
    if before:
        crossed = before[-1][0] != version.major
        out.append((by_minor[before[-1]], "previous major" if crossed else "previous minor"))
    if after:
        crossed = after[0][0] != version.major
        out.append((by_minor[after[0]], "next major" if crossed else "next minor"))
    return out


def _swap(step: str, name: str, old: str, new: str) -> str:
    words = []
    for word in shlex.split(step):
        requirement, sep, version = word.partition("==")
        same = sep and version == old and re.sub(r"\[.*\]$", "", requirement).lower() == name
        words.append(f"{requirement}=={new}" if same else word)
    return shlex.join(words)


def markdown(
    request: Request,
    matrix: Matrix,
    outcomes: Sequence[Outcome],
    variants: Sequence[Variant],
    *,
    run_dir: Path,
    note: str | None,
    label: str | None = None,
    installed: Mapping[str, str] | None = None,
) -> str:
    """The report to paste back; `label` names its source (default: the report file's name);
    `installed` is the reported environment's `pip freeze` (name -> version), which gives the
    versions of the packages its steps name beyond those every cell records."""
    first = outcomes[0]
    lines = [
        f"### Reproduction of {code_span(label or request.source.name, in_table=False)}",
        "",
        verdict(request, first),
        "",
        f"**Outcome:** {outcome_line(first)}",
    ]
    if first.error is not None and first.error.raised_at is not None:
        where = first.error.raised_at
        # Its own paragraph: a single newline joins lines wherever the Markdown is rendered
        # as a document rather than as a GitHub comment.
        lines += [
            "",
            "**Raised at:** "
            + code_span(f"{where.file.rsplit('-packages/', 1)[-1]}:{where.line}", in_table=False)
            + f" in {code_span(where.function, in_table=False)}"
            f" ({first.error.phase or '?'} phase)",
        ]
    lines += [
        "",
        "**Environment**",
        "",
        f"- Python {escape_text(first.versions.get('python') or request.python)}"
        f" (image `{first.image}`)",
    ]
    lines += [
        f"- step {n}: {code_span(f'pip install {step}', in_table=False)}"
        for n, step in enumerate(request.steps, start=1)
    ]
    lines += [f"- {code_span(f'{k}={v}', in_table=False)}" for k, v in sorted(request.env.items())]
    if request.keras_json is not None:
        settings = json.dumps(request.keras_json, sort_keys=True)
        lines.append(f"- `~/.keras/keras.json`: {code_span(settings, in_table=False)}")
    if note and note not in request.assumed:  # a Python moved for want of a base is both
        lines.append(f"- note: {note}")
    lines += [f"- assumed: {a}" for a in request.assumed]
    versions = {k: v for k, v in first.versions.items() if v and k != "python"}
    for name in named_in(request.steps):
        if name not in versions and installed and name in installed:
            versions[name] = installed[name]
    shown = [f"{escape_text(k)} {escape_text(v)}" for k, v in versions.items()]
    lines += ["", "**Installed versions:** " + (", ".join(shown) or "none recorded")]
    if first.pip_conflicts:
        conflicts = (f"- {code_span(c, in_table=False)}" for c in first.pip_conflicts)
        lines += ["", "pip reported conflicts:", *conflicts]
    if first.error is not None and first.error.traceback:
        lines += [
            "",
            "<details><summary>Traceback</summary>",
            "",
            code_block(first.error.traceback),
            "",
            "</details>",
        ]
    elif first.status == "build_failed":
        lines += ["", code_block(first.build_error or "")]
    if len(outcomes) > 1:
        lines += ["", neighbours_table(outcomes, variants, request)]
    lines += [
        "",
        reproduce_anywhere(request, matrix),
        "",
        # The run's id, not its path: the report is pasted where a local path means nothing.
        f"<sub>keras-matrix-harness {__version__}, run `{run_dir.name}`</sub>",
        "",
    ]
    return "\n".join(lines)


def neighbours_table(
    outcomes: Sequence[Outcome], variants: Sequence[Variant], request: Request
) -> str:
    """A Markdown table of the neighbouring releases' outcomes against the reported one."""
    labels = {v.setup.name: v.label for v in variants}
    settings = list(dict.fromkeys(o.backend for o in outcomes))
    reference = describe(outcomes[0])
    header = ["environment", *(setting_label(s, request) for s in settings)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for environment in dict.fromkeys(o.environment for o in outcomes):
        cells = []
        for setting in settings:
            found = [o for o in outcomes if o.environment == environment and o.backend == setting]
            text = _short(found[0]) if found else ""
            changed = found and normalize(describe(found[0])) != normalize(reference)
            cells.append(f"**{text}** (changes)" if changed else text)
        rows.append(f"| {labels.get(environment, environment)} | " + " | ".join(cells) + " |")
    return "\n".join(
        [
            "**Neighbours** (bold: the outcome differs from the reported environment's)",
            "",
            *rows,
            "",
            *changes(outcomes, variants, request),
        ]
    )


def changes(
    outcomes: Sequence[Outcome], variants: Sequence[Variant], request: Request
) -> list[str]:
    """Where the outcome changes, one line per different outcome: the table's answer in words."""
    labels = {v.setup.name: v.label for v in variants}
    reference = normalize(describe(outcomes[0]))
    environments = list(dict.fromkeys(o.environment for o in outcomes))
    by_outcome: dict[str, list[Outcome]] = {}
    for outcome in outcomes[1:]:
        if normalize(describe(outcome)) != reference:
            by_outcome.setdefault(describe(outcome), []).append(outcome)
    if not by_outcome:
        return ["The outcome is the same in every neighbour."]
    lines = ["Where the outcome changes:", ""]
    for text, found in by_outcome.items():
        places = []
        for setting in dict.fromkeys(o.backend for o in found):
            here = [o.environment for o in found if o.backend == setting]
            if len(here) == len(environments) > 1:
                where = "every environment"
            else:
                where = ", ".join(labels.get(e, e) for e in here)
            places.append(f"{where}, {setting_label(setting, request)}")
        lines.append(f"- {code_span(text, in_table=False)}: {'; '.join(places)}")
    return lines


def setting_label(name: str, request: Request) -> str:
    """The heading a setting gets in the write-up."""
    if name == WITHOUT:
        dropped = ["`KERAS_BACKEND`"] if "KERAS_BACKEND" in request.env else []
        dropped += ["keras.json"] if request.keras_json is not None else []
        return f"without {' or '.join(dropped)}"
    # in_table: this label heads a table column too, where a bare `|` would split the span.
    setting = (
        ", ".join(code_span(f"{k}={v}", in_table=True) for k, v in sorted(request.env.items()))
        or "no variables"
    )
    keras_json = " and keras.json" if request.keras_json is not None else ""
    return f"{setting}{keras_json} (as reported)"


def _short(outcome: Outcome) -> str:
    if outcome.status == "ok":
        return "ok"
    if outcome.error is not None:
        message = one_line(outcome.error.message)[:80]
        return code_span(f"{outcome.error.short_type}: {message}", in_table=True)
    return outcome.status.replace("_", " ")


def reproduce_anywhere(request: Request, matrix: Matrix) -> str:
    """A Dockerfile on the public python image plus commands: no harness needed."""
    environment = next(iter(matrix.environments))
    spec = render(
        matrix,
        request.python,
        environment,
        base=registry_base(request.python),
        template_dir=matrix.template_dir,
        ca_bundle=None,
    )
    # As the harness runs cells: as the image's unprivileged `cell` user, whose home holds
    # ~/.keras (the image itself keeps root as its user; see the template).
    run = ["docker", "run", "--rm", "--user", "1000:1000"]
    for key, value in sorted(request.env.items()):
        run += ["-e", f"{key}={value}"]
    if request.keras_json is not None:
        run += ["-v", "$PWD/keras.json:/home/cell/.keras/keras.json:ro"]
    run += [
        "-v",
        f"$PWD/{SNIPPET}.py:/home/cell/{SNIPPET}.py:ro",
        "keras-repro",
        "python",
        f"{SNIPPET}.py",
    ]
    # The template's own header speaks of matrix.yaml and the harness's CA bundle, neither of
    # which the reader has; say what this file is instead.
    body = spec.dockerfile.splitlines()
    while body and body[0].startswith("#"):
        body.pop(0)
    header = (
        f"# Python {request.python}, "
        + "; then ".join(f"pip install {step}" for step in request.steps)
        + ": as `harness repro` built it."
    )
    lines = [
        "<details><summary>Reproduce anywhere</summary>",
        "",
        "`Dockerfile`:",
        "",
        code_block("\n".join([header, *body]), "dockerfile"),
        "",
        f"`{SNIPPET}.py`:",
        "",
        code_block(request.code, "python"),
    ]
    if request.keras_json is not None:
        lines += [
            "",
            "`keras.json`:",
            "",
            code_block(json.dumps(request.keras_json, indent=4), "json"),
        ]
    command = " ".join(shlex.quote(w) if not w.startswith("$PWD") else f'"{w}"' for w in run)
    lines += ["", code_block(f"docker build -t keras-repro .\n{command}", "sh"), "", "</details>"]
    return "\n".join(lines)
