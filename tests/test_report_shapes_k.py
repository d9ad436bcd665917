"""Shapes of reports from users of applications and research code built on Keras: tracebacks
through the application's own package (not on PyPI), aliases and classes the rest of the
report binds, installed layouts of older releases, IDE frames and pop-ups, issue templates'
advice, Colab's own lines, and reports copied from rendered HTML."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import app_frames, pip_lines, shown_names, traceback_facts
from harness.repro.bug_report import tracebacks as report_tracebacks
from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.python_code import with_missing_imports
from harness.repro.bug_report.settings import claim
from harness.repro.bug_report.shell import named_modules
from tests.pypi_fake import request_as_of

LAYER_ERROR = "AttributeError: module 'keras.engine' has no attribute 'Layer'"


def notebook_through(app_file: str, lines: str, error: str = LAYER_ERROR) -> str:
    """A notebook traceback whose cell imports an application and fails inside it."""
    return (
        "```\n"
        "AttributeError                            Traceback (most recent call last)\n"
        "<ipython-input-3-aa11> in <module>\n"
        "      1 import numpy as np\n"
        "----> 2 import roofline.model as rm\n\n"
        f"{app_file} in <module>\n"
        f"{lines}\n\n"
        f"{error}\n"
        "```\n"
    )


# 1. The application's own package: its failing statement is run.


@pytest.mark.parametrize(
    "app_file",
    [
        "/content/roofline/roofline/model.py",
        "~\\Projects\\roofline-main\\roofline\\model.py",
        "~/anaconda3/lib/python3.8/site-packages/roofline-0.2-py3.8.egg/roofline/model.py",
    ],
)
def test_a_statement_failing_in_the_applications_own_package_is_run(app_file: str) -> None:
    lines = "     88 \n---> 89 class TileHead(KE.Layer):\n     90     '''Scores tiles.'''"
    found = extract(notebook_through(app_file, lines))
    assert found.code is not None
    assert found.code.text.startswith("from keras import engine as KE\nclass TileHead(KE.Layer):")
    assert "roofline" not in found.code.text
    assert any("`roofline` is no distribution the harness installs" in n for n in found.notes)


def test_the_imports_its_frame_shows_above_come_with_it() -> None:
    lines = (
        "     11 import keras.backend as K\n"
        "     12 import keras.layers as KL\n"
        "---> 13 from keras.layers import Layers as KE\n"
        "     14 import keras.models as KM"
    )
    error = "ImportError: cannot import name 'Layers' from 'keras.layers'"
    found = extract(notebook_through("/content/roofline/roofline/model.py", lines, error))
    assert found.code is not None
    assert found.code.text == (
        "import keras.backend as K\nimport keras.layers as KL\n"
        "from keras.layers import Layers as KE\n"
    )


def test_a_statement_inside_a_function_is_the_innermost_line_not_the_definition() -> None:
    lines = (
        "     20 def setup_backend():\n"
        "     21     from keras import backend as K\n"
        "---> 22     K.set_image_dim_ordering('th')"
    )
    error = "AttributeError: module 'keras.backend' has no attribute 'set_image_dim_ordering'"
    found = extract(notebook_through("/srv/roofline/roofline/model.py", lines, error))
    assert found.code is not None
    assert found.code.text == "from keras import backend as K\nK.set_image_dim_ordering('th')\n"


def test_a_statement_that_needs_names_the_report_does_not_show_leaves_the_code() -> None:
    lines = "---> 40         scores = self.head(features, training=flag)"
    error = "ValueError: Input 0 of layer dense is incompatible with the layer"
    text = notebook_through("/content/roofline/roofline/model.py", lines, error)
    found = extract(text)
    assert found.code is not None
    assert "import roofline.model as rm" in found.code.text
    note = next(n for n in found.notes if "roofline" in n)
    assert "`features`" in note and "`flag`" in note and "cannot stand in" in note


def test_a_known_library_in_the_traceback_is_no_application() -> None:
    modules = app_frames.imported_unknown(
        "import keras\nimport deepface\nimport os\nimport roofline\n", frozenset({"keras"})
    )
    assert modules == ["deepface", "roofline"]
    known = frozenset({"keras", "deepface"})
    assert app_frames.imported_unknown("import deepface\nimport os\n", known) == []


# 2. Names bound from what the report shows.


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("module 'keras.backend' has no attribute 'get_session'", "from keras import backend as K"),
        ("module 'keras.backend' has no attribute 'get_session", "from keras import backend as K"),
        (
            "module 'tensorflow_core.keras.backend' has no attribute 'get_session'",
            "from tensorflow.keras import backend as K",
        ),
        ("module 'tensorflow' has no attribute 'get_session'", "import tensorflow as K"),
    ],
)
def test_an_alias_is_the_module_the_error_names(message: str, expected: str) -> None:
    error = ReportedError(type="AttributeError", message=message)
    assert shown_names.bindings("sess = K.get_session()\n", error, None) == {"K": expected}


def test_an_alias_used_for_another_attribute_is_not_bound_by_the_error() -> None:
    error = ReportedError(
        type="AttributeError", message="module 'keras.engine' has no attribute 'Layer'"
    )
    assert shown_names.bindings("x = KL.Dense(3)\n", error, None) == {}


@pytest.mark.parametrize(
    ("shown", "keras"),
    [
        ('  File "/opt/env/lib/python3.7/site-packages/keras/engine/training.py", line 3', "keras"),
        ("Using Theano backend.", "keras"),
        (
            '  File "/opt/env/lib/python3.7/site-packages/tensorflow/python/keras/engine/base.py"'
            ", line 3",
            "tf.keras",
        ),
    ],
)
def test_keras_names_come_from_the_keras_the_report_shows(shown: str, keras: str) -> None:
    text = f"Traceback (most recent call last):\n{shown}\n    x = 1\nValueError: bad\n"
    parsed = report_tracebacks.parse(text)
    found = shown_names.shown_keras(text, parsed, None)
    assert found == keras
    package = "keras" if keras == "keras" else "tensorflow.keras"
    assert shown_names.bindings("net = Sequential()\nK.clear_session()\n", None, found) == {
        "Sequential": f"from {package}.models import Sequential",
        "K": f"from {package} import backend as K",
    }


def test_both_kerases_shown_bind_nothing() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/e/site-packages/keras/engine/training.py", line 3, in fit\n    x = 1\n'
        '  File "/e/site-packages/tensorflow/python/keras/engine/base.py", line 3, in f\n'
        "    y = 2\nValueError: bad\n"
    )
    assert shown_names.shown_keras(text, report_tracebacks.parse(text), None) is None


def test_a_class_whose_init_the_next_frame_runs_is_imported_from_its_module() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "watch.py", line 12, in <module>\n'
        "    spotter = StreamSpotter(fps=5)\n"
        '  File "/usr/lib/python3/dist-packages/eyeball/video/__init__.py", line 40, in __init__\n'
        "    self.sess = K.get_session()\n"
        "AttributeError: module 'keras.backend' has no attribute 'get_session'\n"
    )
    found = extract(text)
    assert found.code is not None
    assert found.code.text == (
        "from eyeball.video import StreamSpotter\nspotter = StreamSpotter(fps=5)\n"
    )


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        ("self.net = Sequential()", "Sequential()"),
        ("self.a.b = build(x=1)", "build(x=1)"),
        ("net = Sequential()", None),
        ("self.net = self.build()", None),
        ("self.n == 3", None),
    ],
)
def test_a_methods_assignment_to_self_runs_its_value(statement: str, value: str | None) -> None:
    assert shown_names.without_self_target(statement) == value


def test_a_keras_library_used_by_its_name_gets_its_import() -> None:
    code, added = with_missing_imports("deepface.DeepFace.verify('a.jpg', 'b.jpg')\n")
    assert added == ["import deepface"]
    assert code.startswith("import deepface\n")
    assert with_missing_imports("roofline.run()\n")[1] == []


# 3. Installed layouts of older releases.


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("AttributeError: module 'tensorflow_core.keras' has no attribute 'x'", "tensorflow 2.2"),
        (
            "AttributeError: module 'tensorflow._api.v1.keras' has no attribute 'x'",
            "tensorflow 2.0",
        ),
        (
            '  File "/e/lib/python3.7/site-packages/keras/backend/tensorflow_backend.py", line 7,'
            " in f\n    y = 1\nValueError: x",
            "keras 2.4",
        ),
        (
            '  File "/e/lib/python3.7/site-packages/keras/legacy/interfaces.py", line 7, in f\n'
            "    y = 1\nValueError: x",
            "keras 2.4",
        ),
        (
            '  File "/e/lib/python3.9/site-packages/keras/engine/training.py", line 7, in f\n'
            "    y = 1\nValueError: x",
            None,
        ),
    ],
)
def test_an_old_layout_is_read_from_paths_and_messages(where: str, expected: str | None) -> None:
    text = f"Traceback (most recent call last):\n{where}\n"
    parsed = report_tracebacks.parse(text)
    error = report_tracebacks.claimed(parsed)
    layouts = traceback_facts.old_layouts(parsed, error.message if error else "")
    assert [f"{name} {bound}" for name, bound, _ in layouts] == ([expected] if expected else [])


CORE_ERROR = (
    "```\nTraceback (most recent call last):\n"
    '  File "app.py", line 4, in <module>\n    sess = K.get_session()\n'
    "AttributeError: module 'tensorflow_core.keras.backend' has no attribute 'get_session'\n```\n"
)


def test_tensorflow_core_narrows_tensorflow_to_its_newest_release_before_2_2() -> None:
    request = request_as_of(CORE_ERROR, "2022-03-01")
    assert request.steps == ("tensorflow==2.1.4",)
    assert any("`tensorflow_core`" in a and "before 2.2" in a for a in request.assumed)


def test_a_version_the_report_gives_wins_over_the_layout() -> None:
    request = request_as_of(CORE_ERROR + "\nTensorFlow version: 2.0.0\n", "2022-03-01")
    assert request.steps == ("tensorflow==2.0.0",)
    assert not any("`tensorflow_core`" in a for a in request.assumed)


# 4. Claims as IDEs and copies show them.


def test_vs_codes_exception_pop_up_gives_the_claim() -> None:
    text = (
        "It stops with:\n\nException has occurred: ImportError\ncannot import name 'x' from 'y'\n"
    )
    found = claim(text, title="")
    assert found is not None
    assert (found.type, found.message) == ("ImportError", "cannot import name 'x' from 'y'")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "`ImportError: cannot import name 'Conv' from 'keras.layers'`.",
            "cannot import name 'Conv' from 'keras.layers'",
        ),
        ("ValueError: call `fit()` first.", "call `fit()` first."),
    ],
)
def test_a_line_that_is_one_code_span_loses_the_sentences_period(line: str, message: str) -> None:
    found = claim(f"I got\n{line}\n", title="")
    assert found is not None and found.message == message


def test_a_title_cut_before_its_closing_quote_still_gives_the_message() -> None:
    found = claim("Happens on import.\n", title="No module named 'keras.layers.merge")
    assert found is not None
    assert (found.type, found.message) == (
        "ModuleNotFoundError",
        "No module named 'keras.layers.merge'",
    )


def test_an_ides_frames_are_neither_the_reporters_nor_installed_packages() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "<input>", line 1, in <module>\n'
        '  File "/opt/pycharm/plugins/python/helpers/pydev/_pydev_bundle/pydev_import_hook.py",'
        " line 21, in do_import\n"
        "    module = self._system_import(name, *args, **kwargs)\n"
        "ImportError: cannot import name 'x'\n"
    )
    frames = report_tracebacks.parse(text)[0].frames
    assert [f.kind for f in frames] == ["library", "library"]
    assert traceback_facts.installed_modules(report_tracebacks.parse(text)) == []


def test_frames_copied_from_rendered_html_are_read() -> None:
    text = (
        "AttributeError Traceback (most recent call last)\n"
        "in ()\n"
        "3 import numpy as np\n"
        "----> 4 from roofline import model\n\n"
        "/content/roofline/roofline/model.py in ()\n"
        "89\n"
        "---> 90 class TileHead(KE.Layer):\n\n"
        f"{LAYER_ERROR}\n"
    )
    frames = report_tracebacks.parse(text)[0].frames
    assert [f.lines[-1] for f in frames] == [
        "from roofline import model",
        "class TileHead(KE.Layer):",
    ]


# 5. What is not the reporter's: a template's advice, Colab's own lines.


def test_a_pip_line_an_issue_templates_checklist_advises_is_not_a_step() -> None:
    text = (
        "- [x] Be on the newest master of the library. You can update with:\n"
        "pip install git+git://github.com/keras-team/keras.git --upgrade --no-deps\n\n"
        "I ran `pip install keras==2.2.4` first.\n"
    )
    assert pip_lines.pip_steps(text) == ("keras==2.2.4",)
    assert pip_lines.git_installs(text) == ()


def test_a_version_another_package_requires_is_not_pinned() -> None:
    found = extract(
        "Tensorflow 2.2.0 here. Keras 2.0, as required by the visualizer, gives other errors.\n\n"
        "```python\nimport keras\n```\n"
    )
    assert {p.name: p.version for p in found.pins} == {"tensorflow": "2.2.0"}


def test_colabs_own_lines_are_left_out_of_the_code() -> None:
    found = extract(
        "```python\nfrom google.colab import drive\ndrive.mount('/content/drive')\n\n"
        "import tensorflow as tf\ntf.zeros((2, 3)).numpy()\n```\n"
    )
    assert found.code is not None
    assert found.code.text == "import tensorflow as tf\ntf.zeros((2, 3)).numpy()\n"
    assert "google" not in found.imports and "protobuf" not in found.imports
    assert any("Colab's own lines" in n for n in found.notes)


def test_a_module_named_by_a_message_cut_before_its_closing_quote_ran() -> None:
    cut = ReportedError(type="AttributeError", message="module 'keras.backend' has no attribute 'f")
    assert named_modules(cut) == ["keras.backend"]
    other = ReportedError(type="AttributeError", message="'NoneType' object has no attribute 'f'")
    assert named_modules(other) == []


def test_an_import_tried_instead_of_another_is_not_the_one_that_failed() -> None:
    text = (
        "# module 'tensorflow' has no attribute 'get_default_graph'\n\n"
        "I tried to put 'from tensorflow.keras import layers' instead of 'from keras import "
        "layers', no luck. tensorflow 2.0.0, keras 2.2.4.\n"
    )
    found = extract(text)
    assert found.code is not None
    assert found.code.text == "from keras import layers\n"
    alone = extract(text.replace(" instead of 'from keras import layers'", ""))
    assert alone.code is not None and alone.code.text == "from tensorflow.keras import layers\n"
