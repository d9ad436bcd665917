"""Versions a report gives for a library built on Keras, as its template or prose writes them.

A downstream project's issue template asks for its own version beside TensorFlow's ("DeepFace's
version: 0.0.92", "**Deepface version:** 0.0.86", "coremltools version: 6.3.0", "mlflow==2.11.1
fails to save"). The library is what the reporter ran: where the code imports it (or the
traceback runs through it) it is installed at that version, not the newest by the report's
date. Read like a freeze row of a package outside `PINNED_PACKAGES`: listed, and installed only
when the report's code needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from harness.repro.bug_report import version_roles
from harness.repro.bug_report.distributions import DISTRIBUTION_OF, KERAS_LIBRARIES
from harness.repro.bug_report.version_pattern import VERSION


def _spellings() -> dict[str, str]:
    """How reports spell each library (distribution, import name, `-` or `_`) -> distribution."""
    spelled: dict[str, str] = {}
    for name in KERAS_LIBRARIES:
        for spelling in (name, name.replace("-", "_"), name.replace("-", " ")):
            spelled[spelling] = name
    for module, name in DISTRIBUTION_OF.items():
        if name in KERAS_LIBRARIES or name == "tensorflow-addons":
            spelled[module.lower()] = name
            spelled[name] = name
    return spelled


_SPELLED = _spellings()
_NAMES = "|".join(re.escape(s).replace(r"\ ", r"[ \t]+") for s in sorted(_SPELLED, key=len)[::-1])
# "<name>['s] version[:] X", "<name>: X", "<name>==X", "<name> 1.3.5"; bold around the label or
# the value ("**Deepface version:** 0.0.86", "Tensorflow-addons: **0.19.0**"). Not a path's part
# (`site-packages/deepface/...`) nor a longer name's (`my_deepface`).
_SAID = re.compile(
    r"(?<![\w./\\-])(?P<name>"
    + _NAMES
    + r")(?![\w-])(?:'s)?[ \t]*(?:\*\*)?[ \t]*"
    + r"(?:(?:version|ver\.?)\b[ \t]*(?::|=|\bis\b)?|:|==?|(?=[ \t]+v?\d+\.\d))"
    + r"[ \t]*(?:\*\*)?[ \t]*`?"
    + VERSION
    + r"(?![\w]|\.\d)",
    re.IGNORECASE,
)


def said(prose: str) -> Iterator[tuple[str, str, str]]:
    """(distribution, version, the words) for each library version the prose gives."""
    for match in _SAID.finditer(prose):
        yield _SPELLED[re.sub(r"\s+", " ", match["name"].lower())], match[2], match[0]


def add_said(prose: str, add: Callable[..., None]) -> None:
    """Each version `said` passed to `add` as a listed pin (installed if the code needs it),
    but not one the sentence gives another role ("it worked with deepface 0.0.79")."""
    found = version_roles.roles(prose)
    for match in _SAID.finditer(prose):
        if found.of(match.start()) in ("other", "requirement", "artifact"):
            continue
        name = _SPELLED[re.sub(r"\s+", " ", match["name"].lower())]
        add(name, match[2], f'"{" ".join(match[0].split())}"', listed=True)
