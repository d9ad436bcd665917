"""Comparing two runs cell by cell: what newly fails, what was fixed, what fails differently.

Cells are matched by id (python/environment/backend/scenario). A cell "fails" unless its
status is ok; build failures, timeouts and crashes count as failures. Installed versions
that changed under an unchanged outcome are listed too, but are not a change of outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tabulate import tabulate

from harness.results.markdown_escape import escape_text
from harness.results.outcome import Outcome
from harness.results.records import Provenance, Run
from harness.results.views import cell_text

Kind = Literal["newly_failing", "fixed", "different_error", "different_message", "added", "removed"]
KINDS: Mapping[Kind, str] = {
    "newly_failing": "Newly failing",
    "fixed": "Fixed",
    "different_error": "Different error",
    "different_message": "Same error, different message",
    "added": "New cells",
    "removed": "Removed cells",
}
SHORT: Mapping[Kind, str] = {
    "newly_failing": "newly failing",
    "fixed": "fixed",
    "different_error": "different error",
    "different_message": "different message",
    "added": "added",
    "removed": "removed",
}
# Exit codes of `harness diff`, as diff(1) has them; errors use the harness's own codes
# (2, 6, ...; 70 for a harness bug), never 1.
NO_CHANGE, CHANGED = 0, 1
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


@dataclass(frozen=True, kw_only=True)
class Change:
    """One cell that changed between two runs: what it was, what it is, and how."""

    kind: Kind
    cell_id: str
    before: str  # the cell in a few words, "—" where absent
    after: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class RunDiff:
    """Two runs compared cell by cell."""

    a: Provenance
    b: Provenance
    changes: tuple[Change, ...]
    versions: tuple[
        tuple[str, str], ...
    ]  # (cell id, "keras 3.11.0 → 3.12.0") with the outcome unchanged
    unchanged: int

    @property
    def changed(self) -> bool:
        """Whether any cell's outcome changed."""
        return bool(self.changes)

    @property
    def exit_code(self) -> int:
        """The exit code `harness diff` returns: CHANGED or NO_CHANGE."""
        return CHANGED if self.changed else NO_CHANGE

    def of_kind(self, kind: Kind) -> tuple[Change, ...]:
        """The changes of one kind (newly failing, fixed, failing differently, ...)."""
        return tuple(c for c in self.changes if c.kind == kind)


def diff_runs(a: Run, b: Run) -> RunDiff:
    """What changed from run `a` to run `b`, cell by cell."""
    before = {o.cell_id: o for o in a.outcomes}
    after = {o.cell_id: o for o in b.outcomes}
    changes: list[Change] = []
    versions: list[tuple[str, str]] = []
    unchanged = 0
    for cell_id in [*before, *(c for c in after if c not in before)]:
        old, new = before.get(cell_id), after.get(cell_id)
        # No E-labels: each run numbers its signatures on its own.
        old_text = cell_text(old, {}) if old else "—"
        new_text = cell_text(new, {}) if new else "—"
        change = _compare(old, new)
        if change is None:
            unchanged += 1
            moved = _version_changes(old, new)
            if moved:
                versions.append((cell_id, moved))
            continue
        kind, detail = change
        if (
            old
            and new
            and None not in (old.claim_reproduced, new.claim_reproduced)
            and old.claim_reproduced != new.claim_reproduced
        ):
            detail += "; the article's claim is " + (
                "now reproduced" if new.claim_reproduced else "no longer reproduced"
            )
        changes.append(
            Change(kind=kind, cell_id=cell_id, before=old_text, after=new_text, detail=detail)
        )
    order = list(KINDS)
    changes.sort(key=lambda c: order.index(c.kind))
    return RunDiff(
        a=a.provenance,
        b=b.provenance,
        changes=tuple(changes),
        versions=tuple(versions),
        unchanged=unchanged,
    )


def _compare(old: Outcome | None, new: Outcome | None) -> tuple[Kind, str] | None:
    if old is None or new is None:
        if new is not None:
            return "added", _describe(new)
        return ("removed", _describe(old)) if old is not None else None
    change: tuple[Kind, str] | None = None
    if old.status == "ok" or new.status == "ok":
        if old.status != new.status:
            change = ("fixed", f"was {_describe(old)}") if new.status == "ok" else None
            change = change or ("newly_failing", _describe(new))
    elif _kind(old) != _kind(new) or _phase(old) != _phase(new):
        change = "different_error", f"{_describe(old)} → {_describe(new)}"
    elif _message(old) != _message(new):
        change = "different_message", f"{_message(old)!r} → {_message(new)!r}"
    return change


def _kind(outcome: Outcome) -> str:
    return outcome.error.type if outcome.status == "error" and outcome.error else outcome.status


def _phase(outcome: Outcome) -> str | None:
    return outcome.error.phase if outcome.error else None


def _message(outcome: Outcome) -> str:
    text = outcome.error.message if outcome.error else (outcome.reason or "")
    return _ADDRESS.sub("0x…", " ".join(text.split()))


def _describe(outcome: Outcome) -> str:
    if outcome.status == "ok":
        return "ok"
    where = f" at {outcome.error.phase}" if outcome.error and outcome.error.phase else ""
    message = _message(outcome)
    if len(message) > 120:
        message = message[:119] + "…"
    return f"{_kind(outcome)}{where}: {message}" if message else f"{_kind(outcome)}{where}"


def _version_changes(old: Outcome | None, new: Outcome | None) -> str:
    if old is None or new is None or not old.versions or not new.versions:
        return ""
    moved = [
        f"{name} {old.versions.get(name) or 'none'} → {new.versions.get(name) or 'none'}"
        for name in dict.fromkeys([*old.versions, *new.versions])
        if old.versions.get(name) != new.versions.get(name)
    ]
    return ", ".join(moved)


# --- rendering ------------------------------------------------------------------------------


def diff_document(d: RunDiff) -> dict[str, Any]:
    """The diff for tools (`harness diff --json`)."""

    def run(p: Provenance) -> dict[str, Any]:
        return {
            "run_id": p.run_id,
            "matrix": p.matrix,
            "matrix_sha256": p.matrix_sha256,
            "harness_version": p.harness_version,
        }

    return {
        "a": run(d.a),
        "b": run(d.b),
        "changed": d.changed,
        "exit_code": d.exit_code,
        "unchanged": d.unchanged,
        "counts": {kind: len(d.of_kind(kind)) for kind in KINDS},
        "changes": [
            {
                "kind": c.kind,
                "cell_id": c.cell_id,
                "before": c.before,
                "after": c.after,
                "detail": c.detail,
            }
            for c in d.changes
        ],
        "versions_changed": [{"cell_id": cell, "versions": moved} for cell, moved in d.versions],
    }


def _header(d: RunDiff) -> list[str]:
    lines = [
        f"{name}: run {p.run_id} of {p.matrix} (sha256 {p.matrix_sha256[:12]}), "
        f"harness {p.harness_version}"
        for name, p in (("A", d.a), ("B", d.b))
    ]
    counts = ", ".join(f"{len(d.of_kind(k))} {SHORT[k]}" for k in KINDS if d.of_kind(k))
    lines.append(
        f"{len(d.changes)} cells changed ({counts}); {d.unchanged} unchanged."
        if d.changed
        else f"No cell changed its outcome ({d.unchanged} cells compared)."
    )
    return lines


def render_text(d: RunDiff) -> str:
    """The diff as plain text for the terminal."""
    lines = _header(d)
    for kind, title in KINDS.items():
        mine = d.of_kind(kind)
        if not mine:
            continue
        lines += ["", f"{title} ({len(mine)}):"]
        for change in mine:
            lines.append(f"  {change.cell_id}: {change.before} → {change.after}")
            lines.append(f"      {change.detail}")
    if d.versions:
        lines += ["", f"Installed versions changed, outcome unchanged ({len(d.versions)}):"]
        lines += [f"  {cell}: {moved}" for cell, moved in d.versions]
    return "\n".join(lines) + "\n"


def render_markdown(d: RunDiff) -> str:
    """The diff as a Markdown document."""
    lines = [
        "# Changes between two runs",
        "",
        *(f"- {line}" for line in _header(d)[:2]),
        "",
        _header(d)[2],
    ]
    for kind, title in KINDS.items():
        mine = d.of_kind(kind)
        if not mine:
            continue
        body = [
            [f"`{c.cell_id}`", escape_text(c.before), escape_text(c.after), escape_text(c.detail)]
            for c in mine
        ]
        lines += [
            "",
            f"## {title} ({len(mine)})",
            "",
            tabulate(
                body,
                headers=["cell", "before", "after", "detail"],
                tablefmt="github",
                disable_numparse=True,
            ),
        ]
    if d.versions:
        body = [[f"`{cell}`", escape_text(moved)] for cell, moved in d.versions]
        lines += [
            "",
            f"## Installed versions changed, outcome unchanged ({len(d.versions)})",
            "",
            tabulate(body, headers=["cell", "versions"], tablefmt="github", disable_numparse=True),
        ]
    return "\n".join(lines) + "\n"
