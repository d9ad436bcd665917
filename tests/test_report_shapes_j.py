"""Shapes of reports from the tenth survey: a Python the pinned release has no wheels for,
`pip show` output and the name-version forms of prose lists, versions released after the
report, a file's version named with "by", "the latest X" without a version, the reporter's
own fix, chained tracebacks cut before their last part, and notebook cells calling cells."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from harness.build.bases import BaseResolver
from harness.errors import BaseImageError
from harness.repro.bug_report import fix_parts, tracebacks
from harness.repro.bug_report.latest_named import latest_named
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.traceback_facts import derived_code
from harness.repro.bug_report.whose_words import split
from harness.repro.python_fit import fitting_python, pins_fit
from harness.repro.request import Flags, resolve
from harness.repro.resolution import Wanted, installs_on
from harness.repro.session import usable_python
from tests.pypi_fake import fake_index, recorded_index, request_as_of

CODE = "\n\n```python\nimport tensorflow as tf\ntf.constant(1).numpy()\n```\n\nValueError: x\n"


def pins(text: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(text + CODE).pins}


# 1. A Python the pinned release has no wheels for.


@pytest.mark.parametrize(
    ("said", "version", "day", "moved_to"),
    [
        ("Python 3.11", "tensorflow==2.8.0", "2023-06-01", "3.10"),
        ("Python 3.13", "TF 2.18", "2025-01-10", "3.12"),
        ("Python 3.10", "tensorflow==2.8.0", "2023-06-01", "3.10"),
    ],
)
def test_the_python_moves_to_the_nearest_one_the_pinned_release_has_files_for(
    said: str, version: str, day: str, moved_to: str
) -> None:
    request = request_as_of(f"{said}, {version}.{CODE}", day)
    assert request.python == moved_to
    moved = [a for a in request.assumed if a.startswith(f"Python {moved_to} instead of")]
    assert bool(moved) == (moved_to not in said)
    if moved:
        assert "no files for Python" in moved[0]
        # The report's own Python is still listed as read, with where.
        assert any(what == f"Python {said.split()[1]}" for what, _ in request.extracted)


def test_a_python_given_as_a_flag_is_kept_whatever_the_wheels() -> None:
    text = f"Python 3.11, tensorflow==2.8.0.{CODE}"
    request = resolve(Path("r.md"), extract(text), Flags(python="3.11"), recorded_index())
    assert request.python == "3.11"
    assert not any("instead of" in a for a in request.assumed)


def test_fitting_python_takes_the_nearest_and_of_two_as_near_the_older() -> None:
    index = fake_index(
        tensorflow={
            "2.99.0": (">=3.9", "cp310-cp310-manylinux_2_17_x86_64"),
            "2.98.0": (">=3.9", "cp312-cp312-manylinux_2_17_x86_64"),
        },
    )

    def installs(item: Wanted, python: str) -> bool:
        return installs_on(item, python, index)

    only_310 = [Wanted(name="tensorflow", version="2.99.0", exact=True, why="")]
    python, note = fitting_python("3.12", only_310, installs)
    assert python == "3.10"
    assert note == (
        "Python 3.10 instead of 3.12: tensorflow 2.99.0 has no files for Python 3.12; "
        "3.10 is the nearest Python it installs on"
    )
    # A series: any of its releases with files for the Python will do (3.10 and 3.12 are as
    # near to 3.11; the older is taken).
    series = [Wanted(name="tensorflow", version="2", exact=False, why="")]
    assert fitting_python("3.11", series, installs)[0] == "3.10"
    assert fitting_python("3.12", series, installs) == ("3.12", None)


class Bases:
    """A base resolver that has bases for some Pythons only."""

    def __init__(self, *pythons: str) -> None:
        self.pythons = pythons

    def ensure(self, python: str) -> None:
        if python not in self.pythons:
            raise BaseImageError(f"no base for Python {python}")


def test_without_a_base_the_python_moves_to_one_the_pins_install_on() -> None:
    index = fake_index(
        tensorflow={"2.99.0": (">=3.9", "cp313-cp313-manylinux_2_17_x86_64")},
    )
    fits = pins_fit(("tensorflow==2.99.0 keras",), index)
    assert [fits(p) for p in ("3.11", "3.13")] == [False, True]
    resolver = cast(BaseResolver, Bases("3.9", "3.11", "3.13"))
    python, note = usable_python(resolver, "3.12", fits)
    assert python == "3.13"
    assert note is not None and "instead of 3.12" in note
    # Without the pins' say, the nearest base of the two as near (3.11) would be taken.
    assert usable_python(resolver, "3.12")[0] == "3.11"
    assert "files for no Python here" not in note
    # Pins no base here has files for (TensorFlow 2.3 beside 3.9-3.13): said, the nearest taken.
    old = pins_fit(("tensorflow==2.3.0",), fake_index(tensorflow={"2.3.0": (">=3.5", "cp38")}))
    python, note = usable_python(resolver, "3.8", old)
    assert python == "3.9"
    assert note is not None and note.endswith("the pinned releases have files for no Python here")


def test_fitting_python_keeps_the_python_when_no_python_fits() -> None:
    wanted = [Wanted(name="tensorflow", version="9.9.9", exact=True, why="")]
    assert fitting_python("3.11", wanted, lambda w, p: False) == ("3.11", None)


# 2. pip show, "keras - 2.6.0", typos of "version"; 4. the name-version form.


def test_pip_show_gives_the_version_and_its_location_the_python() -> None:
    text = (
        "```\n$ pip show keras\nName: keras\nVersion: 2.12.0\nSummary: Deep learning\n"
        "Location: /opt/venvs/a/lib/python3.9/site-packages\n```\n"
    )
    found = extract(text + CODE)
    assert {p.name: p.version for p in found.pins}["keras"] == "2.12.0"
    assert found.python is not None and found.python[0] == "3.9"


def test_a_location_field_that_is_not_an_install_still_names_no_python() -> None:
    assert extract("Model location: /data/python3.8/m.h5\n" + CODE).python is None


@pytest.mark.parametrize(
    ("line", "name", "version"),
    [
        ("- keras - 2.6.0", "keras", "2.6.0"),
        ("* tensorflow – 2.7.1", "tensorflow", "2.7.1"),
        ("keras: 2.6.0", "keras", "2.6.0"),
        ("Keras version- 2.6.0", "keras", "2.6.0"),
        ("- keras -- 2.6.0", "keras", "2.6.0"),
        ("* Keras==2.6.0 ", "keras", "2.6.0"),
        ("tensorflow verison 2.6.0", "tensorflow", "2.6.0"),
        ("numpy vesion 1.19.5", "numpy", "1.19.5"),
        ("I use tensorflow-2.15.0 here", "tensorflow", "2.15.0"),
        ("built against keras-3.3.3, as the lock says", "keras", "3.3.3"),
        ("tf-nightly-2.7.0.dev20210806 on Linux", "tf-nightly", "2.7.0.dev20210806"),
        ("tensorflow-gpu-2.4.0", "tensorflow-gpu", "2.4.0"),
    ],
)
def test_a_version_beside_its_package_in_prose_lists(line: str, name: str, version: str) -> None:
    assert pins(line).get(name) == version


@pytest.mark.parametrize(
    "line",
    [
        "  Successfully uninstalled keras-2.15.0",
        "Uninstalling keras-2.15.0:",
        "keras-2.15.0.dist-info is left over",
        "/usr/lib/python3/site-packages/keras-2.15.0/",
        "keras-3 is what we use",  # no release: a family at most
        "the tf - 2 GPUs box",
    ],
)
def test_names_with_a_dash_that_name_no_installed_release(line: str) -> None:
    assert "keras" not in pins(line)
    assert pins(line).get("tensorflow") != "2"


# 3. A version released after the report's date.


def test_a_version_released_after_the_report_is_kept_and_said() -> None:
    text = f"pip freeze:\n\n```\nkeras==3.13.0\ntensorflow==2.19.0\n```\n{CODE}"
    later = request_as_of(text, "2025-06-01")
    assert "keras==3.13.0 tensorflow==2.19.0" in later.steps
    [note] = [a for a in later.assumed if "after the report's date" in a]
    assert note.startswith("keras 3.13.0 kept as the report writes it")
    assert "2025-12-17" in note
    in_time = request_as_of(text, "2026-01-10")
    assert not any("after the report's date" in a for a in in_time.assumed)


# 5. A file's version written with "by" or "from" right after the file.


@pytest.mark.parametrize(
    "sentence",
    [
        "The weights by keras 2.9.0 fail to load in keras 3.4.1.",
        "model.h5 (by keras 2.9.0) fails to load in keras 3.4.1.",
        "My model from keras 2.9.0 cannot be loaded by keras 3.4.1.",
        "I trained/saved a model with keras 2.9.0 and load it in keras 3.4.1.",
    ],
)
def test_a_files_version_is_not_the_environments(sentence: str) -> None:
    found = extract(sentence + CODE)
    assert {p.name: p.version for p in found.pins}["keras"] == "3.4.1"
    assert found.notes.count('keras 2.9.0 not pinned: "keras 2.9.0" is a file\'s') == 1


def test_a_class_from_a_keras_release_is_still_that_release() -> None:
    assert pins("I use the Dense class from keras 3.4.1.").get("keras") == "3.4.1"


# 6. "The latest tensorflow and keras", without versions.


def test_packages_named_as_the_latest_are_read_without_versions() -> None:
    assert latest_named("with the latest tensorflow and keras-hub it fails") == (
        ("tensorflow", "latest tensorflow and keras-hub"),
        ("keras-hub", "latest tensorflow and keras-hub"),
    )
    assert latest_named("Newest TF, Python 3.11.") == (("tensorflow", "Newest TF"),)
    assert latest_named("the most recent version of keras") == (
        ("keras", "most recent version of keras"),
    )
    # A version after it is read as such elsewhere; a negation is not what ran.
    assert latest_named("the latest keras 3.4.1") == ()
    assert latest_named("not the latest keras") == ()
    assert latest_named("the latest version works") == ()


def test_packages_named_as_the_latest_are_installed_as_of_the_report() -> None:
    text = (
        "On the latest keras and the newest tensorflow.\n\n```python\nimport os\n"
        'os.environ["KERAS_BACKEND"] = "jax"\nimport keras\nkeras.ops.ones(2)\n```\n'
        "ValueError: x\n"
    )
    request = request_as_of(text, "2024-05-01")
    assert any("tensorflow==2.16.1" in step for step in request.steps)
    assert any(
        "tensorflow 2.16.1: the latest release" in a and "newest tensorflow" in a
        for a in request.assumed
    )


# 7. The reporter's own fix.

REPORT_WITH_FIX = """\
Import fails with keras 3.0.1

```python
from keras.layers import OldNorm
```

ImportError: cannot import name 'OldNorm' from 'keras.layers'

{marker}

```
pip install keras==3.1.0
```

```python
from keras.layers import Norm
print(Norm)
```

### Environment

Python 3.10
"""


@pytest.mark.parametrize(
    "marker",
    [
        "**Solution:** upgrade, and use the new name:",
        "## Workaround",
        "EDIT: solved by upgrading and renaming",
        "Update 2 - fixed it with the following",
        "I changed `OldNorm` to `Norm` and upgraded, and it works now:",
        "Fix:",
        "After pip install keras==3.1.0 and the rename, this problem is resolved.",
        "Upgrading to keras 3.1.0 fixed it:",
    ],
)
def test_the_reporters_own_fix_is_not_the_reproduction(marker: str) -> None:
    found = extract(REPORT_WITH_FIX.format(marker=marker))
    assert found.code is not None and "OldNorm" in found.code.text
    assert found.pip_steps == ()
    assert {p.name: p.version for p in found.pins}["keras"] == "3.0.1"
    # The heading after the fix is the report's again.
    assert found.python is not None and found.python[0] == "3.10"
    assert any("the reporter's own fix" in note for note in found.notes)


@pytest.mark.parametrize(
    "line",
    [
        "EDIT: still not fixed after upgrading",
        "I changed the batch size to 3 but it doesn't work",
        "I changed the batch size to 3 and it crashed",
        "Fixes for this would be welcome, here is more:",
        "The fix in #123 did not help:",
        "pip install keras==3.1.0 fixed the import, but now fit fails:",
        "After installing keras 3.1.0 the error is still there, not solved",
    ],
)
def test_lines_that_tell_no_fix_open_none(line: str) -> None:
    assert not fix_parts.opens_fix(line)


def test_a_fix_in_someone_elses_comment_is_a_comment_and_the_authors_is_read_up_to_it() -> None:
    text = "Report\n\n---\n\n**Comment by lee (author)**\n\nSolution: pip install keras==3.1.0\n"
    parts = split(text)
    assert "pip install" not in parts.reporter


# 8. A chained traceback cut before its last exception.

CHAINED = """\
Traceback (most recent call last):
  File "/home/o/tool/run.py", line 9, in go
    data = keras.utils.get_file("x", origin=url)
  File "/srv/env/lib/python3.11/site-packages/keras/src/utils/file_utils.py", line 300, in get_file
    raise Exception(error_msg.format(origin, e.errno, e.reason))
OSError: URL fetch failure on http://x: 404 -- Not Found

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/env/bin/fetch-data", line 8, in <module>
    sys.exit(main())
  File "/home/o/tool/run.py", line 12, in go
    raise SystemError("download failed") from exc
"""


def test_a_chained_traceback_cut_short_supersedes_the_errors_it_handled() -> None:
    parsed = tracebacks.parse(CHAINED)
    assert [t.chained for t in parsed] == [False, True]
    assert parsed[-1].error is None
    assert [e.type for e in tracebacks.superseded(parsed)] == ["OSError"]
    assert tracebacks.claimed(parsed) is None


def test_the_claim_of_a_cut_chain_is_the_error_the_report_states() -> None:
    stated = extract(f"```\n{CHAINED}```\n\nIt ends with `SystemError: download failed`.\n")
    assert stated.reported_error is not None
    assert (stated.reported_error.type, stated.reported_error.message) == (
        "SystemError",
        "download failed",
    )
    # Stated nowhere: no claim, rather than the handled one.
    assert extract(f"```\n{CHAINED}```\n").reported_error is None


def test_a_whole_chain_still_claims_its_last_exception() -> None:
    whole = CHAINED + "SystemError: download failed\n"
    parsed = tracebacks.parse(whole)
    assert tracebacks.superseded(parsed) == ()
    claimed = tracebacks.claimed(parsed)
    assert claimed is not None and claimed.type == "SystemError"


def test_a_console_script_is_installed_code_and_a_reraise_is_not_the_code() -> None:
    parsed = tracebacks.parse(CHAINED)
    assert [f.kind for f in parsed[1].frames] == ["library", "user"]
    windows = tracebacks.parse(
        'Traceback (most recent call last):\n  File "C:\\Env\\Scripts\\fetch-script.py", '
        "line 9, in <module>\n    main()\nValueError: x\n"
    )
    assert windows[0].frames[0].kind == "library"
    derived = derived_code(parsed)
    assert derived is not None
    assert derived[0].endswith('data = keras.utils.get_file("x", origin=url)\n')


# 9. Notebook cells calling cells.

CELLS = """\
ValueError                                Traceback (most recent call last)
Cell In[9], line 2
      1 xs = np.ones((2, 2))
----> 2 shout(xs)

Cell In[6], line 3, in shout(v)
      1 def shout(v):
      2     layer = keras.layers.Dense(3)
----> 3     return layer(v[0])

File ~/e/lib/python3.12/site-packages/keras/src/layers/layer.py:900, in Layer.__call__(self)
    899 raise ValueError("bad rank")

ValueError: bad rank
"""


def test_the_outer_cell_runs_after_what_the_inner_cell_defined() -> None:
    derived = derived_code(tracebacks.parse(CELLS))
    assert derived is not None
    code, how = derived
    assert code.index("def shout(v):") < code.index("xs = np.ones((2, 2))")
    assert code.rstrip().endswith("shout(xs)")
    assert "In[6]" in how


def test_an_inner_cell_cut_inside_a_body_is_left_out() -> None:
    cut = CELLS.replace("      1 def shout(v):\n", "")
    derived = derived_code(tracebacks.parse(cut))
    assert derived is not None
    assert "def shout" not in derived[0] and "layer(v[0])" not in derived[0]
    assert derived[0].rstrip().endswith("shout(xs)")
    assert "In[6], which it calls, is shown only in part" in derived[1]


def test_the_base_exception_class_ends_a_traceback_too() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/dl.py", line 3, in <module>\n'
        '    keras.utils.get_file("a", origin="http://x/a.zip")\n'
        "Exception: URL fetch failure on http://x/a.zip: 404 -- Not Found\n"
    )
    [parsed] = tracebacks.parse(text)
    assert parsed.error is not None
    assert (parsed.error.type, parsed.error.message) == (
        "Exception",
        "URL fetch failure on http://x/a.zip: 404 -- Not Found",
    )
    # Prose that starts with "Exception" and a word is no error line.
    assert tracebacks.ERROR_LINE.match("Exceptions: none seen") is None


def test_older_ipython_cells_calling_cells_and_colabs_linked_ones() -> None:
    old = (
        "ValueError                                Traceback (most recent call last)\n"
        "<ipython-input-8-3f2a> in <module>()\n"
        "      1 xs = np.ones((2, 2))\n"
        "----> 2 shout(xs)\n"
        "\n"
        "<ipython-input-6-91bc> in shout(v)\n"
        "      1 def shout(v):\n"
        "----> 2     return keras.layers.Dense(3)(v[0])\n"
        "\n"
        "ValueError: bad rank\n"
    )
    linked = old.replace("<ipython-input-6-91bc>", "[<ipython-input-6-91bc>](https://x)")
    ipython_8_0 = old.replace("<ipython-input-8-3f2a> in <module>()", "Input In [8], in <module>")
    ipython_8_0 = ipython_8_0.replace("<ipython-input-6-91bc> in", "Input In [6], in")
    for text in (old, linked, ipython_8_0):
        derived = derived_code(tracebacks.parse(text))
        assert derived is not None
        assert derived[0].index("def shout(v):") < derived[0].index("shout(xs)")
        assert "In[6]" in derived[1]
