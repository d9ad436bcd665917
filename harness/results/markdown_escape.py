"""Text a cell produced, written into Markdown so that it shows exactly and is never markup.

A cell's exception type and message, its traceback, its output and the frames it raised from
are written by the code the cell ran, which under `harness repro` is a stranger's. GitHub
strips raw HTML from Markdown; static-site generators and editors' previews render it, and a
`<script>` or `<img onerror=...>` in a message would run there. A `|` would split a table cell,
`[x](javascript:...)` would be a link, and `__init__` would turn into a bold "init". So nothing
taken from a cell reaches Markdown as it is. It takes one of two forms:

- **Code spans and fenced blocks** (`code_span`, `code_block`) for free text: messages,
  tracebacks, output, reasons, pip's lines, frames. Inside a code span CommonMark reads nothing
  but the backtick run that closes it: no HTML, no entity, no link, no emphasis. The text shows
  character for character, and reads the same in a terminal as rendered. The fence is one
  backtick longer than the longest run of backticks inside (CommonMark's rule for a span that
  holds backticks), with a space inside each end when the text starts or ends with one.
- **Escaping** (`escape_text`) for short words set inside the harness's own phrasing, where a
  code span would break up the sentence: exception type names in a grid cell, versions, a
  diff's detail. `&`, `<` and `>` become entities, so no tag, comment or autolink can open, and
  every other character Markdown gives an inline meaning is backslash-escaped (links, images,
  emphasis, code, strikethrough, math, table pipes). Rendered, the text is exact; raw, it reads
  as it was unless it holds those characters.

Both give one line, with runs of whitespace collapsed to a space: a newline would end a table
row or a list item. In a GFM table a `|` splits the cell even inside a code span, so there it
is written `\\|`, which GFM turns back into `|` before it reads the cell; outside a table a code
span keeps `|` as it is, hence `code_span`'s `in_table`.

Text the matrix's author wrote (scenario descriptions, claims) is Markdown on purpose and is
not passed through here.
"""

from __future__ import annotations

import re

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Characters with an inline meaning in CommonMark or GitHub's Markdown, escaped with a backslash
# (CommonMark lets any ASCII punctuation be escaped so). `(` and `)` only matter after a `]`,
# which is escaped; block markers (`#`, `-`, `+`, digits) only at the start of a line, where
# this text is never put.
_OTHER_MARKUP = frozenset("\\`*[]|~$")
# `_` too, except a run inside a word (`invalid_backend`), which CommonMark never reads as
# emphasis: escaping it there would only clutter the raw text.
_UNDERSCORES = re.compile(r"_+")
_BACKTICKS = re.compile(r"`+")


def one_line(text: str) -> str:
    """`text` with every run of whitespace, newlines included, made one space."""
    return " ".join(text.split())


def escape_text(text: str) -> str:
    """`text` on one line, shown exactly when rendered, with no markup of its own."""
    text = one_line(text)
    return _UNDERSCORES.sub(
        lambda run: run[0] if _inside_word(run) else "\\_" * len(run[0]),
        "".join(_ENTITIES.get(c) or (f"\\{c}" if c in _OTHER_MARKUP else c) for c in text),
    )


def code_span(text: str, *, in_table: bool) -> str:
    """`text` on one line as a code span (empty text gives an empty string, not a span)."""
    text = one_line(text)
    if not text:
        return ""
    if in_table:
        text = text.replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str, info: str = "") -> str:
    """A fenced block no line of `text` can close: its fence outruns every backtick run."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def _inside_word(run: re.Match[str]) -> bool:
    """A letter or digit on both sides (what escaping put beside it starts or ends otherwise)."""
    text, start, end = run.string, run.start(), run.end()
    return start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
