"""CSV: one line per cell, ordered as the grid reads (sections, rows, columns), for spreadsheets.

Each line carries its provenance (run, harness, engine, matrix hash, image and base image
IDs), so a filtered or pasted extract still says where it came from.

A cell's message is written by the code the cell ran, and a spreadsheet reads a field that
starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula:
`=HYPERLINK(...)` or a DDE call. So, as OWASP advises against CSV injection:

- every field is quoted, so that no comma, semicolon (the separator in some locales) or quote
  inside a message can start a new field;
- a field that starts with one of those six characters is prefixed with a single quote, which
  makes it text. A field that already starts with quotes before one of them gets one more, so
  the rule reverses exactly: drop one leading `'` where quotes precede one of the characters.
- Numbers stay numbers: `-11` or `-0.5` is no formula, and is left as it is.

The exact text, unaltered, is in the JSON format.
"""

from __future__ import annotations

import csv
import io
import re

from harness.results.formats.jsondoc import RESULT_WORDS
from harness.results.records import package_names, phase_of
from harness.results.signatures import raised_at
from harness.results.views import Report

COLUMNS = (
    "cell_id",
    "python",
    "environment",
    "backend",
    "scenario",
    "status",
    "result",
    "text",
    "signature",
    "signature_id",
    "error_type",
    "message",
    "raised_at",
    "claim_reproduced",
)
TRAILING = (
    "pip_conflicts",
    "image",
    "image_id",
    "base_image",
    "base_image_id",
    "command",
    "cached_from",
    "run_id",
    "run_started",
    "harness_version",
    "engine_version",
    "engine_storage_driver",
    "matrix",
    "matrix_sha256",
)
FORMULA = re.compile(r"'*[=+\-@\t\r]")
NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def neutralised(field: str) -> str:
    """The field as a spreadsheet will show it as text, never run it as a formula."""
    if FORMULA.match(field) and not NUMBER.fullmatch(field):
        return "'" + field
    return field


def render(report: Report) -> str:
    """The report as CSV: one row per cell, with every key package's version."""
    p = report.provenance
    packages = package_names(report.outcomes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(neutralised(f) for f in (*COLUMNS, "python_version", *packages, *TRAILING))
    for block in report.grid.blocks:
        for row in block.rows:
            for col in block.cols:
                for o in block.at(row, col):
                    image = p.image(o.python, o.environment)
                    error = o.error
                    fields = [
                        o.cell_id,
                        o.python,
                        o.environment,
                        o.backend,
                        o.scenario,
                        o.status,
                        RESULT_WORDS[phase_of(o)],
                        report.text(o),
                        report.labels.get(o.signature or "", ""),
                        o.signature_id or "",
                        error.type if error else "",
                        error.message if error else (o.reason or ""),
                        raised_at(o) or "",
                        "" if o.claim_reproduced is None else str(o.claim_reproduced).lower(),
                        o.versions.get("python") or "",
                        *(o.versions.get(name) or "" for name in packages),
                        " | ".join(o.pip_conflicts),
                        o.image or "",
                        o.image_id or "",
                        image.base_image if image else "",
                        (image.base_image_id or "") if image else "",
                        o.command or "",
                        o.cached_from or "",
                        p.run_id,
                        p.started,
                        p.harness_version,
                        p.engine_version,
                        p.engine_storage_driver or "",
                        p.matrix,
                        p.matrix_sha256,
                    ]
                    writer.writerow([neutralised(f) for f in fields])
    return buffer.getvalue()
