"""Shapes of reports written on forums and blogs rather than in an issue template: a pip
command set in Markdown's bold or italics inside a sentence, and multi-backend Keras's own
"Using TensorFlow backend." line in a notebook's output cut before the backend's files."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import pip_lines
from harness.repro.bug_report.parse import extract


@pytest.mark.parametrize(
    ("line", "steps"),
    [
        ("I used CMD: **pip install tensorflow==2.3.1**", ("tensorflow==2.3.1",)),
        ("com **pip install tensorflow==2.4.1** e depois", ("tensorflow==2.4.1",)),
        ("__pip install keras==2.4.3__ e então", ("keras==2.4.3",)),
        ("*pip install keras==2.4.3*, then it failed", ("keras==2.4.3",)),
        ("pip install **tensorflow==2.3.1** e keras", ("tensorflow==2.3.1",)),
        # a wildcard's star stays; a name with underscores inside is one name
        ("pip install keras==2.* tf_keras", ("keras==2.* tf_keras",)),
    ],
)
def test_a_pip_command_in_emphasis_ends_where_the_emphasis_closes(
    line: str, steps: tuple[str, ...]
) -> None:
    assert pip_lines.pip_steps(line) == steps


def test_a_name_glued_to_pip_by_an_underscore_is_no_pip() -> None:
    assert pip_lines.pip_steps("run get_pip install keras") == ()


NOTEBOOK = """\
```
import keras

Using TensorFlow backend.
---------------------------------------------------------------------------
AttributeError                            Traceback (most recent call last)
<ipython-input-2-88d96843a926> in <module>
----> 1 import keras

~/miniconda3/envs/x/lib/python3.7/site-packages/keras/__init__.py in <module>
----> 3 from . import utils
```
"""


def test_keras_s_own_backend_line_shows_multi_backend_keras() -> None:
    found = extract(NOTEBOOK)
    assert [layout[:2] for layout in found.old_layouts] == [("keras", "2.4")]
    assert "Using TensorFlow backend" in found.old_layouts[0][2]


def test_a_traceback_through_the_backend_file_is_named_once() -> None:
    text = NOTEBOOK.replace(
        "----> 3 from . import utils",
        "----> 3 from . import utils\n\n"
        "~/miniconda3/envs/x/lib/python3.7/site-packages/keras/backend/tensorflow_backend.py "
        "in <module>\n----> 1 import tensorflow as tf",
    )
    found = extract(text)
    assert [layout[:2] for layout in found.old_layouts] == [("keras", "2.4")]
    assert "tensorflow_backend.py" in found.old_layouts[0][2]


def test_tensorflow_1_api_called_in_keras_s_backend_file_shows_a_keras_before_2_3() -> None:
    text = (
        "/usr/local/lib/python3.6/dist-packages/keras/backend/tensorflow_backend.py in "
        "placeholder(shape, ndim, dtype, sparse, name)\n"
        "--> 541         x = tf.placeholder(dtype, shape=shape, name=name)\n\n"
        "AttributeError: module 'tensorflow' has no attribute 'placeholder'\n"
    )
    found = extract(text)
    assert [layout[:2] for layout in found.old_layouts] == [("keras", "2.3")]


def test_another_missing_attribute_in_keras_s_backend_file_is_only_its_layout() -> None:
    text = (
        "/usr/local/lib/python3.6/dist-packages/keras/backend/tensorflow_backend.py in f()\n"
        "--> 5     x = tf.compat.v1.placeholder(dtype)\n\n"
        "AttributeError: module 'tensorflow' has no attribute 'compat'\n"
    )
    found = extract(text)
    assert [layout[:2] for layout in found.old_layouts] == [("keras", "2.4")]


@pytest.mark.parametrize(
    "text",
    [
        "我tensorlfow版本1.4是不是版本太低了",
        "Estou usando tenserflow 2.3.1 no Windows",
        "tesnorflow version: 2.3.1",
    ],
)
def test_tensorflow_mistyped_before_its_version_in_prose_is_tensorflow(text: str) -> None:
    found = extract(text + "\n\nAttributeError: module 'x' has no attribute 'y'\n")
    assert [pin.name for pin in found.pins] == ["tensorflow"]


def test_a_mistyped_name_in_a_pip_line_is_what_pip_was_given() -> None:
    assert pip_lines.pip_steps("pip install tenserflow==2.3.1") == ("tenserflow==2.3.1",)
