"""Versions a report names that are not the environment it reports from.

"The .h5 was saved with keras 2.12" and "the model was trained in TF 2.10" describe a file,
not an install: those versions are never pinned. "It worked fine with TF 2.15", "after
upgrading from 2.15.1", "downgrading to keras 3.3.3 fixes it", "keras 3.3.3 works just fine"
name another version than the one that fails: pinned only when the report gives that package
no other version. "Keras requires TensorFlow 2.2 or higher", "needs at least Python 3.8" state
a requirement, whatever is installed: never pinned either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.repro.bug_report.aliases import ALIASES
from harness.repro.bug_report.other_languages import CJK, LATIN_WORD, WORKS_AFTER

_NAMES = "|".join(
    re.escape(a).replace(r"\ ", r"\s+") for a in sorted((*ALIASES, "python"), key=len, reverse=True)
)
# One named version ("keras 2.12", "TF2.10", "tensorflow v2.15.0", "Python 3.8"), and a list
# of them ("TF 2.10 and Keras 2.10", "tf 2.15/keras 2.15").
_MENTION = (
    r"(?:" + _NAMES + r")(?:\s*version)?\s*(?:(?:==|=|:)\s*)?[`'\"]?v?\d+(?:\.\d+){0,3}(?:\.[x*])?"
    r"(?!" + LATIN_WORD + r"|\.\d)[`'\"]?"  # a CJK character may follow: "keras 2.2.4可以用"
)
_MENTIONS = (
    r"(?P<mentions>" + _MENTION + r"(?:\s*(?:,|and|&|/|\+|with|using)\s*" + _MENTION + r")*)"
)
_THE = r"(?:the\s+|an?\s+)?(?:(?:older|old|previous|earlier|last)\s+)?(?:version\s+(?:of\s+)?)?"
_FEW_WORDS = r"(?:\s+(?!(?:and|but|then|now|with|in|using|under|by|from)\b)[\w.'\"`-]+){0,4}?"
# A file's history: a verb only files undergo, or one that any subject may take ("made",
# "created") when a model or file is named just before it.
_ARTIFACT = re.compile(
    r"\b(?:(?P<file_verb>saved|trained|exported|serialized|pickled|converted|checkpointed|fine-tuned)"
    r"|(?P<any_verb>created|made|generated|built|produced|written))\b"
    + _FEW_WORDS
    + r"\s+(?:with|in|using|under|by|on|from)\s+"
    + _THE
    + _MENTIONS,
    re.IGNORECASE,
)
_FILE_SUBJECT = re.compile(
    r"\b(?:model|file|weights|checkpoint|savedmodel|h5|hdf5|artifact)s?\b|\.(?:h5|keras|pb|hdf5)\b",
    re.IGNORECASE,
)
# A file named with the version that made it, without a verb: "the weights by keras 2.9.0",
# "model.h5 (by keras 2.9.0)", "my model from TF 2.10" (the noun right before: "the Model
# class from keras 3" names where a class comes from, not a file's history).
_FILE_BY = re.compile(
    r"(?:\b(?:model|weights|checkpoint|savedmodel|h5|hdf5|file)s?\b|\.(?:h5|keras|pb|hdf5)\b)"
    r"\s*\(?\s*(?:by|from)\s+" + _THE + _MENTIONS,
    re.IGNORECASE,
)
# Another version than the failing one: one that works, the one upgraded from, the one a
# downgrade goes back to.
_OTHER = re.compile(
    r"(?:\b(?:works?|worked|working|runs?|ran|running|(?:is|was)\s+fine|fine|ok|okay|passe[sd]"
    r"|succeed(?:s|ed)?|no\s+(?:error|issue|problem)s?)\b"
    r"(?:\s+(?:fine|well|perfectly|correctly|ok|okay|as\s+expected))?"
    r"\s+(?:with|in|on|under|using|for)"
    r"|\b(?:upgrad|updat|mov|migrat|switch)(?:e|ed|es|ing)?\b(?:\s+\w+){0,2}?\s+from"
    r"|\b(?:downgrad(?:e|ed|es|ing)|revert(?:ed|ing)?|roll(?:ed|ing)?\s+back|going\s+back)\b"
    r"(?:\s+\w+){0,2}?\s+to)"
    r"\s+" + _THE + _MENTIONS,
    re.IGNORECASE,
)
# The same said after the version: "Keras 3.3.3 works just fine", "TF 2.15 is fine".
_OTHER_BEFORE = re.compile(
    _MENTIONS + r"(?:\s*\([^()\n]{0,80}\))?\s+(?:still\s+|also\s+|itself\s+)?"
    r"(?:works?|worked|runs?\s+fine|ran\s+fine|(?:is|was)\s+(?:fine|ok|okay)"
    r"|(?:has|had)\s+no\s+(?:error|issue|problem)s?)\b",
    re.IGNORECASE,
)
# The same in Chinese, glued to the versions: "keras==2.2.5解决了", "tensorflow 1.13.0 可以用".
_OTHER_BEFORE_CJK = re.compile(_MENTIONS + WORKS_AFTER, re.IGNORECASE)
_ANY_CJK = re.compile(f"[{CJK}]")
# The same, the version named first: "With TensorFlow 2.15.1, the following code works fine".
_WORKS = (
    r"\b(?:works?|worked|working|runs?|ran|running|(?:is|was)\s+fine|passe[sd]|succeed(?:s|ed)?"
    r"|no\s+(?:error|issue|problem)s?)\b"
)
_FRONTED_OTHER = re.compile(
    r"\b(?:with|in|on|under|using)\s+"
    + _THE
    + _MENTIONS
    + r"\s*,?(?P<clause>[^.!?:;\n]{0,80}?)"
    + _WORKS,
    re.IGNORECASE,
)
# "no longer working in TF 2.16.1", "doesn't work with keras 3": the failing version after all.
_NEGATED = re.compile(r"(?:\bno\s+longer|\bnot|n't|\bnever|\bstopped|\bceased)\s+$", re.IGNORECASE)
# In a fronted clause too: "With keras 3.3.3 on Python 3.11 this helper stopped working".
_NEGATION = re.compile(
    r"\bno\s+longer\b|\bnot\b|n't\b|\bnever\b|\bfails?\b|\bstopped\b|\bceased\b", re.IGNORECASE
)
# A requirement, not an install: "TensorFlow 2.2 or higher" (Keras 2.4's own ImportError says
# it), "keras 2.4+", "at least TF 2.2", ">= Python 3.8", "Keras 2.0, as required by keras-vis"
# (another package's requirement).
_OR_NEWER = (
    r"[ \t]*(?:\+(?![\w.+])|(?:or|and)\s+(?:higher|later|newer|above|greater|up(?:wards?)?"
    r"|more\s+recent)\b|(?:,\s*)?(?:as\s+)?required\s+by\b)"
)
_REQUIREMENT = re.compile(
    r"(?P<at_least>(?:>=|≥|\bat\s+least|\bminimum(?:\s+version)?(?:\s+of)?)\s*"
    + _THE
    + r")?"
    + _MENTIONS
    + r"(?P<or_newer>"
    + _OR_NEWER
    + r")?",
    re.IGNORECASE,
)
# "upgrading from TensorFlow 2.15.1 to 2.16.1": the version upgraded to is the named package's.
_UPGRADE_TO = re.compile(
    r"\bfrom\s+(?P<name>"
    + _NAMES
    + r")\s*v?\d+(?:\.\d+){0,3}\s+to\s+v?(?P<version>\d+(?:\.\d+){1,3})(?!\w|\.\d)",
    re.IGNORECASE,
)

# "works with keras 2.2.2, not with 2.2.3 or 2.2.4": the versions after "not" are the failing
# ones of the package named before; the newest listed is taken.
_NOT_WITH = re.compile(
    r"\s*(?:[,;]\s*)?(?:but\s+)?not\s+(?:with|in|on|under|using|for)\s+(?:versions?\s+)?"
    r"(?P<versions>v?\d+(?:\.\d+){1,3}(?:\s*(?:,|or|and|/)\s*v?\d+(?:\.\d+){1,3})*)(?!\w|\.\d)",
    re.IGNORECASE,
)
# No two runs of spaces side by side (each split of a long run would be tried).
_NAMED = re.compile(
    r"(?P<name>" + _NAMES + r")(?:\s*version)?\s*(?:(?:==|=|:)\s*)?v?\d", re.IGNORECASE
)


def _failing_after(text: str, match: re.Match[str]) -> tuple[str, str, str] | None:
    """(name, version, words) for the failing version written right after a working one."""
    after = _NOT_WITH.match(text, match.end())
    named = list(_NAMED.finditer(match["mentions"]))
    if after is None or not named:
        return None
    version = re.findall(r"\d+(?:\.\d+){1,3}", after["versions"])[-1]
    words = " ".join(text[match.start("mentions") : after.end()].split())
    return named[-1]["name"], version, words


@dataclass(frozen=True, kw_only=True)
class Roles:
    """Character spans of a text whose named versions are not the environment's."""

    artifact: tuple[tuple[int, int], ...]  # a file's versions: never pinned
    requirement: tuple[tuple[int, int], ...]  # "2.2 or higher": never pinned
    other: tuple[tuple[int, int], ...]  # another version than the failing one
    # versions named only by the package before them: (name, version, the words)
    targets: tuple[tuple[str, str, str], ...] = ()
    # "works with Python 3.10, not with 3.12": (the failing Python, the words)
    failing_python: tuple[tuple[str, str], ...] = ()

    def of(self, position: int) -> str:
        """'artifact', 'requirement', 'other' or '' for a version read at `position`."""
        if any(start <= position < end for start, end in self.artifact):
            return "artifact"
        if any(start <= position < end for start, end in self.requirement):
            return "requirement"
        if any(start <= position < end for start, end in self.other):
            return "other"
        return ""


def roles(text: str) -> Roles:
    """Where `text` names a file's versions and versions other than the failing one."""
    artifact = []
    for match in _ARTIFACT.finditer(text):
        if match["any_verb"]:
            sentence_start = max(text.rfind(c, 0, match.start()) for c in ".!?\n") + 1
            if not _FILE_SUBJECT.search(text, sentence_start, match.start()):
                continue
        artifact.append(match.span("mentions"))
    artifact += [match.span("mentions") for match in _FILE_BY.finditer(text)]
    working = [
        match
        for match in _OTHER.finditer(text)
        if not _NEGATED.search(text, max(0, match.start() - 20), match.start())
    ]
    other = [match.span("mentions") for match in working]
    other += [match.span("mentions") for match in _OTHER_BEFORE.finditer(text)]
    if _ANY_CJK.search(text):  # (a scan of its own, over every name, for Chinese text only)
        other += [match.span("mentions") for match in _OTHER_BEFORE_CJK.finditer(text)]
    other += [
        match.span("mentions")
        for match in _FRONTED_OTHER.finditer(text)
        if not _NEGATION.search(match["clause"])
    ]
    targets = [
        (m["name"], m["version"], " ".join(m[0].split()))
        for m in _UPGRADE_TO.finditer(text)
        if m["name"].lower() != "python"
    ]
    failing = [found for match in working if (found := _failing_after(text, match))]
    targets += [found for found in failing if found[0].lower() != "python"]
    pythons = [(version, words) for name, version, words in failing if name.lower() == "python"]
    return Roles(
        artifact=tuple(artifact),
        requirement=tuple(
            m.span("mentions")
            for m in _REQUIREMENT.finditer(text)
            if m["at_least"] is not None or m["or_newer"] is not None
        ),
        other=tuple(other),
        targets=tuple(targets),
        failing_python=tuple(pythons),
    )


def without_unpinned(text: str) -> str:
    """`text` with a file's versions and requirements blanked (line lengths kept)."""
    chars = list(text)
    found = roles(text)
    for start, end in (*found.artifact, *found.requirement):
        chars[start:end] = [c if c == "\n" else " " for c in chars[start:end]]
    return "".join(chars)


# A template field that names where a file is ("Model saved at: /content/drive/tf2.10/m.h5",
# "Code location: ~/proj/keras-3.1/train.py"): its value is a path, whatever digits it holds.
# A field about the install itself ("Python path", "Environment location") is left alone.
# The label starts at a non-space (`(?=\S)`): else the look-ahead would scan the rest of the
# line again from every space of a long run of them.
_LOCATION_FIELD = re.compile(
    r"^(?P<label>[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?(?=\S)"
    r"(?![^:\n]*\b(?:python|env|environment|venv|conda|install\w*|site-packages)\b)"
    r"[^:\n]{0,40}\b(?:saved(?:\s+(?:at|to|in|as|under))?|stored(?:\s+(?:at|in))?|location"
    r"|path|dir|directory|folder|file\s*name|file|notebook|colab|link|url)"
    r"(?:\*\*|__)?[ \t]*:(?:\*\*|__)?)(?P<value>[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)


def without_locations(text: str) -> str:
    """`text` with the values of fields that name a file's place blanked (lengths kept). A
    place inside an install (`pip show`'s `Location: .../python3.10/site-packages`) is the
    environment's, and kept: its path names the Python."""

    def blanked(match: re.Match[str]) -> str:
        if _INSTALLED_PLACE.search(match["value"]):
            return match[0]
        return match["label"] + " " * len(match["value"])

    return _LOCATION_FIELD.sub(blanked, text)


_INSTALLED_PLACE = re.compile(r"[\\/](?:site|dist)-packages\b", re.IGNORECASE)
