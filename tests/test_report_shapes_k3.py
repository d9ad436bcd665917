"""Shapes of Keras 3 era reports: Keras 3's wrapped message pasted with its bold as Markdown,
the Keras libraries named with a space ("the latest Keras hub"), and a JAX that needs jaxlib
beside it."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import backend_named, keras_messages, latest_named, quoted_output
from harness.repro.bug_report.parse import extract
from harness.repro.jaxlib_beside_jax import jaxlib_wanted
from harness.repro.resolution import Wanted

# 1. Keras 3 prints the original message in bold; pasted from a notebook into GitHub's editor
# the bold comes back as `**...**`, which Python never printed.

_WRAPPED = "Exception encountered when calling {where}.\n\n{held}\n\nArguments received by X:\n"


@pytest.mark.parametrize(
    ("held", "message"),
    [
        ("**Invalid input shape (None,)**", "Invalid input shape (None,)"),
        ("  **Invalid input shape (None,)**  ", "Invalid input shape (None,)"),
        ("**first line**\n**second line**", "first line\nsecond line"),
        ("__not bold in Python__", "__not bold in Python__"),
        ("**a** and **b**", "**a** and **b**"),
        ("2 ** 3 is not **", "2 ** 3 is not **"),
        ("plain message", "plain message"),
    ],
)
def test_markdown_bold_around_the_held_message_is_the_paste(held: str, message: str) -> None:
    wrapped = _WRAPPED.format(where="Functional.call()", held=held)
    assert keras_messages.inner(wrapped) == message


# 2. "Keras hub", "Keras NLP", "Keras CV" with a space are the libraries, not Keras.


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Latest Keras hub giving import error", {"keras-hub"}),
        ("after installing the newest Keras Hub release", {"keras-hub"}),
        ("with the most recent keras nlp", {"keras-nlp"}),
        ("on the latest Keras CV, YOLO fails", {"keras-cv"}),
        ("with the latest keras and TF", {"keras", "tensorflow"}),
        ("using the latest keras", {"keras"}),
    ],
)
def test_a_keras_library_named_with_a_space_is_that_library(text: str, found: set[str]) -> None:
    assert {name for name, _ in latest_named.latest_named(text)} == found


# 3. JAX up to 0.4.30 requires jaxlib only through its extras.

_OLD_JAX = (
    "ml-dtypes >=0.2.0",
    "numpy >=1.22",
    "jaxlib ==0.4.20 ; extra == 'cpu'",
    "jaxlib ==0.4.20+cuda12.cudnn89 ; extra == 'cuda12_pip'",
    "jaxlib ==0.4.19 ; extra == 'ci'",
)
_NEW_JAX = ("jaxlib<=0.4.35,>=0.4.34", "ml-dtypes>=0.4.0", 'jaxlib==0.4.34; extra == "cpu"')


class _Index:
    """Requires-Dist by (name, version); nothing else is asked."""

    def __init__(self, requires: dict[tuple[str, str], tuple[str, ...]]) -> None:
        self._requires = requires

    def requirements(
        self, name: str, version: str, *, python: str | None = None
    ) -> tuple[str, ...]:
        return self._requires[(name, version)]


_INDEX = _Index({("jax", "0.4.20"): _OLD_JAX, ("jax", "0.4.35"): _NEW_JAX})


def _wanted_for(exact: dict[str, str], steps: tuple[str, ...] = ()) -> Wanted | None:
    wanted = {name: Wanted(name=name, version=v, exact=True, why="") for name, v in exact.items()}
    return jaxlib_wanted(exact, wanted, _INDEX, python="3.11", steps=steps)  # type: ignore[arg-type]


def test_an_old_jax_gets_the_jaxlib_its_cpu_extra_pins() -> None:
    added = _wanted_for({"jax": "0.4.20", "keras": "3.0.2"})
    assert added is not None
    assert (added.name, added.version, added.exact) == ("jaxlib", "0.4.20", True)
    assert "only through an extra" in added.why


@pytest.mark.parametrize(
    ("exact", "steps"),
    [
        ({"jax": "0.4.35", "keras": "3.7.0"}, ()),  # requires jaxlib itself
        ({"jax": "0.4.20", "jaxlib": "0.4.20"}, ()),  # the report installs it
        ({"jax": "0.4.20"}, ("'jax[cpu]==0.4.20' keras==3.0.2",)),  # through the extra
        ({"jax": "0.4.20"}, ("-U jax[cuda12_pip]==0.4.20",)),
        ({"keras": "3.0.2"}, ()),  # no JAX at all
    ],
)
def test_nothing_is_added_where_jaxlib_comes_anyway(
    exact: dict[str, str], steps: tuple[str, ...]
) -> None:
    assert _wanted_for(exact, steps) is None


# 4. The backend a Keras 3 report names in its words, where nothing sets one.


@pytest.mark.parametrize(
    ("text", "backend"),
    [
        ("# keras.ops.eye does not work in Layer with JAX backend\n", "jax"),
        ("# Torch backend fails to recover after an assertion\n", "torch"),
        ("NaN loss on the `jax` backend after two epochs.", "jax"),
        ("Training with the PyTorch backend hangs. It is fine on the TF backend.", "torch"),
        ("Using the tensorflow backend, predict() leaks memory.", None),  # the default
        ("Fails on the jax backend; the TF backend has it too.", None),
        ("The code works well with Tensorflow and PyTorch backends.", None),
        # "works with A but not with B": B is the one it failed on.
        ("It works with the torch backend but not with the JAX backend.", "jax"),
        ("Runs on tensorflow and torch backends but not on jax.", "jax"),
        ("It fails with the torch backend but not with the JAX backend.", None),
        ("Works on TF but not on torch 2.1.", None),  # a version: not the backend
        ("Below, the error when running on `jax`.", "jax"),
        ("The model crashes when training with pytorch.", "torch"),
        ("It ran fine when running on jax.", None),
        ("running on torch 2.4.1 and keras 3.6", None),
        ("running on jax-metal", None),
        ("Fails on the jax backend. Also fails on the torch backend.", None),
        ("Using TensorFlow backend.\nTraceback (most recent call last):", None),
        ("a backend-agnostic layer", None),
        ("It fails, no error on the torch backend though.", None),
        ("It works with tf.keras on the torch backend.", None),
    ],
)
def test_a_backend_named_in_words_is_the_one_it_failed_on(text: str, backend: str | None) -> None:
    named = backend_named.in_words(text)
    assert (named[0] if named else None) == backend


def test_a_path_the_report_shows_comes_before_its_words() -> None:
    frame = '  File "/v/lib/python3.11/site-packages/keras/src/backend/jax/core.py", line 3'
    reporter = "# Fails with the torch backend\n" + frame
    ran = backend_named.ran_on(reporter, reporter)
    assert ran is not None and ran[0] == "jax"


def test_the_backend_in_words_is_set_only_where_the_report_sets_none() -> None:
    title = "# Loss is NaN with the JAX backend\n\n"
    code = "```python\nimport keras\nkeras.ops.log(0.0)\n```\n"
    assert extract(title + code).env == {"KERAS_BACKEND": "jax"}
    in_code = "```python\nimport os\nos.environ['KERAS_BACKEND'] = 'torch'\nimport keras\n```\n"
    assert "KERAS_BACKEND" not in extract(title + in_code).env
    json_block = 'keras.json:\n```json\n{"backend": "torch"}\n```\n'
    assert extract(title + json_block + code).env == {}
    assert extract(title + "export KERAS_BACKEND=torch\n\n" + code).env == {
        "KERAS_BACKEND": "torch"
    }


# 5. pip's output quoted with `>` right under the reporter's own pip command is its output.


@pytest.mark.parametrize(
    "text",
    [
        "`pip install -U keras-cv`\n\n> Successfully installed keras-2.11.0\n",
        "$ pip install keras-cv\n> Collecting keras-cv\n> Successfully installed keras-2.11.0\n",
        "python -m pip install keras-cv\n>Requirement already satisfied: x\n"
        "> Successfully installed keras-2.11.0\n",
    ],
)
def test_quoted_pip_output_under_a_pip_command_is_read_unquoted(text: str) -> None:
    assert "\nSuccessfully installed keras-2.11.0\n" in quoted_output.unquoted(text)


@pytest.mark.parametrize(
    "text",
    [
        "> Successfully installed keras-2.11.0\n",  # no command of the reporter's above
        "pip install keras-cv\nIt printed a lot.\n> Successfully installed keras-2.11.0\n",
        "pip install keras-cv\n> I think you need keras 3\n> Successfully installed keras-2.11.0\n",
        "```\npip install keras-cv\n```\n> Successfully installed keras-2.11.0\n",
        ">>> import keras\n",
    ],
)
def test_other_quotes_stay_quotes(text: str) -> None:
    assert quoted_output.unquoted(text) == text


def test_the_quoted_output_pins_what_the_command_installed() -> None:
    report = (
        "I ran `pip install --upgrade keras-cv`\n\n"
        "> Successfully installed keras-2.11.0 tensorflow-2.11.1\n\n"
        "```python\nimport keras_cv\n```\n"
    )
    assert extract(report).pip_steps == ("--upgrade keras-cv keras==2.11.0 tensorflow==2.11.1",)


# 6. A traceback whose own lines fail at a statement other than an import: an import the prose
# mentions is not what failed, and lines shown from inside a method run nothing.

_METHOD_FRAME = """
```
     31 def forward(self, batch):
---> 32     h = self.proj(batch)

AttributeError: 'ProjBlock' object has no attribute 'proj'
```
"""


@pytest.mark.parametrize(
    "prose",
    [
        "I had to change `from keras.src.layers import Dense` to `from keras.layers import Dense`.",
        "Running the docs example after `import keras_hub`, the call fails:",
        "The example fails after I import keras, at the call below.",
    ],
)
def test_no_import_stands_in_for_a_statement_the_traceback_shows(prose: str) -> None:
    found = extract(f"# ProjBlock fails\n\n{prose}\n{_METHOD_FRAME}")
    assert found.code is None


def test_a_cell_pasted_from_inside_a_function_is_no_code() -> None:
    found = extract(f"# ProjBlock fails\n{_METHOD_FRAME}")
    assert found.code is None


def test_an_import_span_still_stands_in_where_the_traceback_fails_at_an_import() -> None:
    report = (
        "`import keras_hub` triggers:\n\n```\n"
        "---> 3 import keras_hub\n\nImportError: cannot import name 'ops' from 'keras'\n```\n"
    )
    found = extract(report)
    assert found.code is not None and found.code.text.startswith("import keras_hub")
    spanned = extract("`import keras_hub` triggers:\n\nImportError: cannot import name 'ops'\n")
    assert spanned.code is not None and spanned.code.text == "import keras_hub\n"


# 7. "works in TF 2.12 but not in tf-nightly": the release named is the one that works.


@pytest.mark.parametrize(
    ("sentence", "pinned"),
    [
        ("It runs in Tensorflow 2.11 but not in tf-nightly.", None),
        ("Works with TF 2.15, fails with tf_nightly from this week.", None),
        ("It works in TF 2.11 but fails with TF 2.16.", "2.16"),
        ("It works in Tensorflow 2.11 and nothing else is installed.", "2.11"),
    ],
)
def test_a_working_release_beside_a_failing_nightly_is_not_pinned(
    sentence: str, pinned: str | None
) -> None:
    report = f"{sentence}\n\n```python\nimport tensorflow as tf\nprint(tf.ones(2))\n```\n"
    versions = {pin.name: pin.version for pin in extract(report).pins}
    assert versions.get("tensorflow") == pinned
