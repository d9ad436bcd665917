"""Shapes of titles found in real reports saved as text: a title cut before its first name's
opening quote, a saved page's address line above its title, a version named before the
words that say it stopped working, and versions listed after an arrow."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.python_version import said
from harness.repro.bug_report.settings import claim
from harness.repro.bug_report.title import title_of
from harness.repro.bug_report.versions import read


@pytest.mark.parametrize(
    ("title", "message"),
    [
        (
            "tensorflow.python.keras.api._v1.keras.layers' has no attribute 'experimental'",
            "module 'tensorflow.python.keras.api._v1.keras.layers' has no attribute 'experimental'",
        ),
        ("keras' has no attribute 'engine'", "module 'keras' has no attribute 'engine'"),
        (
            "Functional' object has no attribute 'predict_classes'",
            "'Functional' object has no attribute 'predict_classes'",
        ),
    ],
)
def test_a_title_cut_before_its_first_quote_gets_its_head_back(title: str, message: str) -> None:
    found = claim("It fails on import.\n", title=title)
    assert found is not None
    assert (found.type, found.message) == ("AttributeError", message)


@pytest.mark.parametrize(
    "title",
    [
        # A class's name with no "object" after it: "type object 'X'" or a slip, not a module.
        "Sequential' has no attribute 'predict_classes'",
        # Quotes that pair up: nothing was cut before the name.
        "'keras' has no attribute 'engine' on 3.0",
        "Loading fails after the upgrade",
    ],
)
def test_other_titles_get_no_head(title: str) -> None:
    assert claim("It fails on import.\n", title=title) is None


@pytest.mark.parametrize(
    "first",
    [
        "https://github.com/acme/ml/issues/12 2024-05-02",
        "URL: https://discuss.example.net/t/load-fails/31 (opened 2024-05-02)",
        "<https://forum.example.org/t/99>",
    ],
)
def test_a_saved_pages_address_line_is_not_its_title(first: str) -> None:
    text = f"{first}\n# No module named 'keras.engine'\n\nbody\n"
    assert title_of(text) == "No module named 'keras.engine'"


def test_a_first_line_that_says_more_than_an_address_is_the_title() -> None:
    text = "Loading https://example.com/model.h5 fails\n\nbody\n"
    assert title_of(text) == "Loading https://example.com/model.h5 fails"


@pytest.mark.parametrize(
    "line",
    [
        "With keras 3.3.3 on Python 3.11 this helper stopped working:",
        "On Python 3.11 the loader ceased working after the upgrade.",
    ],
)
def test_a_fronted_version_that_stopped_working_is_the_failing_one(line: str) -> None:
    chosen, notes = said(line)
    assert chosen is not None and chosen[0] == "3.11"
    assert notes == ()


@pytest.mark.parametrize("arrow", ["-->", "->", "=>", "\u2192"])
def test_an_arrow_separates_a_name_from_its_version(arrow: str) -> None:
    chosen, _ = said(f"- Python {arrow} 3.9.16")
    assert chosen is not None and chosen[0] == "3.9"
    text = f"- keras {arrow} 2.10.0\n"
    assert ("keras", "2.10.0") in {(p.name, p.version) for p in read(text, full=text).pins}
