"""Code a page introduces as the cure, not the failure: "Below is a corrected code example:",
"The recommended fix:", "推奨される修正コードの例は以下の通りです。", "正确的写法如下：". An
answer, a write-up of a known error, or a reporter's own update shows the code that works
after the code that failed; run, it would show nothing. The words must stand in the prose just
above the code and say it works: "the corrected code still fails:" introduces a failure.
"""

from __future__ import annotations

import re

from harness.repro.bug_report.other_languages import FIX_WORDS

_INTRO = re.compile(
    r"\b(?:corrected|fixed|working|recommended|correct)\s+(?:code|version|example|snippet|"
    r"imports?|usage|way)\b"
    r"|\b(?:the|a|this|my|recommended|suggested)\s+(?:fix|solution|workaround)\b"
    r"|\bto\s+(?:fix|resolve|solve)\s+(?:it|this|the\s+(?:error|issue|problem))\b"
    r"|"
    + FIX_WORDS
    + r"|修正(?:後|后|コード)|推奨され|正确的(?:代码|写法)|改正后|正しい(?:コード|書き方)"
    r"|で解決(?:します|できます|しました)|就能?解决了?",
    re.IGNORECASE,
)
_STILL = re.compile(
    r"\b(?:still|but|however|doesn't|does\s+not|didn't|did\s+not|fails?|failed|failing|"
    r"same\s+error)\b|还是|仍然|依然|まだ|しかし",
    re.IGNORECASE,
)


def introduces_fix(before: str) -> bool:
    """The prose just above a block says the block is the fix (and not that it still fails)."""
    # Sentences end at a full stop and a space, or at a CJK full stop ("np.argmax" is none).
    last = re.split(r"(?<=[.!?])\s+|(?<=[。！？])", before.strip())
    sentence = next((s for s in reversed(last) if s.strip()), "")
    return bool(_INTRO.search(sentence)) and not _STILL.search(sentence)
