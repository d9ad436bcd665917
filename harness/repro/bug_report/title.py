"""A report's title, where its text has one."""

from __future__ import annotations

import re

# A code fence's opening line: a first line that opens a block is no title.
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")


def title_of(text: str) -> str:
    """The report's title: a `title:` field, else a first-line `# ` heading, else the first
    line when it is short and is not a heading of a template section."""
    for line in text.splitlines()[:5]:
        match = re.match(r"^\s*title\s*:\s*(.+)$", line, re.IGNORECASE)
        if match:
            return match[1]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith("# "):
        return first[2:]
    if first.startswith("#") or len(first) > 200 or _FENCE.match(first) is not None:
        return ""
    return first
