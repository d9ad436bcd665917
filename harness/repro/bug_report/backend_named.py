"""The backend a Keras 3 report ran on, where it sets none: shown, or named in its words.

Keras 3 imports only the backend it runs on, so an installed path such as
`keras/src/backend/jax/` in a traceback shows it. Reports also say it in words, most often
in the title: "keras.ops.eye does not work in Layer with JAX backend", "Torch backend fails
to recover", "NaN loss on the `jax` backend". A backend named so, once and alone, is the one
the failure happened on; one the report says works ("works well with the TensorFlow
backend", "fine on the torch backend", "but not with the JAX backend") is not, and several
different ones named as failing leave it open. TensorFlow, the default, needs no setting.
Reports also drop the word "backend": "the error when running on jax", and "runs on the
tensorflow and torch backends but not on jax", where the one after "but not" is the failing
one because the words before it say the others run (after "fails with torch but not with
jax" it is the one that works).
"""

from __future__ import annotations

import re

from harness.repro.bug_report import traceback_facts

_BACKENDS = {
    "jax": "jax",
    "torch": "torch",
    "pytorch": "torch",
    "tensorflow": "tensorflow",
    "tf": "tensorflow",
    "numpy": "numpy",
    "openvino": "openvino",
}
_NAMED = re.compile(
    r"(?<![\w.-])[`'\"]?(?P<name>" + "|".join(_BACKENDS) + r")[`'\"]?[ \t]+backend\b(?!s|-)",
    re.IGNORECASE,
)
# Multi-backend Keras's own log line, "Using TensorFlow backend.": old_keras reads it.
_KERAS_LOG = re.compile(r"^\s*Using \w+ backend\.\s*$", re.MULTILINE)
# Words that make a sentence's backend one that works, or another than the failing one.
_WORKS = re.compile(
    r"(?<!not )(?<!n't )\bwork(?:s|ed)\b|\bwork(?:s|ed|ing)?\s+(?:well|fine|perfectly|"
    r"correctly|as\s+expected)|\b(?:fine|other|unlike|instead|except|both|all)\b|"
    r"\bbut\s+not\b|\bnot\s+(?:on|with|in|for|using|under)\b|\bno\s+(?:error|issue|problem)s?\b",
    re.IGNORECASE,
)
# A non-default backend's bare name after a verb of running: "the error when running on jax".
# Not followed by a version ("running on torch 2.1" names torch, not the backend) nor by
# "backend", which _NAMED reads.
_RAN_ON = re.compile(
    r"\b(?:run(?:s|ning)?|ran|train(?:s|ed|ing)?|execut(?:es|ed|ing)|fail(?:s|ed|ing)?|"
    r"crash(?:es|ed|ing)?)[ \t]+(?:on|with|using|under)[ \t]+(?:the[ \t]+)?[`'\"]?"
    r"(?P<name>jax|torch|pytorch|openvino)[`'\"]?(?![\w.-]|[ \t]*\d|[ \t]+backend)",
    re.IGNORECASE,
)
# "A and B ... but not on C": C failed where the words before say the others run or work.
_BUT_NOT = re.compile(
    r"\bbut[ \t]+not[ \t]+(?:on|with|in|for|using|under)[ \t]+(?:the[ \t]+)?[`'\"]?"
    r"(?P<name>" + "|".join(_BACKENDS) + r")[`'\"]?(?![\w.-]|[ \t]*\d)",
    re.IGNORECASE,
)
_RUNS = re.compile(r"\b(?:works?|worked|working|runs?|ran|running|fine|ok(?:ay)?)\b", re.I)
_FAILS = re.compile(
    r"\b(?:fail\w*|error\w*|crash\w*|break\w*|broken|nan|wrong|exception|"
    r"(?:does|do|did|is|was)(?:n't|[ \t]+not))\b",
    re.IGNORECASE,
)
# A dot inside a name (`keras.ops.eye`, `tf.keras`) does not end the sentence.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?![ \t\n]|$))+", re.MULTILINE)


def in_words(readable: str) -> tuple[str, str] | None:
    """(backend, the words) when the report's words name one failing backend, else None."""
    found: dict[str, str] = {}
    for sentence in _SENTENCE.finditer(_KERAS_LOG.sub("", readable)):
        text = sentence[0]
        but_not = _BUT_NOT.search(text)
        if but_not is not None:
            head = text[: but_not.start()]
            if _RUNS.search(head) and not _FAILS.search(head):
                name = _BACKENDS[but_not["name"].lower()]
                found.setdefault(name, " ".join(but_not[0].split()))
            continue
        names = list(_NAMED.finditer(text)) + list(_RAN_ON.finditer(text))
        if not names or _WORKS.search(text):
            continue
        for match in names:
            found.setdefault(_BACKENDS[match["name"].lower()], " ".join(match[0].split()))
    # TensorFlow is Keras 3's default: naming it sets nothing the run would not have.
    return next(iter(found.items())) if len(found) == 1 and "tensorflow" not in found else None


def ran_on(reporter: str, readable: str) -> tuple[str, str] | None:
    """(backend, why) for the backend the report shows Keras 3 running from or names in its
    words, the path first."""
    shown = traceback_facts.keras_3_backend(reporter)
    if shown is not None:
        return shown[0], f"the report shows Keras running from {shown[1]}"
    named = in_words(readable)
    if named is not None:
        return named[0], f'the report says it ran on it ("{named[1]}") and sets no backend'
    return None
