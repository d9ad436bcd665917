"""Shapes of reports read from keras-team issues: versions named as the ones that work, the
failing version written after them, and tracebacks pasted as indented Markdown code."""

from __future__ import annotations

from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pasted_lines import without_block_indent


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


def test_a_version_said_to_work_before_its_verb_is_not_the_failing_one() -> None:
    for sentence in (
        "keras 3.3.3 works just fine.",
        "Keras 3.3.3 (the one we had pinned) still works.",
        "keras 3.3.3 is fine.",
    ):
        found = extract(f"# Regression in keras 3.4\n\n{sentence}\n\nimport keras\n")
        assert {p.name: p.version for p in found.pins} == {"keras": "3.4"}, sentence
    found = extract("keras 3.3.3 works differently from what the docs say.\n")
    assert [p.version for p in found.pins] == ["3.3.3"]


def test_a_listing_row_outside_a_table_is_columns_not_a_sentence() -> None:
    for row in ("keras    3.3.3    pyhd8ed1ab_0    conda-forge", "keras 3.3.3 /opt/venv/lib"):
        assert [p.version for p in extract(f"{row}\n").pins] == ["3.3.3"], row
    found = extract("keras 3.4 fails.\nkeras 3.3.3 works just fine.\n")
    assert [p.version for p in found.pins] == ["3.4"]


def test_the_versions_after_not_with_are_the_failing_ones() -> None:
    found = extract("It works with keras 3.6.0, but not with 3.7.0 or 3.8.0.\n\nimport keras\n")
    assert {p.name: p.version for p in found.pins} == {"keras": "3.8.0"}
    found = extract("Works in TF 2.15 but not in 2.16.\n\nimport tensorflow\n")
    assert {p.name: p.version for p in found.pins} == {"tensorflow": "2.16"}
    found = extract("It works with Python 3.10, not with 3.12.\n\nimport keras\n")
    assert found.pins == ()


def test_a_traceback_in_an_indented_code_block_is_read_as_at_the_margin() -> None:
    pasted = (
        "Python 3.11, keras 3.6.0. Output:\n"
        "\n"
        "    Traceback (most recent call last):\n"
        '      File "<stdin>", line 1, in <module>\n'
        "    KeyError: 'glorot'\n"
    )
    found = extract(pasted)
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.source) == ("KeyError", "traceback")
    assert without_block_indent(["text", "", "    x", "", "      y", "z", "    w"]) == [
        "text",
        "",
        "x",
        "",
        "  y",
        "z",
        "    w",
    ]
