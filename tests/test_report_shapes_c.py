"""Shapes of reports read from keras-team issues: multi-backend Keras and its backend, Python 2
and quoted tracebacks, pip's own output after a `pip install`, installs from git, Keras 3's
multi-line exception messages, and the Python after "not with"."""

from __future__ import annotations

import datetime
from pathlib import Path

from harness.repro.bug_report.parse import extract
from harness.repro.request import Flags, resolve
from tests.pypi_fake import recorded_index

OLD_CODE = "```python\nimport keras\nkeras.layers.Dense(2)\n```\n"


def resolved(text: str, as_of: str) -> tuple[tuple[str, ...], dict[str, str] | None, str]:
    request = resolve(
        Path("r.md"),
        extract(text),
        Flags(),
        recorded_index(),
        as_of=datetime.date.fromisoformat(as_of),
    )
    return request.steps, request.keras_json, "\n".join(request.assumed)


def test_the_backend_a_multi_backend_keras_prints_is_read() -> None:
    for output, backend in (
        ("Using Theano backend.", "theano"),
        ("> Using TensorFlow backend.", "tensorflow"),
        ("Using CNTK backend", "cntk"),
    ):
        found = extract(f"{OLD_CODE}\n```\n{output}\n```\n")
        assert found.shown_backend is not None, output
        assert found.shown_backend[0] == backend, output
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.6/site-packages/keras/backend/theano_backend.py", line 9, in f\n'
        "    x = y\n"
        "TypeError: nope\n"
    )
    found = extract(traceback)
    assert found.shown_backend == ("theano", "a traceback through keras/backend/theano_backend.py")
    assert extract(OLD_CODE + "I'm using keras with a GPU.\n").shown_backend is None


def test_keras_before_2_6_gets_the_backend_it_runs_on_as_of_the_report_s_date() -> None:
    steps, keras_json, assumed = resolved("Keras 2.2.4, Python 3.6\n" + OLD_CODE, "2018-11-20")
    assert steps == ("keras==2.2.4 tensorflow==1.12.0",)
    assert keras_json is None
    assert "TensorFlow is Keras 2.2.4's default" in assumed
    # Keras 1.0 ran on Theano by default: Theano, and no keras.json to say so.
    steps, keras_json, _ = resolved("Keras 1.0.4\n" + OLD_CODE, "2016-06-20")
    assert steps[0].split() == ["keras==1.0.4", "theano==0.8.2"]
    assert keras_json is None


def test_a_backend_shown_that_is_not_keras_s_default_is_installed_and_set() -> None:
    text = "Keras 2.1.2\n" + OLD_CODE + "```\nUsing Theano backend.\n```\n"
    steps, keras_json, assumed = resolved(text, "2017-12-20")
    assert steps == ("keras==2.1.2 theano==1.0.1",)
    assert keras_json == {"backend": "theano"}
    assert 'the report shows "Using Theano backend"' in assumed
    assert "the report shows Keras 2.1.2 on Theano, not its default TensorFlow" in assumed


def test_no_backend_is_added_where_the_report_installs_one_or_keras_needs_none() -> None:
    text = "Python 3.6\n$ pip install keras==2.2.4 tensorflow-gpu==1.12.0\n" + OLD_CODE
    steps, _, _ = resolved(text, "2018-11-20")
    assert steps == ("keras==2.2.4 tensorflow-gpu==1.12.0",)
    steps, _, _ = resolved("Keras 2.11.0, TensorFlow 2.11.0\n" + OLD_CODE, "2023-01-10")
    assert steps == ("keras==2.11.0 tensorflow==2.11.0",)
    steps, _, _ = resolved("Keras 3.3.3\n" + OLD_CODE, "2024-05-01")
    assert steps == ("keras==3.3.3",)
