"""Shapes of reports written in TensorFlow's and tf-keras's issue templates: a Python version
labelled or in brackets, TensorFlow 1.x's capitalised version checks and the template's own
`python -c` instructions, and imports that bring one another in a report naming no version."""

from __future__ import annotations

import pytest

from harness.pypi import PackageIndex
from harness.repro.bug_report.code_facts import runs_nothing, trivial
from harness.repro.bug_report.hosted import code_links, hosted_on
from harness.repro.bug_report.parse import extract
from harness.repro.code_to_run import NothingToRunError
from harness.repro.nightlies import standing_in
from harness.repro.resolution import Wanted
from tests.pypi_fake import fake_index, request_as_of


@pytest.mark.parametrize(
    ("field", "python"),
    [
        ("Python version (3.8.10)", "3.8"),
        ("Python (3.9.7)", "3.9"),
        ("python version - 3.10", "3.10"),
        ("Python [3.11]", "3.11"),
        ("3.12.4", "3.12"),
    ],
)
def test_a_python_version_field_may_label_or_bracket_its_value(field: str, python: str) -> None:
    report = f"### Python version\n\n{field}\n\n```python\nimport keras\nkeras.ops.ones(2)\n```\n"
    found = extract(report).python
    assert found is not None
    assert found[0] == python


@pytest.mark.parametrize("text", ["python -m pip install keras", "python - <<EOF", "python -3.10"])
def test_a_command_line_is_not_a_python_version(text: str) -> None:
    assert extract(f"{text}\n\n```python\nimport keras\nkeras.ops.ones(2)\n```\n").python is None


def test_tensorflow_1_capitalised_version_checks_are_checks() -> None:
    assert trivial("import tensorflow as tf\nprint(tf.GIT_VERSION, tf.VERSION)\n")
    assert trivial("import keras\nkeras.__version__\n")
    assert not trivial("import tensorflow as tf\nprint(tf.constant(VERSION))\nf()\n")


_TEMPLATE = """**System information**
- TensorFlow version (use command below): 1.15.5
- Python version: 3.7

You can collect some of this information using our environment capture script.
You can also obtain the TensorFlow version with:
1. TF 1.0: `python -c "import tensorflow as tf; print(tf.GIT_VERSION, tf.VERSION)"`
2. TF 2.0: `python -c "import tensorflow as tf; print(tf.version.GIT_VERSION, tf.version.VERSION)"`

**Describe the current behavior**

```
import keras
```

AttributeError: module 'tensorflow' has no attribute 'get_default_graph'
"""


def test_the_templates_version_commands_lose_to_the_reporters_own_check() -> None:
    code = extract(_TEMPLATE).code
    assert code is not None
    assert code.text == "import keras\n"


def test_a_version_command_that_shows_its_error_is_still_the_reporters_code() -> None:
    report = _TEMPLATE.replace(
        "```\nimport keras\n```",
        '```\n$ python -c "import tensorflow as tf; print(tf.version.VERSION)"\n'
        'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n'
        "ImportError: libcudart.so.10.0: cannot open shared object file\n```",
    )
    code = extract(report).code
    assert code is not None
    assert code.text == "import tensorflow as tf; print(tf.version.VERSION)\n"


def test_the_only_version_command_of_a_report_is_still_run() -> None:
    report = _TEMPLATE.split("**Describe", maxsplit=1)[0] + "It crashes at import.\n"
    code = extract(report).code
    assert code is not None
    assert "GIT_VERSION" in code.text


_IMPORTS_ONLY = """Running this on a hosted notebook:

```python
import numpy as np
import tensorflow as tf

print(tf.keras.layers.Dense(2)(np.ones((1, 3))))
```
"""


def test_numpy_imported_beside_tensorflow_follows_tensorflow_not_the_other_way() -> None:
    request = request_as_of(_IMPORTS_ONLY, "2024-08-20")
    # numpy 2.1.0 was the newest by then; TensorFlow 2.17.0 (the newest) requires numpy<2.
    assert request.steps == ("numpy==1.26.4 tensorflow==2.17.0",)
    assumed = "\n".join(request.assumed)
    assert "tensorflow 2.17.0: the latest release" in assumed
    assert "numpy 1.26.4, not 2.1.0" in assumed


def test_a_package_nothing_else_brings_is_still_the_newest_by_the_date() -> None:
    report = _IMPORTS_ONLY.replace("import tensorflow as tf\n", "import pandas as pd\n")
    report = report.replace("tf.keras.layers.Dense(2)(np.ones((1, 3)))", "pd.Series(np.ones(3))")
    request = request_as_of(report, "2021-03-04")
    assert request.steps == ("numpy==1.20.1 pandas==1.2.3",)


def test_a_type_named_alone_in_backticks_gives_way_to_the_same_error_in_full() -> None:
    report = (
        "Training stops with `ValueError` in the first epoch; the message is "
        "`ValueError: Shapes (None, 3) and (None, 5) are incompatible`.\n\n"
        "```python\nimport keras\nkeras.ops.ones(2)\n```\n"
    )
    claim = extract(report).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == (
        "ValueError",
        "Shapes (None, 3) and (None, 5) are incompatible",
    )
    # A type named alone, with no message anywhere, is still a claim of that type.
    alone = extract(
        report.replace("; the message is `ValueError: Shapes", "; shapes")
    ).reported_error
    assert alone is not None
    assert (alone.type, alone.message) == ("ValueError", "")


_LINK_ONLY = """### TensorFlow version

2.16.1

### Standalone code to reproduce the issue

```shell
https://colab.research.google.com/drive/1aBcDeFgHiJkLmNoPqRsTuVwXyZ?usp=sharing
```

### Relevant log output

ValueError: Input 0 of layer "dense" is incompatible with the layer
"""


def test_code_only_behind_a_notebook_link_is_refused_naming_the_link() -> None:
    with pytest.raises(NothingToRunError) as refused:
        request_as_of(_LINK_ONLY, "2024-05-02")
    message = str(refused.value)
    assert "only behind a link" in message
    assert (
        "https://colab.research.google.com/drive/1aBcDeFgHiJkLmNoPqRsTuVwXyZ?usp=sharing" in message
    )
    assert "--script FILE" in message
    # Without the link, the refusal says there is no code at all.
    with pytest.raises(NothingToRunError) as bare:
        request_as_of(
            _LINK_ONLY.replace("https://colab.research.google.com/drive/", "see "), "2024-05-02"
        )
    assert "only behind a link" not in str(bare.value)


@pytest.mark.parametrize(
    "link",
    [
        "https://gist.github.com/someone/0123abcd",
        "https://colab.research.google.com/gist/someone/0123abcd/repro.ipynb",
        "https://www.kaggle.com/code/someone/keras-repro",
        "https://github.com/someone/proj/blob/main/notebooks/repro.ipynb",
    ],
)
def test_gists_and_notebooks_are_links_to_code(link: str) -> None:
    assert code_links(f"The notebook: {link}. Thanks!") == (link,)


def test_other_links_are_not_code() -> None:
    text = "See https://github.com/tensorflow/tensorflow/tree/master/tools/tf_env_collect.sh and https://keras.io/api/"
    assert code_links(text) == ()


def test_code_shown_beside_a_link_is_run_and_the_link_noted() -> None:
    report = _LINK_ONLY.replace(
        "https://colab",
        "import keras\nkeras.layers.Dense(2)(keras.ops.ones((1, 3)))\n# https://colab",
    )
    request = request_as_of(report, "2024-05-02")
    assert "keras.layers.Dense(2)" in request.code
    assert any(a.startswith("the report links its code (https://colab") for a in request.assumed)


_ON_COLAB = """Running on Google Colab, default runtime.

```python
import numpy as np
import tensorflow as tf

print(tf.keras.layers.Dense(2)(np.ones((1, 3))))
```
"""


def test_a_hosted_runtime_without_versions_is_resolved_by_the_date_and_said_so() -> None:
    request = request_as_of(_ON_COLAB, "2024-08-20")
    assert request.steps == ("numpy==1.26.4 tensorflow==2.17.0",)
    note = next(a for a in request.assumed if a.startswith("the report ran on Colab"))
    assert "numpy, tensorflow" in note
    assert "as of 2024-08-20" in note


def test_a_hosted_runtime_with_its_versions_named_needs_no_such_note() -> None:
    report = _ON_COLAB + "\ntf.__version__ is 2.17.0, numpy 1.26.4\n"
    request = request_as_of(report, "2024-08-20")
    assert not any(a.startswith("the report ran on") for a in request.assumed)


@pytest.mark.parametrize(
    ("text", "hosted"),
    [
        ("on google collab", "Colab"),
        ("Colaboratory", "Colab"),
        ("a Kaggle notebook", "Kaggle"),
        ("my laptop", ""),
        ("it fails locally, not on Google Colab", ""),
        ("I don't use colab", ""),
        ("outside of Kaggle, on my own machine", ""),
        ("not on my laptop but on Colab", "Colab"),
    ],
)
def test_the_hosted_service_is_read_from_its_name(text: str, hosted: str) -> None:
    assert hosted_on(text) == hosted


_SLIP = """```python
import keras
keras.layers.Dense(2)
```

TensorFlow 2.16.1, keras: 3.31
"""


def test_a_partial_version_no_release_matches_is_left_open_and_said_so() -> None:
    request = request_as_of(_SLIP, "2024-07-12")
    # No keras 3.31.x exists; 3.4.1 was the newest by then.
    assert request.steps == ("tensorflow==2.16.1 keras==3.4.1",)
    assert any(
        a.startswith("keras 3.31 not pinned: PyPI has no keras 3.31") for a in request.assumed
    )


def test_a_version_written_exactly_is_kept_even_if_no_release_has_it() -> None:
    request = request_as_of(_SLIP.replace("keras: 3.31", "pip install keras==3.31.0"), "2024-07-12")
    assert "keras==3.31.0" in " ".join(request.steps)
    assert not any("not pinned: PyPI has no" in a for a in request.assumed)


def test_a_partial_version_released_after_the_date_is_still_its_first_release() -> None:
    request = request_as_of(_SLIP.replace("keras: 3.31", "keras 3.4"), "2024-05-01")
    assert request.steps == ("tensorflow==2.16.1 keras==3.4.0",)


_WHEEL = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def _nightly_index(nightlies: list[str]) -> PackageIndex:
    return fake_index(**{"tf-nightly": dict.fromkeys(nightlies, (">=3.9", _WHEEL))})


def _wanted(version: str) -> dict[str, Wanted]:
    return {"tf-nightly": Wanted(name="tf-nightly", version=version, exact=True, why="")}


def test_a_nightly_pypi_no_longer_has_gives_way_to_the_first_release_of_its_line() -> None:
    index = _nightly_index(["2.18.0.dev20240901"])
    kept, notes = standing_in(_wanted("2.16.0.dev20240115"), index, installed_by_steps=set())
    assert {n: w.version for n, w in kept.items()} == {"tensorflow": "2.16.1"}
    assert kept["tensorflow"].exact
    assert notes == [
        "tf-nightly 2.16.0.dev20240115 is no longer on PyPI (it keeps only recent nightlies): "
        "tensorflow 2.16.1, the first release of the line that nightly led to, stands in"
    ]


def test_a_nightly_pypi_still_has_is_installed_as_it_is() -> None:
    index = _nightly_index(["2.16.0.dev20240115"])
    kept, notes = standing_in(_wanted("2.16.0.dev20240115"), index, installed_by_steps=set())
    assert kept == _wanted("2.16.0.dev20240115")
    assert notes == []


def test_a_nightly_the_reporters_own_pip_line_installs_is_left_to_that_line() -> None:
    index = _nightly_index(["2.18.0.dev20240901"])
    wanted = _wanted("2.16.0.dev20240115")
    assert standing_in(wanted, index, installed_by_steps={"tf-nightly"}) == (wanted, [])


def test_a_nightly_of_a_line_never_released_stays() -> None:
    index = _nightly_index(["2.18.0.dev20240901"])
    wanted = _wanted("2.99.0.dev20300101")
    assert standing_in(wanted, index, installed_by_steps=set()) == (wanted, [])


_DEFINES_ONLY = """### TensorFlow version

2.15.1

### Standalone code to reproduce the issue

```shell
def export_weights(path, layers):
    from tensorflow.python.keras import backend_config as cfg
    return cfg.epsilon()
```

### Relevant log output

```shell
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
ImportError: cannot import name 'backend_config' from 'tensorflow.python.keras'
```
"""


def test_code_that_only_defines_gives_way_to_the_statement_the_error_names() -> None:
    found = extract(_DEFINES_ONLY)
    assert found.code is not None
    assert found.code.text == "from tensorflow.python.keras import backend_config\n"
    assert [b.text.split("(")[0] for b in found.other_code] == ["def export_weights"]
    assert any("only defines functions or classes" in note for note in found.notes)


def test_code_that_defines_and_calls_is_run_as_shown() -> None:
    report = _DEFINES_ONLY.replace(
        "    return cfg.epsilon()\n", "    return cfg.epsilon()\n\nexport_weights('w.h5', [])\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text.startswith("def export_weights")


def test_code_that_only_defines_stays_when_the_error_names_no_statement() -> None:
    report = _DEFINES_ONLY.replace(
        "ImportError: cannot import name 'backend_config' from 'tensorflow.python.keras'",
        "ValueError: weights file is empty",
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text.startswith("def export_weights")


@pytest.mark.parametrize(
    ("code", "nothing"),
    [
        ("import keras\nclass Block(Base):\n    pass\n", True),
        ('"""doc"""\nSIZE = 3\ndef f():\n    return SIZE\n', True),
        ("def f():\n    pass\nf()\n", False),
        ("import keras\nmodel = keras.Sequential()\n", False),
        ("import keras\n", False),
    ],
)
def test_what_runs_nothing(code: str, nothing: bool) -> None:
    assert runs_nothing(code) is nothing


def test_a_comment_beside_a_printed_version_does_not_take_its_value() -> None:
    report = (
        "```\n>>> tf.__version__  # the same for tf.keras.__version__\n'2.11.0'\n```\n\n"
        "```python\nimport tensorflow as tf\ntf.keras.models.load_model('m.keras')\n```\n"
    )
    pins = {p.name: p.version for p in extract(report).pins}
    assert pins == {"tensorflow": "2.11.0"}
    # A version in a comment alone, with no code before it, is not a printed one.
    alone = report.replace(">>> tf.__version__  # the same for", "# see")
    assert {p.name for p in extract(alone).pins} == set()


@pytest.mark.parametrize(
    "code",
    [
        "import tensorflow as tf\nclass Head(tf.keras.layers.Layer):\n    pass\n",
        "import keras\n@keras.saving.register_keras_serializable()\nclass Head:\n    pass\n",
        "import keras\ndef f(act=keras.activations.get('relu')):\n    return act\n",
    ],
)
def test_a_definition_whose_header_runs_library_code_runs_something(code: str) -> None:
    assert not runs_nothing(code)
