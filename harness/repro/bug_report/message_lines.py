"""An exception's message over several lines, as a pasted traceback shows it.

Python prints `str(exc)` whole after the type, so a message of several lines goes on past the
line the type is on: protobuf's "Descriptors cannot be created directly." then why and two
workarounds; Keras 3's "Layer 'x' looks like it has unbuilt state, ... Possible causes:" then
its numbered causes; Keras 2's "Exception encountered when calling layer "x" (type X)." then
the original message then "Call arguments received ...". Surveyed reports paste them whole.
The first line alone often does not tell one failure from another (the causes, the shapes, the
original message follow it), so the claim holds every line the report shows, and the verdict
compares the lines both messages have (`harness/repro/claim_match.py`).

Where the message ends is where something else starts: a fence, another traceback or its
frames, a prompt, a log line, an IDE's "Process finished with exit code 1" (a CI's "Process
completed with exit code 1", compose's "worker-1 exited with code 1", Travis's 'The command
"..." exited with 1.'), Colab's rule of dashes before its note, the report's own Markdown (a
heading, a bold line, a stray backtick, an HTML tag); outside a fence, a blank line (the
report's prose goes on), inside one two blank lines in a row.
"""

from __future__ import annotations

import re

from harness.repro.bug_report import keras_messages
from harness.repro.bug_report.pasted_lines import FENCE_LINE

_MAX_LINES = 40
# TensorFlow's error from inside a `tf.function` (Keras 2's fit, predict): its message is
# "in user code:", then the frames of the traced code, indented, then the original error,
# indented too. The first line is the same for every such error; the original tells them
# apart, so it is what a report's claim holds and what a run's message is compared by.
USER_CODE = "in user code:"
_MAX_USER_CODE = 200
_INDENTED_ERROR = re.compile(
    r"^[ \t]+(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception): (?P<message>.*\S)[ \t]*$",
    re.MULTILINE,
)
# What starts after a message, never a line of it.
_ELSE = re.compile(
    r"^\s*(?:File \"|Traceback \(most recent call last\)|>>>|In \[\d*\]:|Out\[\d+\]:"
    r"|Process (?:finished|completed) with exit code|.*\bexited with (?:code |status )?\d"
    r"|##\[error\]|During handling of the above|The above exception"
    r"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[-=_*]{6,}\s*$|\$ |PS [A-Z]:\\)"
    # The report's Markdown around an unfenced paste: a heading, a bold line of its own (a
    # template's "**Bug summary**"), the backticks that close an inline span, an HTML tag.
    r"|(?:#{1,6}\s|\*\*[^*]+\*\*:?\s*$|`{1,2}\s*$|</?[a-z]+[^>]*>\s*$)"
)
# Another exception's line at the margin (the next part of a session).
_ANOTHER = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b")


def whole(first: str, lines: list[str], index: int, *, fenced: bool) -> str:
    """The message whose first line `first` is on `lines[index]` (inside a fenced block or
    not), with the lines after it that continue it; trailing blank lines dropped. For
    TensorFlow's "in user code:", the error its indented frames end with."""
    if first.strip() == USER_CODE:
        body = []
        for line in lines[index + 1 : index + 1 + _MAX_USER_CODE]:
            if FENCE_LINE.match(line) or (line.strip() and not line[:1].isspace()):
                break
            body.append(line)
        return user_code_error("\n".join(body)) or first
    message = [first]
    blanks = 0
    for line in lines[index + 1 : index + 1 + _MAX_LINES]:
        if FENCE_LINE.match(line) or _ELSE.match(line) or _ANOTHER.match(line):
            break
        if not line.strip():
            blanks += 1
            if not fenced or blanks > 1:
                break
            message.append("")
            continue
        blanks = 0
        message.append(line.rstrip())
    return "\n".join(message).rstrip()


def user_code_error(message: str) -> str | None:
    """The original error's message in the frames of an "in user code:" message (its last
    indented error line), or None where there is none."""
    errors = [match["message"] for match in _INDENTED_ERROR.finditer(message)]
    return errors[-1] if errors else None


def wrapped(first: str, lines: list[str], index: int) -> str:
    """Keras's wrapped message from its first line `first`, on `lines[index]`: the lines
    after it up to its "Arguments received by" line (Keras 2's "Call arguments received");
    the first line alone when no such line follows (the paste was cut, or what follows is
    the report's prose)."""
    message = [first]
    for line in lines[index + 1 : index + 40]:
        if keras_messages.ARGUMENTS.match(line):
            return "\n".join(message)
        if FENCE_LINE.match(line) or "Traceback (most recent call last)" in line:
            break
        message.append(line)
    return message[0]


def fenced(lines: list[str]) -> list[bool]:
    """For each line, whether it is inside a fenced block (one pass: a report may hold many
    tracebacks, and counting the fences above each would take quadratic time)."""
    inside, out = False, []
    for line in lines:
        if FENCE_LINE.match(line):
            inside = not inside
            out.append(False)
        else:
            out.append(inside)
    return out
