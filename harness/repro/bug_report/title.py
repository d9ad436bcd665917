"""A report's title, where its text has one."""

from __future__ import annotations

import re

# A code fence's opening line: a first line that opens a block is no title.
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")
# An HTML comment before the first line, as issue templates open with ("<!-- Please fill in
# ... -->"): never shown, so never the title.
_LEADING_COMMENTS = re.compile(r"\A(?:\s*<!--.*?-->)+", re.DOTALL)


# A first line that only says where the report was saved from (its address, perhaps a label
# and a date after it): the page's title, if any, is the line under it.
_ADDRESS = re.compile(r"^(?:(?:URL|Link|Source)\s*:\s*)?<?https?://\S+(?:\s+[^\s#][^#]*)?$", re.I)


def title_of(text: str) -> str:
    """The report's title: a `title:` field, else a first-line `# ` heading, else the first
    line when it is short and is not a heading of a template section (HTML comments before
    it are not shown, and not read; a first line that is only the page's address is not it)."""
    for line in text.splitlines()[:5]:
        match = re.match(r"^\s*title\s*:\s*(.+)$", line, re.IGNORECASE)
        if match:
            return match[1]
    shown = _LEADING_COMMENTS.sub("", text)
    filled = (line.strip() for line in shown.splitlines() if line.strip())
    first = next(filled, "")
    if _ADDRESS.match(first):
        first = next(filled, "")
    if first.startswith("# "):
        return first[2:]
    if first.startswith("#") or len(first) > 200 or _FENCE.match(first) is not None:
        return ""
    return first
