"""Shapes of reports read from keras-team issues: multi-backend Keras and its backend, Python 2
and quoted tracebacks, pip's own output after a `pip install`, installs from git, Keras 3's
multi-line exception messages, and the Python after "not with"."""

from __future__ import annotations

import datetime
from pathlib import Path

from harness.repro.bug_report.parse import extract
from harness.repro.claim_match import same_message
from harness.repro.request import Flags, resolve
from tests.pypi_fake import recorded_index, request_as_of

OLD_CODE = "```python\nimport keras\nkeras.layers.Dense(2)\n```\n"


def resolved(text: str, as_of: str) -> tuple[tuple[str, ...], dict[str, str] | None, str]:
    request = request_as_of(text, as_of)
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
    assert steps == ("keras==2.2.4 tensorflow==1.12.0 numpy==1.15.4",)
    assert keras_json is None
    assert "TensorFlow is Keras 2.2.4's default" in assumed
    # Keras 1.0 ran on Theano by default: Theano, and no keras.json to say so.
    steps, keras_json, _ = resolved("Keras 1.0.4\n" + OLD_CODE, "2016-06-20")
    assert steps[0].split() == ["keras==1.0.4", "theano==0.8.2"]
    assert keras_json is None


def test_a_backend_shown_that_is_not_keras_s_default_is_installed_and_set() -> None:
    text = "Keras 2.1.2\n" + OLD_CODE + "```\nUsing Theano backend.\n```\n"
    steps, keras_json, assumed = resolved(text, "2017-12-20")
    assert steps == ("keras==2.1.2 theano==1.0.1 numpy==1.13.3",)
    assert keras_json == {"backend": "theano"}
    assert 'the report shows "Using Theano backend"' in assumed
    assert "the report shows Keras 2.1.2 on Theano, not its default TensorFlow" in assumed


def test_no_backend_is_added_where_the_report_installs_one() -> None:
    text = "Python 3.6\n$ pip install keras==2.2.4 tensorflow-gpu==1.12.0\n" + OLD_CODE
    steps, _, _ = resolved(text, "2018-11-20")
    assert steps == ("keras==2.2.4 tensorflow-gpu==1.12.0",)
    steps, _, _ = resolved("Keras 2.11.0, TensorFlow 2.11.0\n" + OLD_CODE, "2023-01-10")
    assert steps == ("keras==2.11.0 tensorflow==2.11.0 numpy==1.24.1",)
    # Keras 3 needs no old backend beside it, only its default one (repro/keras3_backend.py).
    steps, _, _ = resolved("Keras 3.3.3\n" + OLD_CODE, "2024-05-01")
    assert steps == ("keras==3.3.3 tensorflow==2.16.1",)


def test_python_2_is_read_from_paths_prose_and_sys_version() -> None:
    for text, version in (
        ('  File "/usr/lib/python2.7/site-packages/keras/models.py", line 3, in f\n', "2.7"),
        ("C:\\Python27\\lib\\site-packages\\keras\\models.py\n", "2.7"),
        ("Python version: 2.7.12\n", "2.7"),
        ("2.7.12 (default, Nov 12 2018, 14:36:49)\n", "2.7"),
        ("Downloading Keras-2.0.8-cp27-cp27mu-linux_x86_64.whl\n", "2.7"),
        ("C:\\Python312\\Lib\\site-packages\\keras\\__init__.py\n", "3.12"),
    ):
        found = extract(text)
        assert found.python is not None, text
        assert found.python[0] == version, text


def test_a_quoted_traceback_s_paths_give_the_python_when_nothing_else_does() -> None:
    quoted = '> File "/opt/conda/lib/python3.5/site-packages/keras/models.py", line 3, in f\n'
    found = extract("import keras\n\n" + quoted)
    assert found.python == ("3.5", 'path in a quoted line "python3.5"')
    found = extract("Python 3.6\n\nimport keras\n\n" + quoted)
    assert found.python is not None
    assert found.python[0] == "3.6"
    # A quoted sentence naming a Python is someone else's words, not the machine's paths.
    assert extract("> I use Python 3.5\n\nimport keras\n").python is None


def test_a_python_2_report_runs_on_a_python_3_chosen_for_its_packages() -> None:
    text = 'Keras 2.1.6\n  File "/usr/lib/python2.7/site-packages/keras/models.py", line 3\n'
    request = resolve(
        Path("r.md"),
        extract(text + OLD_CODE),
        Flags(),
        recorded_index(),
        as_of=datetime.date(2018, 5, 10),
    )
    assert request.python == "3.6"
    assert request.steps == ("keras==2.1.6 tensorflow==1.8.0 numpy==1.14.3",)
    assert any(
        a.startswith("Python 2.7 (") and "no base image runs Python 2" in a for a in request.assumed
    )


PIP_SESSION = """\
$ pip install keras tensorflow
Collecting keras
  Downloading keras-2.6.0-py2.py3-none-any.whl (1.3 MB)
Collecting tensorflow
  Downloading tensorflow-2.5.1-cp37-cp37m-manylinux2010_x86_64.whl (454.4 MB)
Collecting numpy~=1.19.2
  Using cached numpy-1.19.5-cp37-cp37m-manylinux2010_x86_64.whl (14.8 MB)
Collecting gast==0.4.0
  Downloading gast-0.4.0-py3-none-any.whl (9.8 kB)
Installing collected packages: numpy, gast, keras, tensorflow
"""


def test_pip_s_output_pins_its_dependencies_in_the_same_step() -> None:
    found = extract(PIP_SESSION)
    assert found.pip_steps == ("keras tensorflow numpy==1.19.5",)
    assert {p.name: p.version for p in found.pins} == {"keras": "2.6.0", "tensorflow": "2.5.1"}
    assert "numpy==1.19.5 added to `pip install keras tensorflow`" in "\n".join(found.notes)


def test_a_wheel_named_outside_pip_s_output_is_still_a_pin() -> None:
    found = extract(
        "$ pip install keras\nI had installed tensorflow-2.5.1-cp37-cp37m-linux_x86_64.whl\n"
    )
    assert found.pip_steps == ("keras",)
    assert {p.name: p.version for p in found.pins} == {"tensorflow": "2.5.1"}


def test_the_python_after_not_with_is_the_failing_one() -> None:
    found = extract("It works with Python 3.10, not with 3.12.\n\nimport keras\n")
    assert found.python == ("3.12", '"Python 3.10, not with 3.12"')
    found = extract("Runs fine with python 3.9 but not with 3.11.4 or 3.12\n")
    assert found.python is not None
    assert found.python[0] == "3.12"
    # Without "not with", the Python that works is still never the failing one.
    assert extract("It works with Python 3.10.\n").python is None


KERAS3_PRINTED = (
    "Exception encountered when calling Lookup.call().\n\n"
    "\x1b[1m'Lookup' object has no attribute 'table'\x1b[0m\n\n"
    "Arguments received by Lookup.call():\n"
    "  • x=jnp.ndarray(shape=(2,), dtype=int32)"
)


def test_keras_3_s_wrapped_message_gives_the_message_inside_as_the_claim() -> None:
    pasted = KERAS3_PRINTED.replace("\x1b[1m", "").replace("\x1b[0m", "")
    found = extract(f"```\nTraceback (most recent call last):\nAttributeError: {pasted}\n```\n")
    assert found.reported_error is not None
    assert found.reported_error.message == "'Lookup' object has no attribute 'table'"
    # Without its "Arguments received by" line, what follows may be prose: the first line stays.
    cut = (
        "Traceback (most recent call last):\n"
        "ValueError: Exception encountered when calling GRU.call().\n\nIt fails.\n"
    )
    found = extract(cut)
    assert found.reported_error is not None
    assert found.reported_error.message == "Exception encountered when calling GRU.call()."


def test_the_verdict_compares_keras_3_s_wrapped_message_by_the_message_inside() -> None:
    assert same_message("'Lookup' object has no attribute 'table'", KERAS3_PRINTED)
    assert same_message("Exception encountered when calling Lookup.call().", KERAS3_PRINTED)
    assert not same_message("'Lookup' object has no attribute 'weights'", KERAS3_PRINTED)
    assert not same_message("'Lookup' object has no attribute 'table'", "something else")
