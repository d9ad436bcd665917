"""Whose words a report's lines are: the reporter's, up to their own fix, or someone else's.

The text before the first comment marker is the report; a comment starts at a thematic break (a
line `---`, `***` or `___` after a blank line), or at a line `Comment by NAME` / `NAME
commented` (bold or as a heading too). A comment marked `(author)` or `(reporter)` is the
reporter's own follow-up and is read like the report. A Q&A page's answers and the comments
under its question (`qa_page`) are others' words too. Quoted lines (`> ...`) are someone else's
words: they may give the claimed error and, when the reporter's own lines give none, the Python
of a quoted traceback's paths and the backend an old Keras printed (program output, set as a
quote); nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.repro.bug_report import fix_parts, qa_page

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_BREAK = re.compile(r"^ {0,3}(?:-{3,5}|\*{3,5}|_{3,5})\s*$")
_COMMENT = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:(?:\*\*|__)\s*)?(?:comment\s+(?:by|from)\s+\S+|@?[\w-]+\s+commented\b)",
    re.IGNORECASE,
)
_OWN = re.compile(r"\((?:author|reporter|op)\)|\bauthor\b|\breporter\b", re.IGNORECASE)
# An issue form renders each field as a heading with its value a paragraph below:
# "### TensorFlow version\n\n2.16.1". Read as "TensorFlow version: 2.16.1", lines kept.
_FORM_FIELD = re.compile(
    r"^#{2,6}[ \t]*(?P<field>[^\n]*\bversion\b[^\n]*?)[ \t]*\n[ \t]*\n(?P<value>[^\n#`>][^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, kw_only=True)
class Parts:
    """The report split by whose words they are, line numbers kept (other lines blanked)."""

    reporter: str  # the reporter's text, quotes blanked
    with_quotes: str  # the reporter's text with quoted lines kept (for the claimed error)
    comments: int = 0
    notes: list[str] = field(default_factory=list)


def split(text: str) -> Parts:
    """The report split by whose words its lines are (see the module's docstring)."""
    lines = text.splitlines()
    mine: list[str] = []
    quoted: list[str] = []
    fence: str | None = None
    own = True
    comments = 0
    fixing = False  # in the reporter's own fix ("Solution:", "EDIT: solved by ...")
    fixes: list[int] = []
    others = qa_page.others_words(lines)
    for index, line in enumerate(lines):
        if index in others.lines:  # a Q&A page's answers, a comment under its question
            mine.append("")
            quoted.append("")
            continue
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match["fence"][0] * len(match["fence"])
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            previous_blank = index == 0 or not lines[index - 1].strip()
            if (_BREAK.match(line) and previous_blank) or _COMMENT.match(line):
                comments += 1
                own = bool(_COMMENT.match(line) and _OWN.search(line))
                fixing = False
                mine.append("")
                quoted.append("")
                continue
            if own and not fixing and fix_parts.opens_fix(_unquoted(line)):
                fixing = True
                fixes.append(index + 1)
            elif fixing and fix_parts.next_section(line):
                fixing = False
        keep = own and not fixing and (fence is not None or not quoted_line(line))
        mine.append(line if keep else "")
        quoted.append(line if own and not fixing else "")
    notes = ["later comments by others are not read as the report"] if comments else []
    notes.extend(others.notes())
    if fixes:
        where = ", ".join(str(number) for number in fixes)
        notes.append(
            f"the reporter's own fix (from line {where} to the next heading) is not read as the "
            "reproduction: its code and pip lines are what cured the error"
        )
    return Parts(
        reporter=_form_fields("\n".join(mine)),
        with_quotes=_form_fields("\n".join(quoted)),
        comments=comments + others.count(),
        notes=notes,
    )


def _unquoted(line: str) -> str:
    return re.sub(r"^\s*>\s?", "", line) if quoted_line(line) else line


def quoted_line(line: str) -> bool:
    """A Markdown quote (`> ...`), not a REPL prompt (`>>> import keras`)."""
    stripped = line.lstrip()
    return stripped.startswith(">") and not stripped.startswith(">>>")


def _form_fields(text: str) -> str:
    return _FORM_FIELD.sub(lambda m: f"{m['field'].strip()}: {m['value'].strip()}\n", text)
