"""The verdict of a repro: the error the report shows against the one the snippet raised."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from harness.repro.bug_report.model import ReportedError
from harness.repro.claim_match import same_message
from harness.repro.request import Request
from harness.repro.session import SNIPPET
from harness.repro.stand_ins import qualified
from harness.repro.undefined_names import never_defined
from harness.results.markdown_escape import code_span
from harness.results.outcome import Outcome, RaisedError

# The module an ImportError says is missing: `No module named 'keras.src.legacy'`.
_MISSING = re.compile(r"^No module named '([\w.]+)'")


def describe(outcome: Outcome) -> str:
    """A cell's outcome in one line, as the terminal showed it."""
    if outcome.status == "ok":
        return "ok (no error)"
    if outcome.error is not None:
        # As the terminal showed it: with 3.10+'s "Did you mean" and 3.11+'s notes.
        return outcome.error.display or f"{outcome.error.type}: {outcome.error.message}"
    return f"{outcome.status}: {(outcome.reason or '').splitlines()[0] if outcome.reason else ''}"


def outcome_line(outcome: Outcome) -> str:
    """The outcome as one code span: a message that goes on over several lines (Keras's advice
    with its own code examples) by its first line, the rest left to the traceback below, where
    its lines and fences stay as printed."""
    text = describe(outcome)
    first, *rest = text.strip().splitlines() or [""]
    if not rest:
        return code_span(text, in_table=False)
    return f"{code_span(first, in_table=False)} (and {len(rest)} more line(s): see the traceback)"


def verdict(request: Request, outcome: Outcome) -> str:
    """Whether the reported error was reproduced, in one Markdown sentence."""
    error = request.reported_error
    if error is None:
        return "The report quotes no error to compare with."
    if outcome.error is None:
        return qualified(_without_error(error, outcome), request.assumed)
    different = _not_reproduced(request, error, outcome.error)
    if different is not None:
        return qualified(different, request.assumed)
    if not error.message:
        return "**Reproduced**: same exception type; the report shows no message to compare."
    # Reports paste what the terminal printed, which may carry a "Did you mean" or notes.
    if any(
        same_message(error.message, printed)
        for printed in (outcome.error.message, outcome.error.shown)
    ):
        return "**Reproduced**: same exception type and message as in the report."
    return "**Reproduced (type only)**: same exception type, the message differs."


def _without_error(error: ReportedError, outcome: Outcome) -> str:
    shown = f"the report shows {code_span(error.type, in_table=False)}"
    if outcome.status == "build_failed":
        # pip found no release for this Python, or a build broke: the snippet never ran, so
        # nothing was learnt of the report's error (a pin the reporter's own Python had files
        # for, say); "Not reproduced" would read as the error being absent.
        return (
            f"**Not run**: {shown}, but the environment could not be built (see pip's words "
            "below), so the snippet never ran."
        )
    return f"**Not reproduced**: {shown}, here the snippet gave {outcome.status}."


def _not_reproduced(request: Request, error: ReportedError, raised: RaisedError) -> str | None:
    """The verdict when the snippet raised another type than the report shows, or None. A
    `NameError` for a name the report's code never defines is code left out of the report,
    not another error of the environment: the verdict says which."""
    claimed = code_span(error.type, in_table=False)
    here = code_span(raised.type, in_table=False)
    missing = never_defined(request.code, raised, f"{SNIPPET}.py")
    if missing is not None and error.short_type != raised.short_type:
        return (
            f"**Not reproduced (incomplete code)**: the report shows {claimed}; the snippet "
            f"stopped before it at {here}: it uses {code_span(missing, in_table=False)}, which "
            "the report's code never defines (made in code the report leaves out). Pass the "
            "whole script with `--script FILE`."
        )
    if error.short_type != raised.short_type and _reached_for_network(raised):
        return (
            f"**Not run (no network)**: the report shows {claimed}; the snippet stopped before "
            f"it at {here}, reaching for the network (a model or file to download), which the "
            "run does not have: nothing was learnt of the report's error."
        )
    left_out = _left_out(request, raised)
    if left_out is not None and not _MISSING.match(error.message):
        return (
            f"**Not reproduced (incomplete environment)**: the report shows {claimed}; the "
            f"snippet stopped before it at {here}: {code_span(left_out, in_table=False)} was "
            "left out of the environment (see the assumptions). Add its install with `--pip`."
        )
    if raised.short_type != error.short_type:
        return f"**Not reproduced**: the report shows {claimed}, here {here}."
    return _another_module_missing(request, error, raised) or _another_attribute(error, raised)


# What a lookup or connection says when the snippet runs with `--network none`: the
# snippet downloads something (a TF Hub model, a dataset, Keras's pretrained weights).
_OFFLINE = re.compile(
    r"Temporary failure in name resolution|Name or service not known|Network is unreachable"
    r"|No address associated with hostname|nodename nor servname|Failed to resolve"
)
_OFFLINE_TYPES = ("URLError", "gaierror", "ConnectionError", "MaxRetryError", "NewConnectionError")


def _reached_for_network(raised: RaisedError) -> bool:
    """The snippet failed on a download the offline run cannot make, not on the report's
    error (Keras's `get_file` wraps the URLError in an Exception: its message says so)."""
    return raised.short_type in _OFFLINE_TYPES or _OFFLINE.search(raised.message) is not None


# The attribute an AttributeError says is missing, of a module or of an object. The owner's
# name may differ between releases for the same failure (TensorFlow's compat module moved
# under `_api.v2`); the attribute is what the error is about.
_NO_ATTRIBUTE = re.compile(r"\bhas no attribute '(\w+)'")


def _another_attribute(error: ReportedError, raised: RaisedError) -> str | None:
    """The verdict when both errors say an attribute is missing, but not the same one: the
    same type alone is another failure (`populate_dict_with_module_objects` is not `tf2`)."""
    wanted = _NO_ATTRIBUTE.search(error.message)
    found = _NO_ATTRIBUTE.search(raised.message)
    if wanted is None or found is None or wanted[1] == found[1]:
        return None
    return (
        f"**Not reproduced**: the report shows {code_span(error.message, in_table=False)}; "
        f"here another attribute is missing, {code_span(found[1], in_table=False)}."
    )


def _left_out(request: Request, raised: RaisedError) -> str | None:
    """The module the snippet found missing when the harness itself left its package out
    (an import it could not map to a PyPI distribution): the run says nothing of the report."""
    found = _MISSING.match(raised.message)
    if found is None:
        return None
    top = canonicalize_name(found[1].split(".")[0])
    skipped = any(
        said.split(":")[0] == f"{top} not installed"
        for said in (a.lower() for a in request.assumed)
    )
    return found[1] if skipped else None


def _another_module_missing(
    request: Request, error: ReportedError, raised: RaisedError
) -> str | None:
    """The verdict when both errors say a module is missing, but not the same one: the
    module is what such an error is about, so the same type alone matches nothing."""
    wanted, found = _MISSING.match(error.message), _MISSING.match(raised.message)
    if wanted is None or found is None or wanted[1] == found[1]:
        return None
    why = (
        " (left out of the environment: see the assumptions)" if _left_out(request, raised) else ""
    )
    return (
        f"**Not reproduced**: the report shows {code_span(error.message, in_table=False)}; "
        f"here another module is missing, {code_span(found[1], in_table=False)}{why}."
    )
