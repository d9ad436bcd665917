"""Shapes the surveys of real reports left open: an import written in prose while describing a
change, a proposal or a library (not run); a fix's `pip install` in a write-up's solution part
or a later answer; exception messages over several lines; a compatibility warning printed
before the real error."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import prose_runs
from harness.repro.bug_report.parse import extract
from harness.repro.claim_match import same_message

# 1. An import span is the reporter's run only where its sentence says so.


@pytest.mark.parametrize(
    "prose",
    [
        "With TF 2.16 `import keras` will raise an error, so I changed our imports to "
        "`from tensorflow import keras`.",
        "The notebook still imports keras from tensorflow; we should use it directly, ie "
        "`import keras`.",
        "My package does `import keras` internally, and users on Keras 3 report problems.",
    ],
)
def test_an_import_described_not_run_is_no_code(prose: str) -> None:
    found = extract(f"# Keras import in our package\n\n{prose}\n")
    assert found.code is None
    assert "not as something the reporter ran" in found.no_code


@pytest.mark.parametrize(
    "prose",
    [
        "Just running `import keras` raises `ImportError: cannot import name 'x' from 'y'`.",
        "When I run `from tensorflow import keras` I get ImportError: cannot import name 'x'",
        "`import keras` alone fails with ImportError: cannot import name 'x' from 'y'",
        "The import statement:\n`import keras`\n\nImportError: cannot import name 'x' from 'y'",
    ],
)
def test_an_import_the_sentence_runs_is_the_code(prose: str) -> None:
    found = extract(f"# import fails\n\n{prose}\n")
    assert found.code is not None and "import keras" in found.code.text


def test_a_modal_after_the_span_is_a_prediction_not_a_run() -> None:
    prose = "In TF 2.16 `import keras` will raise an error."
    start = prose.index("`")
    assert not prose_runs.said_run(prose, start, prose.index("`", start + 1) + 1)


# 3. A message over several lines is claimed whole and compared over the lines both show.

_PROTOBUF = (
    "Descriptors cannot be created directly.\n"
    "If this call came from a _pb2.py file, your generated code is out of date.\n"
    " 1. Downgrade the protobuf package to 3.20.x or lower.\n"
    "\n"
    "More information: https://example.org/news"
)


def test_a_message_over_several_lines_is_claimed_whole_up_to_the_fence() -> None:
    report = (
        "# import fails\n\n```\nTraceback (most recent call last):\n"
        '  File "run.py", line 1, in <module>\n    import tensorflow\n'
        f"TypeError: {_PROTOBUF}\n```\n\nAny idea?\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.message == _PROTOBUF


def test_outside_a_fence_the_message_ends_at_a_blank_line() -> None:
    report = (
        "Traceback (most recent call last):\n"
        '  File "run.py", line 1, in <module>\n    import tensorflow\n'
        "TypeError: Descriptors cannot be created directly.\n"
        "If this call came from a _pb2.py file, your generated code is out of date.\n"
        "\nI only ran pip install today.\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.message.endswith("is out of date.")
    assert "pip install" not in claim.message


@pytest.mark.parametrize(
    "after", ["Process finished with exit code 1", "worker-1 exited with code 1", ">>> x = 1"]
)
def test_what_the_program_printed_next_is_no_line_of_the_message(after: str) -> None:
    report = (
        "```\nTraceback (most recent call last):\n"
        '  File "run.py", line 1, in <module>\n    import tensorflow\n'
        f"ImportError: cannot import name 'x' from 'y'\n\n{after}\n```\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.message == "cannot import name 'x' from 'y'"


@pytest.mark.parametrize(
    "after",
    [
        "**Expected behavior**",
        "## Environment",
        "`",
        "</details>",
        'The command "python -m pytest tests" exited with 1.',
    ],
)
def test_the_reports_own_markdown_right_after_an_unfenced_paste_ends_the_message(
    after: str,
) -> None:
    # No blank line between the paste and the report's next part: still not the message's.
    report = (
        "Traceback (most recent call last):\n"
        '  File "run.py", line 1, in <module>\n    import tensorflow\n'
        f"ModuleNotFoundError: No module named 'tensorflow'\n{after}\n\nMore words.\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.message == "No module named 'tensorflow'"


def test_keras_2_wrapped_message_is_claimed_by_the_message_inside() -> None:
    report = (
        "```\nTraceback (most recent call last):\n"
        '  File "run.py", line 5, in <module>\n    net(x)\n'
        'ValueError: Exception encountered when calling layer "dense" (type Dense).\n\n'
        'Input 0 of layer "dense" is incompatible with the layer: expected min_ndim=2, '
        "found ndim=1. Full shape received: (4,)\n\n"
        'Call arguments received by layer "dense" (type Dense):\n'
        "  • inputs=tf.Tensor(shape=(4,), dtype=float32)\n```\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.message.startswith('Input 0 of layer "dense"')
    assert "Call arguments" not in claim.message


def test_the_verdict_compares_every_line_both_messages_show() -> None:
    assert same_message(_PROTOBUF, _PROTOBUF)
    # The report cut the message short, or the run's message is shorter: the lines both have.
    assert same_message(_PROTOBUF.split("\n", maxsplit=1)[0], _PROTOBUF)
    assert same_message(_PROTOBUF, _PROTOBUF.split("\n", maxsplit=1)[0])
    # A later line that differs is another failure with the same first line.
    other = _PROTOBUF.replace("3.20.x", "4.21.x").replace("Downgrade", "Upgrade")
    assert not same_message(_PROTOBUF, other)
    assert not same_message("Rebuild it.", _PROTOBUF)


# 2. A write-up's cure, in a part or a sentence that introduces it, is not the failing steps.

_FAILING = (
    "# loader fails\n\nPython 3.11:\n\n```\npip install tensorflow==2.16.1\n```\n\n"
    "```\nTraceback (most recent call last):\n"
    '  File "load.py", line 1, in <module>\n'
    "    from keras.preprocessing.image import img_to_array\n"
    "ImportError: cannot import name 'img_to_array' from 'keras.preprocessing.image'\n```\n\n"
)


@pytest.mark.parametrize(
    "cure",
    [
        "## What fixed it\n\n```\npip install keras==3.3.3\n```\n",
        "## Fixing it\n\npip install keras==3.3.3\n",
        "The fastest solution is to pin it, by executing:\n\n```\npip install keras==3.3.3\n```\n",
        "Here is how I got it working:\n\n```\npip install keras==3.3.3\n```\n",
        "Recommended fix: run `pip install keras==3.3.3`.\n",
        "**Resolved.** Installing it with `pip install keras==3.3.3`\n",
        "What worked for me was `pip install keras==3.3.3`.\n",
        "To get rid of it, run:\n\n    pip install keras==3.3.3\n",
        "The simplest resolution is achieved by running:\npip install keras==3.3.3\n",
    ],
)
def test_the_cure_a_write_up_introduces_is_not_a_step(cure: str) -> None:
    found = extract(_FAILING + cure)
    assert found.pip_steps == ("tensorflow==2.16.1",)
    assert any("own fix" in note for note in found.notes)


def test_a_fix_said_not_to_work_is_still_the_failure() -> None:
    found = extract(_FAILING + "The fix was `pip install keras==3.3.3`, but it still fails.\n")
    assert found.pip_steps == ("tensorflow==2.16.1", "keras==3.3.3")


# 4. Addons' compatibility warning: never the claim; its versions read where none is given.

_ADDONS = (
    "/env/lib/python3.8/site-packages/tensorflow_addons/utils/ensure_tf_install.py:53: "
    "UserWarning: Tensorflow Addons supports using Python ops for all Tensorflow versions "
    "above or equal to 2.5.0 and strictly below 2.8.0 (nightly versions are not supported). \n"
    " The versions of TensorFlow you are currently using is 2.9.1 and is not supported. \n"
    "Some things might work, some things might not.\n  warnings.warn(\n"
)


def test_the_addons_warning_states_tensorflow_and_the_addons_release() -> None:
    found = extract(f"# AdamW\n\n```\n{_ADDONS}```\n\n```python\nimport tensorflow_addons\n```\n")
    assert found.reported_error is None
    pinned = {pin.name: pin.version for pin in found.pins}
    assert pinned == {"tensorflow": "2.9.1", "tensorflow-addons": "0.15.0"}


def test_a_version_the_report_gives_wins_over_the_warning() -> None:
    report = (
        f"TensorFlow version: 2.9.0\n\n```\n{_ADDONS}```\n\n```python\nimport tensorflow\n```\n"
    )
    pinned = {pin.name: pin.version for pin in extract(report).pins}
    assert pinned["tensorflow"] == "2.9.0"
    # A partial one is refined by the warning's full version.
    partial = f"TF 2.9 here\n\n```\n{_ADDONS}```\n\n```python\nimport tensorflow\n```\n"
    assert {pin.name: pin.version for pin in extract(partial).pins}["tensorflow"] == "2.9.1"


def test_the_warning_in_a_title_is_not_the_claim() -> None:
    title = "# UserWarning: Tensorflow Addons supports using Python ops for all Tensorflow versions"
    found = extract(f"{title}\n\n```python\nimport tensorflow_addons\n```\n")
    assert found.reported_error is None


_USER_CODE = (
    "in user code:\n\n"
    '    File "/env/keras/engine/training.py", line 1284, in train_function  *\n'
    "        return step_function(self, iterator)\n\n"
    '    ValueError: Input 0 of layer "sequential" is incompatible with the layer: '
    "expected shape=(None, 4), found shape=(None, 3)"
)


def test_in_user_code_is_claimed_and_compared_by_the_original_error() -> None:
    report = (
        "```\nTraceback (most recent call last):\n"
        '  File "/home/u/fit.py", line 5, in <module>\n    net.fit(x, y)\n'
        f"ValueError: {_USER_CODE}\n```\n"
    )
    claim = extract(report).reported_error
    inner = _USER_CODE.rsplit("ValueError: ", 1)[1]
    assert claim is not None and claim.message == inner
    assert same_message(inner, _USER_CODE)
    # Every such error starts "in user code:": another original error is another failure.
    assert not same_message('Input 0 of layer "dense" is incompatible', _USER_CODE)
    assert same_message("in user code:", _USER_CODE)


def test_pytests_e_lines_after_the_type_are_the_rest_of_the_message() -> None:
    report = (
        "```\n____ test_save ____\n\n    def test_save():\n>       model.save('m.h5')\n\n"
        "tests/test_io.py:12: \n_ _ _ _ _ _ _ _ _ _ _ _\n\n    def save(filepath):\n"
        ">       raise ValueError(\n"
        "E       ValueError: You are saving a model that has not yet been built.\n"
        "E       Try building the model first by calling it on example data.\n\n"
        "/opt/venv/lib/python3.11/site-packages/keras/src/models/model.py:301: ValueError\n```\n"
    )
    claim = extract(report).reported_error
    assert claim is not None and claim.type == "ValueError"
    assert claim.message == (
        "You are saving a model that has not yet been built.\n"
        "Try building the model first by calling it on example data."
    )
