"""A compact Markdown summary for a CI job's page ($GITHUB_STEP_SUMMARY).

GitHub accepts at most 1 MiB per step summary and shows far less comfortably; table.md of the
default matrix is 41 KB. The summary keeps what a reviewer reads first (the counts, each
claim's verdict, one verdict per environment, and the cells that changed against an earlier
run) and stays under BUDGET bytes whatever the run's size, saying what it left out.
"""

from __future__ import annotations

from harness.results.diff import KINDS, RunDiff
from harness.results.markdown_escape import escape_text, one_line
from harness.results.records import NOT_INSTALLED, RECORDED_PACKAGES, UNKNOWN
from harness.results.views import STATUS_WORDS, Report

BUDGET = 60 * 1024
MAX_CHANGES = 40


def render(report: Report, changes: RunDiff | None = None) -> str:
    """A short Markdown summary of a run (and of its changes), for a CI job's page."""
    p = report.provenance
    counts = ", ".join(
        f"{n} {STATUS_WORDS[status]}" for status, n in report.status_counts().items()
    )
    head = [
        f"## Keras / TensorFlow matrix: run `{p.run_id}`",
        "",
        f"{len(report.outcomes)} cells ({counts}); matrix `{p.matrix}` "
        f"(sha256 `{p.matrix_sha256[:12]}`), harness {p.harness_version}.",
        "",
    ]
    claims = [
        "### The articles' claims",
        "",
        "| scenario | claim | verdict |",
        "|---|---|---|",
        *(
            f"| `{c.scenario}` | {_cell(c.summary)} | {'**' if c.reproduced else ''}"
            f"{_cell(c.text)}{'**' if c.reproduced else ''} |"
            for c in report.claims
        ),
        "",
    ]
    changed = _changes(changes) if changes is not None else []
    tail = [
        "",
        "Full tables: `harness table RUN -f html`; one cell: `harness show CELL RUN`.",
        "",
    ]
    fixed = "\n".join([*head, *claims, *changed, *tail])
    environments = _environments(report, BUDGET - len(fixed.encode()))
    return "\n".join([*head, *claims, *environments, *changed, *tail])


def _environments(report: Report, room: int) -> list[str]:
    lines = [
        "### Environments",
        "",
        "| environment | Python | installed | verdict | works · import · call · no result |",
        "|---|---|---|---|---|",
    ]
    used = sum(len(line.encode()) + 1 for line in lines) + 200  # the closing note's room
    shown = 0
    for e in report.environments:
        versions = ", ".join(
            f"{name} {version}"
            for name, version in e.versions.items()
            if name in RECORDED_PACKAGES and version not in (NOT_INSTALLED, UNKNOWN)
        )
        counts = " · ".join(str(e.counts.get(p, 0)) for p in ("works", "import", "call"))
        row = (
            f"| `{e.environment}` | {e.python} | {_cell(versions) or '—'} | {e.verdict} | "
            f"{counts} · {e.counts.get('no_result', 0)} |"
        )
        if used + len(row.encode()) + 1 > room:
            break
        lines.append(row)
        used += len(row.encode()) + 1
        shown += 1
    left = len(report.environments) - shown
    if left:
        lines += ["", f"… and {left} more environments: see the full table."]
    return [*lines, ""]


def _changes(d: RunDiff) -> list[str]:
    title = f"### Changed cells against run `{d.a.run_id}`"
    if not d.changed:
        return [title, "", f"None: {d.unchanged} cells compared.", ""]
    counts = ", ".join(f"{len(d.of_kind(k))} {KINDS[k].lower()}" for k in KINDS if d.of_kind(k))
    lines = [title, "", f"{len(d.changes)} cells changed ({counts}).", ""]
    for change in d.changes[:MAX_CHANGES]:
        lines.append(
            f"- {KINDS[change.kind]}: `{change.cell_id}`: {_cell(change.before)} → "
            f"{_cell(change.after)}"
        )
    if len(d.changes) > MAX_CHANGES:
        lines.append(
            f"- … and {len(d.changes) - MAX_CHANGES} more: `harness diff {d.a.run_id} {d.b.run_id}`"
        )
    return [*lines, ""]


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line, long text cut, shown exactly (no markup,
    no raw HTML: exception type names and messages come from the cells' own code)."""
    line = one_line(text)
    return escape_text(line if len(line) <= 160 else line[:159] + "…")
