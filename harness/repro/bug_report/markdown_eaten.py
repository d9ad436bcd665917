"""What rendered Markdown ate from a traceback copied back from the page: an unfenced
`__init__.py` is bold `init.py` there, its underscores taken for emphasis. Undone only where
that is certain: an installed package's file (`.../site-packages/keras/init.py`) in a report
that has no `__init__` anywhere, since the same paste would keep every one of them fenced; a
package's `init.py` is never what Python printed for its `__init__.py`, while the module
`keras.init` that the path would otherwise name does not exist."""

from __future__ import annotations

import re

# `File "/x/site-packages/keras/init.py", line 3` and IPython's `File /x/keras/init.py:3`.
_EATEN = re.compile(
    r"(?P<path>(?<=[\\/])(?:site|dist)-packages[\\/](?:[\w.-]+[\\/])+?)init(?=\.py\b)"
)


def restored(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with each installed `init.py` read as `__init__.py`, and a note when any was."""
    if "__init__" in text:
        return text, ()
    changed = _EATEN.sub(lambda match: match["path"] + "__init__", text)
    if changed == text:
        return text, ()
    return changed, (
        "an installed package's `init.py` in the traceback read as `__init__.py`: rendered "
        "Markdown took its underscores for bold, and the report has no `__init__` anywhere",
    )
