"""Shapes of reports whose reading the corpus cannot score on its own: what must be left out
(a `return` from a broken `def`, a placeholder in a pip line, a conda environment's name) and
which errors give no code."""

from __future__ import annotations

from pathlib import Path

from harness.repro.bug_report import tracebacks as report_tracebacks
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.python_code import with_missing_imports

REPORTS = Path(__file__).parent / "data" / "reports"


def test_code_is_what_compiles_not_only_what_parses() -> None:
    found = extract((REPORTS / "def_body_left_behind.md").read_text(encoding="utf-8"))
    assert found.code is not None
    assert "return" not in found.code.text
    compile(found.code.text, "<snippet>", "exec")


def test_a_placeholder_in_a_pip_line_installs_nothing() -> None:
    for line in ("pip install -U xxx", "pip install <package>", "pip install package_name"):
        assert extract(f"I use '{line}' for everything.\n").pip_steps == ()
    assert extract("pip install -U keras-hub\n").pip_steps == ("-U keras-hub",)


def test_an_environment_named_after_a_version_pins_nothing() -> None:
    text = 'File "C:\\envs\\tensorflow2.0.0\\lib\\site-packages\\x.py", line 3\n'
    assert extract(text).pins == ()
    assert [p.version for p in extract("it broke after tf2.0.0 came out\n").pins] == ["2.0.0"]


def test_a_local_label_of_a_listed_version_is_dropped_and_said() -> None:
    found = extract("- torch==2.1.0+cu121\n- keras==3.0.5\n")
    assert {p.name: p.version for p in found.pins} == {"torch": "2.1.0", "keras": "3.0.5"}
    assert any("+cu121" in note for note in found.notes)


def test_an_attribute_error_of_an_unknown_module_gives_no_code() -> None:
    found = extract("# AttributeError: module 'my_helpers' has no attribute 'run'\n\nkeras 3.1\n")
    assert found.code is None
    found = extract("# AttributeError: module 'keras.ops' has no attribute 'run'\n\nkeras 3.1\n")
    assert found.code is not None
    assert found.code.text == "import keras.ops\nkeras.ops.run\n"


def test_a_relative_site_packages_path_is_installed_code() -> None:
    text = (
        'File "site-packages/keras/src/ops/operation.py", line 228, in input\n'
        "    return self._x()\n"
        "ValueError: never called\n"
    )
    assert extract(text).traceback_packages == ("keras",)


def test_a_traceback_starting_inside_a_function_of_installed_code_gives_no_import() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/venv/lib/python3.11/site-packages/deepface/modules/modeling.py", line 57, '
        "in build_model\n"
        "    model_obj[name] = model()\n"
        "ValueError: never called\n"
    )
    assert extract(text).code is None


def test_ipython_frames_of_installed_code_pasted_headless_are_not_a_cell() -> None:
    text = (REPORTS / "headless_library_frames.md").read_text(encoding="utf-8")
    frames = [f for t in report_tracebacks.parse(text) for f in t.frames]
    assert [f.kind for f in frames] == ["library", "library"]
    # Without the reporter's block there is nothing to run: the library's lines are not code.
    without_block = text.split("```python")[0] + text.split("```\n", 2)[2]
    assert extract(without_block).code is None


def test_the_arrowed_statement_is_finished_past_the_arrow_and_no_further() -> None:
    found = extract((REPORTS / "notebook_arrow_spans_lines.md").read_text(encoding="utf-8"))
    assert found.code is not None
    assert found.code.text.rstrip().endswith("experimental_steps_per_execution=2)")
    assert "summary" not in found.code.text


def test_the_reporters_last_statement_above_a_headless_frame_stays_code() -> None:
    text = (
        "```python\nimport keras\nmodel = keras.Sequential()\nmodel.fit(None)\n"
        '  File "/v/lib/python3.11/site-packages/keras/src/trainers/trainer.py", line 9, in f\n'
        "    raise ValueError(msg)\nValueError: compile() first\n```\n"
    )
    found = extract(text)
    assert found.code is not None
    assert found.code.text.rstrip().endswith("model.fit(None)")


def test_k_is_imported_from_the_one_keras_the_code_uses_and_only_then() -> None:
    _, added = with_missing_imports(
        "import tensorflow as tf\nK.clear_session()\ntf.keras.Input((2,))\n"
    )
    assert added == ["from tensorflow.keras import backend as K"]
    _, added = with_missing_imports("from keras import layers\nK.clear_session()\n")
    assert added == ["from keras import backend as K"]
    for ambiguous in (
        "import keras\nK.clear_session()\ntf.keras.Input((2,))\n",
        "K.clear_session()\n",
    ):
        assert "K" not in " ".join(with_missing_imports(ambiguous)[1])


def test_a_files_versions_and_a_location_fields_value_pin_nothing() -> None:
    found = extract(
        "- Model saved at: /content/drive/tf2.10/m_python3.8.h5\n"
        "The weights were trained in Python 3.8 with TF 2.10 and keras 2.10.\n"
    )
    assert found.pins == ()
    assert found.python is None
    # A place of the install is the environment's.
    assert extract("- Python path: /opt/lib/python3.10/site-packages\n").python is not None


def test_another_version_than_the_failing_one_is_pinned_only_alone() -> None:
    pins = extract("It works in keras 3.3.3 but fails in keras 3.4.1.\n").pins
    assert [(p.name, p.version) for p in pins] == [("keras", "3.4.1")]
    pins = extract("It worked fine with keras 3.3.3.\n").pins
    assert [(p.name, p.version) for p in pins] == [("keras", "3.3.3")]
