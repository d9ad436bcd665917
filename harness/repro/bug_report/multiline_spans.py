"""Code pasted between single backticks over several lines: "`num_epochs = 2" on one line,
"model.compile(loss=loss_obj, optimizer=opt)`" a few lines down. Markdown's code spans do not
cross paragraphs, so it renders as prose with stray backticks, and its first and last lines,
each carrying a backtick, would read as neither code nor prose. The reporter meant a block:
where what lies between the backticks is Python, it is read as a fenced one."""

from __future__ import annotations

import ast
import re

# A line that opens a span and does not close it: one backtick, at its start ("`x = 1").
_OPENS = re.compile(r"^[ \t]*`(?!`)[^`]*$")
# A line that closes one: one backtick, at its end ("model.fit(x)`", "fit(x)`.").
_CLOSES = re.compile(r"^[^`]*(?<!`)`[.,;:]?[ \t]*$")
_MAX_LINES = 200


def fenced(text: str) -> str:
    """`text` (lines outside fenced blocks) with each multi-line span of Python fenced."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        end = _span_end(lines, index)
        if end is None:
            out.append(lines[index])
            index += 1
            continue
        body = [lines[index].replace("`", "", 1), *lines[index + 1 : end], _closed(lines[end])]
        out += ["```python", *body, "```"]
        index = end + 1
    return "\n".join(out)


def _span_end(lines: list[str], start: int) -> int | None:
    """Where the span opened at `start` closes, if it does and holds Python."""
    if not _OPENS.match(lines[start]):
        return None
    for end in range(start + 1, min(len(lines), start + _MAX_LINES)):
        if "`" not in lines[end]:
            continue
        if not _CLOSES.match(lines[end]):
            return None
        body = "\n".join(
            [lines[start].replace("`", "", 1), *lines[start + 1 : end], _closed(lines[end])]
        )
        return end if _is_python(body) else None
    return None


def _closed(line: str) -> str:
    """The closing line without its backtick (and a sentence's period after it)."""
    return re.sub(r"`[.,;:]?[ \t]*$", "", line)


def _is_python(body: str) -> bool:
    """Statements, more than a name: prose in backticks (`does not work`) does not compile,
    and a lone expression (`keras`) is no code pasted."""
    try:
        tree = ast.parse(body.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return len(tree.body) > 1 or not isinstance(tree.body[0], ast.Expr) if tree.body else False
