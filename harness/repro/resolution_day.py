"""The day a report's versions are resolved as of."""

from __future__ import annotations

from datetime import date

from harness.repro.bug_report.model import Extraction


def resolution_day(
    given: date | None, extraction: Extraction
) -> tuple[date | None, tuple[str, str] | None]:
    """uv's `--exclude-newer` in a command the report ran (what the reporter's resolver saw,
    whenever the report was written), else the day `given` (`--as-of`, an issue's creation
    date), else a date the report writes; and where it was read, for the listing."""
    if extraction.resolved_on is not None:
        day = extraction.resolved_on
        besides = f"; not {given}, given" if given is not None and given != day else ""
        return day, (f"as of {day}", f"uv's --exclude-newer in the report{besides}")
    if given is not None:
        return given, (f"as of {given}", "given")
    if extraction.as_of is not None:
        return extraction.as_of, (f"as of {extraction.as_of}", "a date in the report")
    return None, None
