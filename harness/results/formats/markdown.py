"""Markdown for GitHub (tabulate's `github` tables), readable in a terminal as it is."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from harness.results.markdown_escape import code_block, code_span, escape_text
from harness.results.outcome import Outcome
from harness.results.records import NOT_INSTALLED, PHASE_WORDS, UNKNOWN
from harness.results.views import GridSection, Report

TITLE = "Keras / TensorFlow compatibility matrix"
MAX_LISTED = 8  # cells named inline before "… (+N)"


def render(report: Report) -> str:
    """The report as a Markdown document."""
    p = report.provenance
    counts = report.status_counts()
    lines = [
        f"# {TITLE}",
        "",
        f"Run `{p.run_id}` of `{p.matrix}` (sha256 `{p.matrix_sha256[:12]}`), keras-matrix-harness "
        f"{p.harness_version}, Docker {p.engine_version}, started {p.started}.",
        "",
        f"{_cells(len(report.outcomes))}"
        + "".join(
            f"{', ' if i else ': '}{n} {s.replace('_', ' ')}"
            for i, (s, n) in enumerate(counts.items())
        )
        + ". **Bold**: the error the scenario's source article claims. Provenance at the end.",
        "",
        *_cached(report),
        "## The articles' claims",
        "",
        claims_table(report),
        "",
        "## Compatibility by environment",
        "",
        environments_table(report),
        "",
    ]
    for block in report.grid.blocks:
        lines += [f"## {block_title(report, block)}", ""]
        if report.grid.sections == ("scenario",):
            description = report.scenario_description(block.key[0])
            if description:
                lines += [_inline(description), ""]
        lines += [grid_table(report, block), ""]
    lines += ["## Error signatures", "", legend_table(report), ""]
    for signature in report.signatures:
        phases = ", ".join(PHASE_WORDS[p] for p in signature.phases)
        count = _cells(len(signature.cells))
        lines += [
            f"### {signature.label}: {escape_text(signature.short_kind)} ({count}, {phases})",
            "",
            code_block(
                f"{signature.kind}: {signature.message}"
                if signature.first.error
                else signature.message,
                "text",
            ),
            "",
        ]
        facts = []
        if signature.raised_at:
            facts.append(f"Raised at {code_span(signature.raised_at, in_table=False)}.")
        facts.append(
            f"Version boundary: {escape_text(signature.boundary.text)}."
            if signature.boundary
            else "No version boundary in this matrix."
        )
        lines += [
            " ".join(facts),
            "",
            "Cells: " + ", ".join(f"`{o.cell_id}`" for o in signature.cells),
            "",
        ]
    lines += ["## Provenance", "", provenance_text(report), ""]
    return "\n".join(lines)


def block_title(report: Report, block: GridSection) -> str:
    """The heading of one block of the grid."""
    if not report.grid.sections:
        return "All cells"
    if report.grid.sections == ("scenario",):
        return f"{report.scenario_title(block.key[0])} (`{block.key[0]}`)"
    return ", ".join(
        f"{axis} {value}" for axis, value in zip(report.grid.sections, block.key, strict=True)
    )


def cell_markdown(report: Report, outcomes: Sequence[Outcome]) -> str:
    """The text of one grid cell, the claimed error in bold."""
    parts = []
    for outcome in outcomes:
        text = escape_text(report.text(outcome))
        parts.append(f"**{text}**" if outcome.claim_reproduced else text)
    return " / ".join(dict.fromkeys(parts))


def grid_table(report: Report, block: GridSection) -> str:
    """One block of the grid as a Markdown table."""
    grid = report.grid
    headers = [*grid.rows, *(" ".join(col) or "cell" for col in block.cols)]
    body = [
        [*row, *(cell_markdown(report, block.at(row, col)) for col in block.cols)]
        for row in block.rows
    ]
    return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)


def claims_table(report: Report) -> str:
    """Each scenario's claim and whether the run reproduced it, as a table."""
    body = []
    for claim in report.claims:
        where = ", ".join(
            f"`{o.python}/{o.environment}/{o.backend}`" for o in claim.reproduced[:MAX_LISTED]
        )
        if len(claim.reproduced) > MAX_LISTED:
            where += f", … (+{len(claim.reproduced) - MAX_LISTED})"
        body.append(
            [
                f"`{claim.scenario}`",
                _inline(claim.summary),
                claim.text,
                where or "—",
                ", ".join(f"{escape_text(text)} ×{n}" for text, n in claim.instead) or "—",
            ]
        )
    return tabulate(
        body,
        headers=["scenario", "claimed error", "verdict", "reproduced in", "what happened instead"],
        tablefmt="github",
        disable_numparse=True,
    )


def environments_table(report: Report) -> str:
    """Each environment's installed versions and verdict, as a table."""
    packages = [p for p in next((e.versions for e in report.environments), {}) if p != "python"]
    body = []
    for env in report.environments:
        installed = ", ".join(
            f"{escape_text(p)} {escape_text(v)}"
            for p, v in env.versions.items()
            if p in packages and v not in (NOT_INSTALLED, UNKNOWN)
        )
        body.append(
            [
                env.environment,
                env.python,
                installed or "—",
                str(env.total),
                *(str(env.counts[p]) for p in PHASE_WORDS),
                env.verdict,
            ]
        )
    return tabulate(
        body,
        headers=["environment", "python", "installed", "cells", *PHASE_WORDS.values(), "verdict"],
        tablefmt="github",
        disable_numparse=True,
    )


def legend_table(report: Report) -> str:
    """The error labels (E1, E2, ...) and what each stands for, as a table."""
    if not report.signatures:
        return "No errors."
    body = [
        [
            s.label,
            escape_text(s.short_kind),
            str(len(s.cells)),
            ", ".join(PHASE_WORDS[p] for p in s.phases),
            code_span(_clip(s.message, 160), in_table=True),
            escape_text(s.boundary.text) if s.boundary else "—",
        ]
        for s in report.signatures
    ]
    return tabulate(
        body,
        headers=["id", "error", "cells", "result", "message", "first version boundary"],
        tablefmt="github",
        disable_numparse=True,
    )


def provenance_text(report: Report) -> str:
    """Where the run came from: run, matrix, engine, images, as a list."""
    p = report.provenance
    planned = f" of {p.cells_planned} planned" if p.cells_planned is not None else ""
    facts = [
        f"- Run: `{p.run_id}`, started {p.started}, "
        f"finished {p.finished or 'not recorded (interrupted?)'}; "
        f"{p.cells_recorded} cells recorded{planned}.",
        f"- Harness: keras-matrix-harness {p.harness_version} (host Python {p.host_python}).",
        f"- Docker engine: {p.engine}.",
        f"- Matrix: `{p.matrix}`, sha256 `{p.matrix_sha256}`.",
        "- Base images: "
        + (", ".join(f"`{image}` (`{_id(image_id)}`)" for image, image_id in p.bases) or "—")
        + ".",
    ]
    if not p.images:
        return "\n".join([*facts, "", "No image records (images.json) in this run."])
    body = [
        [
            i.python,
            i.environment,
            f"`{i.tag}`",
            f"`{_id(i.image_id)}`",
            f"`{i.base_image}`",
            f"`{_id(i.base_image_id)}`",
            f"{i.status}, [pip freeze]({i.freeze})" if i.freeze else i.status,
        ]
        for i in p.images
    ]
    table = tabulate(
        body,
        headers=[
            "python",
            "environment",
            "image",
            "image ID",
            "base image",
            "base image ID",
            "build",
        ],
        tablefmt="github",
        disable_numparse=True,
    )
    return "\n".join([*facts, "", table])


def _cached(report: Report) -> list[str]:
    """Where cells taken from the result cache were really run."""
    origins = report.cached_from()
    if not origins:
        return []
    runs = ", ".join(f"`{run}` ({count})" for run, count in origins.items())
    return [
        f"{sum(origins.values())} cells unchanged since earlier runs, taken from them: {runs}.",
        "",
    ]


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _id(image_id: str | None) -> str:
    return image_id.removeprefix("sha256:")[:12] if image_id else "?"


def _inline(text: str) -> str:
    """Text the matrix's author wrote (Markdown by intent), on one line of a table."""
    return " ".join(text.replace("|", "\\|").split())


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
