"""Reading a bug report as people write it: template fields, prose, pasted notebooks,
shell sessions, tracebacks, pip output, and later comments from other people.

`extract` only reads text; it never asks PyPI. What it could not pin down is left as a partial
version ('2.16') for `harness.repro.request` to resolve (as of the report's date) and to say so.

Whose words count is `whose_words.split`: the reporter's, up to their own fix.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from harness.repro.bug_report import (
    app_frames,
    backend_named,
    code_facts,
    dates,
    hosted,
    library_imports,
    multi_backend,
    prose_runs,
    python_version,
    quoted_output,
    sentence_blocks,
    session_claims,
    shown_names,
    test_methods,
    traceback_facts,
)
from harness.repro.bug_report import code as report_code
from harness.repro.bug_report import settings as report_settings
from harness.repro.bug_report import shell as report_commands
from harness.repro.bug_report import (
    tracebacks as report_tracebacks,
)
from harness.repro.bug_report import (
    versions as report_versions,
)
from harness.repro.bug_report.aliases import PINNED_PACKAGES
from harness.repro.bug_report.as_printed import as_printed
from harness.repro.bug_report.distributions import KERAS_LIBRARIES, distribution_of
from harness.repro.bug_report.latest_named import latest_named
from harness.repro.bug_report.model import CodeBlock, Extraction, Pin, ReportedError
from harness.repro.bug_report.python_code import with_missing_imports
from harness.repro.bug_report.title import title_of
from harness.repro.bug_report.whose_words import quoted_line, split

__all__ = ["CodeBlock", "Extraction", "Pin", "ReportedError", "blocks", "extract", "prose_of"]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


def blocks(text: str) -> list[CodeBlock]:
    """Fenced code blocks (``` or ~~~), as CommonMark delimits them."""
    found: list[CodeBlock] = []
    lines = text.splitlines()
    index = 0
    prose: list[str] = []
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            prose.append(lines[index])
            index += 1
            continue
        fence = match["fence"]
        body: list[str] = []
        start = index + 2
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence[0] * len(fence)):
            body.append(
                lines[index][len(match["indent"]) :]
                if lines[index].startswith(match["indent"])
                else lines[index]
            )
            index += 1
        index += 1
        before = " ".join(line.strip() for line in prose[-4:] if line.strip())
        found.append(
            CodeBlock(info=match["info"].strip(), text="\n".join(body), line=start, before=before)
        )
        prose = []
    return found


def prose_of(text: str) -> str:
    """The report without its code blocks (their lines left blank, so line numbers hold)."""
    out: list[str] = []
    inside: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if inside is None and match:
            inside = match["fence"][0] * len(match["fence"])
            out.append("")
        elif inside is not None and line.strip().startswith(inside):
            inside = None
            out.append("")
        elif inside is None:
            out.append(line)
        else:
            out.append("")
    return "\n".join(out)


def _python(said: tuple[str, str] | None, with_quotes: str) -> tuple[str, str] | None:
    """The Python the report names, else the one its quoted paths show (`.../python3.8/...`)."""
    if said is not None:
        return said
    quoted = "\n".join(line for line in with_quotes.splitlines() if quoted_line(line))
    return python_version.in_quoted_paths(quoted)


def extract(text: str, *, as_of: date | None = None) -> Extraction:
    """What the report says. `as_of` is the day it was written when the caller knows it (an
    issue's creation date); otherwise a date written in the report is used, if any."""
    raw, (text, rendered) = text, as_printed(text)
    parts = split(quoted_output.unquoted(text))
    found = blocks(parts.reporter)
    prose = prose_of(parts.reporter)
    code = report_code.read(found, prose, text=parts.reporter, claim_text=parts.with_quotes)
    tracebacks = report_tracebacks.parse(parts.with_quotes)
    # Versions, steps and settings are read from everything but the code that runs: a Python
    # block sets its own variables when it runs.
    readable = report_code.without_code(parts.reporter, code)
    claim = report_settings.claim(parts.with_quotes, title=title_of(text))
    claim = session_claims.first_raised(claim, tracebacks, code.chosen)
    spanned = None
    if code.chosen is None:
        # An import written as a code span is code the reporter ran, claimed error or not,
        # where its sentence says they ran it; a template's code field answered in words is
        # prose too.
        prose = sentence_blocks.with_sentence_blocks(prose, found)
        spanned = report_commands.inline_imports(prose, claim=claim, shown=tracebacks)
    derived = None
    if code.chosen is None and spanned is None and claim is not None:
        derived = report_commands.from_prose(prose, claim=claim.message, shown=tracebacks)
    if spanned is not None:
        code = report_code.Reading(
            chosen=spanned,
            others=(),
            candidates=(),
            notes=(f"code from the prose: `{spanned.text.strip()}`, written as code there",),
        )
    elif (
        derived is None
        and claim is not None
        and code.chosen is not None
        and code_facts.runs_nothing(code.chosen.text)
        and (from_claim := report_commands.from_error(claim)) is not None
    ):
        # `def f(): from tensorflow.python.keras import __version__` shown beside that very
        # ImportError: the definition is where the statement lives, but nothing calls it.
        statements = "; ".join(from_claim.text.strip().splitlines())
        code = report_code.Reading(
            chosen=from_claim,
            others=(code.chosen, *code.others),
            candidates=code.candidates,
            notes=(
                f"code derived from the error: `{statements}` is what {claim.type} names; the "
                "report's code only defines functions or classes and calls none of them",
            ),
        )
    elif derived is None and code.chosen is None and claim is not None:
        derived = report_commands.from_error(claim)
        if derived is not None:
            statements = "; ".join(derived.text.strip().splitlines())
            code = report_code.Reading(
                chosen=derived,
                others=(),
                candidates=(),
                notes=(f"code derived from the error: `{statements}` is what {claim.type} names",),
            )
            derived = None
    if derived is not None:
        # Sound only with an error claimed: the import the reporter names is where it comes.
        code = report_code.Reading(
            chosen=derived,
            others=(),
            candidates=(),
            notes=(
                f"code derived from the prose: `{derived.text.strip()}`, where the report says "
                f"its {claim.type if claim else 'error'} comes",
            ),
        )
    code = _refused_if_unrun(code, prose)
    versions = report_versions.read(readable, full=parts.reporter)
    keras = shown_names.shown_keras(parts.with_quotes, tracebacks, claim)
    known = app_frames.installed_names(versions)
    code = app_frames.past_application(code, tracebacks, known, claim, keras)
    code = test_methods.as_run(code)  # a test shown without its runner: called as it would
    code = _with_its_imports(code, shown_names.bindings_for(code.chosen, claim, keras, tracebacks))
    keras_json = report_settings.keras_json(found, readable)
    env, backend_notes = _variables(readable, code, claim, keras_json, parts.reporter)
    imports = tuple(code_facts.imports(code.chosen))
    ran = PINNED_PACKAGES + tuple(KERAS_LIBRARIES)
    ran_through = [
        name
        for name in map(distribution_of, traceback_facts.installed_modules(tracebacks))
        if name in ran and name not in imports
    ]
    # `keras_tuner.src.errors.FatalError`: the type's module is the library that raised it.
    typed = [claim.type.rsplit(".", 1)[0]] if claim is not None and "." in claim.type else []
    named = [
        name
        for name in map(distribution_of, [*report_commands.named_modules(claim), *typed])
        if name in ran and name not in imports and name not in ran_through
    ]
    links = hosted.code_links(parts.reporter)
    # Code shown beside a link to the whole notebook is a part of it; the rest is not read.
    linked = (
        (f"the report links its code ({links[0]}): only the code the report shows is run",)
        if links and code.chosen is not None
        else ()
    )
    python = _python(versions.python, parts.with_quotes)
    shown_backend = multi_backend.shown(parts.reporter, parts.with_quotes, tracebacks)
    return Extraction(
        python=python,
        pins=versions.pins,
        pip_steps=versions.steps,
        conda_installs=versions.conda,
        git_installs=versions.git,
        env=env,
        keras_json=keras_json,
        code=code.chosen,
        other_code=code.others,
        reported_error=claim,
        ignored_packages=versions.ignored,
        listed=versions.listed,
        imports=imports,
        traceback_packages=tuple(dict.fromkeys(ran_through)),
        installed_modules=tuple(traceback_facts.installed_modules(tracebacks)),
        imported_before=tuple(
            dict.fromkeys(
                name
                for name in map(
                    distribution_of, library_imports.imported_before_failing(tracebacks)
                )
                if name and name not in imports
            )
        ),
        keras_layout=(
            ("2", "a traceback through keras/src/engine/, Keras 2.13-2.15's layout")
            if traceback_facts.keras_2_13_layout(tracebacks)
            else None
        ),
        error_packages=tuple(dict.fromkeys(named)),
        old_layouts=traceback_facts.old_layouts(
            tracebacks, claim.message if claim else "", shown_backend[1] if shown_backend else ""
        ),
        code_backend=code_facts.backend_set(code.chosen),
        shown_backend=shown_backend,
        # A log's timestamps, taken off its lines, still say when it was written.
        as_of=as_of or dates.written_on(split(raw).reporter),
        code_links=links,
        hosted=hosted.hosted_on(parts.reporter),
        resolved_on=dates.resolved_on(parts.reporter),
        latest=latest_named(readable),
        notes=(*rendered, *parts.notes, *code.notes, *linked, *versions.notes, *backend_notes),
        no_code=code.no_code,
    )


def _refused_if_unrun(code: report_code.Reading, prose: str) -> report_code.Reading:
    """A report left without code whose prose writes an import it does not say it ran: the
    refusal says so, rather than that the report shows no code."""
    unrun = report_commands.unrun_import(prose) if code.chosen is None else None
    if unrun is None or code.no_code:
        return code
    return replace(code, no_code=prose_runs.refusal(unrun))


def _variables(
    readable: str,
    code: report_code.Reading,
    claim: ReportedError | None,
    keras_json: dict[str, Any] | None,
    reporter: str,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The variables the reporter's process had, and notes on those the report implies."""
    env = report_settings.env(readable)
    code_text = code.chosen.text if code.chosen is not None else ""
    # The code blocks not chosen are blanked out of `readable`: a one-line setting among them
    # still counts.
    outside = "\n".join([readable, *(block.text for block in code.others)])
    elsewhere = report_settings.set_outside_code(outside, code_text, env)
    env.update(elsewhere)
    backend_notes = tuple(
        f"{name}={value}: the report sets it with os.environ outside the code it runs"
        for name, value in elsewhere.items()
    )
    failed = report_settings.backend_from_error(claim)
    set_elsewhere = "KERAS_BACKEND" in env or "backend" in (keras_json or {})
    if failed and not (set_elsewhere or code_facts.backend_set(code.chosen)):
        # The reporter's Keras was told to use it somehow; the variable is the one way that
        # every Keras reads first.
        env["KERAS_BACKEND"] = failed
        backend_notes += (
            f"KERAS_BACKEND={failed}: the backend the report's error says Keras could not "
            "load, and the report sets none",
        )
    ran_on = backend_named.ran_on(reporter, readable)
    if ran_on and not (
        set_elsewhere or "KERAS_BACKEND" in env or code_facts.backend_set(code.chosen)
    ):
        env["KERAS_BACKEND"] = ran_on[0]
        backend_notes += (f"KERAS_BACKEND={ran_on[0]}: {ran_on[1]}",)
    return env, backend_notes


def _with_its_imports(
    code: report_code.Reading, shown: dict[str, str] | None = None
) -> report_code.Reading:
    """A snippet uses `tf.` or `platform.` without importing it (its import was in an earlier
    cell, or left out of the paste): run as is, it would only raise NameError. `shown` binds
    names the rest of the report shows the binding of (see shown_names)."""
    if code.chosen is None:
        return code
    text, added = with_missing_imports(code.chosen.text, shown or {})
    if not added:
        return code
    return replace(
        code,
        chosen=replace(code.chosen, text=text),
        notes=(
            *code.notes,
            f"{' and '.join(f'`{a}`' for a in added)} added: the code uses the name and "
            "imports it nowhere",
        ),
    )
