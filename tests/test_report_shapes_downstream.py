"""Shapes of reports filed against libraries built on Keras/TensorFlow: a notebook's links on
its traceback's lines, a `pip list` pasted under its command, names the library's users take
for granted, and messages whose type goes without saying."""

from __future__ import annotations

from harness.repro.bug_report import library_versions, notebook_links
from harness.repro.bug_report.emphasis import without_strong
from harness.repro.bug_report.library_source import library_source
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.title import title_of
from harness.repro.wanted_packages import imported

FILE = "~/.venv/lib/python3.12/site-packages/keras/src/trainers/trainer.py:9"
SOURCE = f"https://file+.vscode-resource.vscode-cdn.net/h/{FILE}"
VSCODE = (
    "```\n"
    "TypeError                                 Traceback (most recent call last)\n"
    "Cell In[3], [line 2](vscode-notebook-cell:?execution_count=3&line=2)\n"
    "      [1](vscode-notebook-cell:?execution_count=3&line=1) net = build(4)\n"
    "----> [2](vscode-notebook-cell:?execution_count=3&line=2) net.fit(xs, ys)\n"
    "\n"
    f"File [{FILE}]({SOURCE}), in fit()\n"
    f'----> [9]({SOURCE}) raise TypeError("bad")\n'
    "\n"
    "TypeError: bad\n"
    "```\n"
)


def test_vscode_notebook_links_read_as_their_text() -> None:
    found = extract(VSCODE)
    assert found.code is not None
    assert found.code.text.endswith("net = build(4)\nnet.fit(xs, ys)\n")
    assert found.reported_error is not None and found.reported_error.message == "bad"
    assert notebook_links.NOTE in found.notes


def test_each_notebook_link_form_is_unlinked() -> None:
    lines = {
        # Newer VS Code: the notebook's own path and a cell fragment.
        "----> [3](vscode-notebook-cell:/Users/a/nb.ipynb#W2sZmlsZQ%3D%3D?line=2) f()": (
            "----> 3 f()"
        ),
        # Windows: installed files as file:/// links.
        "File [c:\\py\\Lib\\site-packages\\keras\\x.py:5](file:///c%3A/py/Lib/x.py:5), in f()": (
            "File c:\\py\\Lib\\site-packages\\keras\\x.py:5, in f()"
        ),
        # Colab's web view, copied as Markdown.
        "[<ipython-input-2-ab12>](https://localhost:8080/#) in <cell line: 1>()": (
            "<ipython-input-2-ab12> in <cell line: 1>()"
        ),
    }
    for linked, plain in lines.items():
        assert notebook_links.unlinked(linked) == (plain, True)


def test_links_elsewhere_are_kept() -> None:
    text = "See [the guide](https://keras.io/guides/) and [4](https://github.com/o/r/issues/4)."
    assert notebook_links.unlinked(text) == (text, False)


def test_autokeras_alias_gets_its_import() -> None:
    found = extract("```python\nclf = ak.ImageClassifier(max_trials=1)\n```\n\nTypeError: x\n")
    assert found.code is not None
    assert found.code.text.startswith("import autokeras as ak\n")


LISTED = """\
```
$ pip list
onnxconv 0.4.2
tensorflow 2.3.1
```

```python
import onnxconv
import tensorflow as tf
onnxconv.convert(tf.keras.Sequential())
```

ValueError: no inputs
"""


def test_a_pip_list_command_starts_its_table() -> None:
    found = extract(LISTED)
    assert [(p.name, p.version) for p in found.listed] == [("onnxconv", "0.4.2")]
    assert [(p.name, p.version) for p in found.pins] == [("tensorflow", "2.3.1")]


def test_an_unknown_import_listed_with_a_version_is_installed_at_it() -> None:
    for command in ("$ pip list", "(venv) C:\\work> pip list", "!pip list", "conda list"):
        found = extract(LISTED.replace("$ pip list", command))
        assumed: list[str] = []
        added = imported(found, {}, assumed, None)
        assert added["onnxconv"].version == "0.4.2", command
        assert added["onnxconv"].exact, command


def test_an_unknown_import_not_listed_is_still_left_out() -> None:
    found = extract(LISTED.replace("onnxconv 0.4.2\n", ""))
    assumed: list[str] = []
    assert "onnxconv" not in imported(found, {}, assumed, None)
    assert any(note.startswith("onnxconv not installed") for note in assumed)


CODE = "```python\nimport keras\nkeras.layers.Dense(2)\n```\n\nValueError: x\n"


def claim_of(title: str) -> tuple[str, str] | None:
    found = extract(f"# {title}\n\n```python\nimport keras\n```\n")
    error = found.reported_error
    return None if error is None else (error.type, error.message)


def test_a_titles_message_whose_type_goes_without_saying() -> None:
    titles = {
        "TFXModel: InvalidArgumentError.__init__() missing 2 required positional arguments: "
        "'op' and 'message'": (
            "TypeError",
            "InvalidArgumentError.__init__() missing 2 required positional arguments: "
            "'op' and 'message'",
        ),
        "fit() got an unexpected keyword argument 'jit_compile' with keras 2.4": (
            "TypeError",
            "fit() got an unexpected keyword argument 'jit_compile'",
        ),
        "Layer.call() takes 2 positional arguments but 3 were given in a custom RNN": (
            "TypeError",
            "Layer.call() takes 2 positional arguments but 3 were given",
        ),
        "Predicting fails: 'NoneType' object has no attribute 'shape'": (
            "AttributeError",
            "'NoneType' object has no attribute 'shape'",
        ),
        "'KerasTensor' object is not subscriptable after upgrade": (
            "TypeError",
            "'KerasTensor' object is not subscriptable",
        ),
    }
    for title, claim in titles.items():
        assert claim_of(title) == claim, title


def test_a_typed_title_keeps_its_type() -> None:
    assert claim_of("ValueError: 'NoneType' object has no attribute 'shape'") == (
        "ValueError",
        "'NoneType' object has no attribute 'shape'",
    )
    assert claim_of("KeyError in fit with a dict dataset") == ("KeyError", "")


def test_a_template_field_names_its_package_as_a_code_span() -> None:
    text = "- `tensorflow` version: 2.15.0\n* `keras` version: 2.15.0\n\n" + CODE
    pins = {p.name: p.version for p in extract(text).pins}
    assert pins["tensorflow"] == "2.15.0" and pins["keras"] == "2.15.0"


def test_an_import_the_prose_says_works_is_not_the_failing_one() -> None:
    prose = (
        "{works}\nbut from transformers import TFBertModel doesn't work.\n"
        "How do I resolve this error(ModuleNotFoundError: No module named 'keras.saving.x')?\n"
    )
    for works in (
        "from transformers import BertTokenizer works well.",
        "`from transformers import BertTokenizer` worked,",
        "from transformers import BertTokenizer is fine",
        "import transformers runs fine",
    ):
        found = extract(prose.format(works=works))
        assert found.code is not None, works
        assert found.code.text == "from transformers import TFBertModel\n", works
        assert found.reported_error is not None
        assert found.reported_error.message == "No module named 'keras.saving.x'"


def test_an_error_in_brackets_after_a_word() -> None:
    found = extract("Importing keras gives an error(ImportError: cannot import name 'x' from 'y').")
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.message) == (
        "ImportError",
        "cannot import name 'x' from 'y'",
    )


TRACE = """\
```
Traceback (most recent call last):
  File "run.py", line 1, in <module>
    import keras
  File "{path}/keras/__init__.py", line 3, in <module>
    from keras import models
ImportError: x
```
"""


def test_a_stated_python_2_gives_way_to_the_python_3_of_the_traceback() -> None:
    for path in (
        "/home/u/.local/lib/python3.8/site-packages",
        "/opt/conda/envs/a/lib/python3.8/site-packages",
        "/usr/local/lib/python3.8/dist-packages",
    ):
        found = extract("Python version: 2.7.18\n\n" + TRACE.format(path=path))
        assert found.python is not None and found.python[0] == "3.8", path
        assert any("Python 2.7 not used" in note for note in found.notes), path


def test_a_stated_python_3_or_a_python_2_path_is_kept() -> None:
    path = "/home/u/.local/lib/python3.8/site-packages"
    found = extract("Python version: 3.9.1\n\n" + TRACE.format(path=path))
    assert found.python is not None and found.python[0] == "3.9"
    found = extract("Python 2.7\n\n" + TRACE.format(path="/usr/lib/python2.7/dist-packages"))
    assert found.python is not None and found.python[0] == "2.7"


def test_a_code_span_closed_before_its_names_quote() -> None:
    for line in (
        "`ModuleNotFoundError: No module named 'tensorflow.python.trackable`",
        "It fails: `ModuleNotFoundError: No module named 'tensorflow.python.trackable`.",
    ):
        found = extract(line + "\n\n```python\nimport keras\n```\n")
        assert found.reported_error is not None, line
        assert found.reported_error.message == "No module named 'tensorflow.python.trackable'"


def test_a_lazy_import_failure_names_its_library() -> None:
    text = (
        "```python\nimport tensorflow as tf\nmodel.fit(ds)\n```\n\n```\n"
        "RuntimeError: Failed to import transformers.models.bert.modeling_tf_bert because of "
        "the following error (look up to see its traceback):\n"
        "module 'tensorflow._api.v2.compat.v2.internal' has no attribute 'x'\n```\n"
    )
    assert "transformers" in extract(text).error_packages


def test_advice_on_an_exceptions_next_lines_is_no_step() -> None:
    text = (
        "```\nRuntimeError: Failed to import x because of the following error:\n"
        "Keras 3 is not supported. Please install tf-keras with `pip install tf-keras`.\n"
        "```\n\n```\n$ pip install tensorflow==2.16.1\n```\n\n"
        "```python\nimport tensorflow as tf\n```\n"
    )
    assert extract(text).pip_steps == ("tensorflow==2.16.1",)
    ran = "```\nValueError: bad\npip install keras==3.3.3\n```\n\n```python\nimport keras\n```\n"
    assert extract(ran).pip_steps == ("keras==3.3.3",)


def test_a_librarys_own_version_field_is_read_for_it() -> None:
    prose = (
        "**Deepface version:** 0.0.86\n"
        "KerasTuner's version: 1.4.6\n"
        " - coremltools version: 6.3.0\n"
        "mlflow==2.11.1 fails to save\n"
        "File site-packages/deepface/DeepFace.py:247, in analyze\n"  # a path, no version
        "my_deepface: 3.0\n"  # another name
    )
    found = [(name, version) for name, version, _ in library_versions.said(prose)]
    assert found == [
        ("deepface", "0.0.86"),
        ("keras-tuner", "1.4.6"),
        ("coremltools", "6.3.0"),
        ("mlflow", "2.11.1"),
    ]


def test_a_librarys_version_is_listed_and_pins_it_where_the_code_imports_it() -> None:
    report = (
        "Deepface version: 0.0.86\n\n```python\nfrom deepface import DeepFace\n"
        "DeepFace.verify('a.jpg', 'b.jpg')\n```\n"
    )
    found = extract(report)
    assert [(p.name, p.version) for p in found.listed] == [("deepface", "0.0.86")]


def test_strong_emphasis_around_a_field_is_blanked_one_for_one() -> None:
    for text, want in (
        ("**TensorFlow version:** 2.15.0", "  TensorFlow version:   2.15.0"),
        ("- **Python version**: 3.10", "-   Python version  : 3.10"),
        ("Tensorflow-text: **2.9.0**", "Tensorflow-text:   2.9.0  "),
        ("call f(**kwargs) or g(**b)", "call f(**kwargs) or g(**b)"),
        ("```\n**kept**\n```\n**x**", "```\n**kept**\n```\n  x  "),
    ):
        assert without_strong(text) == want


def test_a_saved_reports_address_on_its_first_line_is_not_its_title() -> None:
    text = "https://github.com/o/r/issues/7 2024-03-10\n# TypeError using Hyperband\n\nbody\n"
    assert title_of(text) == "TypeError using Hyperband"
    # An address is never a title: the line under it is, heading or not.
    assert title_of("https://example.org/post\nSome words\n") == "Some words"


def test_numbered_lines_of_a_librarys_own_source_are_not_a_cell() -> None:
    assert library_source(("from .ops import relu",))
    assert library_source(("from keras.src.utils import x",))
    assert library_source(("import numpy as np  # noqa: F401",))
    assert not library_source(("from keras.layers import Dense", "net = build(3)"))


def test_a_cells_cut_statement_runs_the_arrowed_element_alone() -> None:
    report = (
        "```\n"
        "ValueError                                Traceback (most recent call last)\n"
        "<ipython-input-2-ab> in <module>\n"
        "      1 x = 3\n"
        "      2 net = keras.Sequential([\n"
        "----> 3     keras.layers.Dense(x, activation='nope'),\n"
        "      4     keras.layers.Dense(1),\n"
        "\n"
        "ValueError: Unknown activation function: 'nope'\n"
        "```\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text.endswith("x = 3\nkeras.layers.Dense(x, activation='nope')\n")
