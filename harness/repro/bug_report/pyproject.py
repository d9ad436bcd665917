"""A pyproject.toml's `[project]` table (PEP 621) as a report shows it: the body of its
`dependencies = [...]` list (one line or many) and its `requires-python` string. Only what
pip reads for `pip install .` is taken; the rest of the file is a project's own business."""

from __future__ import annotations

import re

_PROJECT = re.compile(r"^[ \t]*\[project\][ \t]*(?:#.*)?$")
# Another table's header ends the table (`[project.optional-dependencies]`, `[tool.x]`).
_HEADER = re.compile(r"^[ \t]*\[\[?[\w\"'. -]+\]\]?[ \t]*(?:#.*)?$")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")


def _project_lines(text: str) -> list[str]:
    """The lines of the `[project]` table, up to the next header or the fence closing it."""
    lines: list[str] = []
    inside = False
    for line in text.splitlines():
        if _PROJECT.match(line):
            inside = True
            continue
        if inside and (_HEADER.match(line) or _FENCE.match(line)):
            break
        if inside:
            lines.append(line)
    return lines


def project_table_list(text: str, key: str) -> str | None:
    """The body of the `[project]` table's list `key = [...]`, between its brackets (quoted
    items may hold brackets of their own: `"tensorflow[and-cuda]"`); None when the table or
    the key is not shown, or the list is not closed."""
    table = "\n".join(_project_lines(text))
    start = re.search(r"^[ \t]*" + re.escape(key) + r"[ \t]*=[ \t]*\[", table, re.M)
    if start is None:
        return None
    quote = ""
    for at in range(start.end(), len(table)):
        char = table[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            # a comment runs to the line's end: its brackets and quotes are not the list's
            end = table.find("\n", at)
            if end == -1:
                return None
            table = table[:at] + " " * (end - at) + table[end:]
        elif char == "]":
            return table[start.end() : at]
    return None


def project_table_string(text: str, key: str) -> str | None:
    """The `[project]` table's string `key = "..."`, or None."""
    for line in _project_lines(text):
        match = re.match(
            r"[ \t]*" + re.escape(key) + r"[ \t]*=[ \t]*(['\"])([^'\"\n]{0,100})\1", line
        )
        if match is not None:
            return match[2]
    return None
