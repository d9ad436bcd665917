"""Extraction from bug reports written the way people write them (tests/data/reports/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report import blocks, extract

REPORTS = Path(__file__).parent / "data" / "reports"


def read(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


def pins(name: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(read(name)).pins}


def test_prose_versions_and_the_traceback_s_last_line() -> None:
    found = extract(read("keras3_without_tensorflow.md"))
    assert found.python == ("3.11", '"Python version: 3.11.4"')
    assert pins("keras3_without_tensorflow.md") == {"keras": "3.12.0"}
    assert found.code is not None
    assert found.code.text.startswith("import keras\n")
    assert found.code.line == 13
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.message) == (
        "ModuleNotFoundError",
        "No module named 'tensorflow'",
    )


def test_freeze_dump_keeps_keras_packages_and_lists_the_rest() -> None:
    found = extract(read("freeze_dump.md"))
    assert pins("freeze_dump.md") == {"keras": "3.3.3", "numpy": "1.26.4", "tensorflow": "2.15.1"}
    assert "requests" in found.ignored_packages
    assert "tensorboard" in found.ignored_packages
    assert found.python is not None
    assert found.python[0] == "3.10"
    assert found.env == {"KERAS_BACKEND": "tensorflow"}


def test_of_several_code_blocks_the_one_that_does_more_than_print_versions_runs() -> None:
    found = extract(read("freeze_dump.md"))
    assert found.code is not None
    assert "model.fit" in found.code.text
    assert [b.line for b in found.other_code] == [10]


def test_a_version_printout_beats_a_partial_prose_version() -> None:
    found = extract(read("prose_partial.md"))
    assert pins("prose_partial.md") == {"tensorflow": "2.16.1"}
    assert found.code is not None
    assert found.code.info == "py"  # a ~~~ fence
    assert "tf.keras.layers.Dense" in found.code.text


def test_pip_list_table_keras_json_and_sys_version() -> None:
    found = extract(read("pip_list.md"))
    assert pins("pip_list.md") == {
        "jax": "0.4.30",
        "jaxlib": "0.4.30",
        "keras": "3.4.1",
        "numpy": "2.0.1",
    }
    assert found.keras_json is not None
    assert found.keras_json["backend"] == "jax"
    assert found.python is not None
    assert found.python[0] == "3.12"
    assert "pip" not in found.ignored_packages


def test_pip_install_lines_are_ordered_steps() -> None:
    found = extract(read("pip_install_steps.md"))
    assert found.pip_steps == ("tensorflow-cpu==2.15.1", "keras")
    assert pins("pip_install_steps.md")["keras"] == "3.4.1"  # "`keras.__version__` printed 3.4.1"


def test_missing_pieces_are_missing() -> None:
    assert extract(read("no_code.md")).code is None
    assert pins("no_code.md") == {"tensorflow": "2.16.1", "keras": "3.3.3"}
    assert extract(read("no_version.md")).pins == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tf version = 2.15.0", {"tensorflow": "2.15.0"}),
        ("TensorFlow (version) 2.12", {"tensorflow": "2.12"}),
        ("keras: 3.0.2, jax is 0.4.23", {"keras": "3.0.2", "jax": "0.4.23"}),
        ("keras==2.15.0\ntf-keras==2.15.1", {"keras": "2.15.0", "tf-keras": "2.15.1"}),
        ("In [2]: keras.__version__\nOut[2]: '3.5.0'", {"keras": "3.5.0"}),
        ("the keras-nlp docs say 3.1", {}),  # a different package, not keras
    ],
)
def test_version_phrasings(text: str, expected: dict[str, str]) -> None:
    assert {p.name: p.version for p in extract(text).pins} == expected


def test_fences_keep_their_lines_and_nesting() -> None:
    text = "intro\n````markdown\n```python\nx = 1\n```\n````\n\n```python\nprint(1)\n```\n"
    found = blocks(text)
    assert [(b.info, b.line) for b in found] == [("markdown", 3), ("python", 9)]
    assert found[0].text == "```python\nx = 1\n```"


def test_a_traceback_is_not_code_to_run() -> None:
    text = (
        '```python\nTraceback (most recent call last):\n  File "x.py", line 1\n'
        "ValueError: bad\n```\n"
    )
    found = extract(text)
    assert found.code is None
    assert found.reported_error is not None
    assert found.reported_error.type == "ValueError"
