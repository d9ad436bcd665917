"""A question-and-answer page saved as text: the question is the report; the answers under
their heading, and the comments under the question (ending in their timestamps), are others'
words. A type named alone is completed by the message the report spells out elsewhere."""

from __future__ import annotations

from datetime import date

import pytest

from harness.repro.bug_report import qa_page
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.whose_words import split

QUESTION = (
    "I run keras 3.2.1 on Python 3.10.\n\n"
    "```python\nimport keras\nkeras.layers.Dense(2).kernel_bias\n```\n\n"
    "AttributeError: 'Dense' object has no attribute 'kernel_bias'\n\n"
)


@pytest.mark.parametrize(
    "heading",
    [
        "10 Answers 10",
        "2 Answers",
        "1 answer",
        "Answer:",
        "Answers",
        "**Accepted answer**",
        "## Best answer",
        "Sorted by: Highest score (default)",
        "3 个回答",
        "回答 2 件",
        "2件の回答",
        "답변 2",
        "2 respuestas",
        "3 Antworten",
    ],
)
def test_the_answers_heading_of_many_sites_is_recognised(heading: str) -> None:
    assert qa_page.opens_answers(heading)


@pytest.mark.parametrize(
    "line",
    [
        "Answer the question below to get help",
        "The answer is keras 2.15.0",
        "answers = model.predict(x)",
        "I read 3 answers elsewhere, none helped",
    ],
)
def test_a_sentence_about_answers_opens_nothing(line: str) -> None:
    assert not qa_page.opens_answers(line)


@pytest.mark.parametrize(
    "answers",
    [
        "3 Answers 3\n\nSorted by: Highest score\n\npip install keras==3.3.3\n"
        "export KERAS_BACKEND=jax\n",
        "Answer:\n\nRun `pip install keras==3.3.3` and `export KERAS_BACKEND=jax`.\n",
        "2件の回答\n\n`pip install keras==3.3.3` で直りました。\nexport KERAS_BACKEND=jax\n",
    ],
)
def test_pip_lines_and_settings_in_answers_are_not_the_reporters(answers: str) -> None:
    extraction = extract(QUESTION + answers)
    assert extraction.pip_steps == ()
    assert extraction.env == {}
    assert extraction.reported_error is not None
    assert extraction.reported_error.message == "'Dense' object has no attribute 'kernel_bias'"


def test_code_in_an_answer_is_not_the_code_to_run() -> None:
    page = QUESTION + "1 Answer\n\n```python\nimport keras\nprint(keras.__version__)\n```\n"
    code = extract(page).code
    assert code is not None
    assert "kernel_bias" in code.text


def test_an_answers_heading_inside_a_code_block_is_code() -> None:
    text = "```\nAnswer:\npip install keras==3.3.3\n```\n"
    assert qa_page.others_words(text.splitlines()).answers_at is None


@pytest.mark.parametrize(
    "comment",
    [
        "  • 2\n    Try pip install keras==3.3.3 maybe. Apr 15, 2019 at 12:30\n",
        "  • Try pip install keras==3.3.3 maybe.\n    – someone\n    Sep 10 '19 at 14:42\n",
        "Try pip install keras==3.3.3 maybe. Oct 2 at 9:05\n",
    ],
)
def test_a_comment_under_the_question_is_left_out(comment: str) -> None:
    parts = split(QUESTION + comment)
    assert "pip install" not in parts.reporter
    assert parts.comments == 1
    assert any("comments under the question" in note for note in parts.notes)


def test_the_pages_own_stamp_is_no_comment_and_dates_the_report() -> None:
    page = "Asked Apr 22, 2024 at 9:14\nModified 1 year ago\n\n" + QUESTION
    assert split(page).comments == 0
    assert extract(page).as_of == date(2024, 4, 22)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'Title: the `AttributeError` puzzle\n\nThe error "AttributeError: module '
            "'keras.src.backend' has no attribute 'Variable'\" occurs when I add Dropout.\n",
            "module 'keras.src.backend' has no attribute 'Variable'",
        ),
        (
            "`AttributeError`の謎\n\n突然AttributeError: 'Sequential' object has no attribute "
            "'predict_classes'に遭遇しました。\n",
            "'Sequential' object has no attribute 'predict_classes'",
        ),
        (
            "It fails with `ModuleNotFoundError`. Later it says ModuleNotFoundError: No module "
            "named 'keras.src.engine' when loading.\n",
            "No module named 'keras.src.engine'",
        ),
    ],
)
def test_a_type_named_alone_gets_the_message_spelt_out_elsewhere(text: str, message: str) -> None:
    error = extract("keras 3.2.1\n\n" + text).reported_error
    assert error is not None
    assert error.message == message
