"""A picture of a run for a README or an issue: one heat map per scenario.

Rows are (environment, Python), columns backends; each square is coloured by the cell's
outcome signature (green for ok, one hue per error signature, greys where the cell has no
result), with a dot where the article's claim was reproduced, and a legend below that names
each colour. Panels sit side by side and wrap to stay within WIDTH, the width GitHub shows a
README at, so the picture reads without scaling. Plain SVG, no script, no external fonts.
"""

from __future__ import annotations

from collections import Counter
from xml.sax.saxutils import escape, quoteattr

from harness.results.outcome import Outcome
from harness.results.signatures import Signature
from harness.results.views import Report

WIDTH = 880
CELL, GAP = 13, 2
FONT = 11
CHAR = 6.4  # average advance of an 11 px sans-serif character
OK = "#3a9a4d"
# Distinct hues for error signatures, in order of first appearance (no green: green is ok).
HUES = (
    "#e8871e",
    "#d1495b",
    "#3d6fb6",
    "#8a5ec2",
    "#edae49",
    "#00798c",
    "#c2588a",
    "#8c564b",
    "#4fb3d9",
    "#b5a33a",
    "#e377c2",
    "#5a3d8a",
)
# Cells without a result: the status decides the grey.
GREYS = {"build_failed": "#b8b8b8", "timeout": "#7d7d7d", "crashed": "#4a4a4a"}


def colours(report: Report) -> dict[str, str]:
    """Each signature's colour; hues repeat past twelve error signatures."""
    found: dict[str, str] = {}
    errors = 0
    for s in report.signatures:
        if s.first.status in GREYS:
            found[s.signature] = GREYS[s.first.status]
        else:
            found[s.signature] = HUES[errors % len(HUES)]
            errors += 1
    return found


def colour_of(outcome: Outcome, palette: dict[str, str]) -> str:
    """The colour a cell gets: green for ok, else its error's colour or its status's grey."""
    if outcome.status == "ok":
        return OK
    return palette.get(outcome.signature or "", GREYS.get(outcome.status, "#999999"))


def render(report: Report) -> str:
    """The report as an SVG heat map: one square per cell."""
    run = report.run
    rows = list(dict.fromkeys((o.environment, o.python) for o in _row_order(report)))
    backends = list(run.axes["backend"])
    scenarios = list(run.axes["scenario"])
    palette = colours(report)
    by_cell = {(o.environment, o.python, o.backend, o.scenario): o for o in report.outcomes}
    label_w = int(max((len(f"{e} {p}") for e, p in rows), default=10) * CHAR) + 10
    panel_w = max(len(backends) * (CELL + GAP), 84) + 14
    titles = {s: _wrap(s, int((panel_w - 16) / CHAR)) for s in scenarios}
    title_h = max(len(lines) for lines in titles.values()) * (FONT + 2)
    per_band = max(1, (WIDTH - label_w) // panel_w)
    header_h = int(max(map(len, backends)) * CHAR * 0.75) + title_h + 22
    band_h = header_h + len(rows) * (CELL + GAP) + 12
    bands = [scenarios[i : i + per_band] for i in range(0, len(scenarios), per_band)]
    width = min(WIDTH, label_w + per_band * panel_w)
    out: list[str] = []
    y = 28
    title = (
        f"run {run.provenance.run_id}: {len(report.outcomes)} cells of "
        f"{run.provenance.matrix}; ● claim reproduced"
    )
    room = int(width / (CHAR * 1.1))  # bold text runs wider
    out.append(
        _text(0, 16, title if len(title) <= room else title[: room - 1] + "…", weight="bold")
    )
    for band in bands:
        for number, scenario in enumerate(band):
            for line_no, line in enumerate(titles[scenario]):
                x = label_w + number * panel_w
                out.append(_text(x, y + 12 + line_no * (FONT + 2), line, weight="bold"))
        out += _band(
            report,
            scenarios=band,
            rows=rows,
            backends=backends,
            by_cell=by_cell,
            palette=palette,
            label_w=label_w,
            panel_w=panel_w,
            top=y,
            header_h=header_h,
        )
        y += band_h
    legend, legend_h = _legend(report, palette, width, y + 6)
    out += legend
    height = y + 6 + legend_h
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" '
        f'font-size="{FONT}">\n'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>\n'
        + "\n".join(out)
        + "\n</svg>\n"
    )


def _row_order(report: Report) -> list[Outcome]:
    axes = report.run.axes
    return sorted(
        report.outcomes,
        key=lambda o: (axes["environment"].index(o.environment), axes["python"].index(o.python)),
    )


def _band(
    report: Report,
    *,
    scenarios: list[str],
    rows: list[tuple[str, str]],
    backends: list[str],
    by_cell: dict[tuple[str, str, str, str], Outcome],
    palette: dict[str, str],
    label_w: int,
    panel_w: int,
    top: int,
    header_h: int,
) -> list[str]:
    out = []
    grid_top = top + header_h
    for index, (environment, python) in enumerate(rows):
        y = grid_top + index * (CELL + GAP) + CELL - 2
        out.append(_text(label_w - 8, y, f"{environment} {python}", anchor="end"))
    for number, scenario in enumerate(scenarios):
        left = label_w + number * panel_w
        for column, backend in enumerate(backends):
            x = left + column * (CELL + GAP) + CELL // 2 + 3
            y = grid_top - 4
            out.append(
                f'<text x="{x}" y="{y}" transform="rotate(-50 {x} {y})">{escape(backend)}</text>'
            )
        for index, (environment, python) in enumerate(rows):
            for column, backend in enumerate(backends):
                outcome = by_cell.get((environment, python, backend, scenario))
                if outcome is None:
                    continue
                out.append(
                    _square(
                        report,
                        outcome,
                        palette=palette,
                        x=left + column * (CELL + GAP),
                        index=index,
                        grid_top=grid_top,
                    )
                )
    return out


def _square(
    report: Report, o: Outcome, *, palette: dict[str, str], x: int, index: int, grid_top: int
) -> str:
    y = grid_top + index * (CELL + GAP)
    tip = f"{o.cell_id}: {report.text(o)}" + (" (claim reproduced)" if o.claim_reproduced else "")
    square = (
        f'<rect class="cell" x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" '
        f'fill="{colour_of(o, palette)}" data-cell={quoteattr(o.cell_id)}>'
        f"<title>{escape(tip)}</title></rect>"
    )
    if o.claim_reproduced:
        centre = CELL / 2
        square += (
            f'<circle class="claim" cx="{x + centre:g}" cy="{y + centre:g}" r="3" fill="#ffffff"/>'
        )
    return square


def _legend(report: Report, palette: dict[str, str], width: int, top: int) -> tuple[list[str], int]:
    counts = Counter(o.signature for o in report.outcomes if o.status != "ok")
    entries = [(OK, f"ok ({sum(o.status == 'ok' for o in report.outcomes)})")]
    entries += [
        (palette[s.signature], f"{s.label} {_legend_text(s)} ({counts[s.signature]})")
        for s in report.signatures
    ]
    chars = int((width - CELL - 8) / CHAR)
    out = []
    for number, (fill, text) in enumerate(entries):
        x = 0
        y = top + number * (CELL + 5)
        out.append(
            f'<rect class="swatch" x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" '
            f'fill="{fill}"/>'
        )
        shown = text if len(text) <= chars else text[: chars - 1] + "…"
        out.append(_text(x + CELL + 6, y + CELL - 2, shown))
    return out, len(entries) * (CELL + 5) + 6


def _wrap(name: str, chars: int) -> list[str]:
    """A scenario's name in lines of at most `chars`, broken after its underscores."""
    lines = [""]
    for part in name.replace("_", "_\n").split("\n"):
        if lines[-1] and len(lines[-1]) + len(part) > chars:
            lines.append("")
        lines[-1] += part
    return lines


def _legend_text(s: Signature) -> str:
    if s.first.error is None:
        return f"{s.short_kind}: {' '.join((s.first.reason or '').split())}"
    return f"{s.short_kind}: {' '.join(s.message.split())}"


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "normal") -> str:
    attributes = f'x="{x:g}" y="{y:g}"'
    if anchor != "start":
        attributes += f' text-anchor="{anchor}"'
    if weight != "normal":
        attributes += f' font-weight="{weight}"'
    return f"<text {attributes}>{escape(text)}</text>"
