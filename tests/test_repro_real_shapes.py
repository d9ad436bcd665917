"""What whole repro runs of real reports showed wrong, as unit tests on recorded outcomes.

Each case is a shape a real report had (the reports themselves are not copied: names, code and
wording here are made up): a message pasted from Windows, cut before its closing quote, or
without the location Python appends to an ImportError; code that is one line of a longer
script; Keras 3 named without any backend; another module missing than the one reported; a
message that goes on over many lines; a library the steps install that cells do not record.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.pypi import PackageIndex
from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.shell import named_modules
from harness.repro.claim_match import comparable, same_message
from harness.repro.installed import freeze_versions, named_in, read_freeze
from harness.repro.reproduce import REPORTED, Variant, claim_of, markdown
from harness.repro.request import Flags, Request, resolve
from harness.repro.session import Setting, Setup, build_matrix
from harness.repro.undefined_names import bound_names, never_defined
from harness.repro.verdict import outcome_line, verdict
from harness.results.outcome import Frame, Outcome, RaisedError
from tests.pypi_fake import (
    KERAS,
    NO_REQUIREMENTS,
    TENSORFLOW,
    payload,
    release_json,
    request_as_of,
)

ROOT = Path(__file__).resolve().parents[1]
SNIPPET_FILE = "/keras-matrix/scenarios/snippet.py"


def _request(
    error: ReportedError | None, code: str = "import keras\n", assumed: tuple[str, ...] = ()
) -> Request:
    return Request(
        python="3.11",
        steps=("keras==3.6.0 tensorflow==2.18.0",),
        env={},
        keras_json=None,
        code=code,
        code_origin="test",
        extracted=(),
        assumed=assumed,
        reported_error=error,
        source=Path("report.md"),
    )


def _raised(kind: str, message: str, *, at: str = SNIPPET_FILE) -> Outcome:
    error = RaisedError(
        type=kind,
        message=message,
        raised_at=Frame(file=at, line=3, function="<module>"),
        scenario_line=None,
        phase="call",
        traceback=f"Traceback (most recent call last):\n{kind}: {message}\n",
    )
    return Outcome(
        run_id="r",
        cell_id="c",
        python="3.11",
        environment="keras-3.6.0_tensorflow-2.18.0",
        backend=REPORTED,
        scenario="snippet",
        status="error",
        error=error,
    )


# -- the claimed message against the printed one --------------------------------------------

PRINTED_IMPORT = (
    "cannot import name 'stack_utils' from 'keras.utils' "
    "(/opt/venv/lib/python3.11/site-packages/keras/utils/__init__.py)"
)


def test_a_message_pasted_from_windows_has_its_path_seen_as_a_path() -> None:
    pasted = (
        "cannot import name 'stack_utils' from 'keras.utils' "
        "(C:\\Users\\dana\\miniconda3\\envs\\lab\\Lib\\site-packages\\keras\\utils\\__init__.py)"
    )
    assert same_message(pasted, PRINTED_IMPORT)
    assert comparable(pasted) == comparable(PRINTED_IMPORT)


def test_an_import_error_without_its_location_or_cut_before_its_quote_is_the_same() -> None:
    assert same_message("cannot import name 'stack_utils' from 'keras.utils'", PRINTED_IMPORT)
    assert same_message("cannot import name 'stack_utils' from 'keras.utils", PRINTED_IMPORT)
    unknown = "cannot import name 'stack_utils' from 'keras.utils' (unknown location)"
    assert same_message(unknown, PRINTED_IMPORT)
    # Only the location and a cut quote are forgiven: another name or module is another error.
    assert not same_message("cannot import name 'tree_utils' from 'keras.utils", PRINTED_IMPORT)
    assert not same_message("cannot import name 'stack_utils' from 'keras", PRINTED_IMPORT)
    assert not same_message("No module named 'keras", "No module named 'keras.src'")


def test_an_address_differs_between_runs_and_still_matches() -> None:
    claimed = "Could not interpret optimizer identifier: <keras.src.optimizers.sgd.SGD at 0x7f3a>"
    printed = "Could not interpret optimizer identifier: <keras.src.optimizers.sgd.SGD at 0x55e0>"
    assert same_message(claimed, printed)
    request = _request(ReportedError(type="ValueError", message=claimed))
    assert verdict(request, _raised("ValueError", printed)).startswith("**Reproduced**:")


# -- code left out of the report ------------------------------------------------------------

LINE_ONLY = "net.compile(optimizer=keras.optimizers.SGD(rate), loss='mae')\n"


def test_a_name_the_code_never_defines_is_incomplete_code_not_another_error() -> None:
    request = _request(
        ReportedError(type="ValueError", message="Could not interpret optimizer identifier"),
        code="import keras\n" + LINE_ONLY,
    )
    said = verdict(request, _raised("NameError", "name 'net' is not defined"))
    assert said.startswith("**Not reproduced (incomplete code)**: the report shows `ValueError`")
    assert "it uses `net`, which the report's code never defines" in said
    assert "--script FILE" in said


def test_a_name_error_the_environment_causes_stays_another_error() -> None:
    claim = ReportedError(type="ValueError", message="bad value")
    # The code defines the name (used before it is bound): a NameError of the code as written.
    defined = _request(claim, code="print(net)\nnet = 1\n")
    said = verdict(defined, _raised("NameError", "name 'net' is not defined"))
    assert said == "**Not reproduced**: the report shows `ValueError`, here `NameError`."
    # Raised inside a library: a bug there, not code the report left out.
    library = _request(claim, code="import keras\n" + LINE_ONLY)
    inside = _raised("NameError", "name 'net' is not defined", at="/opt/venv/lib/x/keras/a.py")
    assert verdict(library, inside).startswith("**Not reproduced**: the report shows")
    # A report about that very NameError reproduced it.
    same = _request(ReportedError(type="NameError", message="name 'net' is not defined"), LINE_ONLY)
    assert verdict(same, _raised("NameError", "name 'net' is not defined")).startswith(
        "**Reproduced**:"
    )


def test_bound_names_cover_imports_definitions_and_targets() -> None:
    code = (
        "import numpy as np, os.path\nfrom keras import layers as L\n"
        "def build(units, *rest, **options):\n    global cache\n    return units\n"
        "class Net: pass\nfor step, (a, b) in enumerate([]): pass\n"
        "with open('f') as handle: pass\ntry:\n    pass\nexcept OSError as problem:\n    pass\n"
    )
    assert {"np", "os", "L", "build", "units", "rest", "options", "cache", "Net"} <= (
        bound_names(code) or set()
    )
    assert {"step", "a", "b", "handle", "problem"} <= (bound_names(code) or set())
    assert bound_names("def broken(:\n") is None
    builtin = _raised("NameError", "name 'print' is not defined").error
    assert builtin is not None
    assert never_defined("print(1)\n", builtin, "snippet.py") is None


# -- another module missing -----------------------------------------------------------------


def test_another_missing_module_is_not_reproduced_even_of_the_same_type() -> None:
    claim = ReportedError(type="ModuleNotFoundError", message="No module named 'keras.src.legacy'")
    skipped = ("voxel-nets not installed: imported, but not a known PyPI distribution",)
    request = _request(claim, code="import voxel_nets\n", assumed=skipped)
    said = verdict(request, _raised("ModuleNotFoundError", "No module named 'voxel_nets'"))
    assert said == (
        "**Not reproduced**: the report shows `No module named 'keras.src.legacy'`; here another "
        "module is missing, `voxel_nets` (left out of the environment: see the assumptions)."
    )
    plain = _request(claim, code="import voxel_nets\n")
    said = verdict(plain, _raised("ModuleNotFoundError", "No module named 'jax'"))
    assert said.endswith("here another module is missing, `jax`.")
    again = verdict(plain, _raised("ModuleNotFoundError", "No module named 'keras.src.legacy'"))
    assert again.startswith("**Reproduced**:")


# -- reading the claim ----------------------------------------------------------------------


def test_a_claimed_module_cut_before_its_quote_is_still_the_module_the_error_names() -> None:
    cut = ReportedError(
        type="ImportError", message="cannot import name 'stack_utils' from 'keras.utils"
    )
    assert named_modules(cut) == ["keras.utils"]
    attribute = ReportedError(
        type="AttributeError", message="module 'keras.ops' has no attribute 'segm"
    )
    assert named_modules(attribute) == ["keras.ops"]
    text = (
        "```python\nimport voxel_nets\n```\n\n"
        "```\nImportError: cannot import name 'stack_utils' from 'keras.utils\n```\n"
    )
    request = request_as_of(text, "2025-06-01")
    assert any(
        said.startswith("keras 3.10.0: ") and "the report's error names its module" in said
        for said in request.assumed
    ), request.assumed


# -- Keras 3 and its backend ----------------------------------------------------------------

KERAS_3_ONLY = "I am on keras 3.3.3.\n\n```python\nimport keras\nkeras.layers.Dense(2)\n```\n"


def test_keras_3_named_without_a_backend_gets_tensorflow_its_default() -> None:
    request = request_as_of(KERAS_3_ONLY, "2024-05-01")
    assert request.steps == ("keras==3.3.3 tensorflow==2.16.1",)
    assert any("TensorFlow is Keras 3's default" in said for said in request.assumed)


def test_keras_3_keeps_its_backend_missing_where_that_is_the_report() -> None:
    text = KERAS_3_ONLY + "\n```\nModuleNotFoundError: No module named 'tensorflow'\n```\n"
    request = request_as_of(text, "2024-05-01")
    assert request.steps == ("keras==3.3.3 numpy==1.26.4",)
    assert any(
        said.startswith("tensorflow not installed beside keras 3.3.3") for said in request.assumed
    )


def test_keras_3_on_another_backend_gets_that_one_not_tensorflow() -> None:
    request = request_as_of("```\nexport KERAS_BACKEND=jax\n```\n" + KERAS_3_ONLY, "2024-05-01")
    assert len(request.steps) == 1
    # NumPy too: jax allowed a NumPy 2 that was not out yet (harness/repro/numpy_of_its_day.py);
    # and jaxlib, which that JAX requires only through its extras (jaxlib_beside_jax.py).
    words = {word.split("==")[0] for word in request.steps[0].split()}
    assert words == {"keras", "jax", "numpy", "jaxlib"}


def test_an_open_keras_beside_the_tensorflow_added_for_it_is_the_one_tensorflow_brings() -> None:
    # December 2023: Keras 3.0 was out, but TensorFlow 2.15, the newest, requires Keras 2.15,
    # and that is what `pip install tensorflow` gave anyone who named no Keras version.
    text = "```\nAttributeError: module 'keras.utils' has no attribute 'stack_utils'\n```\n"
    request = request_as_of(text, "2023-12-20")
    pins = dict(word.split("==") for step in request.steps for word in step.split())
    assert pins["keras"] == "2.15.0"
    assert pins["tensorflow"].startswith("2.15.")


# -- the written report ---------------------------------------------------------------------

LONG = (
    "A KerasTensor cannot be used here. You are likely doing:\n\n```\nx = Input(...)\n```\n"
    "Wrap it in a layer instead."
)


def test_a_message_over_many_lines_is_shown_by_its_first_line() -> None:
    line = outcome_line(_raised("ValueError", LONG))
    assert line == (
        "`ValueError: A KerasTensor cannot be used here. You are likely doing:` "
        "(and 5 more line(s): see the traceback)"
    )
    assert outcome_line(_raised("ValueError", "short")) == "`ValueError: short`"


FREEZE = """# pip freeze --all of an image
keras==3.6.0
keras-hub==0.17.0
Tensorflow_Text==2.18.0
pip==24.3.1
some-tool @ file:///tmp/some_tool-1.0-py3-none-any.whl
"""


def test_the_freeze_gives_the_versions_of_what_the_steps_install(tmp_path: Path) -> None:
    assert freeze_versions(FREEZE) == {
        "keras": "3.6.0",
        "keras-hub": "0.17.0",
        "tensorflow-text": "2.18.0",
        "pip": "24.3.1",
    }
    assert named_in(("-U keras-hub==0.17.0 Tensorflow_Text", "keras-hub")) == [
        "keras-hub",
        "tensorflow-text",
    ]
    run = tmp_path / "run"
    (run / "environments").mkdir(parents=True)
    (run / "environments" / "py3.11-env.txt").write_text(FREEZE, encoding="utf-8")
    assert read_freeze(run, "3.11", "env")["keras-hub"] == "0.17.0"
    assert read_freeze(run, "3.11", "other") == {}


def test_the_report_lists_the_libraries_its_steps_install(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import keras_hub\n", encoding="utf-8")
    request = replace(
        _request(None, code="import keras_hub\n"),
        steps=("keras==3.6.0", "-U keras-hub==0.17.0 tensorflow-text"),
    )
    setup = Setup(name="env", steps=request.steps)
    matrix = build_matrix(
        source=request.source,
        snippet=snippet,
        python="3.11",
        setups=(setup,),
        settings=(Setting(name=REPORTED, env={}),),
        claim=claim_of(request),
        template_dir=ROOT / "dockerfiles",
    )
    ok = replace(
        _raised("X", "y"),
        status="ok",
        error=None,
        environment="env",
        versions={"keras": "3.6.0", "numpy": "2.1.3", "tensorflow": None, "python": "3.11.2"},
    )
    text = markdown(
        request,
        matrix,
        [ok],
        [Variant(setup=setup, label="as reported")],
        run_dir=tmp_path / "run",
        note=None,
        installed=freeze_versions(FREEZE),
    )
    assert (
        "**Installed versions:** keras 3.6.0, numpy 2.1.3, keras-hub 0.17.0, tensorflow-text 2.18.0"
    ) in text
    without = markdown(
        request,
        matrix,
        [ok],
        [Variant(setup=setup, label="as reported")],
        run_dir=tmp_path / "run",
        note=None,
    )
    assert "**Installed versions:** keras 3.6.0, numpy 2.1.3\n" in without


# -- NumPy of the report's day --------------------------------------------------------------

TF_CODE = "```python\nimport tensorflow as tf\nprint(tf.constant(1))\n```\n"


def test_numpy_is_pinned_as_of_the_day_where_pip_would_bring_numpy_2() -> None:
    # TensorFlow 2.11 requires numpy>=1.20 with no upper bound: pip today picks a NumPy 2,
    # under which TensorFlow 2.11 cannot import. The report's day had NumPy 1.24.
    request = request_as_of("TensorFlow 2.11.0, Python 3.10\n" + TF_CODE, "2023-01-20")
    assert request.steps == ("tensorflow==2.11.0 numpy==1.24.1",)
    assert any(
        said.startswith("numpy 1.24.1: ") and "which allows NumPy 2, not out by 2023-01-20" in said
        for said in request.assumed
    ), request.assumed


def test_numpy_is_left_to_pip_where_it_cannot_be_a_numpy_2() -> None:
    # TensorFlow 2.15 requires numpy<2; a report after NumPy 2.0 may well have had it.
    capped = request_as_of("TensorFlow 2.15.1, Python 3.11\n" + TF_CODE, "2024-04-01")
    assert capped.steps == ("tensorflow==2.15.1",)
    later = request_as_of("TensorFlow 2.17.0, Python 3.11\n" + TF_CODE, "2024-08-20")
    assert later.steps == ("tensorflow==2.17.0",)


def test_numpy_rides_in_the_reporter_s_own_step_that_brings_it() -> None:
    text = "```\n$ pip install -q tensorflow==2.11.0\n```\n\n" + TF_CODE
    request = request_as_of(text, "2023-01-20")
    assert request.steps == ("tensorflow==2.11.0 numpy==1.24.1",)  # -q is noise, dropped


# -- a library the report shows installed ---------------------------------------------------

VOXEL_TRACEBACK = (
    "```python\nimport voxel_nets\n```\n\n```\nTraceback (most recent call last):\n"
    '  File "/home/kim/work/run.py", line 1, in <module>\n    import voxel_nets\n'
    '  File "/home/kim/venv/lib/python3.11/site-packages/voxel_nets/blocks.py", line 2, '
    "in <module>\n    from keras.src.legacy import backend\n"
    "ModuleNotFoundError: No module named 'keras.src.legacy'\n```\n"
)


def _index_with_voxel_nets() -> PackageIndex:
    """The fake PyPI of keras and tensorflow, and a voxel-nets 0.3.0 (wheel named as pip
    names it, with an underscore)."""
    known = {"keras": KERAS, "tensorflow": TENSORFLOW}
    wheel = {"0.3.0": (">=3.9", "py3-none-any")}

    def fetch(url: str) -> bytes:
        if release_json(url):
            return NO_REQUIREMENTS
        name = url.rstrip("/").split("/")[-2]
        return payload("voxel_nets", wheel) if name == "voxel-nets" else payload(name, known[name])

    return PackageIndex(fetch)


def test_a_library_the_traceback_runs_through_gives_the_statement_that_failed_there() -> None:
    # The reporter's `import voxel_nets` would need that library; the statement that failed in
    # its installed file, with the Keras of the day, is what raised (bug_report/app_frames.py).
    request = request_as_of(VOXEL_TRACEBACK, "2025-06-01")
    assert request.code.startswith("from keras.src.legacy import backend")
    assert not any("voxel" in step for step in request.steps)
    assert "keras" in {word.split("==")[0] for word in request.steps[0].split()}
    assert any(
        said.startswith("code derived from the traceback: the failing statement of")
        for said in request.assumed
    )


def test_the_library_is_installed_where_its_failing_statement_cannot_run_alone() -> None:
    # A frame showing no statement of its own: the library, where PyPI has it, is installed.
    headless = VOXEL_TRACEBACK.replace("    from keras.src.legacy import backend\n", "")
    request = resolve(Path("r.md"), extract(headless), Flags(), _index_with_voxel_nets())
    assert "voxel-nets==0.3.0" in request.steps[0].split()
    assert any(
        "traceback shows `voxel_nets` installed (its files in site-packages)" in said
        for said in request.assumed
    )


# -- what a library imported before it failed -----------------------------------------------

LIBRARY_FRAME = """```
File ~/miniconda3/envs/lab/lib/site-packages/face_nets/models.py:21
     18 from keras.layers import Conv2D, Dense, \\
     19     Flatten
     20 from keras_applications.imagenet_utils import preprocess_input
---> 21 from keras.utils import stack_utils

ImportError: cannot import name 'stack_utils' from 'keras.utils
```
"""


def test_what_a_library_imported_before_its_failing_line_was_installed() -> None:
    # Run as the library's own failing statement, with the imports its frame shows above it.
    request = request_as_of(
        "```python\nimport face_nets.models\n```\n\n" + LIBRARY_FRAME, "2025-06-01"
    )
    assert "from keras_applications.imagenet_utils import preprocess_input" in request.code
    assert "keras-applications" in {w.split("==")[0] for s in request.steps for w in s.split()}
    # A frame that is not running a module's top level (a function's body) says nothing.
    inside = LIBRARY_FRAME.replace("models.py:21", "models.py:21, in build()")
    assert extract(inside).imported_before == ()
