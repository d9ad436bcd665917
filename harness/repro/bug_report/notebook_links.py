"""Tracebacks copied out of a notebook's web view keep the links it drew on them.

VS Code's notebooks make each line number and the cell a link to that line
(`----> [4](vscode-notebook-cell:?execution_count=7&line=4) fit(x)`, `Cell In[7], [line 4](...)`)
and each installed file a link to its source
(`File [~/.venv/lib/python3.11/site-packages/keras/x.py:122](https://file+.vscode-resource...)`,
`file:///c%3A/...` on Windows); Colab's web view links frames to `https://localhost:8080/#`.
Copied as Markdown, the traceback's lines start with `[` instead of its numbers and paths: each
such link is read as its text, what the notebook printed."""

from __future__ import annotations

import re

_TARGET = (
    r"vscode-notebook-cell:[^()\s]*"
    r"|https://file\+\.vscode-resource\.vscode-cdn\.net/[^()\s]*"
    r"|file:///[^()\s]*"
    r"|https?://localhost:\d+/[^()\s]*"
)
_LINK = re.compile(rf"\[(?P<text>[^\[\]\n]+)\]\((?:{_TARGET})\)")

NOTE = (
    "a notebook's links on its traceback's line numbers and files (VS Code's "
    "`vscode-notebook-cell:`, Colab's `localhost`) read as the text they link"
)


def unlinked(text: str) -> tuple[str, bool]:
    """`text` with each notebook link read as its text, and whether there was any."""
    plain = _LINK.sub(lambda m: m["text"], text)
    return plain, plain != text
