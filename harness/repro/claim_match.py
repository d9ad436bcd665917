"""Whether the message a report quotes is the one the snippet raised.

Both go through the same normalisation the results use (paths, addresses, versions and numbers
stand for what varies between machines and runs), after two things only a report does: it was
pasted from another operating system, whose paths the normalisation must still see as paths,
and it was often cut short where the line ran on.
"""

from __future__ import annotations

import re

from harness.repro.bug_report import keras_messages, message_lines
from harness.results.outcome import normalize

# A Windows path (`C:\Users\me\...\keras\__init__.py`, `~\anaconda3\Lib\site-packages\x.py`):
# written with `/` it is a path to `normalize` as well.
_WINDOWS_PATH = re.compile(r"(?:[A-Za-z]:|~)?(?:\\[^\\\s'\"()<>]+){2,}\\?")
# Where Python says the module it could not import a name from lives: `cannot import name 'x'
# from 'y' (/path/y/__init__.py)` or `(unknown location)`. Reports drop it as often as they keep
# it, and it says where the reporter's files were, not what failed.
_IMPORT_LOCATION = re.compile(r"\s*\((?:<path>|unknown location)\)$")
# The suggestion Python 3.10+ appends to an AttributeError or NameError (3.12+ an ImportError
# too): `... has no attribute 'x'. Did you mean: 'y'?`. It comes from the Python that printed
# it, not from the failure: a report from 3.10 run on 3.9 shows it, the run does not.
_SUGGESTION = re.compile(r"\.\s+Did you mean:? '?[\w.]+'?\?\s*$")
# A quoted name cut before its closing quote at the end of the line: `from 'keras.utils`.
_CUT_QUOTE = re.compile(r"'[\w.]+$")


def comparable(message: str) -> str:
    """`message` as the verdict compares it."""
    unixy = _WINDOWS_PATH.sub(lambda m: m[0].replace("\\", "/"), _SUGGESTION.sub("", message))
    text = normalize(unixy)
    if text.count("'") % 2 and _CUT_QUOTE.search(text):
        text += "'"
    return _IMPORT_LOCATION.sub("", text)


def same_message(claimed: str, printed: str) -> bool:
    """Whether a report's message is the one printed, compared over the lines both show: a
    report may keep only the first lines of a message that goes on (the paste was cut), and
    its traceback may go on past the message's end (what the program printed next), but each
    line both have, the first one at least, must agree. A message over several lines is
    claimed whole (protobuf's workarounds, Keras's numbered causes): its later lines tell one
    failure from another where the first does not."""
    if comparable(claimed) == comparable(printed):
        return True
    if keras_messages.is_wrapped(printed) and comparable(
        keras_messages.inner(claimed)
    ) == comparable(keras_messages.inner(printed)):
        # Keras 3 wraps a layer's error: a report may quote only the message inside.
        return True
    if printed.startswith(message_lines.USER_CODE) and claimed.strip() != message_lines.USER_CODE:
        # A `tf.function`'s "in user code:": the report's claim is the original error inside.
        inner = message_lines.user_code_error(printed)
        return inner is not None and comparable(claimed.strip()) == comparable(inner)
    wanted = [comparable(line) for line in claimed.strip().splitlines()]
    lines = [comparable(line) for line in printed.strip().splitlines()]
    both = min(len(wanted), len(lines))
    return both > 0 and any(wanted) and wanted[:both] == lines[:both]
