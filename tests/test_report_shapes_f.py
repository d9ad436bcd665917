"""Shapes of reports from the sixth survey (forum and small projects' threads): a version a
library's message requires, code whose only import is the module the error says is missing, a
`python -c` a Windows console wrapped, pre-2016 reports, untyped titles, `conda install` in a
sentence."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from harness.config.scenarios import Claim
from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pip_lines import pip_steps
from harness.repro.bug_report.python_version import python_of
from harness.repro.bug_report.version_roles import roles
from harness.repro.code_to_run import NothingToRunError
from harness.repro.request import Flags, resolve
from harness.repro.resolution import choose_python
from harness.repro.session import Setting, Setup, build_matrix
from tests.pypi_fake import recorded_index, request_as_of

KERAS_24_CELL = (
    "ImportError                               Traceback (most recent call last)\n"
    "<ipython-input-2-0c1d> in <module>\n"
    "----> 1 from keras.models import Sequential\n\n"
    "C:\\conda\\envs\\demo\\lib\\site-packages\\keras\\__init__.py in <module>\n"
    "      5     raise ImportError(\n"
    "----> 6         'Keras requires TensorFlow 2.2 or higher. '\n"
    "      7         'Install TensorFlow via `pip install tensorflow`')\n\n"
    "ImportError: Keras requires TensorFlow 2.2 or higher. "
    "Install TensorFlow via `pip install tensorflow`\n"
)


def spans(text: str) -> list[str]:
    return [text[start:end] for start, end in roles(text).requirement]


def test_a_version_written_as_a_requirement_is_not_the_installed_one() -> None:
    assert spans("Keras requires TensorFlow 2.2 or higher.") == ["TensorFlow 2.2"]
    assert spans("it needs at least Python 3.8") == ["Python 3.8"]
    assert spans("works on keras 2.4+ only") == ["keras 2.4"]
    assert spans("keras 2.4 and later") == ["keras 2.4"]
    # The installed ones: a local label is not "or newer", a plain mention is not a requirement.
    assert spans("torch 2.0.1+cu118 here") == []
    assert spans("I use TF 2.15 and keras 3.1") == []
    found = extract("# requires TensorFlow 2.2 or higher?\n\nI have tensorflow 1.15 installed.\n")
    assert [(p.name, p.version) for p in found.pins] == [("tensorflow", "1.15")]
    assert 'tensorflow 2.2 not pinned: "TensorFlow 2.2" states a requirement' in found.notes
    # Nor is a Python the report says is required.
    assert python_of("the tool requires Python 3.8 or newer") is None


def test_the_advice_in_a_message_or_a_library_s_source_is_not_a_pip_step() -> None:
    assert pip_steps(KERAS_24_CELL) == ()
    assert pip_steps("# ImportError: install it via `pip install tensorflow`\n") == ()
    assert pip_steps("> ModuleNotFoundError: try `pip install keras`\n") == ()
    # The reporter's own commands still are, a quoted one in a sentence too.
    assert pip_steps('I ran "pip install tensorflow" first\n') == ("tensorflow",)
    assert pip_steps("----> 1 !pip install keras==2.4.3\n") == ("keras==2.4.3",)


def test_keras_s_requires_tensorflow_error_leaves_tensorflow_out() -> None:
    error = ReportedError(type="ImportError", message="Keras requires TensorFlow 2.2 or higher.")
    assert error.missing_module == "tensorflow"
    request = request_as_of(KERAS_24_CELL, "2021-04-20")
    assert request.steps == ("keras==2.4.3 numpy==1.20.2",)
    assumed = "\n".join(request.assumed)
    assert "tensorflow not installed beside Keras 2.4.3: the report's error" in assumed
    # Another ImportError of Keras 2.4 still gets the TensorFlow it runs on.
    other = KERAS_24_CELL.replace("Keras requires TensorFlow 2.2 or higher. ", "no h5py. ")
    assert request_as_of(other, "2021-04-20").steps[0].startswith(("tensorflow==", "keras"))
    assert "tensorflow==" in " ".join(request_as_of(other, "2021-04-20").steps)


def test_code_needing_only_the_missing_module_runs_on_python_alone() -> None:
    report = (
        "```\n>>> import keras\nTraceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "ModuleNotFoundError: No module named 'keras'\n```\n"
    )
    request = request_as_of(report, "2019-03-04")
    assert (request.python, request.steps) == ("3.7", ())
    assert request.code == "import keras\n"
    assert any(
        a.startswith("nothing installed: the code needs only keras") for a in request.assumed
    )
    # A report that installs it, or whose code needs more, is not Python alone.
    assert request_as_of("pip install keras\n\n" + report, "2019-03-04").steps
    needs_more = report.replace(">>> import keras\n", ">>> import numpy\n>>> import keras\n")
    assert request_as_of(needs_more, "2019-03-04").steps[0].startswith("numpy==")
    # Without an error saying so, a report naming no package is still refused in one line.
    with pytest.raises(NothingToRunError, match="no package named or imported"):
        request_as_of("```python\nimport os\nprint(os.sep)\n```\n", "2019-03-04")


def test_python_alone_builds_an_environment_with_no_step(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import keras\n", encoding="utf-8")
    matrix = build_matrix(
        source=snippet,
        snippet=snippet,
        python="3.7",
        setups=(Setup(name="empty", steps=()),),
        settings=(Setting(name="as-reported"),),
        claim=Claim(summary="none", pattern=r"(?!)"),
        template_dir=Path("dockerfiles"),
    )
    # The venv's own pip again: the one step adds nothing to Python alone.
    (step,) = matrix.environments["empty"].steps_for("3.7")
    assert step.pip == "pip==24.0" == f"pip=={matrix.pip_version}"


def test_the_newest_python_of_the_day_when_nothing_is_installed() -> None:
    assert choose_python([], None, datetime.date(2019, 3, 4))[0] == "3.7"
    assert choose_python([], None, datetime.date(2016, 10, 2))[0] == "3.5"
    assert choose_python([], None, None)[0] == "3.11"


def test_a_python_c_wrapped_by_the_windows_console_is_joined() -> None:
    report = (
        '```\n(venv) C:\\Users\\ana\\AppData\\Local\\Programs\\Python\\Python36>python -c "import\n'
        ' tensorflow as tf; print(tf.add(1, 2))"\nTraceback (most recent call last):\n'
        '  File "<string>", line 1, in <module>\n'
        "ModuleNotFoundError: No module named 'tensorflow'\n```\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text == "import tensorflow as tf; print(tf.add(1, 2))\n"
    assert found.python == ("3.6", 'path "\\Python36>"')
    # A program whose lines are Python's own stays as written.
    multi = 'python -c "import os\nprint(os.sep)"\n'
    multi_found = extract(multi)
    assert multi_found.code is not None and multi_found.code.text == "import os\nprint(os.sep)\n"


def test_a_report_from_before_python_3_6_runs_on_3_5() -> None:
    report = (
        "anaconda with python 2.7\n\n_`import keras\nUsing TensorFlow backend.\n"
        "Traceback (most recent call last):\n"
        '  File "<ipython-input-2-c74e>", line 1, in <module>\n    import keras\n'
        "ImportError: No module named tensorflow`_\n"
    )
    found = extract(report)
    assert found.reported_error == ReportedError(
        type="ImportError", message="No module named tensorflow"
    )
    request = request_as_of(report, "2016-10-02")
    assert (request.python, request.steps) == ("3.5", ("keras==1.1.0 numpy==1.11.1",))
    # A message with its own backticks keeps them.
    paired = report.replace("tensorflow`_", "`tensorflow`")
    assert extract(paired).reported_error == ReportedError(
        type="ImportError", message="No module named `tensorflow`"
    )


def test_untyped_titles_python_2_and_3_6_wrote() -> None:
    claim = extract("# cannot import name 'np_utils'\n\nfrom keras.utils import np_utils\n")
    assert claim.reported_error == ReportedError(
        type="ImportError", message="cannot import name 'np_utils'", source="title, untyped"
    )
    claim = extract("# No module named keras\n\nI ran `import keras` and it fails.\n")
    assert claim.reported_error == ReportedError(
        type="ImportError", message="No module named keras", source="title, untyped"
    )


def test_conda_install_in_a_sentence_names_what_it_installs() -> None:
    report = (
        "I ran `conda install keras` to get it, yet `import keras` says `no module named keras`"
    )
    found = extract(report)
    assert found.conda_installs == ("keras",)
    request = resolve(
        Path("r.md"), found, Flags(), recorded_index(), as_of=datetime.date(2017, 3, 10)
    )
    assert request.steps == ("keras==1.2.2 tensorflow==1.0.1 numpy==1.12.0",)
    assert any("installs it with conda" in a for a in request.assumed)
    # A conda line's options and a channel are not packages; the command ends with its span.
    assert extract("`conda install -c conda-forge keras` then pandas").conda_installs == ("keras",)
