"""Shapes of TensorFlow issue-template reports: a nightly build named by its distribution in
the version field ("tf-nightly 2.13.0-dev20230427", "TF-nightly (2.13.0-dev20230427)")."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.parse import extract

CODE = "\n\n```python\nimport tensorflow as tf\ntf.constant(1).numpy()\n```\n\nValueError: x\n"


def pins(text: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(text + CODE).pins}


@pytest.mark.parametrize(
    ("said", "name", "version"),
    [
        (
            "### Tensorflow Version\n\nTF-nightly (2.13.0-dev20230427)",
            "tf-nightly",
            "2.13.0.dev20230427",
        ),
        (
            "### TensorFlow version\n\ntf-nightly 2.16.0-dev20240115",
            "tf-nightly",
            "2.16.0.dev20240115",
        ),
        ("- TensorFlow version: tf_nightly 2.15.0.dev20230914", "tf-nightly", "2.15.0.dev20230914"),
        ("I run tf-nightly==2.17.0.dev20240501 on Linux.", "tf-nightly", "2.17.0.dev20240501"),
        (
            "Keras version: keras-nightly 3.3.0.dev2024041003",
            "keras-nightly",
            "3.3.0.dev2024041003",
        ),
        ("keras_nightly (3.4.0.dev2024060103) on a laptop", "keras-nightly", "3.4.0.dev2024060103"),
    ],
)
def test_a_nightly_named_by_its_distribution_is_that_build(
    said: str, name: str, version: str
) -> None:
    assert pins(said).get(name) == version
    assert "tensorflow" not in pins(said)


@pytest.mark.parametrize(
    "said",
    [
        "### TensorFlow version\n\ntf-nightly",  # no version: nothing pinned
        "I tried tf-nightly too.",
    ],
)
def test_a_nightly_named_without_a_version_pins_nothing(said: str) -> None:
    assert "tf-nightly" not in pins(said)
