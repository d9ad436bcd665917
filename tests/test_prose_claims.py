"""A claimed error written into prose without a traceback: a message whose type goes without
saying inside a Chinese, Japanese or Korean sentence (or an English one that says it was
got), and a typed error in quotes inside a sentence."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import settings
from harness.repro.bug_report.parse import extract


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "执行 from keras.engine import saving 这一句就会报 "
            "No module named 'keras.engine.saving' 的错",
            "ModuleNotFoundError",
            "No module named 'keras.engine.saving'",
        ),
        (
            "import keras.layers.merge 运行后报错No module named 'keras.layers.merge'; "
            "'keras.layers' is not a package，怎么办",
            "ModuleNotFoundError",
            "No module named 'keras.layers.merge'; 'keras.layers' is not a package",
        ),
        (
            "実行すると cannot import name 'Adam' from 'keras.optimizers' というエラーが出ます。",
            "ImportError",
            "cannot import name 'Adam' from 'keras.optimizers'",
        ),
        (
            "실행하면 module 'keras.utils' has no attribute 'Sequence' 오류가 발생합니다",
            "AttributeError",
            "module 'keras.utils' has no attribute 'Sequence'",
        ),
        (
            "Every run I get No module named 'keras.wrappers' right at the start.",
            "ModuleNotFoundError",
            "No module named 'keras.wrappers'",
        ),
    ],
)
def test_an_untyped_message_in_a_sentence_that_reports_it(
    text: str, kind: str, message: str
) -> None:
    found = settings.claim(text, title="")
    assert found is not None
    assert (found.type, found.message) == (kind, message)


@pytest.mark.parametrize(
    "text",
    [
        # a sentence that only names the message, reporting nothing
        "The changelog mentions No module named 'keras.wrappers' for old code.",
        # code, not prose
        "```\nprint(\"No module named 'keras.wrappers' 错误\")\n```\n",
        "    # 报错 No module named 'keras.wrappers'\n",
    ],
)
def test_an_untyped_message_not_reported_is_no_claim(text: str) -> None:
    assert settings.claim(text, title="") is None


def test_a_typed_error_in_quotes_inside_a_sentence() -> None:
    text = "With TF 2.3 I always get \"ImportError: cannot import name 'Layer' from 'x.y'\", why?"
    found = settings.claim(text, title="")
    assert found is not None
    assert (found.type, found.message) == ("ImportError", "cannot import name 'Layer' from 'x.y'")


def test_a_chinese_report_with_only_prose_is_reproduced() -> None:
    found = extract(
        "环境：python3.8，tensorflow 2.4.1，keras 2.4.3\n"
        "from keras.engine.topology import Layer  这句会报 No module named "
        "'keras.engine.topology' 错误\n"
    )
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras.engine.topology'"
    assert found.code is not None
    assert "keras.engine.topology" in found.code.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "一直显示AttributeError: module 'tensorflow.python.keras' has no attribute "
            "'Model 吗？我装了keras也没用",
            "module 'tensorflow.python.keras' has no attribute 'Model'",
        ),
        (
            "実行するとModuleNotFoundError: No module named 'keras.engine.topology と出ます",
            "No module named 'keras.engine.topology'",
        ),
    ],
)
def test_a_retold_name_whose_quote_the_next_sentence_took_gets_it_back(
    text: str, message: str
) -> None:
    found = settings.claim(text, title="")
    assert found is not None
    assert found.message == message


def test_a_message_that_names_a_cjk_path_keeps_it_whole() -> None:
    text = "运行时报错FileNotFoundError: No such file or directory: '/home/用户/data.csv'"
    found = settings.claim(text, title="")
    assert found is not None
    assert found.message == "No such file or directory: '/home/用户/data.csv'"
