"""Where `harness repro` reads a report from: a file, standard input, a GitHub issue, or
nothing at all when the flags say what to install and run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from harness.errors import ConfigurationError
from harness.repro.bug_report.parse import Extraction, extract
from harness.repro.github import Issue, IssueReference, parse_reference
from harness.repro.request import Flags, read_source

STDIN = "-"
STDIN_NAME = "<stdin>"

FetchIssue = Callable[[IssueReference], Issue]


@dataclass(frozen=True, kw_only=True)
class ReportSource:
    """A report's text as extracted, where it came from, and the day it speaks for."""

    path: Path  # the file, or a stand-in that names the source in messages ('<stdin>', 'o/r#1')
    label: str  # how the Markdown report's title names it
    origin: str  # how "extracted from ..." names it
    extraction: Extraction
    as_of: date | None = None  # the day the report was written, where known
    notes: tuple[str, ...] = ()  # what was read and what was left out


def read_report(
    report: str | None,
    flags: Flags,
    *,
    fetch_issue: FetchIssue,
    stdin: BinaryIO | None = None,
) -> ReportSource:
    """The report REPORT names: `-` is standard input, an existing path is a file, a GitHub
    URL or OWNER/REPO#N is an issue; no REPORT is allowed when --pip and --script say it all."""
    if report is None:
        return _flags_only(flags)
    if report == STDIN:
        text = _decode((stdin or sys.stdin.buffer).read())
        return ReportSource(
            path=Path(STDIN_NAME),
            label=STDIN_NAME,
            origin="standard input",
            extraction=extract(text),
        )
    path = Path(report)
    # A file wins over a reference that happens to look like one.
    reference = None if path.exists() else parse_reference(report)
    if reference is None:
        extraction, _ = read_source(path)
        return ReportSource(path=path, label=path.name, origin=str(path), extraction=extraction)
    issue = fetch_issue(reference)
    left_out = (
        f"; {issue.others_comments} comment(s) by others left out" if issue.others_comments else ""
    )
    return ReportSource(
        path=Path(str(reference)),
        label=str(reference),
        origin=f"{issue.url or reference}",
        extraction=extract(issue.as_report()),
        as_of=issue.created_at.date(),
        notes=(
            f"opened by {issue.author} on {issue.created_at:%Y-%m-%d}: title, body and "
            f"{len(issue.own_comments)} comment(s) of the author's own{left_out}",
            f"as of {issue.created_at:%Y-%m-%d} (the issue's creation date): "
            "a partial version means the latest release by then",
        ),
    )


def _flags_only(flags: Flags) -> ReportSource:
    script = flags.script
    if script is None or not flags.pip:
        given = (("--pip ARGS", bool(flags.pip)), ("--script FILE", script is not None))
        missing = [what for what, there in given if not there]
        raise ConfigurationError(
            "no REPORT (a file, - for standard input, or a GitHub issue), and no "
            + " or ".join(missing)
            + " to take its place"
        )
    return ReportSource(
        path=script,
        label=script.name,
        origin="the command line",
        extraction=Extraction(),
    )


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ConfigurationError(
            f"{STDIN_NAME}: empty; pipe a report in, e.g. `harness repro - < issue.md`"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigurationError(
            f"{STDIN_NAME}:{line}: cannot read: not UTF-8 text (byte {exc.start})"
        ) from None
