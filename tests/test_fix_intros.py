"""Code a page introduces as the cure is not the code that failed."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.fix_intros import introduces_fix
from harness.repro.bug_report.parse import extract


@pytest.mark.parametrize(
    "before",
    [
        "Below is a corrected code example using the TensorFlow backend:",
        "Here is the working version:",
        "The fix is to cast first, like this:",
        "To fix it, import from tensorflow.keras instead:",
        "推奨される修正コードの例は以下の通りです。",
        "環境変数を設定することで解決します。",
        "多クラス分類の解決策は、np.argmaxを使用します。",
        "正确的写法如下：",
    ],
)
def test_words_that_introduce_the_cure(before: str) -> None:
    assert introduces_fix(before)


@pytest.mark.parametrize(
    "before",
    [
        "Here is my code:",
        "The corrected code still fails:",
        "I tried the suggested fix but it did not help:",
        "This is the code I run. The fix from the docs is below. It fails the same way:",
        "Calling np.argmax here:",
    ],
)
def test_words_that_introduce_a_failure(before: str) -> None:
    assert not introduces_fix(before)


FAILING = (
    "keras 3.2.1, tensorflow 2.16.1\n\n```python\nimport keras\nkeras.layers.Dense(2).bad_attr\n```"
    "\n\nAttributeError: 'Dense' object has no attribute 'bad_attr'\n\n"
)


def test_the_cure_is_not_run_and_its_settings_are_not_the_runs() -> None:
    text = (
        FAILING + "Below is the corrected code:\n\n```python\nimport os\n"
        'os.environ["KERAS_BACKEND"] = "torch"\nimport keras\nprint(keras.layers.Dense(2).units)\n'
        "```\n"
    )
    extraction = extract(text)
    assert extraction.code is not None
    assert "bad_attr" in extraction.code.text
    assert extraction.env == {}


def test_a_page_whose_only_code_is_the_cure_derives_the_failing_statement() -> None:
    text = (
        "keras 3.2.1\n\nThe error \"AttributeError: module 'keras.src.backend' has no attribute "
        "'Variable'\" shows up. Below is a corrected code example:\n\n```python\nimport keras\n"
        "print(keras.Variable(1.0))\n```\n"
    )
    code = extract(text).code
    assert code is not None
    assert "keras.src.backend.Variable" in code.text
