"""An exact version uploaded after the report's date is flagged, unless it stands in for a
nightly PyPI no longer keeps (the nightly came first; its own note says what stands in)."""

from __future__ import annotations

from datetime import date

from harness.repro.later_pins import released_later
from harness.repro.nightlies import STANDS_IN
from harness.repro.resolution import Wanted
from tests.pypi_fake import recorded_index


def test_a_version_released_after_the_report_is_flagged() -> None:
    wanted = Wanted(name="tensorflow", version="2.16.1", exact=True, why="as written")
    (note,) = released_later([wanted], recorded_index(), date(2023, 5, 1))
    assert note.startswith("tensorflow 2.16.1 kept as the report writes it")


def test_a_release_standing_in_for_a_nightly_is_not_flagged() -> None:
    why = f"{STANDS_IN} tf-nightly 2.16.0.dev20231101"
    wanted = Wanted(name="tensorflow", version="2.16.1", exact=True, why=why)
    assert released_later([wanted], recorded_index(), date(2023, 11, 2)) == []
