"""A report's title, where its text has one."""

from __future__ import annotations

import re
from itertools import islice

# A code fence's opening line: a first line that opens a block is no title.
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")
# An HTML comment before the first line, as issue templates open with ("<!-- Please fill in
# ... -->"): never shown, so never the title.
_LEADING_COMMENTS = re.compile(r"\A(?:\s*<!--.*?-->)+", re.DOTALL)
_ADDRESS = re.compile(r"^<?https?://\S+?>?(?:\s+\(?\d{4}-\d{2}-\d{2}\)?)?$")


def title_of(text: str) -> str:
    """The report's title: a `title:` field, else a first-line `# ` heading, else the first
    line when it is short and is not a heading of a template section (HTML comments before
    it are not shown, and not read)."""
    for line in text.splitlines()[:5]:
        match = re.match(r"^\s*title\s*:\s*(.+)$", line, re.IGNORECASE)
        if match:
            return match[1]
    shown = _LEADING_COMMENTS.sub("", text)
    lines = list(islice((line.strip() for line in shown.splitlines() if line.strip()), 2))
    # A report saved with where it came from on top ("https://github.com/o/r/issues/7
    # 2024-03-10"), then its `# ` heading: the address is no title.
    if lines[1:] and _ADDRESS.match(lines[0]) and lines[1].startswith("# "):
        lines = lines[1:]
    first = lines[0] if lines else ""
    if first.startswith("# "):
        return first[2:]
    if first.startswith("#") or len(first) > 200 or _FENCE.match(first) is not None:
        return ""
    return first
