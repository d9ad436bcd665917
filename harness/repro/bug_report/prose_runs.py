"""Whether an import written as a code span in prose is something the reporter ran.

Reports without code often name the one statement they ran: "just running `import keras`
raises ...", "`import keras_hub` triggers:", "a bare `import tensorflow` is enough". Surveyed
reports as often write an import while describing a library, a change or an idea: "In newer
versions of TF `import keras` will raise an error. I updated the import statement to `import
tensorflow.keras`" (a pull request's description), "we should use keras directly, ie `import
keras`" (a proposal), "my package does `import keras` internally". Run, those would reproduce
the fix or the proposal, and with no error to compare, say nothing. So a span is the reporter's
run only where its own sentence says so: a verb of running right before it (run, ran, typed,
debugging, a bare, just), or what it did right after it (raises, fails, triggers, hangs, says;
"`import keras_cv` does not", set against one that works); a modal there ("will raise",
"would fail") is a prediction, not a run. A span alone on its line is set out as code, as a
block would be.
"""

from __future__ import annotations

import re

# The words right before the span: the reporter running it.
_RUN_BEFORE = re.compile(
    r"(?:^|[\s(\"'])(?:run|runs|running|ran|execut(?:e|ed|es|ing)|debugg(?:ed|ing)"
    r"|call(?:ed|ing)?|typ(?:e|ed|ing)|do|did|doing|tr(?:y|ied|ying)|bare|plain|just|simply"
    r"|only|yet|even|whenever\s+i|when\s+i|if\s+i)[ \t]*$",
    re.IGNORECASE,
)
# The words right after it: what it did when run ("`import keras` alone raises ...").
_OUTCOME_AFTER = re.compile(
    r"^[ \t]*(?:,[ \t]*)?(?:(?:alone|itself|by[ \t]+itself|on[ \t]+its[ \t]+own|afterwards"
    r"|again|still|then|now|also|always|immediately|directly|already)[ \t,]+)*"
    r"(?:raise[sd]|fail(?:s|ed)|throws|threw|crash(?:es|ed)|hangs|hung|print(?:s|ed)|gives"
    r"|gave|caus(?:es|ed)|trigger(?:s|ed)|return(?:s|ed)|takes|took|freez(?:es)|froze|says"
    r"|said|show(?:s|ed)|error(?:s|ed)|produc(?:es|ed)|results?[ \t]+in|leads?[ \t]+to|led"
    r"[ \t]+to|stop(?:s|ped)|dies|died|segfaults|kill(?:s|ed)|breaks|broke|outputs|emits"
    r"|(?:is|was)[ \t]+enough|(?:does|did)(?:[ \t]+not|n't)|no[ \t]+longer[ \t]+works"
    r"|(?:is|was)[ \t]*n[o']t[ \t]+working|won't[ \t]+work|gets?[ \t]+stuck|got[ \t]+stuck)"
    r"\b",
    re.IGNORECASE,
)
_REACH = 60  # characters looked at on each side: a few words of the same sentence


def said_run(prose: str, start: int, end: int) -> bool:
    """Whether the span at `prose[start:end]` (backticks included) is written as a run of the
    reporter's: a verb of running right before it, or its outcome right after it."""
    before = prose[max(0, start - _REACH) : start].rsplit("\n", 1)[-1]
    after = prose[end : end + _REACH].split("\n", 1)[0]
    if not before.strip() and not after.strip(" \t.:"):
        return True  # alone on its line: set out as code, under "The import statement:"
    return bool(_RUN_BEFORE.search(before) or _OUTCOME_AFTER.match(after))


def refusal(span: str) -> str:
    """Why a report whose only code is an import span its prose does not run has no code."""
    return (
        f"`{span}` is written in the prose, but not as something the reporter ran: a change, "
        "a proposal or a library's own import; nor is there a Python block, python -c line, "
        "pasted code or traceback line"
    )
