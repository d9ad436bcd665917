"""The claimed error of a REPL session that raised more than once.

A session pasted whole (`>>> from keras.utils import x`, a traceback, `>>> from keras.x import
y`, another traceback) runs here as a script, and a script stops at the first statement that
raises: the errors after it are never reached. Compared with the session's last error, a script
that raised the first one reads as "Not reproduced" though it failed just as the session did; so
the claim is the first error the session shows.
"""

from __future__ import annotations

from dataclasses import replace

from harness.repro.bug_report.comment_claims import commented
from harness.repro.bug_report.model import CodeBlock, ReportedError
from harness.repro.bug_report.tracebacks import Traceback


def first_raised(
    claim: ReportedError | None, found: list[Traceback], code: CodeBlock | None
) -> ReportedError | None:
    """The first error of a session's several, when the claim is its last; else `claim`. The
    code must be what the report shows (a block, not code derived from its words or frames).
    With no error stated anywhere else, the one the code's own comments name (comment_claims)."""
    if claim is None:
        return commented(code)
    if code is None or code.origin in ("traceback", "prose"):
        return claim
    typed = [t for t in found if t.error is not None and not t.chained]
    if len(typed) < 2 or not all(t.frames and t.frames[0].kind == "stdin" for t in typed):
        return claim
    first, last = typed[0].error, typed[-1].error
    if first is None or last is None or (claim.type, claim.message) != (last.type, last.message):
        return claim
    if (first.type, first.message) == (last.type, last.message):
        return claim
    return replace(first, source=f"traceback, the first of the session's {len(typed)}")
