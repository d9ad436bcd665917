"""Keras 3's wrapped exception messages, and the message inside them.

When a layer's `call()` raises, Keras 3 raises the same type again with a message of its own
around the original (keras/src/utils/traceback_utils.py):

    Exception encountered when calling Flat.call().

    <the original message, in bold: ESC[1m ... ESC[0m>

    Arguments received by Flat.call():
      • inputs=tf.Tensor(shape=(3, 4), dtype=float32)

Keras 2 (tf.keras 2.7 to 2.15) wrote the same as `Exception encountered when calling layer
"dense" (type Dense).`, the original message, then `Call arguments received by layer "dense"
(type Dense):` (`Call arguments received:` before 2.9). The first line only says where; the
original message is what tells one failure from another, so a report's claim is that
message, and a run's message is compared by it. Pasted from a notebook's rendered output
into GitHub's editor, the bold comes back as Markdown's `**...**` around each of its lines:
the same emphasis, not the message's.
"""

from __future__ import annotations

import re

_HEADER = re.compile(
    r"^[ \t]*Exception encountered when calling (?P<where>[^\n]*?)\.(?:[ \t]+|(?=\n)|\Z)"
)
# Keras 3's "Arguments received by Flat.call():"; Keras 2's (tf.keras 2.7 on) "Call arguments
# received by layer "dense" (type Dense):", and before 2.9 "Call arguments received:".
ARGUMENTS = re.compile(r"^[ \t]*(?:Arguments received by |Call arguments received\b)", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MARKDOWN_BOLD = re.compile(r"^([ \t]*)\*\*(?=\S)((?:(?!\*\*).)*\S)\*\*[ \t]*$", re.MULTILINE)


def is_wrapped(message: str) -> bool:
    """Whether `message` starts with Keras 3's "Exception encountered when calling X." line."""
    return _HEADER.match(message) is not None


def inner(message: str) -> str:
    """The original message a Keras 3 wrapper holds (lines kept, bold codes dropped), or
    `message` itself when it is not wrapped or holds nothing after its first line."""
    header = _HEADER.match(message)
    if header is None:
        return message
    rest = message[header.end() :]
    arguments = ARGUMENTS.search(rest)
    held = _ANSI.sub("", rest[: arguments.start()] if arguments else rest).strip()
    return _MARKDOWN_BOLD.sub(r"\1\2", held) or message
