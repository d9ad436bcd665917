"""--neighbours: the adjacent minors stay within the reported major version unless asked."""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from harness.repro.bug_report.parse import extract
from harness.repro.reproduce import adjacent_minors, variants_of
from harness.repro.request import Flags, resolve
from tests.pypi_fake import fake_index

ANY = (">=3.9", "py3-none-any")
KERAS_LINES = dict.fromkeys(("2.14.0", "2.15.0", "3.0.0", "3.0.5", "3.1.1"), ANY)
TF_LINES = dict.fromkeys(("1.15.5", "2.0.4", "2.1.4"), ANY)


def test_the_first_release_of_a_major_has_no_previous_minor_by_default() -> None:
    index = fake_index(keras=KERAS_LINES)
    assert adjacent_minors(index, "keras", Version("3.0.0"), "3.11") == [
        (Version("3.1.1"), "next minor")
    ]
    assert adjacent_minors(index, "keras", Version("3.0.0"), "3.11", cross_major=True) == [
        (Version("2.15.0"), "previous major"),
        (Version("3.1.1"), "next minor"),
    ]


def test_the_last_minor_of_a_major_has_no_next_minor_by_default() -> None:
    index = fake_index(keras=KERAS_LINES)
    assert adjacent_minors(index, "keras", Version("2.15.0"), "3.11") == [
        (Version("2.14.0"), "previous minor")
    ]
    assert adjacent_minors(index, "keras", Version("2.15.0"), "3.11", cross_major=True) == [
        (Version("2.14.0"), "previous minor"),
        (Version("3.0.5"), "next major"),
    ]


def test_tensorflow_2_0_does_not_reach_back_to_1_15() -> None:
    index = fake_index(tensorflow=TF_LINES)
    assert adjacent_minors(index, "tensorflow", Version("2.0.4"), "3.11") == [
        (Version("2.1.4"), "next minor")
    ]
    assert adjacent_minors(index, "tensorflow", Version("2.0.4"), "3.11", cross_major=True)[0] == (
        Version("1.15.5"),
        "previous major",
    )


def test_variants_follow_the_same_rule_for_every_pinned_package() -> None:
    text = "tensorflow==2.16.1\nkeras==3.10.0\n```python\nimport keras\n```\n"
    request = resolve(Path("r.md"), extract(text), Flags(python="3.11"), fake_index())
    within = variants_of(request, fake_index(), neighbours=True)
    assert [v.label for v in within] == [
        "tensorflow 2.16.1, keras 3.10.0 (as reported)",
        "tensorflow 2.15.1 (previous minor)",  # 2.17.0 has no wheel for 3.11 in the canned index
        "keras 3.11.3 (next minor)",
    ]
    crossing = variants_of(request, fake_index(), neighbours=True, cross_major=True)
    assert [v.label for v in crossing][2:] == [
        "keras 2.15.0 (previous major)",
        "keras 3.11.3 (next minor)",
    ]
    assert crossing[2].setup.steps == ("tensorflow==2.16.1 keras==2.15.0",)
