"""One self-contained HTML page (no CDN, no network): colour-coded cells that open their details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from harness.config.cells import AXES
from harness.results.formats.markdown import TITLE, block_title
from harness.results.outcome import Frame, Outcome
from harness.results.records import NOT_INSTALLED, PHASE_WORDS, phase_of
from harness.results.signatures import short_path
from harness.results.views import GridSection, Report

TEMPLATE = "table.html.j2"
FILTER_AXES = ("scenario", "backend", "python")


@dataclass(frozen=True, kw_only=True)
class CellView:
    """One outcome as the page shows it; `anchor` links a grid cell to its details."""

    anchor: str
    outcome: Outcome
    text: str
    result: str  # works / import / call / no_result: the colour
    label: str | None
    image_anchor: str | None

    @property
    def classes(self) -> str:
        """The cell's CSS classes: its result, its status, and whether it shows the claim."""
        claim = " claim" if self.outcome.claim_reproduced else ""
        return f"cell r-{self.result} s-{self.outcome.status}{claim}"

    @property
    def filters(self) -> Mapping[str, str]:
        """The cell's value on each axis, for the page's filters."""
        return {axis: str(getattr(self.outcome, axis)) for axis in AXES}

    @property
    def title(self) -> str:
        """The cell's tooltip: its id and what happened."""
        o = self.outcome
        return f"{o.cell_id}: {PHASE_WORDS[phase_of(o)]}" + (
            " (the claimed error)" if o.claim_reproduced else ""
        )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harness", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short_id"] = lambda image_id: (
        image_id.removeprefix("sha256:")[:12] if image_id else "?"
    )
    env.filters["frame"] = _frame
    return env


def _frame(frame: Frame | None) -> str:
    if frame is None:
        return "—"
    return f"{short_path(frame.file)}:{frame.line} in {frame.function}"


def render(report: Report) -> str:
    """The report as one self-contained HTML page."""
    images = {
        (i.python, i.environment): f"img-{n}"
        for n, i in enumerate(report.provenance.images, start=1)
    }
    labels = report.labels
    views = {
        o.cell_id: CellView(
            anchor=f"c{n}",
            outcome=o,
            text=report.text(o),
            result=phase_of(o),
            label=labels.get(o.signature or ""),
            image_anchor=images.get((o.python, o.environment)),
        )
        for n, o in enumerate(report.outcomes, start=1)
    }
    context: dict[str, Any] = {
        "title": TITLE,
        "report": report,
        "p": report.provenance,
        "cells": views,
        "blocks": [(_heading(report, b), b) for b in report.grid.blocks],
        "filters": {axis: report.run.axes[axis] for axis in FILTER_AXES},
        "phase_words": PHASE_WORDS,
        "image_anchors": images,
        "not_installed": NOT_INSTALLED,
        "descriptions": {
            name: info.description for name, info in report.run.info.scenarios.items()
        },
        "by_scenario": report.grid.sections == ("scenario",),
    }
    return _environment().get_template(TEMPLATE).render(context)


def _heading(report: Report, block: GridSection) -> tuple[str, str | None]:
    """A section's title, and the scenario's name to show as code beside it."""
    if report.grid.sections == ("scenario",):
        return report.scenario_title(block.key[0]), block.key[0]
    return block_title(report, block), None
