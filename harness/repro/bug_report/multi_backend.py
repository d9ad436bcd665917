"""The backend a multi-backend Keras ran on, as a report shows it.

Keras before 2.4 runs on TensorFlow, Theano or CNTK and says which one when it is imported
("Using Theano backend."); a traceback through `keras/backend/theano_backend.py`, or through
Theano's own installed files, shows it too. The reporter's own lines are read first; a line
they quoted (`> Using TensorFlow backend.`, their program's output set as a quote) after.
"""

from __future__ import annotations

import re

from harness.repro.bug_report.traceback_facts import installed_modules
from harness.repro.bug_report.tracebacks import Traceback

# The import names of the backends, as Keras's messages and file names spell them.
BACKENDS = {"tensorflow": "tensorflow", "theano": "theano", "cntk": "cntk"}
# `[> \t]`, not `[>\s]`: a run of blank lines would be crossed again from each line's start.
_USING = re.compile(r"^[> \t]*Using (?P<name>TensorFlow|Theano|CNTK) backend\b", re.I | re.M)
_BACKEND_FILE = re.compile(r"keras[\\/]backend[\\/](?P<name>tensorflow|theano|cntk)_backend\.py")


def shown(reporter: str, quoted: str, tracebacks: list[Traceback]) -> tuple[str, str] | None:
    """(backend, the words that show it), or None when the report shows none."""
    for text in (reporter, quoted):
        match = _USING.search(text)
        if match is not None:
            return match["name"].lower(), match[0].strip(" >")
    for traceback in tracebacks:
        for frame in traceback.frames:
            match = _BACKEND_FILE.search(frame.file)
            if match is not None:
                return match["name"], f"a traceback through {match[0]}"
    for module in installed_modules(tracebacks):
        if module in ("theano", "cntk"):
            return module, f"a traceback through {module}'s installed files"
    return None
