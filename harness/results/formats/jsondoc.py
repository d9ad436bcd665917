"""JSON for other tools; its schema is harness/schemas/table.schema.json (docs/publishing.md).

`schema_version` changes only when a field is removed or changes meaning; new fields may
appear within a version, so readers should ignore keys they do not know.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from harness.config.cells import AXES
from harness.results.outcome import Frame, Outcome
from harness.results.records import package_names, phase_of
from harness.results.signatures import Signature
from harness.results.views import GridSection, Report

SCHEMA = "keras-matrix-harness/table"
SCHEMA_VERSION = 1
RESULT_WORDS = {
    "works": "works",
    "import": "fails_at_import",
    "call": "fails_at_call",
    "no_result": "no_result",
}


def render(report: Report) -> str:
    """The report as JSON text (table.schema.json)."""
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> dict[str, Any]:
    """The report as the JSON document table.schema.json describes."""
    p = report.provenance
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "provenance": {
            "run_id": p.run_id,
            "harness_version": p.harness_version,
            "started": p.started,
            "finished": p.finished,
            "engine_version": p.engine_version,
            "engine_storage_driver": p.engine_storage_driver,
            "host_python": p.host_python,
            "matrix": p.matrix,
            "matrix_sha256": p.matrix_sha256,
            "cells_planned": p.cells_planned,
            "cells_recorded": p.cells_recorded,
            "cached_from": report.cached_from(),
            "base_images": [{"image": image, "image_id": image_id} for image, image_id in p.bases],
            "images": [asdict(image) for image in p.images],
        },
        "axes": {axis: list(report.run.axes[axis]) for axis in AXES},
        "packages": list(package_names(report.outcomes)),
        "statuses": report.status_counts(),
        "claims": [
            {
                "scenario": c.scenario,
                "title": c.title,
                "source": c.source,
                "description": report.scenario_description(c.scenario),
                "summary": c.summary,
                "pattern": c.pattern,
                "verdict": c.verdict,
                "ran": c.ran,
                "no_result": c.no_result,
                "reproduced_in": [o.cell_id for o in c.reproduced],
                "instead": [{"text": text, "cells": n} for text, n in c.instead],
            }
            for c in report.claims
        ],
        "environments": [
            {
                "environment": e.environment,
                "python": e.python,
                "versions": dict(e.versions),
                "image": e.image.tag if e.image else None,
                "build": e.image.status if e.image else None,
                "cells": e.total,
                **{RESULT_WORDS[phase]: n for phase, n in e.counts.items()},
                "verdict": e.verdict,
            }
            for e in report.environments
        ],
        "signatures": [_signature(s) for s in report.signatures],
        "cells": [_cell(report, o) for o in report.outcomes],
        "view": {
            "rows": list(report.grid.rows),
            "cols": list(report.grid.cols),
            "sections": list(report.grid.sections),
            "blocks": [_block(report, b) for b in report.grid.blocks],
        },
    }


def _signature(s: Signature) -> dict[str, Any]:
    return {
        "label": s.label,
        "id": s.id,
        "signature": s.signature,
        "kind": s.kind,
        "message": s.message,
        "results": [RESULT_WORDS[p] for p in s.phases],
        "raised_at": s.raised_at,
        "cells": [o.cell_id for o in s.cells],
        "boundaries": [{**asdict(b), "text": b.text} for b in s.boundaries],
    }


def _frame(frame: Frame | None) -> dict[str, Any] | None:
    return asdict(frame) if frame else None


def _cell(report: Report, o: Outcome) -> dict[str, Any]:
    error = None
    if o.error is not None:
        error = {
            "type": o.error.type,
            "message": o.error.message,
            "phase": o.error.phase,
            "raised_at": _frame(o.error.raised_at),
            "scenario_line": _frame(o.error.scenario_line),
            "traceback": o.error.traceback,
        }
    return {
        "id": o.cell_id,
        "python": o.python,
        "environment": o.environment,
        "backend": o.backend,
        "scenario": o.scenario,
        "status": o.status,
        "result": RESULT_WORDS[phase_of(o)],
        "text": report.text(o),
        "signature": report.labels.get(o.signature or ""),
        "signature_id": o.signature_id,
        "claim_reproduced": o.claim_reproduced,
        "error": error,
        "reason": o.reason,
        "versions": dict(o.versions),
        "pip_check": o.pip_check,
        "pip_conflicts": list(o.pip_conflicts),
        "image": o.image,
        "image_id": o.image_id,
        "command": o.command,
        "exit_code": o.exit_code,
        "duration_s": o.duration_s,
        "cached_from": o.cached_from,
        "output_truncated": o.output_truncated,
        "stdout_tail": o.stdout_tail,
        "stderr_tail": o.stderr_tail,
    }


def _block(report: Report, block: GridSection) -> dict[str, Any]:
    return {
        "key": dict(zip(report.grid.sections, block.key, strict=True)),
        "rows": [list(r) for r in block.rows],
        "cols": [list(c) for c in block.cols],
        "cells": [[[o.cell_id for o in block.at(r, c)] for c in block.cols] for r in block.rows],
    }
