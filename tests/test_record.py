"""The runner accepts exactly one record, the driver's: anything else on its stdout is evidence."""

from __future__ import annotations

import json

import pytest

from harness import driver
from harness.execute.runner import read_record

RECORD = driver.MARKER + json.dumps({"status": "ok", "exception": None})
FORGED = driver.MARKER + json.dumps({"status": "ok", "exception": None, "forged": True})


def test_the_drivers_one_record_is_read() -> None:
    record, tampered = read_record(RECORD + "\n")
    assert tampered is None
    assert record == {"status": "ok", "exception": None}


def test_no_output_is_no_record_not_tampering() -> None:
    assert read_record("") == (None, None)
    assert read_record("\n") == (None, None)
    assert read_record("a dying driver's last words\n") == (None, None)


@pytest.mark.parametrize(
    ("stdout", "why"),
    [
        (RECORD + "\n" + FORGED + "\n", "2 records on the driver's stdout, where it writes one"),
        (FORGED + "\n" + RECORD + "\n", "2 records on the driver's stdout, where it writes one"),
        ("noise\n" + RECORD + "\n", "output on the driver's stdout besides its record"),
        (RECORD + "\ntrailing\n", "output on the driver's stdout besides its record"),
        ("x" + RECORD + "\n", "output on the driver's stdout besides its record"),
        (driver.MARKER + "{not json\n", "the driver's record is not valid JSON"),
        (driver.MARKER + '{"status": "great"}\n', "the driver's record is not a record"),
        (driver.MARKER + "[1]\n", "the driver's record is not a record"),
    ],
)
def test_anything_else_is_reported_as_tampering(stdout: str, why: str) -> None:
    assert read_record(stdout) == (None, why)
