"""Versions an edit or update names beside the ones the report gives: "TensorFlow version:
2.16.1" then "EDIT: same with tensorflow 2.17.0". The failure recurs with it, so either
environment shows it; the first the report gives is the one pinned (where the report was
written about), and the listing names the other rather than drop it silently.
"""

from __future__ import annotations

import re

from harness.repro.bug_report.model import Pin
from harness.repro.bug_report.pip_lines import canonical

# "EDIT:", "**Update 2:**", "## Edit -", "UPDATE)" at a line's start.
_EDIT = re.compile(
    r"^[#*_>\s]{0,8}(?:edit(?:ed)?|update[d]?)\b[ \t]?\d{0,2}[ \t]?[*_]{0,2}[ \t]?[:：)\-]",
    re.IGNORECASE,
)
# A package and its version: "tensorflow 2.17.0", "keras==3.4.1", "keras v3.4.1".
_NAMED = re.compile(r"\b(?P<name>[A-Za-z][\w-]*)[ =v]{1,3}(?P<version>\d+\.\d+(?:\.\d+)?)\b")


def update_notes(readable: str, pins: tuple[Pin, ...]) -> tuple[str, ...]:
    """A note for each version an edit or update line names of a package pinned to another."""
    pinned = {pin.name: pin.version for pin in pins}
    notes: list[str] = []
    for line in readable.splitlines():
        if not _EDIT.match(line):
            continue
        for match in _NAMED.finditer(line):
            name, version = canonical(match["name"]), match["version"]
            kept = pinned.get(name)
            if kept is None or version == kept or kept.startswith(version + "."):
                continue
            notes.append(
                f'{name} {version} (named in an edit or update: "{line.strip()[:80]}") not '
                f"pinned: {name} {kept}, the version the report gives first, is kept; the "
                "update only says the failure recurs or the reporter moved on"
            )
    return tuple(dict.fromkeys(notes))
