"""The repro report's verdict: the reported error against the one the snippet raised."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.repro.bug_report.model import ReportedError
from harness.repro.request import Request
from harness.repro.verdict import describe, verdict
from harness.results.outcome import Outcome, RaisedError, Status

MESSAGE = "module 'tf.compat.v2.__internal__' has no attribute 'register_load_context_function'"
SHOWN = f"{MESSAGE}. Did you mean: 'register_call_context_function'?"


def _request(error: ReportedError | None) -> Request:
    return Request(
        python="3.11",
        steps=("keras==2.15.0",),
        env={},
        keras_json=None,
        code="import keras\n",
        code_origin="test",
        extracted=(),
        assumed=(),
        reported_error=error,
        source=Path("report.md"),
    )


def _raised(display: str | None, message: str = MESSAGE) -> Outcome:
    error = RaisedError(
        type="AttributeError",
        message=message,
        raised_at=None,
        scenario_line=None,
        phase="import",
        traceback="",
        display=display,
    )
    return _outcome("error", error, python="3.11")


def _outcome(status: Status, error: RaisedError | None, *, python: str) -> Outcome:
    return Outcome(
        run_id="r",
        cell_id="c",
        python=python,
        environment="e",
        backend="reported",
        scenario="snippet",
        status=status,
        error=error,
    )


def test_a_report_that_pasted_the_terminal_line_matches_the_display() -> None:
    request = _request(ReportedError(type="AttributeError", message=SHOWN))
    assert verdict(request, _raised(f"AttributeError: {SHOWN}")).startswith("**Reproduced**:")
    # Without the display (records made before it, or Python 3.9, which suggests nothing):
    # the suggestion is the printing interpreter's, not the failure's, and is left out.
    assert verdict(request, _raised(None)).startswith("**Reproduced**:")


def test_a_report_quoting_str_exc_still_matches() -> None:
    request = _request(ReportedError(type="AttributeError", message=MESSAGE))
    assert verdict(request, _raised(f"AttributeError: {SHOWN}")).startswith("**Reproduced**:")


def test_a_type_only_claim_matches_on_the_type() -> None:
    request = _request(ReportedError(type="AttributeError", message=""))
    assert verdict(request, _raised(None)) == (
        "**Reproduced**: same exception type; the report shows no message to compare."
    )


def test_the_outcome_is_described_as_the_terminal_showed_it() -> None:
    assert describe(_raised(f"AttributeError: {SHOWN}")) == f"AttributeError: {SHOWN}"
    assert describe(_raised(None)) == f"AttributeError: {MESSAGE}"


def test_a_report_keeping_the_first_line_of_a_long_message_matches() -> None:
    printed = f"{MESSAGE}\nThe layer was built by keras 3.1.0.\nRebuild it with tf_keras."
    first = _request(ReportedError(type="AttributeError", message=MESSAGE))
    assert verdict(first, _raised(None, printed)).startswith("**Reproduced**:")
    two = _request(ReportedError(type="AttributeError", message="\n".join(printed.split("\n")[:2])))
    assert verdict(two, _raised(None, printed)).startswith("**Reproduced**:")
    # A first line is not any line: a report quoting a later one, or a different first line,
    # agrees on the type only.
    later = _request(ReportedError(type="AttributeError", message="Rebuild it with tf_keras."))
    assert verdict(later, _raised(None, printed)).startswith("**Reproduced (type only)**")
    other = _request(ReportedError(type="AttributeError", message="module 'keras' is broken"))
    assert verdict(other, _raised(None, printed)).startswith("**Reproduced (type only)**")


def test_an_environment_that_could_not_be_built_is_not_run_not_unreproduced() -> None:
    # A release with no files for the Python used (TensorFlow 2.3 on 3.9): the snippet never
    # ran, so the verdict says nothing of the report's error either way.
    request = _request(ReportedError(type="TypeError", message="Descriptors cannot be made"))
    failed = Outcome(
        run_id="r",
        cell_id="c",
        python="3.9",
        environment="e",
        backend="reported",
        scenario="snippet",
        status="build_failed",
        error=None,
    )
    said = verdict(request, failed)
    assert said.startswith("**Not run**:")
    assert "Not reproduced" not in said


def test_a_module_the_harness_left_out_is_an_incomplete_environment() -> None:
    # `import deep_mesh` that no known distribution provides: the snippet stops at the import
    # the harness could not satisfy, before the report's ImportError could happen.
    request = replace(
        _request(ReportedError(type="ImportError", message="cannot import name 'x' from 'y'")),
        assumed=("deep-mesh not installed: imported, but not a known PyPI distribution",),
    )
    stopped = _raised(None, message="No module named 'deep_mesh'")
    stopped = replace(
        stopped, error=replace(stopped.error, type="ModuleNotFoundError") if stopped.error else None
    )
    said = verdict(request, stopped)
    assert said.startswith("**Not reproduced (incomplete environment)**")
    assert "`deep_mesh`" in said
    # A module the harness did install, missing here, is what the environment says.
    assert verdict(replace(request, assumed=()), stopped).startswith("**Not reproduced**: ")


def _ok() -> Outcome:
    return _outcome("ok", None, python="3.9")


def test_a_run_in_a_stand_in_environment_says_what_stood_in() -> None:
    assumed = (
        "Python 3.9 instead of 3.8: no Debian suite ships Python 3.8 (known: 3.9 (bullseye))",
        "tf-nightly 2.13.0.dev20230427 is no longer on PyPI (it keeps only recent nightlies): "
        "tensorflow 2.13.0, the first release of the line that nightly led to, stands in",
    )
    request = replace(
        _request(ReportedError(type="TypeError", message="unsupported operand")), assumed=assumed
    )
    assert verdict(request, _ok()) == (
        "**Not reproduced (stand-in environment)**: the report shows `TypeError`, here the "
        "snippet gave ok; this ran Python 3.9 for the report's 3.8 and tensorflow 2.13.0 for "
        "the report's tf-nightly 2.13.0.dev20230427, so an error of the report's own "
        "environment may not show here."
    )
    # Another error type in the same stand-in: said the same way.
    other = verdict(request, _raised(None))
    assert other.startswith("**Not reproduced (stand-in environment)**: the report shows")


def test_a_run_in_the_reports_own_environment_is_not_qualified() -> None:
    request = _request(ReportedError(type="TypeError", message="unsupported operand"))
    assert verdict(request, _ok()) == (
        "**Not reproduced**: the report shows `TypeError`, here the snippet gave ok."
    )
    # A reproduction in a stand-in is still one.
    stood_in = replace(
        _request(ReportedError(type="AttributeError", message=MESSAGE)),
        assumed=("Python 3.11 instead of 3.12: no Debian suite ships Python 3.12",),
    )
    assert verdict(stood_in, _raised(None)).startswith("**Reproduced")


def test_another_missing_attribute_is_another_error() -> None:
    claimed = "module 'tensorflow.compat.v2.__internal__' has no attribute 'tf2'"
    request = _request(ReportedError(type="AttributeError", message=claimed))
    raised = (
        "module 'keras.utils.generic_utils' has no attribute 'populate_dict_with_module_objects'"
    )
    assert verdict(request, _raised(None, message=raised)) == (
        f"**Not reproduced**: the report shows `{claimed}`; here another attribute is missing, "
        "`populate_dict_with_module_objects`."
    )
    # The same attribute of a module whose path moved between releases is the same failure.
    moved = "module 'tensorflow._api.v2.compat.v2.__internal__' has no attribute 'tf2'"
    assert verdict(request, _raised(None, message=moved)).startswith("**Reproduced")
