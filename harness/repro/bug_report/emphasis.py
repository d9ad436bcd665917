"""Markdown's strong emphasis around a field's label or value, as templates are filled in.

"**TensorFlow version:** 2.15.0", "- **Python version**: 3.10.13", "Tensorflow-text: **2.9.0**":
rendered, these read "TensorFlow version: 2.15.0"; the markers stand between the name, its
separator and its version, where no reading of versions expects them. They become spaces, one
for one, so that positions found in the text stay the report's.
"""

from __future__ import annotations

import re

# `**` opening at a line's start, after a space, a list bullet or a colon, closing before a
# space, a colon or the line's end, around text without markers, code or brackets
# (`f(**kwargs)` is Python, not emphasis; `__` is left alone: `__init__` is Python too).
_STRONG = re.compile(
    r"(?:(?<=^)|(?<=[\s:>-]))(?P<mark>\*\*)(?=[^\s*])"
    r"(?P<text>[^*_`()\[\]\n]{1,80}?)(?<=[^\s*])(?P=mark)(?=[\s:,;.]|$)",
    re.MULTILINE,
)
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.MULTILINE)


def without_strong(text: str) -> str:
    """`text` with strong emphasis outside fenced code blanked (see the module's docstring)."""
    parts = _FENCE.split(text)
    # Fences alternate open/close: even parts are prose, odd ones code (kept as written).
    marks = iter(_FENCE.findall(text))
    out: list[str] = []
    for number, part in enumerate(parts):
        out.append(_STRONG.sub(_blanked, part) if number % 2 == 0 else part)
        out.append(next(marks, ""))
    return "".join(out)


def _blanked(match: re.Match[str]) -> str:
    return f"  {match['text']}  "
