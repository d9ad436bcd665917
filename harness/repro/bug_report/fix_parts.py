"""The part of a report where the reporter tells their own fix: "Solution:", "**Fix**",
"EDIT: solved by ...", "I changed `X` to `Y` and it works now", "After pip install
keras==2.6.0 this problem is resolved".

Its code is the code that works and its `pip install` lines the upgrade that cured it: read as
the reproduction, they would run the fix instead of the failure. Such a part runs from its
marker to the next heading (a template's next section) or the end of the reporter's words.
"""

from __future__ import annotations

import re

from harness.repro.bug_report.other_languages import FIX_WORDS

# A heading or a bold label that opens the fix: "## Solution", "**Fix:**", "Workaround: ...".
# Matched against the line without its indentation, and with no two runs of spaces side by
# side (`\s*(?:\*\*)?\s*`): on a long run of spaces each split of it would be tried.
_FIX_LABEL = re.compile(
    r"(?:#{1,6}|[-*](?=\s))?\s*(?:(?:\*\*|__)\s*)?(?:(?:my|the|possible|suggested|recommended|quick|immediate|simple|final)\s+)?"
    r"(?:solution|solved|fix|fixed|workaround|resolution|resolved|how\s+i\s+(?:fixed|solved)\s+it|"
    r"fixing\s+it|how\s+to\s+fix(?:\s+it)?|what\s+(?:fixed|solved)\s+it|"
    r"what\s+worked(?:\s+for\s+me)?|how\s+i\s+got\s+it\s+working|"
    + FIX_WORDS  # "解决办法：", "Solución:"
    + r")\s*[.]?\s*(?:(?:\*\*|__)\s*)?(?:[:：]|\bby\b|$)",
    re.IGNORECASE,
)
# "EDIT: solved by ...", "UPDATE 2: fixed it with", "Edit - the workaround is ...".
_EDIT_FIXED = re.compile(
    r"(?:#{1,6}\s*)?(?:(?:\*\*|__)\s*)?(?:edit|update|edited|updated)\b\s*(?:\d+\s*)?"
    r"(?:(?:\*\*|__)\s*)?[:：-]\s*(?:(?:\*\*|__)\s*)?[^\n]{0,40}?"
    r"\b(?:solved|fixed|resolved|workaround|solution)\b",
    re.IGNORECASE,
)
# "I changed `X` to `Y` and it works", "I replaced A with B, which solved it".
_CHANGED = re.compile(
    r"(?:so\s+|then\s+)?I\s+(?:changed|replaced|switched|swapped)\b[^\n]*\b(?:to|with)\b"
    r"[^\n]*\b(?:works?|worked|working|solved|fixed|resolved|fixes)\b",
    re.IGNORECASE,
)
# "After pip install keras==2.6.0 this problem is resolved", "downgrading to numpy 1.26 fixed
# it": an action, then the words that say it cured the error (and no "but" after them).
# A later comment or edit in other words: "At last, I used tensorflow 2.5.0 instead, which works
# fine", "I updated the library (4.0.0) and it doesn't give me that error anymore", "after I
# reinstalled it the error messages are gone", "downgrading worked for me".
_ACTION = re.compile(
    r"\b(?:pip3?\s+install|install(?:ed|ing)?|upgrad\w*|downgrad\w*|chang\w*|replac\w*|"
    r"switch\w*|setting|pinn\w*|used|reinstall\w*|updat(?:e|ed|ing)|went\s+(?:back|with))\b",
    re.IGNORECASE,
)
_CURED = re.compile(
    r"\b(?:is|was|got|has\s+been|gets)\s+(?:resolved|solved|fixed)\b"
    r"|\b(?:fixe[sd]|solve[sd]|resolve[sd])\s+(?:it|this|that|the\s+(?:problem|issue|error))\b"
    r"|\b(?:works?|worked)\s+now\b|\bnow\s+works?\b|\bworked\s+for\s+me\b"
    r"|\b(?:which|and)\s+(?:now\s+)?(?:(?:it|that)\s+)?(?:now\s+)?(?:works?|worked)\s+"
    r"(?:fine|well|perfectly)\b"
    r"|\b(?:problem|issue|error)s?(?:\s+messages?)?\s+(?:is|are|was|were)\s+gone\b"
    r"|\b(?:doesn't|does\s+not|don't|do\s+not)\s+(?:give|show|throw|raise|get)\b[^\n]{0,40}?"
    r"\banymore\b",
    re.IGNORECASE,
)
# A sentence that introduces the cure, as write-ups and answers do: "The fastest solution is to
# pin ..., by executing:", "What worked for me was `pip install ...`", "To get rid of it, run:",
# "The simplest resolution is achieved by running:", "Here is how I got it working:".
_CURE_SAID = re.compile(
    r"\b(?:the|a|my|our)\s+(?:(?:fastest|quickest|simplest|easiest|best|recommended|definitive"
    r"|immediate|only|real|proper)\s+)?(?:solution|fix|resolution|remedy|workaround)\s+(?:is|was)\b"
    r"|\bwhat\s+(?:fixed|solved|resolved)\s+it\b|\bwhat\s+worked\s+(?:for\s+me|was)\b"
    r"|\bhere(?:'s|\s+is)\s+how\s+(?:i|to|we)\s+(?:fix|fixed|solve|solved|got|get)\b"
    r"|\bto\s+(?:fix|solve|resolve)\s+(?:it|this|that|the\s+(?:problem|issue|error))\s*[,:]"
    r"|\bto\s+get\s+rid\s+of\s+(?:it|this|that|the\s+(?:problem|issue|error))\b"
    r"|\bachieved\s+by\s+running\b|\bfix(?:es)?\s+(?:the|this)\s+error\s+by\b"
    r"|^(?:\*\*|__)(?:resolved|solved|fixed)[.!]?(?:\*\*|__)",
    re.IGNORECASE,
)
_BUT = re.compile(r"\b(?:but|however|although|though|except|still)\b", re.IGNORECASE)
_NOT_WORKING = re.compile(r"(?:\bnot|n't|\bnever|\bstill)\s+(?:\w+\s+)?(?:work|solve|fix)", re.I)
# A heading or a bold line alone: where a template's next section starts.
_HEADING = re.compile(r"(?:#{1,6}\s+\S|(?:\*\*|__)[^*_\n]+(?:\*\*|__)\s*(?::\s*)?$)")


def opens_fix(line: str) -> bool:
    """Whether `line` (outside code) starts the reporter's own fix."""
    line = line.lstrip()
    if _FIX_LABEL.match(line):
        return True
    if _NOT_WORKING.search(line):
        return False  # "EDIT: still not fixed", "I changed X to Y but it doesn't work"
    if _EDIT_FIXED.match(line) or _CHANGED.match(line):
        return True
    cure = _CURE_SAID.search(line)
    if cure is not None and not _BUT.search(line, cure.end()):
        return True  # "What worked for me was ...", not "the fix was X, but it still fails"
    # An action, then (after it) the words that say it cured the error: two searches, not one
    # pattern with a run between them, which would scan to the line's end from each action.
    action = _ACTION.search(line)
    if action is None or _CURED.search(line, action.end()) is None:
        return False
    return not _BUT.search(line, action.start())


def next_section(line: str) -> bool:
    """Whether `line` (outside code) is a heading that ends a fix part."""
    return bool(_HEADING.match(line.lstrip())) and not opens_fix(line)
