"""Numbered source lines pasted without their frame's header that are a library's, not a cell's.

A notebook traceback cut above its innermost frame shows only numbered lines with an arrow
(`---> 14 from keras_core.src.backend.tensorflow import *  # noqa: F403, F401`). Read as a
cell they would be run as the reporter's code; but a notebook cell cannot run a relative
import, and reporters do not import a package's private `src` tree or silence linters, as
installed packages' own modules do. Such lines are the library's: the reporter's code is
elsewhere in the report (or not in it).
"""

from __future__ import annotations

import re

_LIBRARY_LINE = re.compile(
    # a relative import, which only runs inside a package
    r"^\s*from\s+\.+[\w.]*\s+import\b"
    # an import from a package's private source tree (`keras.src`, `keras_cv.src`)
    r"|^\s*(?:from|import)\s+[A-Za-z_]\w*(?:\.\w+)*\.src(?:\.\w+)*\b"
    # a linter's or type checker's suppression
    r"|#\s*(?:noqa\b|pylint:\s*disable|type:\s*ignore)"
)


def library_source(lines: tuple[str, ...]) -> bool:
    """Whether numbered lines pasted without a header are an installed library's source."""
    return any(_LIBRARY_LINE.search(line) for line in lines)
