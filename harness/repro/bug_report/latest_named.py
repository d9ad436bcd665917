"""Packages a report names as "the latest" without a version: "with the latest tensorflow and
keras", "newest TF", "the most recent version of keras-hub". The reporter installed them, at
the release that was newest when the report was written, which is how a package named
without a version is resolved (harness/repro/resolution.py); unread, a package the code does
not import (TensorFlow beside `import keras` with another backend) would not be installed."""

from __future__ import annotations

import re

from harness.repro.bug_report.aliases import ALIASES, PINNED_PACKAGES
from harness.repro.bug_report.other_languages import (
    LATEST_WORDS,
    LATIN_WORD,
    NAME_START,
    ascii_punctuation,
)

_NAMES = "|".join(
    re.escape(a).replace(r"\ ", r"\s+") for a in sorted(ALIASES, key=len, reverse=True)
)
_NAME = NAME_START + r"(?:" + _NAMES + r")(?!-|" + LATIN_WORD + r"|\.\d|\s*v?\d)"
_LATEST = re.compile(
    r"(?:\b(?:latest|newest|most\s+recent|current)\s+(?:stable\s+)?(?:(?:version|release)s?\s+"
    r"of\s+(?:the\s+)?)?|"
    + LATEST_WORDS  # "最新tensorflow+最新keras"
    + r")(?P<names>"
    + _NAME
    + r"(?:\s*(?:,|and|&|/|\+|和|与|及|と)\s*"
    + _NAME
    + r")*)",
    re.IGNORECASE,
)
_ONE = re.compile(_NAME, re.IGNORECASE)
# "not the latest keras", "instead of the newest TF": not what ran.
_NOT_BEFORE = re.compile(
    r"(?:\bnot|n't|\binstead\s+of|\bother\s+than)(?:\s+the)?\s*$", re.IGNORECASE
)


def latest_named(readable: str) -> tuple[tuple[str, str], ...]:
    """(distribution, the words) for each package named as the latest release."""
    found: dict[str, str] = {}
    readable = ascii_punctuation(readable)
    for match in _LATEST.finditer(readable):
        if _NOT_BEFORE.search(readable, max(0, match.start() - 20), match.start()):
            continue
        words = " ".join(match[0].split())
        for name in _ONE.finditer(match["names"]):
            distribution = ALIASES[" ".join(name[0].lower().split())]
            if distribution in PINNED_PACKAGES:
                found.setdefault(distribution, words)
    return tuple(found.items())
