"""Extraction from bug reports written the way people write them (tests/data/reports/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.pypi import PackageIndex
from harness.repro.bug_report.parse import blocks, extract
from harness.repro.bug_report.traceback_facts import derived_code
from harness.repro.bug_report.tracebacks import parse
from harness.repro.reproduce import claim_of
from harness.repro.request import Flags, resolve
from harness.repro.verdict import verdict
from harness.results.outcome import Outcome, RaisedError
from tests.pypi_fake import NO_REQUIREMENTS, release_json

REPORTS = Path(__file__).parent / "data" / "reports"


def read(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


def pins(name: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(read(name)).pins}


def test_prose_versions_and_the_traceback_s_last_line() -> None:
    found = extract(read("keras3_without_tensorflow.md"))
    assert found.python == ("3.11", '"Python version: 3.11.4"')
    assert pins("keras3_without_tensorflow.md") == {"keras": "3.12.0"}
    assert found.code is not None
    assert found.code.text.startswith("import keras\n")
    assert found.code.line == 13
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.message) == (
        "ModuleNotFoundError",
        "No module named 'tensorflow'",
    )


def test_freeze_dump_keeps_keras_packages_and_lists_the_rest() -> None:
    found = extract(read("freeze_dump.md"))
    assert pins("freeze_dump.md") == {"keras": "3.3.3", "numpy": "1.26.4", "tensorflow": "2.15.1"}
    assert "requests" in found.ignored_packages
    assert "tensorboard" in found.ignored_packages
    assert found.python is not None
    assert found.python[0] == "3.10"
    assert found.env == {"KERAS_BACKEND": "tensorflow"}


def test_of_several_code_blocks_the_one_that_does_more_than_print_versions_runs() -> None:
    found = extract(read("freeze_dump.md"))
    assert found.code is not None
    assert "model.fit" in found.code.text
    assert [b.line for b in found.other_code] == [10]


def test_a_version_printout_beats_a_partial_prose_version() -> None:
    found = extract(read("prose_partial.md"))
    assert pins("prose_partial.md") == {"tensorflow": "2.16.1"}
    assert found.code is not None
    assert found.code.info == "py"  # a ~~~ fence
    assert "tf.keras.layers.Dense" in found.code.text


def test_pip_list_table_keras_json_and_sys_version() -> None:
    found = extract(read("pip_list.md"))
    assert pins("pip_list.md") == {
        "jax": "0.4.30",
        "jaxlib": "0.4.30",
        "keras": "3.4.1",
        "numpy": "2.0.1",
    }
    assert found.keras_json is not None
    assert found.keras_json["backend"] == "jax"
    assert found.python is not None
    assert found.python[0] == "3.12"
    assert "pip" not in found.ignored_packages


def test_pip_install_lines_are_ordered_steps() -> None:
    found = extract(read("pip_install_steps.md"))
    assert found.pip_steps == ("tensorflow-cpu==2.15.1", "keras")
    assert pins("pip_install_steps.md")["keras"] == "3.4.1"  # "`keras.__version__` printed 3.4.1"


def test_missing_pieces_are_missing() -> None:
    assert extract(read("no_code.md")).code is None
    assert pins("no_code.md") == {"tensorflow": "2.16.1", "keras": "3.3.3"}
    assert extract(read("no_version.md")).pins == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tf version = 2.15.0", {"tensorflow": "2.15.0"}),
        ("TensorFlow (version) 2.12", {"tensorflow": "2.12"}),
        ("keras: 3.0.2, jax is 0.4.23", {"keras": "3.0.2", "jax": "0.4.23"}),
        ("keras==2.15.0\ntf-keras==2.15.1", {"keras": "2.15.0", "tf-keras": "2.15.1"}),
        ("In [2]: keras.__version__\nOut[2]: '3.5.0'", {"keras": "3.5.0"}),
        ("the keras-nlp docs say 3.1", {}),  # a different package, not keras
    ],
)
def test_version_phrasings(text: str, expected: dict[str, str]) -> None:
    assert {p.name: p.version for p in extract(text).pins} == expected


def test_fences_keep_their_lines_and_nesting() -> None:
    text = "intro\n````markdown\n```python\nx = 1\n```\n````\n\n```python\nprint(1)\n```\n"
    found = blocks(text)
    assert [(b.info, b.line) for b in found] == [("markdown", 3), ("python", 9)]
    assert found[0].text == "```python\nx = 1\n```"


def test_a_traceback_is_not_code_to_run() -> None:
    text = (
        '```python\nTraceback (most recent call last):\n  File "x.py", line 1\n'
        "ValueError: bad\n```\n"
    )
    found = extract(text)
    assert found.code is None
    assert found.reported_error is not None
    assert found.reported_error.type == "ValueError"


# Shapes found in real reports, each in a few lines of this project's own words.

CUT_NOTEBOOK = """\
import keras
---------------------------------------------------------------------------
AttributeError                            Traceback (most recent call last)
Cell In[2], line 1
----> 1 import keras
"""


def test_a_cut_ipython_traceback_gives_a_type_only_claim_that_matches_on_the_type() -> None:

    found = extract(CUT_NOTEBOOK + "\nkeras 3.3.3\n")
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.message) == ("AttributeError", "")
    request = resolve(Path("r.md"), found, Flags(pip=("keras==3.3.3",)), None)
    raised = RaisedError(
        type="AttributeError",
        message="module 'keras' has no attribute 'x'",
        raised_at=None,
        scenario_line=None,
        phase="import",
        traceback="",
    )
    outcome = Outcome(
        run_id="r",
        cell_id="c",
        python="3.11",
        environment="e",
        backend="reported",
        scenario="snippet",
        status="error",
        error=raised,
    )
    assert verdict(request, outcome).startswith("**Reproduced**: same exception type;")
    assert claim_of(request).summary == "AttributeError"
    assert claim_of(request).matches("AttributeError", "anything at all")


def test_a_cut_traceback_takes_its_message_from_the_prose_or_the_title() -> None:
    quoted = extract("It says \"module 'keras' has no attribute 'x'\" here.\n\n" + CUT_NOTEBOOK)
    assert quoted.reported_error is not None
    assert quoted.reported_error.message == "module 'keras' has no attribute 'x'"
    sentence = extract("I get AttributeError: no attribute 'y'.\n\n" + CUT_NOTEBOOK)
    assert sentence.reported_error is not None
    assert sentence.reported_error.message == "no attribute 'y'"
    # Another type in the title does not lend its message.
    other = extract("# KeyError: 'z' in fit\n\n" + CUT_NOTEBOOK)
    assert other.reported_error is not None
    assert (other.reported_error.type, other.reported_error.message) == ("AttributeError", "")


def test_the_python_c_whose_output_shows_a_traceback_wins_whatever_the_order() -> None:
    check = 'python -c "import keras; print(keras.__version__)"\n3.3.3\n'
    failing = (
        'python -c "import keras_hub"\nTraceback (most recent call last):\n'
        '  File "<string>", line 1, in <module>\nImportError: nope\n'
    )
    for body in (check + failing, failing + check):
        found = extract(f"```\n{body}```\n")
        assert found.code is not None
        assert found.code.text == "import keras_hub\n", body
    assert pins(check) == {} if False else True  # versions are checked below


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("print(torch.__version__)  # 2.0.1+cu118\n", "2.0.1"),
        ("print(torch.__version__)\n2.0.1+cu118\n", "2.0.1"),
        ("In [3]: torch.__version__\nOut[3]: '2.0.1'\n", "2.0.1"),
        ("print(torch.version.VERSION)\n2024-01-02 03:04:05.6: I log line\n2.0.1\n", "2.0.1"),
    ],
)
def test_a_printed_version_pins_its_package(text: str, version: str) -> None:
    found = extract(text)
    assert {pin.name: pin.version for pin in found.pins} == {"torch": version}
    dropped = [note for note in found.notes if "local label" in note]
    assert dropped == (
        [
            "torch 2.0.1: the local label +cu118 of the printed 2.0.1+cu118 dropped "
            "(PyPI has only the public release)"
        ]
        if "+cu118" in text
        else []
    )


def test_keras_version_call_output_names_keras_not_tensorflow() -> None:
    found = extract(
        'python -c "import tensorflow.keras; print(tensorflow.keras.version())"\n3.0.5\n'
    )
    assert {pin.name: pin.version for pin in found.pins} == {"keras": "3.0.5"}


def test_an_import_named_in_words_runs_only_when_an_error_is_claimed() -> None:
    claimed = extract("# ImportError: cannot import name 'x'\n\nIt fails when I import tf_keras.\n")
    assert claimed.code is not None
    assert claimed.code.text == "import tf_keras\n"
    assert any("code derived from the prose" in note for note in claimed.notes)
    assert extract("Slow training after I import tf_keras.\n").code is None
    # Words after "import" that are not a module stay words.
    assert extract("# ValueError: bad\n\nI can not import backend PyTorch on Colab.\n").code is None


def test_a_program_s_log_advice_is_not_the_reporter_s_setting() -> None:
    log = (
        "2024-02-25 23:23:39.045761: I tensorflow/core/util/port.cc:113] oneDNN custom "
        "operations are on. To turn them off, set the environment variable "
        "`TF_ENABLE_ONEDNN_OPTS=0`.\n"
    )
    assert extract(log).env == {}
    assert extract(log + "\nexport KERAS_BACKEND=jax\n").env == {"KERAS_BACKEND": "jax"}


def test_a_frame_under_a_python_directory_is_installed_code() -> None:

    frames = parse(
        'Traceback (most recent call last):\n  File "train.py", line 3, in <module>\n'
        "    import keras\n"
        '  File "/opt/tf-1.15/python3.7/tensorflow_core/util.py", line 9, in get\n'
        "    attr = getattr(self._wrapped, name)\nAttributeError: no\n"
    )
    assert derived_code(frames) == (
        "import keras\n",
        "the innermost frame of the reporter's own `train.py`",
    )


def test_a_title_s_quoted_error_ends_at_its_quote() -> None:
    found = extract(
        "# \"ModuleNotFoundError : No module named 'keras' \" in Spyder\n\nimport keras\n"
    )
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras'"


def _dated_index(uploads: dict[str, dict[str, str]]) -> PackageIndex:
    def fetch(url: str) -> bytes:
        if release_json(url):
            return NO_REQUIREMENTS
        name = url.rstrip("/").split("/")[-2]
        releases = {
            version: [
                {
                    "filename": f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                    "requires_python": ">=3.9",
                    "yanked": False,
                    "upload_time_iso_8601": f"{day}T12:00:00Z",
                }
            ]
            for version, day in uploads.get(name, {}).items()
        }
        return json.dumps({"releases": releases}).encode()

    return PackageIndex(fetch)


def test_with_no_date_open_versions_are_resolved_as_of_the_releases_the_report_names() -> None:
    index = _dated_index(
        {
            "tensorflow": {"2.16.1": "2024-03-08", "2.16.2": "2024-06-28", "2.17.0": "2024-07-11"},
            "tf-keras": {"0.0.0": "2023-01-01", "2.16.0": "2024-03-11", "2.17.0": "2024-07-12"},
            "keras": {"3.0.5": "2024-02-14", "3.1.0": "2024-03-18", "3.4.1": "2024-06-26"},
        }
    )
    text = "```\npip install tensorflow==2.16.1 tf_keras\n```\n\n```python\nimport tf_keras\n```\n"
    request = resolve(Path("r.md"), extract(text), Flags(), index)
    # tf-keras had no real release out by 2024-03-08 (0.0.0 holds the name): its first one.
    assert request.steps == ("tensorflow==2.16.1 tf_keras==2.16.0",)
    assert request.as_of is None  # an implied day is an assumption, not the report's date
    assert any(
        said.startswith(
            "as of 2024-03-08: the report gives no date and cannot predate tensorflow 2.16.1"
        )
        for said in request.assumed
    )
    # "keras 3" alone dates nothing but itself: the newest 3.x, as with no date at all.
    keras3 = resolve(
        Path("r.md"), extract("keras 3\n\n```python\nimport keras\n```\n"), Flags(), index
    )
    # Its default backend, left open, is resolved as of the first 3.x release, as any open
    # package beside a partial version is; Keras itself is not dated by it.
    assert keras3.steps == ("keras==3.4.1 tensorflow==2.16.1",)
    dated = [said for said in keras3.assumed if said.startswith("as of ")]
    assert dated and all("cannot predate keras 3.0.5" in said for said in dated)


def test_a_version_written_with_double_equals_in_prose_is_exact() -> None:
    # `==1.15` is a pip spec wherever it is written: exactly 1.15.0, not the newest 1.15.x.
    index = _dated_index({"tensorflow": {"1.15.0": "2019-10-16", "1.15.5": "2021-01-06"}})
    text = "I am using tensorflow ==1.15\n\n```python\nimport tensorflow\n```\n"
    request = resolve(Path("r.md"), extract(text), Flags(python="3.11"), index)
    assert request.steps == ("tensorflow==1.15",)
    # Without `==`, 1.15 is a partial version: the newest 1.15.x.
    loose = resolve(
        Path("r.md"),
        extract("I am using tensorflow 1.15\n\n```python\nimport tensorflow\n```\n"),
        Flags(python="3.11"),
        index,
    )
    assert loose.steps == ("tensorflow==1.15.5",)


def test_an_import_span_is_code_and_the_claimed_module_picks_among_several() -> None:
    text = (
        "`import tensorflow` works, `import keras_cv` does not:\n\n"
        "    ModuleNotFoundError: No module named 'keras_cv'\n"
    )
    found = extract(text)
    assert found.code is not None
    assert found.code.text == "import keras_cv\n"
    # A span that is not an import statement is no code.
    assert extract("Calling `model.fit()` hangs with tensorflow 2.16.1.\n").code is None


def test_a_from_phrase_runs_only_for_a_package_it_knows() -> None:
    claimed = "# ValueError: bad\n\nThe numbers from the import step are wrong.\n"
    assert extract(claimed).code is None
    found = extract("# ImportError: x\n\nIt fails when I do from keras.layers import Dense.\n")
    assert found.code is not None
    assert found.code.text == "from keras.layers import Dense\n"


def test_a_warning_without_a_source_line_keeps_the_code_below_it() -> None:
    text = "```\nrun.py:3: UserWarning: slow path\nimport keras\nkeras.ops.ones((2,))\n```\n"
    found = extract(text)
    assert found.code is not None
    assert found.code.text.startswith("import keras\n")


def test_names_the_code_binds_itself_get_no_import() -> None:
    text = (
        "```python\nimport tensorflow as tf\nplatform = 'linux'\nprint(platform, tf.ones(1))\n```\n"
    )
    found = extract(text)
    assert found.code is not None
    assert found.code.text.startswith("import tensorflow as tf\n")
    assert not any("added" in note for note in found.notes)
