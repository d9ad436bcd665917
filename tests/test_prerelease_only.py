"""A partial version ("TF 2.16") in a report written while PyPI had only pre-releases of it:
pip installs a pre-release where no final release fits (Python 3.12 had no TensorFlow 2.15),
so the newest pre-release out by the report's day is what the reporter had, not the final
release that came out later. A day the versions only imply is a bound, not the day: there
the first final release stays."""

from __future__ import annotations

import datetime

import pytest

from harness.repro.resolution import Wanted, exact_version
from tests.pypi_fake import recorded_index, request_as_of

_REPORT = """TensorFlow version: 2.16
Python version: 3.12

```
pip install tensorflow
```

```python
import tensorflow as tf
print(tf.keras.layers.Dense(2))
```
"""


@pytest.mark.parametrize(
    ("as_of", "tensorflow"),
    [
        ("2024-02-25", "2.16.0rc0"),  # rc0 out on 2024-02-23, no 2.16 final yet
        ("2024-03-20", "2.16.1"),  # the final release was out by then
        ("2024-01-10", "2.16.1"),  # nothing of 2.16 out yet: the first final release
    ],
)
def test_a_partial_version_with_only_a_pre_release_out(as_of: str, tensorflow: str) -> None:
    request = request_as_of(_REPORT, as_of)
    assert request.steps == (f"tensorflow=={tensorflow}",)
    if "rc" in tensorflow:
        assert any("a pre-release: no final one was out" in a for a in request.assumed)


def test_a_pre_release_is_chosen_only_by_the_reports_own_day() -> None:
    wanted = Wanted(name="tensorflow", version="2.16", exact=False, why="the report says 2.16")
    day = datetime.date(2024, 2, 25)
    index = recorded_index()
    assert exact_version(wanted, "3.12", index, day, dated=True)[0] == "2.16.0rc0"
    assert exact_version(wanted, "3.12", index, day, dated=False)[0] == "2.16.1"
