"""Shapes of reports from the eighth survey: pytest's traceback formats, tracebacks of
installed code only, settings a put-back import must follow, REPL sessions that raised, and
keras_core's backend directories."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from harness.repro import keras3_backend
from harness.repro.bug_report import traceback_facts, tracebacks
from harness.repro.bug_report.model import Extraction, ReportedError
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pip_lines import pip_steps
from harness.repro.bug_report.python_code import with_missing_imports
from harness.repro.code_to_run import NothingToRunError
from harness.repro.request import Flags, resolve
from tests.pypi_fake import request_as_of

SHORT = """\
tests/test_shapes.py:9: in test_widen
    out = widen(keras.ops.ones((2, 3)))
/srv/venv/lib/python3.12/site-packages/keras/src/ops/numpy.py:77: in pad
    return backend.numpy.pad(x, pad_width)
E   ValueError: pad_width must have 2 entries, got 3
"""

LONG = """\
__________________________ Suite.test_grows __________________________

self = <tests.test_grow.Suite testMethod=test_grows>

    @pytest.mark.slow
    def test_grows(self):
        cells = grow_cells(4)
>       self.assertEqual(cells.shape,
                         (4, 4))

tests/test_grow.py:31:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
/srv/venv/lib/python3.10/site-packages/keras/src/backend/common/variables.py:94: in shape
    return self._value.shape
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

    def _check():
>       raise AttributeError("no shape yet")
E       AttributeError: no shape yet

/srv/venv/lib/python3.10/site-packages/keras/src/backend/common/variables.py:120: AttributeError
"""


def test_pytest_short_frames_give_the_frames_and_the_e_line_the_claim() -> None:
    [found] = tracebacks.parse(SHORT)
    assert [(f.file, f.kind, f.pytest) for f in found.frames] == [
        ("tests/test_shapes.py", "user", True),
        ("/srv/venv/lib/python3.12/site-packages/keras/src/ops/numpy.py", "library", True),
    ]
    assert found.frames[0].lines == ("out = widen(keras.ops.ones((2, 3)))",)
    assert found.error is not None
    assert (found.error.type, found.error.message) == (
        "ValueError",
        "pad_width must have 2 entries, got 3",
    )


def test_pytest_long_format_reads_source_above_locations_and_keeps_its_marker() -> None:
    [found] = tracebacks.parse(LONG)
    test = found.frames[0]
    assert test.file == "tests/test_grow.py"
    # `>` marks the failing line: not a Markdown quote, so the statement keeps its indent.
    assert test.lines[-2:] == ("    self.assertEqual(cells.shape,", "                     (4, 4))")
    # The location after the `E` lines is the raising frame's, and names the type.
    assert found.frames[-1].file.endswith("variables.py")
    assert found.frames[-1].kind == "library"
    assert found.error is not None and found.error.type == "AttributeError"


def test_the_test_files_lines_are_the_code_not_the_innermost_frame() -> None:
    found = extract("keras 3.3.3, Python 3.12\n\n```\n" + SHORT + "```\n")
    assert found.code is not None
    assert found.code.text == "import keras\nout = widen(keras.ops.ones((2, 3)))\n"
    assert any("`tests/test_shapes.py`, as pytest shows them" in n for n in found.notes)
    # A test function's header and decorators are not what runs; its body is.
    found = extract("```\n" + LONG + "```\n")
    assert found.code is not None
    assert found.code.text.startswith("cells = grow_cells(4)\nself.assertEqual(")
    assert any("the class behind `self`" in note for note in found.notes)
    assert found.reported_error is not None
    assert found.reported_error.message == "no shape yet"


def test_an_assertion_takes_its_type_from_the_location_line() -> None:
    text = (
        "    def test_sum():\n>       assert total([1, 2]) == 4\nE       assert 3 == 4\n\n"
        "tests/test_sum.py:4: AssertionError\n"
    )
    [found] = tracebacks.parse(text)
    assert found.error is not None
    assert (found.error.type, found.error.message) == ("AssertionError", "assert 3 == 4")


def test_a_collection_error_skips_the_import_machinery_to_the_module_imported() -> None:
    text = (
        "<frozen importlib._bootstrap>:1360: in _find_and_load\n    ???\n"
        "/venv/lib/python3.11/site-packages/keras/src/backend/torch/__init__.py:4: in <module>\n"
        "    from keras.src.backend.torch import core\n"
        "/venv/lib/python3.11/site-packages/keras/src/backend/torch/core.py:6: in <module>\n"
        "    import torch\n"
        "E   ModuleNotFoundError: No module named 'torch'\n"
    )
    code = traceback_facts.derived_code(tracebacks.parse(text))
    assert code is not None
    assert code[0] == "import keras.src.backend.torch\n"


def test_a_python_c_frame_without_its_line_leaves_the_module_it_imported() -> None:
    # `python -c "import keras_hub"`: Python shows no source line for `<string>`.
    text = (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 1, in <module>\n'
        '  File "/v/lib/python3.11/site-packages/keras_hub/__init__.py", line 7, in <module>\n'
        "    from keras_hub import layers as layers\n"
        "ImportError: cannot import name 'x' from 'y'\n"
    )
    code = traceback_facts.derived_code(tracebacks.parse(text))
    assert code is not None
    assert code[0] == "import keras_hub\n"
    typed = text.replace("line 1, in <module>\n", "line 1, in <module>\n    import keras_hub\n", 1)
    code = traceback_facts.derived_code(tracebacks.parse(typed))
    assert code is not None and code[0].startswith("import keras_hub")


def test_a_traceback_of_installed_code_only_says_why_nothing_runs(tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text(
        "keras==3.3.3 on Python 3.11\n\n```\n"
        '  File "/v/lib/python3.11/site-packages/keras/src/trainers/trainer.py", line 9, in fit\n'
        "    self._loop(x)\n"
        "ValueError: empty dataset\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(NothingToRunError) as raised:
        resolve(report, extract(report.read_text(encoding="utf-8")), Flags(), None)
    assert "its traceback shows only installed code, from `/v/lib/" in str(raised.value)
    assert "trainer.py` on, not the reporter's call that reached it" in str(raised.value)
    # A frame of the reporter's own gives code instead: no such note.
    own = '  File "/home/me/run.py", line 3, in <module>\n    fit(x)\n'
    found = extract("```\nTraceback (most recent call last):\n" + own + "ValueError: e\n```\n")
    assert found.code is not None and found.no_code == ""


def test_an_import_put_back_follows_the_settings_that_open_the_code() -> None:
    code = 'import os\nos.environ["KERAS_BACKEND"] = "torch"\n\nm = keras.Sequential()\n'
    fixed, added = with_missing_imports(code)
    assert added == ["import keras"]
    assert fixed.splitlines()[:3] == [
        "import os",
        'os.environ["KERAS_BACKEND"] = "torch"',
        added[0],
    ]
    # No setting first: the import goes first, as before; `__future__` stays first.
    assert with_missing_imports("x = tf.ones(2)\n")[0].startswith("import tensorflow as tf\n")
    future = "from __future__ import annotations\nx = tf.ones(2)\n"
    assert with_missing_imports(future)[0].splitlines()[:2] == [
        "from __future__ import annotations",
        "import tensorflow as tf",
    ]
    # A setting after other statements is the code's own business, not an opening one.
    later = "print(1)\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nx = tf.ones(2)\n"
    assert with_missing_imports(later)[0].startswith("import os\nimport tensorflow as tf\n")


def test_a_repl_session_that_raised_beats_a_version_check() -> None:
    text = (
        'Find versions with python -c "import tensorflow as tf; print(tf.__version__)"\n\n'
        "Exact command to reproduce: below\n\n```\n>>> import keras_cv.layers\n"
        'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n'
        "ImportError: cannot import name 'x' from 'keras_cv.layers'\n```\n"
    )
    found = extract(text)
    assert found.code is not None and found.code.text == "import keras_cv.layers\n"
    # The same session without a traceback raised nothing: the version check still counts.
    quiet = text.split("Traceback", maxsplit=1)[0] + "```\n"
    assert extract(quiet).code is not None


def test_a_variable_opening_a_code_span_before_a_command_is_set() -> None:
    assert extract("Run `KERAS_BACKEND=jax pytest -x tests/` and it fails.\n").env == {
        "KERAS_BACKEND": "jax"
    }
    # A span naming a setting in a sentence with no command after it sets nothing more than
    # before; a sentence naming the variable sets nothing.
    assert extract("Try `KERAS_BACKEND=torch`.\n").env == {"KERAS_BACKEND": "torch"}
    assert extract("I never set `KERAS_BACKEND` anywhere.\n").env == {}


@pytest.mark.parametrize(
    ("path", "backend"),
    [
        ("site-packages/keras_core/src/backend/jax/trainer.py", "jax"),
        ("site-packages/keras_core/backend/torch/trainer.py", "torch"),
        ("site-packages/keras/src/backend/numpy/core.py", "numpy"),
    ],
)
def test_keras_core_paths_show_the_backend_too(path: str, backend: str) -> None:
    found = traceback_facts.keras_3_backend(f'  File "/v/lib/python3.10/{path}", line 3, in f')
    assert found is not None and found[0] == backend
    assert found[1] == path.removeprefix("site-packages/").rsplit("/", 1)[0] + "/"
    # Keras 2's backend modules are files, not directories: no backend read from them.
    assert traceback_facts.keras_3_backend("site-packages/keras/backend/numpy_backend.py") is None


def _backend(exact: dict[str, str], **given: object) -> tuple[str | None, list[str]]:
    assumed: list[str] = []
    wanted = keras3_backend.backend_wanted(exact, Extraction(**given), assumed)  # type: ignore[arg-type]
    return (wanted.name if wanted else None), assumed


def test_keras_3_gets_the_backend_it_ran_on_beside_it() -> None:
    assert _backend({"keras": "3.3.3"})[0] == "tensorflow"
    assert _backend({"keras-core": "0.1.7"})[0] == "tensorflow"
    # The backend the report sets, wherever it sets it.
    assert _backend({"keras": "3.3.3"}, keras_json={"backend": "jax"})[0] == "jax"
    assert _backend({"keras": "3.3.3"}, env={"KERAS_BACKEND": "torch"})[0] == "torch"
    assert _backend({"keras": "3.3.3"}, code_backend="jax")[0] == "jax"
    # Already there, or brought by another (a TensorFlow build brings `import tensorflow`).
    assert _backend({"keras": "3.3.3", "tensorflow-cpu": "2.16.1"})[0] is None
    assert _backend({"keras": "3.3.3", "tf-nightly": "2.17.0.dev20240501"})[0] is None
    # No package of its own (numpy), not Keras 3, or nothing pinned at all.
    assert _backend({"keras": "3.3.3"}, env={"KERAS_BACKEND": "numpy"})[0] is None
    assert _backend({"keras": "2.15.0"})[0] is None
    assert _backend({"numpy": "1.26.4"})[0] is None


def test_a_backend_the_error_says_is_missing_is_not_added_beside_keras_3() -> None:
    missing = ReportedError(type="ModuleNotFoundError", message="No module named 'tensorflow'")
    name, assumed = _backend({"keras": "3.3.3"}, reported_error=missing)
    assert name is None
    assert assumed == [
        "tensorflow not installed beside keras 3.3.3: the report's error is that it is missing"
    ]


def test_the_backend_beside_keras_3_0_is_the_tensorflow_of_the_day() -> None:
    # January 2024: no TensorFlow out then requires Keras 3; Keras 3.0 went over TF 2.15.
    report = "```python\nimport keras\nkeras.ops.ones(2)\n```\n\nkeras==3.0.2 on Python 3.11\n"
    request = request_as_of(report, "2024-01-10")
    assert request.steps == ("tensorflow==2.15.0.post1", "keras==3.0.2")
    assert any("installed over it" in a for a in request.assumed)
    # Once TensorFlow 2.16 is out it is the one, in the same step.
    assert request_as_of(report, "2024-04-01").steps == ("keras==3.0.2 tensorflow==2.16.1",)


def test_uv_tool_run_is_read_as_uvx() -> None:
    line = "uv tool run --isolated --with keras-hub --with 'tensorflow==2.19.*' python -c 'x'"
    assert pip_steps(line) == ("keras-hub tensorflow==2.19.*",)


def test_uvs_exclude_newer_wins_over_the_day_the_report_was_written() -> None:
    report = (
        "```\nuv run --exclude-newer 2024-06-01 --with keras --with tensorflow-cpu "
        "python -c 'import keras'\n```\n\nValueError: boom\n"
    )
    request = request_as_of(report, "2024-06-24")
    assert request.as_of == datetime.date(2024, 6, 1)
    assert request.steps == ("keras==3.3.3 tensorflow-cpu==2.16.1",)
    assert (
        "as of 2024-06-01",
        "uv's --exclude-newer in the report; not 2024-06-24, given",
    ) in request.extracted
    # Without it, the day given is the day.
    plain = request_as_of(report.replace("--exclude-newer 2024-06-01 ", ""), "2024-06-24")
    assert plain.as_of == datetime.date(2024, 6, 24)
