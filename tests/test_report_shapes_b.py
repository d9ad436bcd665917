"""Shapes of reports read from forum posts and TensorFlow issues: which version is the one
that fails when the report names several, and where a claimed error is written in prose."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from harness.repro.bug_report.parse import extract
from harness.repro.request import resolve_text
from tests.pypi_fake import recorded_index


def _pins(text: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(text).pins}


def test_a_version_named_before_the_words_that_say_it_works_is_not_the_failing_one() -> None:
    text = "With TF `2.13.1`, the loader runs fine.\nOn TensorFlow 2.14.0 it raises.\n"
    assert _pins(text) == {"tensorflow": "2.14.0"}
    # Said the other way round, the same.
    assert _pins("It runs fine with TF 2.13.1. On TensorFlow 2.14.0 it raises.\n") == {
        "tensorflow": "2.14.0"
    }


def test_a_version_that_no_longer_works_is_the_failing_one() -> None:
    text = "It worked with keras 3.1.0.\n\nMasking is no longer working in keras 3.2.1.\n"
    assert _pins(text) == {"keras": "3.2.1"}
    text = "Fine with keras 3.1.0; the callback doesn't work with keras 3.2.1.\n"
    assert _pins(text) == {"keras": "3.2.1"}
    # A negation inside the clause: that version fails too.
    assert _pins("With keras 3.2.1 the callback does not work.\n") == {"keras": "3.2.1"}


def test_a_python_that_works_is_not_the_failing_python() -> None:
    found = extract("It works in Python 3.10, but Python 3.12 gives the error.\nkeras 3.3\n")
    assert found.python is not None
    assert found.python[0] == "3.12"
    # Not even when it is the only Python named: the run would show the report's working case.
    found = extract("It works in Python 3.10.\nkeras 3.3\n")
    assert found.python is None


def test_an_error_written_into_a_sentence_is_the_claim_up_to_where_its_message_ends() -> None:
    text = "Hi, I keep getting ValueError: bad input shape (3,). Any idea? I use keras 3.1.\n"
    claim = extract(text).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == ("ValueError", "bad input shape (3,)")
    # A message of a known form ends where the form does, Python's aside kept.
    text = (
        "I get ImportError: cannot import name 'ops' from partially initialized module "
        "'keras.src' (most likely due to a circular import) when I run it\n"
    )
    claim = extract(text).reported_error
    assert claim is not None
    assert claim.message.endswith("(most likely due to a circular import)")


def test_code_that_handles_an_error_claims_none() -> None:
    text = "My loader:\n\n    try:\n        x = 1\n    except KeyError: pass\n\nkeras 3.1\n"
    assert extract(text).reported_error is None
    text = "```python\ntry:\n    x = 1\nexcept KeyError: pass\n```\nkeras 3.1\n"
    assert extract(text).reported_error is None


def test_a_pre_release_is_read_however_it_is_separated() -> None:
    for written in ("2.1.0rc1", "2.1.0-rc1", "2.1.0.rc1"):
        assert _pins(f"- TensorFlow version: {written}\n") == {"tensorflow": "2.1.0rc1"}
    assert _pins("tf.__version__ is 2.16.0-rc0 here\n") == {"tensorflow": "2.16.0rc0"}
    assert _pins("I use TF 2.16.0-rc0.\n") == {"tensorflow": "2.16.0rc0"}
    # A wheel's tags after its version are not a pre-release.
    wheel = "pip install tensorflow-2.15.0-cp311-cp311-manylinux2014_x86_64.whl\n"
    assert _pins(wheel) == {"tensorflow": "2.15.0"}


def test_a_missing_submodule_of_a_known_package_is_imported_and_its_package_installed() -> None:
    found = extract("I get `ModuleNotFoundError: No module named 'tensorflow.keras'`\n")
    assert found.code is not None
    assert found.code.text == "import tensorflow.keras\n"
    # Its package is there: what the code imports through it runs that package.
    error = "ModuleNotFoundError: No module named 'keras.legacy'"
    text = f"```python\nimport adamw_helpers\n```\n{error}\n"
    assert extract(text).error_packages == ("keras",)
    # A missing top-level package gives no code: it only shows what the report says.
    assert extract("I get `ModuleNotFoundError: No module named 'keras'`\n").code is None
    # Nor does a submodule of a package the harness does not know.
    assert extract("I get `ModuleNotFoundError: No module named 'mylib.utils'`\n").code is None


def test_a_name_quoted_after_error_is_not_the_message_of_a_cut_traceback() -> None:
    header = "TypeError                                 Traceback (most recent call last)\n"
    text = f"I get an error saying that `BatchNormalization` cannot take it.\n\n```\n{header}```\n"
    claim = extract(text).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == ("TypeError", "")
    text = f'It shows "unhashable type: list" and stops.\n\n```\n{header}```\n'
    claim = extract(text).reported_error
    assert claim is not None
    assert claim.message == "unhashable type: list"


def test_without_a_version_the_python_is_one_with_a_release_out_by_the_date() -> None:
    # TensorFlow's first wheels for 3.9 came with 2.5.0 (May 2021): in March 2021 the
    # reporter ran 2.4.x on 3.8, not a release that did not exist yet.
    text = "```python\nimport tensorflow as tf\nprint(tf.ones(2))\n```\n"
    request = resolve_text(
        text, source=Path("r.md"), index=recorded_index(), as_of=date(2021, 3, 4)
    )
    assert (request.python, request.steps) == ("3.8", ("tensorflow==2.4.1",))
    # A package first released after the date still gets its first release.
    request = resolve_text(
        "```python\nimport keras_hub\n```\n",
        source=Path("r.md"),
        index=recorded_index(),
        as_of=date(2021, 3, 4),
    )
    assert len(request.steps) == 1
    assert request.steps[0].startswith("keras-hub==0.")
