"""Shapes of reports read from keras-team issues: versions named as the ones that work, the
failing version written after them, and tracebacks pasted as indented Markdown code."""

from __future__ import annotations

from harness.repro.bug_report.parse import extract


def test_a_python_that_works_is_not_the_failing_python() -> None:
    found = extract("It works in Python 3.10; here it fails on Python 3.12.\n\nimport keras\n")
    assert found.python is not None
    assert found.python[0] == "3.12"
    assert any("Python 3.10 not used" in note for note in found.notes)


def test_a_python_that_works_is_not_used_even_alone() -> None:
    found = extract("Runs fine with Python 3.10 on my desktop, not on the server.\n")
    assert found.python is None
    assert found.notes == (
        'Python 3.10 not used: "Python 3.10" names another Python than the failing one',
    )
