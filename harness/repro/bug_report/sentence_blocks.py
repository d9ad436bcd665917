"""Fenced blocks that hold sentences, read as the prose they are.

An issue template's code field is fenced for the reporter ("### Standalone code" opens a
```shell block), and many answer it in words: "After installing tensorflow 2.7.1, a plain
`import tensorflow`". The block holds no code, log or traceback, so what the words say is read
as prose says it: an import written as a code span, "when I import keras".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.repro.bug_report.model import CodeBlock
from harness.repro.bug_report.python_code import parsed

# A line of words: it opens with a letter, and at least four words of letters follow.
_WORDS = re.compile(r"[A-Za-z][\w'’,.-]*")
# What a log, traceback or error line opens with, and a shell prompt.
_NOT_PROSE = re.compile(
    r"^\s*(?:Traceback\b|File \"|\$ |>>> |In \[|\w+(?:Error|Exception|Warning)\b|"
    r"[A-Z]\d{4} |\d)"
)


def with_sentence_blocks(prose: str, found: Sequence[CodeBlock]) -> str:
    """`prose` (the report with its blocks' lines blank) with the lines of each block written
    as sentences put back in their places, so line numbers still hold."""
    lines = prose.split("\n")
    for block in found:
        if not _sentences(block.text):
            continue
        for offset, line in enumerate(block.text.split("\n")):
            at = block.line - 1 + offset
            if 0 <= at < len(lines):
                lines[at] = line
    return "\n".join(lines)


def _sentences(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or parsed(text) is not None:
        return False
    return all(_sentence(line) for line in lines)


def _sentence(line: str) -> bool:
    stripped = line.strip()
    if _NOT_PROSE.match(stripped) or not stripped[0].isalpha():
        return False
    if parsed(stripped) is not None:
        return False
    return len(_WORDS.findall(stripped)) >= 5
