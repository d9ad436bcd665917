"""A pip line's range (`"tensorflow<2.16"`, `"keras>=3,<3.5"`) chooses the Python and the
versions around it as pip's newest release in it would, and stays in the step as written."""

from __future__ import annotations

from datetime import date

from harness.repro.request_steps import step_ranges
from harness.repro.resolution import Wanted, choose_python, exact_version
from tests.pypi_fake import recorded_index


def test_ranges_are_read_and_exact_pins_are_not_ranges() -> None:
    step = "'tensorflow>=2.8,<2.9' keras==2.8.0 'numpy==1.26.*' jax 'torch~=2.1.0' -U"
    assert step_ranges(step) == {
        "tensorflow": "<2.9,>=2.8",
        "numpy": "==1.26.*",
        "torch": "~=2.1.0",
    }


def test_a_line_that_is_not_a_requirement_gives_no_range() -> None:
    assert step_ranges("-r requirements.txt ./wheels/x.whl git+https://host/x.git") == {}


def test_the_python_and_the_release_fit_the_range() -> None:
    index = recorded_index()
    wanted = Wanted(name="tensorflow", version="", exact=False, why="a range", within=">=2.8,<2.9")
    python, _ = choose_python([wanted], index, date(2024, 2, 20))
    # TensorFlow 2.8 has no files for 3.11 or 3.12: the newest Python it installs on.
    assert python == "3.10"
    version, said = exact_version(wanted, python, index, date(2024, 2, 20), dated=True)
    assert version == "2.8.4"
    assert said is not None and "in >=2.8,<2.9" in said


def test_a_range_with_no_files_for_the_python_is_left_for_pip_to_refuse() -> None:
    index = recorded_index()
    wanted = Wanted(name="tensorflow", version="", exact=False, why="a range", within="<2.16")
    version, said = exact_version(wanted, "3.12", index, date(2024, 2, 20), dated=True)
    assert version.startswith("2.16")
    assert said is not None and "pip refuses the step as written" in said
