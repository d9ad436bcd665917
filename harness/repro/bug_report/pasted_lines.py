"""A pasted traceback's lines as they are read: Markdown's quotes and indented code blocks
undone, so that a traceback quoted or indented is the same traceback."""

from __future__ import annotations

import re

from harness.repro.bug_report import pytest_output

FENCE_LINE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")


def readable(text: str) -> list[str]:
    """The text's lines as a traceback is read: Markdown quotes and indented blocks undone."""
    raw = text.splitlines()
    # pytest marks a frame's failing line with `>` at the margin, not a Markdown quote.
    tested = any(pytest_output.ERROR.match(line) for line in raw)
    return without_block_indent([_unquote(line, pytest=tested) for line in raw])


def without_block_indent(lines: list[str]) -> list[str]:
    """`lines` with Markdown's indented code blocks (four spaces, after a blank line, outside
    a fence) moved back to the margin: a traceback pasted that way is the same traceback, its
    exception line and notebook frames at the margin as the reader expects them."""
    out: list[str] = []
    fenced = False
    in_block = False
    for line in lines:
        if FENCE_LINE.match(line):
            fenced, in_block = not fenced, False
        elif not fenced:
            if not line.strip():
                out.append(line)
                continue
            indented = line.startswith("    ") or line.startswith("\t")
            starts = indented and (not out or not out[-1].strip())
            in_block = indented and (in_block or starts)
        margin = 0 if fenced or not in_block else 1 if line.startswith("\t") else 4
        out.append(line[margin:])
    return out


def _unquote(line: str, *, pytest: bool = False) -> str:
    stripped = line.lstrip()
    quoted = stripped.startswith(">") and not stripped.startswith(">>>")
    if pytest and pytest_output.MARKED.match(line):
        return line
    return re.sub(r"^\s*>\s?", "", line) if quoted else line
