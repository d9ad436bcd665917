"""Markdown a reporter wrapped around a pasted traceback, left on its last line."""

from __future__ import annotations

import re

# Emphasis closed after a paste: "ImportError: No module named tensorflow`_" is the end of
# `_`...`_` wrapped around the traceback, not the message's.
_MARKUP_LEFT = re.compile(r"[ \t]*(?:`[*_]*|[*_]+`)$")


def without_markup_left(message: str) -> str:
    """`message` without a closing backtick (and emphasis) that opens nowhere in it."""
    if message.count("`") % 2 == 1:
        return _MARKUP_LEFT.sub("", message)
    return message
