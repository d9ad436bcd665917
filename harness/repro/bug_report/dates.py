"""The day a report was written, when it says so itself."""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTH_DATE = re.compile(
    r"\b(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+"
    r"(?P<year>20\d\d)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?<![\d-])(20\d\d)-(\d\d)-(\d\d)(?![\d])")
# `uv ... --exclude-newer 2025-01-31`: the reporter resolved as of that day themselves.
_EXCLUDE_NEWER = re.compile(r"--exclude-newer[= ]\s*['\"]?(20\d\d-\d\d-\d\d)")
# No two runs of spaces side by side (`\s*[:=]?\s*`): on a line of spaces the engine would try
# every way of sharing the run between them, time growing with the square of its length.
_DATE_FIELD = re.compile(
    r"^[ \t]*(?:[-*][ \t]*)?\**(?:date|created(?:_at)?|opened|reported|posted|written|asked)\**"
    r"\s*(?:on\s*)?(?:[:=]\s*)?(?P<value>\S[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)


def resolved_on(text: str) -> date | None:
    """uv's `--exclude-newer DATE` in a command the report ran: the reporter's resolver took
    nothing uploaded after it, whenever the report was written."""
    newer = _EXCLUDE_NEWER.search(text)
    return _date_in(newer[1]) if newer is not None else None


def written_on(text: str) -> date | None:
    """A date the report gives itself: uv's `--exclude-newer`, a `date:`/`created:` field,
    else the latest ISO date
    (log lines are stamped when they were written, just before the report)."""
    newer = _EXCLUDE_NEWER.search(text)
    if newer is not None:
        found = _date_in(newer[1])
        if found:
            return found
    for match in _DATE_FIELD.finditer(text):
        found = _date_in(match["value"])
        if found:
            return found
    days = []
    for match in _ISO_DATE.finditer(text):
        try:
            days.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return max(days) if days else None


def _date_in(value: str) -> date | None:
    iso = _ISO_DATE.search(value)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    month = _MONTH_DATE.search(value)
    if month:
        try:
            return datetime.strptime(
                f"{month['month'][:3].title()} {month['day']} {month['year']}", "%b %d %Y"
            ).date()
        except ValueError:
            return None
    return None
