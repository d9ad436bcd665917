"""Shapes of reports the earlier surveys left: a `from X import Y` written in prose, example code
quoted inside a library's error message, a chained traceback cut before its last exception,
modules that come with a package the steps install, and Poetry / setup.py requirement lists."""

from __future__ import annotations

import pytest

from harness.repro import wanted_packages
from harness.repro.bug_report import message_quotes, project_files, shell
from harness.repro.bug_report.parse import extract

_TRACEBACK = """
```
Traceback (most recent call last):
  File "run.py", line 1, in <module>
ImportError: cannot import name 'Widget' from 'keras.src'
```
"""

# 1. `from X import Y` written in prose names the module X; Y alone is never imported.


@pytest.mark.parametrize(
    ("prose", "code"),
    [
        (
            "The error shows up after from gridkit.process import GridRunner in a cell.",
            "from gridkit.process import GridRunner",
        ),
        (
            "Running from keras.layers import Dense fails with the error below.",
            "from keras.layers import Dense",
        ),
        ("It fails on import gridkit, then nothing works.", "import gridkit"),
    ],
)
def test_a_from_import_in_prose_keeps_its_package(prose: str, code: str) -> None:
    derived = shell.from_prose(prose)
    assert derived is not None
    assert derived.text.strip() == code


def test_a_from_import_in_prose_never_imports_the_name_alone() -> None:
    found = extract("I see it right after from gridkit.process import GridRunner.\n" + _TRACEBACK)
    assert found.code is None or "from gridkit.process import GridRunner" in found.code.text


# 2. Code an exception's message quotes in its own fences is the library's, not the reporter's.

_QUOTING = """
ValueError: A SymbolicThing cannot go into a raw op. You are likely doing something like:

```
y = Placeholder(...)
raw_op(y)  # Invalid.
```

What you should do instead is wrap it:

```
class Wrapper(Block):
    def call(self, y):
        return raw_op(y)
```
```
"""


def test_snippets_an_exception_message_quotes_are_not_the_reporters() -> None:
    assert message_quotes.quoted_lines(_QUOTING) == frozenset({5, 6, 12, 13, 14})


def test_a_reporters_block_after_a_message_ending_with_a_colon_is_kept() -> None:
    text = "```\nValueError: expected one of:\n```\n\nMy code:\n\n```python\nimport keras\n```\n"
    assert message_quotes.quoted_lines(text) == frozenset()
    found = extract(text)
    assert found.code is not None
    assert "import keras" in found.code.text


# 3. A chained traceback cut right after its "During handling ..." line claims nothing of its
# own, in Python's format and in IPython's.

_PLAIN_CUT = """
```
Traceback (most recent call last):
  File "/home/u/fit.py", line 3, in <module>
    table.lookup("k")
  File "/usr/lib/python3.11/site-packages/gridkit/table.py", line 9, in lookup
    raise KeyError(key)
KeyError: 'k'

During handling of the above exception, another exception occurred:
```
"""

_IPYTHON_CUT = """
```
---------------------------------------------------------------------------
KeyError                                  Traceback (most recent call last)
<ipython-input-2-bb22> in <cell line: 3>()
      2 import gridkit
----> 3 gridkit.lookup("k")

KeyError: 'k'

The above exception was the direct cause of the following exception:

```
"""

_HEADLESS_PART = _PLAIN_CUT.replace(
    "occurred:\n", 'occurred:\n\n  File "/home/u/fit.py", line 3, in <module>\n'
)


@pytest.mark.parametrize("text", [_PLAIN_CUT, _IPYTHON_CUT, _HEADLESS_PART])
def test_a_chain_cut_before_its_last_part_claims_nothing(text: str) -> None:
    assert extract(text).reported_error is None


def test_the_error_the_report_states_is_claimed_instead() -> None:
    found = extract("It ends with `RuntimeError: table closed`.\n" + _PLAIN_CUT)
    assert found.reported_error is not None
    assert found.reported_error.type == "RuntimeError"


# 4. A module the code imports that a package the steps install brings along is said to come
# with it, not called unknown.


def test_modules_a_step_brings_come_with_it() -> None:
    found = extract(
        "```\npip install requests==2.30.0 tensorflow==2.14.0\n```\n\n```python\n"
        "import certifi, urllib3, idna\nfrom google.protobuf import json_format\n"
        "print(certifi.where())\n```\n"
    )
    extracted: list[tuple[str, str]] = []
    assumed: list[str] = []
    wanted = wanted_packages.named(found, extracted, assumed)
    added = wanted_packages.imported(found, wanted, assumed, None)
    assert not {"certifi", "urllib3", "idna", "protobuf"} & set(added)
    assert "certifi: imported, and comes with requests" in assumed
    assert "urllib3: imported, and comes with requests" in assumed
    assert not [line for line in assumed if line.startswith("protobuf")]  # known: no news
    assert not [line for line in assumed if "not a known PyPI distribution" in line]


# 5. A project's own dependency list (Poetry's table, setup.py's install_requires) is one step
# where the report installs the project; Poetry's caret and tilde are the ranges they mean.


@pytest.mark.parametrize(
    ("spec", "pep440"),
    [
        ("^2.13.0", ">=2.13.0,<3.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^2", ">=2,<3"),
        ("~2.13", ">=2.13,<2.14"),
        ("~2.13.1", ">=2.13.1,<2.14.0"),
        ("1.24.3", "==1.24.3"),
        (">=2.12, <2.14", ">=2.12,<2.14"),
        ("~=2.13", "~=2.13"),
        ("*", ""),
        ("main", None),
    ],
)
def test_poetry_constraints_as_pep_440(spec: str, pep440: str | None) -> None:
    assert project_files.pep440(spec) == pep440


_POETRY = """
```toml
[tool.poetry.dependencies]
python = "^3.10"
tensorflow = "^2.12.0"
keras-cv = {version = "~0.6", optional = true}
numpy = "1.24.3"
```
"""

_SETUP = """
```python
from setuptools import setup

setup(name="gridkit", install_requires=["tensorflow>=2.12,<2.14", 'h5py==3.9.0'])
```
"""

_CODE = "\n```python\nimport tensorflow as tf\nprint(tf.ones(2))\n```\n"


@pytest.mark.parametrize(
    ("shown", "how", "step"),
    [
        (_POETRY, "`poetry install`", "tensorflow>=2.12.0,<3.0.0 numpy==1.24.3"),
        (_SETUP, "`pip install -e .`", "tensorflow>=2.12,<2.14 h5py==3.9.0"),
        (_SETUP, "`pip install .`", "tensorflow>=2.12,<2.14 h5py==3.9.0"),
    ],
)
def test_a_project_installed_is_one_step_of_its_requirements(
    shown: str, how: str, step: str
) -> None:
    found = extract(shown + f"\nThen {how} and:\n" + _CODE)
    assert found.pip_steps == (step,)
    assert found.code is not None
    assert "print(tf.ones(2))" in found.code.text


def test_a_project_shown_but_not_installed_pins_only_single_releases() -> None:
    found = extract(_POETRY + _CODE)
    assert found.pip_steps == ()
    assert {(pin.name, pin.version) for pin in found.pins} == {("numpy", "1.24.3")}


def test_a_project_not_installed_gives_only_its_single_release_pins_in_any_form() -> None:
    table = (
        '```toml\n[tool.poetry.dependencies]\ntensorflow = "^2.13"\n'
        'numpy = {version = "1.24.3"}\n```\n'
    )
    found = extract(table + _CODE)
    assert [(pin.name, pin.version) for pin in found.pins] == [("numpy", "1.24.3")]
    assert found.pip_steps == ()
