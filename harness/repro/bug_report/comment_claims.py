"""The error a report's code says, in its own comments, that it raises: `# This throws:` then
`# IndexError: list assignment index out of range` under the failing line, or `model.fit(X,
y)  # raises TypeError!`. Read only where the report states the error nowhere else (no
traceback, no error line, no title naming one): the comment is then the reporter's only
account of what they got."""

from __future__ import annotations

import io
import re
import tokenize

from harness.repro.bug_report.model import CodeBlock, ReportedError

_TYPE = r"(?P<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception))"
# A type and its message, also after an arrow or a verb ("-> KeyError: x", "raises ValueError: x")
_WITH_MESSAGE = re.compile(r"(?:^|(?<=[\s>:]))" + _TYPE + r":[ \t]*(?P<msg>\S.*)$")
# "raises TypeError!", "throws a ValueError", "fails with KeyError", "-> ZeroDivisionError"
_TYPE_ONLY = re.compile(
    r"(?:\b(?:raises?|raising|throws?|throwing|gives?|fails?\s+with)\b(?:\s+an?)?|->)\s*"
    + _TYPE
    + r"(?![\w:])"
)


def commented(code: CodeBlock | None) -> ReportedError | None:
    """The first error a comment in `code` names, with its message where it gives one."""
    if code is None or code.origin in ("traceback", "prose"):
        return None
    comments = _comments(code.text)
    for text in comments:
        match = _WITH_MESSAGE.search(text)
        if match is not None:
            message = match["msg"].strip().strip("`").strip()
            return ReportedError(type=match["type"], message=message, source="code comment")
    for text in comments:
        match = _TYPE_ONLY.search(text)
        if match is not None:
            return ReportedError(type=match["type"], message="", source="code comment")
    return None


def _comments(text: str) -> list[str]:
    """The text of each comment, in order (never a string's `#`)."""
    found: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found.append(token.string.lstrip("#").strip())
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    return found
