"""Shapes seen end to end in reports of 2020-2023 (TensorFlow 2.3-2.13, Keras 2.x): a template's
code field answered in words, a REPL session that raised twice, a title's capitalised message."""

from __future__ import annotations

from harness.repro.bug_report.parse import blocks, extract, prose_of
from harness.repro.bug_report.sentence_blocks import with_sentence_blocks

# 1. A fenced code field holding a sentence: its code span is the code, as in prose.


def test_a_code_field_answered_in_words_runs_its_code_span() -> None:
    report = (
        "### Standalone code to reproduce the issue\n\n```shell\n"
        "With only tensorflow 2.8.2 in the venv, just running `import tensorflow` fails\n"
        "```\n\n### Relevant log output\n\n```\nTypeError: bad descriptor\n```\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text == "import tensorflow\n"
    assert found.code.line == 4


def test_only_blocks_of_sentences_are_put_back_in_the_prose() -> None:
    text = (
        "Intro\n```\nWith nothing else installed, a plain `import keras` stops\n```\n"
        "```\n$ python -c 'import keras'\n```\n```\nimport keras as k\n```\n"
        "```\nTraceback (most recent call last):\n```\n"
    )
    spoken = with_sentence_blocks(prose_of(text), blocks(text)).split("\n")
    assert spoken[2] == "With nothing else installed, a plain `import keras` stops"
    assert [line for line in spoken[3:] if line.strip()] == []


def test_a_log_block_is_not_read_as_sentences() -> None:
    report = (
        "Importing fails.\n\n```\nImportError: use `import tf_keras` together with the new one\n"
        "```\n"
    )
    found = extract(report)
    assert found.code is None or found.code.text != "import tf_keras\n"


# 2. A REPL session that raised twice: its script stops at the first, so that is the claim.

_SESSION = (
    "```\n>>> from keras.layers import Gone\nTraceback (most recent call last):\n"
    '  File "<stdin>", line 1, in <module>\n'
    "ImportError: cannot import name 'Gone' from 'keras.layers'\n"
    ">>> import keras.layers.gone\nTraceback (most recent call last):\n"
    '  File "<stdin>", line 1, in <module>\n'
    "ModuleNotFoundError: No module named 'keras.layers.gone'\n```\n"
)


def test_a_session_that_raised_twice_claims_its_first_error() -> None:
    found = extract(f"Keras 2.8.0\n\n{_SESSION}")
    assert found.reported_error is not None
    assert found.reported_error.type == "ImportError"
    assert "the first of the session's 2" in found.reported_error.source


def test_a_session_that_raised_once_keeps_its_claim_and_a_script_its_last() -> None:
    once = _SESSION.split(">>> import keras.layers.gone", maxsplit=1)[0] + "```\n"
    claimed = extract(once).reported_error
    assert claimed is not None
    assert claimed.source == "traceback"
    # A script's tracebacks, one run after another: the last is what the reporter got.
    script = _SESSION.replace('"<stdin>"', '"train.py"').replace(">>> ", "")
    found = extract(f"```python\nfrom keras.layers import Gone\n```\n{script}")
    assert found.reported_error is not None
    assert found.reported_error.type == "ModuleNotFoundError"


# 3. A title that is an error's message with the title's capital: Python's own words.


def test_a_capitalised_message_in_the_title_is_python_s_message() -> None:
    found = extract("# Cannot import name 'Merge' from 'keras.layers'\n\nIt broke.\n")
    assert found.reported_error is not None
    assert found.reported_error.type == "ImportError"
    assert found.reported_error.message == "cannot import name 'Merge' from 'keras.layers'"
    # A title that only starts like one is no claim.
    assert extract("# Module loading is slow\n\nIt is.\n").reported_error is None
