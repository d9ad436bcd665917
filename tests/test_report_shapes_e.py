"""Shapes of reports from the fifth survey: a release number after `pip install` in a title,
backends a report names only in its error, settings written in prose, and third-party libraries
a traceback or error runs through."""

from __future__ import annotations

from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pip_lines import pip_steps
from tests.pypi_fake import request_as_of


def resolved(text: str, as_of: str) -> tuple[str, tuple[str, ...], str]:
    request = request_as_of(text, as_of)
    return request.python, request.steps, "\n".join(request.assumed)


def test_a_release_number_after_pip_install_is_not_an_install() -> None:
    assert pip_steps("# RHEL pip install 2.0-rc issues, No module named x") == ()
    assert pip_steps("after pip install 2.16 it broke") == ()
    assert pip_steps("after pip install v2.16.1 it broke") == ()
    # A name that merely starts with a digit is still a distribution.
    assert pip_steps("pip install 3to2") == ("3to2",)
    assert pip_steps("pip install tensorflow==2.0.0rc2") == ("tensorflow==2.0.0rc2",)


def test_a_backend_the_error_says_is_missing_is_not_installed_beside_old_keras() -> None:
    report = (
        "Python 3.6, `pip install keras==2.2.4`\n\n```\n>>> import keras\n"
        "Using TensorFlow backend.\nModuleNotFoundError: No module named 'tensorflow'\n```\n"
    )
    python, steps, assumed = resolved(report, "2019-03-01")
    assert (python, steps) == ("3.6", ("keras==2.2.4 numpy==1.16.2",))
    assert "tensorflow not installed beside Keras 2.2.4" in assumed
    # Python 2 wrote the module without quotes; the same absence.
    _, steps, _ = resolved(report.replace("'tensorflow'", "tensorflow"), "2019-03-01")
    assert steps == ("keras==2.2.4 numpy==1.16.2",)
    # Another module missing: the backend is still there, as the report shows.
    _, steps, _ = resolved(report.replace("'tensorflow'", "'h5py'"), "2019-03-01")
    assert steps[0].startswith("tensorflow==1.")


def test_os_environ_written_outside_the_code_is_a_variable_of_the_run() -> None:
    code = "```python\nimport keras\nkeras.layers.Dense(2)(keras.ops.ones((1, 3)))\n```\n"
    prose = 'I run `os.environ["KERAS_BACKEND"] = "jax"` in the first cell.\n\n'
    found = extract(prose + code)
    assert found.env == {"KERAS_BACKEND": "jax"}
    assert any("os.environ outside the code" in note for note in found.notes)
    # `.setdefault` in a one-line snippet of its own counts the same.
    snippet = "```python\nos.environ.setdefault('TF_USE_LEGACY_KERAS', '1')\n```\n\n"
    found = extract("Python 3.11\n\n" + snippet + code)
    assert found.env == {"TF_USE_LEGACY_KERAS": "1"}
    assert found.code is not None and "Dense" in found.code.text
    # The code that runs sets its own: it stays there, not also in the environment.
    setting = 'import os\nos.environ["KERAS_BACKEND"] = "jax"\n'
    assert extract(prose + code.replace("import keras\n", setting + "import keras\n")).env == {}
    # A shell line's setting wins over a sentence's.
    assert extract("export KERAS_BACKEND=torch\n\n" + prose + code).env == {
        "KERAS_BACKEND": "torch"
    }


def test_the_backend_an_error_says_keras_could_not_load_is_set() -> None:
    code = "```python\nimport keras\n```\n\n"
    found = extract(code + "ValueError: Unable to import backend : mxnet\n")
    assert found.env == {"KERAS_BACKEND": "mxnet"}
    assert any("could not load" in note for note in found.notes)
    assert extract(code + "ValueError: Unknown backend: cntk2\n").env == {"KERAS_BACKEND": "cntk2"}
    # Set by the report another way: that way stays, nothing is added.
    exported = extract("export KERAS_BACKEND=torch\n\n" + code + "ValueError: Unknown backend: x\n")
    assert exported.env == {"KERAS_BACKEND": "torch"}
    in_json = '```json\n{"backend": "mxnet"}\n```\n\n'
    found = extract(in_json + code + "ValueError: Unable to import backend : mxnet\n")
    assert found.env == {} and found.keras_json == {"backend": "mxnet"}


def test_a_keras_library_in_the_traceback_or_the_error_type_is_installed() -> None:
    code = "```python\nfrom helpers import run\nrun()\n```\n\n"
    frame = '  File "/venv/lib/python3.11/site-packages/deepface/DeepFace.py", line 9, in verify\n'
    traceback = "Traceback (most recent call last):\n" + frame + "    x()\nValueError: bad\n"
    assert extract(code + "```\n" + traceback + "```\n").traceback_packages == ("deepface",)
    claim = "keras_tuner.src.errors.FatalError: Number of consecutive failures exceeded\n"
    assert extract(code + claim).error_packages == ("keras-tuner",)
    _, steps, _ = resolved("TensorFlow 2.16.1, Python 3.11\n\n" + code + claim, "2024-06-10")
    assert steps == ("tensorflow==2.16.1 keras-tuner==1.4.7",)
    # A library that is not built on Keras is left to what brings it.
    other = frame.replace("deepface/DeepFace.py", "IPython/core/interactiveshell.py")
    assert (
        extract(code + "```\nTraceback (most recent call last):\n" + other).traceback_packages == ()
    )


def test_a_notebook_magic_as_ipython_shows_it_is_not_code() -> None:
    cell = (
        "```\n---------------------------------------------------------------------------\n"
        "AttributeError                            Traceback (most recent call last)\n"
        "<ipython-input-2-9f1c0d3e8a41> in <cell line: 3>()\n"
        "      1 get_ipython().system('pip install -q keras==3.1.1')\n"
        "      2 import keras\n"
        "----> 3 keras.layers.experimental\n\n"
        "AttributeError: module 'keras.layers' has no attribute 'experimental'\n```\n"
    )
    found = extract(cell)
    assert found.code is not None
    assert found.code.text == "import keras\nkeras.layers.experimental\n"
    assert found.pip_steps == ("keras==3.1.1",)
    # In an exported notebook's code block, the same line is a step, not a statement.
    block = "```python\nget_ipython().run_line_magic('pip', 'install keras')\nimport keras\n"
    found = extract(block + "keras.layers.Dense(2)\n```\n")
    assert found.code is not None and "get_ipython" not in found.code.text


def test_a_gpu_build_in_a_conda_listing_is_installed_as_itself() -> None:
    listing = (
        "```\n$conda list | grep tensor\ntensorflow-gpu   1.4.0   py36h6bf4e57_0   ch\n```\n\n"
    )
    code = "```python\nimport tensorflow as tf\ntf.keras.Model()\n```\n"
    python, steps, _ = resolved(listing + code, "2019-01-11")
    assert (python, steps) == ("3.6", ("tensorflow-gpu==1.4.0 numpy==1.15.4",))
    # Without the listing, the import is TensorFlow itself.
    _, steps, _ = resolved("Python 3.6\n\n" + code, "2019-01-11")
    assert steps == ("tensorflow==1.12.0 numpy==1.15.4",)


def test_a_tensorflow_version_field_beside_a_build_the_report_installs_names_that_build() -> None:
    code = "```python\nimport tensorflow as tf\ntf.ones(1)\n```\n"
    report = (
        "- TensorFlow version: 2.15.0\n- Python 3.10\n\n`pip install tensorflow-cpu==2.15.0`\n\n"
    )
    _, steps, assumed = resolved(report + code, "2024-01-20")
    assert steps == ("tensorflow-cpu==2.15.0",)
    assert "installs TensorFlow as tensorflow-cpu" in assumed
    # A line installing another package leaves the field's TensorFlow to install first.
    _, steps, _ = resolved(report.replace("tensorflow-cpu", "keras") + code, "2024-01-20")
    assert steps[0] == "tensorflow==2.15.0"
