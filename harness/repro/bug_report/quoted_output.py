"""pip's output a reporter set off as a Markdown quote under their own pip command.

A `>` line is most often someone else's words (a reply quoting the post it answers), and
gives only the claimed error. But reporters also box their own terminal output as a quote:

    I installed keras-nlp:
    `pip install --upgrade keras-nlp`

    > Successfully installed keras-2.10.0 tensorflow-2.10.1

That quote is the output of the command right above it, which is the reporter's: what pip
installed there. Such a run of quoted lines (blank lines between the command and it allowed),
whose first line is pip's own (`Successfully installed`, `Requirement already satisfied`,
`Collecting`, ...), is read unquoted, as the command's output.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})")
_QUOTE = re.compile(r"^(?P<mark>\s*>[ \t]?)(?!>>)")
_PIP_COMMAND = re.compile(r"\bpip3?(?:\.exe)?\s+install\b|\bpython3?\s+-m\s+pip\s+install\b")
_PIP_OUTPUT = re.compile(
    r"^\s*(?:Successfully installed|Requirement already satisfied|Collecting|Downloading|"
    r"Installing collected packages|Found existing installation|Attempting uninstall|"
    r"Looking in indexes|Using cached)\b"
)


def unquoted(text: str) -> str:
    """`text` with each quoted run of pip's output under the reporter's pip command unquoted."""
    lines = text.splitlines(keepends=True)
    fenced = False
    after_pip = False
    in_output = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            after_pip = in_output = False
            continue
        if fenced:
            continue
        quote = _QUOTE.match(line)
        if quote is None:
            in_output = False
            if line.strip():
                after_pip = _PIP_COMMAND.search(line) is not None
            continue
        if not in_output and after_pip and _PIP_OUTPUT.match(line[quote.end() :]):
            in_output = True
        if in_output:
            lines[index] = line[quote.end() :]
        else:
            after_pip = False
    return "".join(lines)
