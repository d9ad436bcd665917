"""The backend a multi-backend Keras ran on, as a report shows it.

Keras before 2.4 runs on TensorFlow, Theano or CNTK and says which one when it is imported
("Using Theano backend."); a traceback through `keras/backend/theano_backend.py`, or through
Theano's own installed files, shows it too. The reporter's own lines are read first; a line
they quoted (`> Using TensorFlow backend.`, their program's output set as a quote) after.

Reports also say it without Keras's line: Keras 2's issue template asks "TensorFlow backend
(yes / no):", which reports on the others fill in as "CNTK backend (yes/no): yes"; prose
says "by setting the keras backend to cntk", "I try to use theano as backend", or names the
backend's module of Keras ("in cntk_backend.py"). A sentence that says the backend works
("when I change the backend to Theano, it runs well") names one that did not fail.
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
# Keras 2's template field, filled in: "CNTK backend (yes/no): yes".
_TEMPLATE = re.compile(
    r"^[ \t*>-]*(?P<name>TensorFlow|Theano|CNTK) backend[ \t]*\(yes[ \t]*/[ \t]*no\)[ \t*]*:"
    r"[ \t*]*yes\b",
    re.I | re.M,
)
# Words that set it: "setting the keras backend to cntk", "use theano as backend"; and the
# module of Keras a sentence names, "in cntk_backend.py". Only the two that are not the
# default: naming TensorFlow sets nothing.
_WORDS = re.compile(
    r"\b(?:set|sets|setting|change[ds]?|changing|switch(?:ed|es|ing)?)\s+(?:the\s+)?"
    r"(?:keras(?:'s)?\s+)?backend\s+(?:to|as)\s+[`'\"]?(?P<to>theano|cntk)\b|"
    r"\b(?:use|using|used|with)\s+[`'\"]?(?P<use>theano|cntk)[`'\"]?\s+as\s+"
    r"(?:the\s+|a\s+)?(?:keras\s+)?backend\b|"
    r"(?<![\w/\\.])(?P<file>theano|cntk)_backend\.py\b",
    re.I,
)
_WORKS = re.compile(r"\b(?:works?|worked|working|runs?\s+well|fine|no\s+error)\b", re.I)
# A sentence: up to a full stop followed by a space or a line's end (not `cntk_backend.py`),
# across a line break but not a blank line.
_SENTENCE = re.compile(r"(?:[^.!?\n]|\n(?![ \t]*\n)|[.!?](?![ \t\n]|$))+")


def shown(reporter: str, quoted: str, tracebacks: list[Traceback]) -> tuple[str, str] | None:
    """(backend, the words that show it), or None when the report shows none."""
    for text in (reporter, quoted):
        match = _USING.search(text)
        if match is not None:
            return match["name"].lower(), match[0].strip(" >")
    match = _TEMPLATE.search(reporter)
    if match is not None:
        return match["name"].lower(), " ".join(match[0].strip(" \t*>-").split())
    for traceback in tracebacks:
        for frame in traceback.frames:
            match = _BACKEND_FILE.search(frame.file)
            if match is not None:
                return match["name"], f"a traceback through {match[0]}"
    for module in installed_modules(tracebacks):
        if module in ("theano", "cntk"):
            return module, f"a traceback through {module}'s installed files"
    return _in_words(reporter)


def _in_words(reporter: str) -> tuple[str, str] | None:
    """(backend, the words) for the one backend the reporter's sentences set or name as the
    one they ran, else None."""
    found: dict[str, str] = {}
    for sentence in _SENTENCE.finditer(reporter):
        if _WORKS.search(sentence[0]):
            continue
        for match in _WORDS.finditer(sentence[0]):
            name = (match["to"] or match["use"] or match["file"]).lower()
            found.setdefault(name, " ".join(match[0].split()))
    return next(iter(found.items())) if len(found) == 1 else None
