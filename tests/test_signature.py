"""Signatures group one error across cells, whatever its paths, addresses and versions."""

from __future__ import annotations

import pytest

from harness.results.outcome import normalize, signature_id, signature_of


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("No module named 'tensorflow'", "No module named 'tensorflow'"),
        (
            "Unable to import backend : invalid_backend",
            "Unable to import backend : invalid_backend",
        ),
        (
            "<keras.src.models.Sequential object at 0x7f3a2c1b9d90> has no attribute 'history'",
            "<keras.src.models.Sequential object at <addr>> has no attribute 'history'",
        ),
        (
            'File "/opt/venv/lib/python3.11/site-packages/keras/__init__.py", line 12',
            'File "<path>", line <n>',
        ),
        (
            "tensorflow 2.15.1 requires keras<2.16,>=2.15.0",
            "tensorflow <version> requires keras<<version>,>=<version>",
        ),
        ("expected 10 got 5", "expected <n> got <n>"),
        ("a   b\n  c", "a b c"),
    ],
)
def test_normalize(message: str, expected: str) -> None:
    assert normalize(message) == expected


def test_same_error_in_different_cells_has_one_signature() -> None:
    first = signature_of(
        "AttributeError", "<Sequential object at 0x7f00aa> in /opt/venv/lib/python3.9/x.py"
    )
    second = signature_of(
        "AttributeError", "<Sequential object at 0x55bb11> in /opt/venv/lib/python3.11/x.py"
    )
    assert first == second
    assert signature_id(first) == signature_id(second)
    assert signature_id(first).startswith("S") and len(signature_id(first)) == 9


def test_different_types_differ() -> None:
    assert signature_of("ValueError", "x") != signature_of("TypeError", "x")
