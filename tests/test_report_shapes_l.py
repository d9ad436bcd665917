"""Shapes of reports written in other languages than English, or mixing them: Chinese,
Japanese and Korean text glued to Latin names and numbers, full-width punctuation from their
input methods, and the words for "version", "import", "solution", "latest" and "works"."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import fix_parts, pip_lines, version_roles
from harness.repro.bug_report.latest_named import latest_named
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.settings import claim
from harness.repro.bug_report.shell import from_prose


def pins_of(text: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(text).pins}


def python_of(text: str) -> str | None:
    found = extract(text).python
    return found[0] if found else None


# 1. Versions: full-width separators, "version" in other languages, names glued to CJK.


@pytest.mark.parametrize(
    ("text", "pins"),
    [
        (
            "运行环境：python版本：3.8，tensorflow版本：2.3.0，keras版本：2.4.3",
            {"tensorflow": "2.3.0", "keras": "2.4.3"},
        ),
        ("tensorflow版本号1.12.0\nKeras版本号2.2.4", {"tensorflow": "1.12.0", "keras": "2.2.4"}),
        ("keras的版本是2.3.1", {"keras": "2.3.1"}),
        ("TensorFlowのバージョンは2.4.1です", {"tensorflow": "2.4.1"}),
        ("텐서플로 tensorflow 버전: 2.6.0", {"tensorflow": "2.6.0"}),
        ("keras версия 2.6.0", {"keras": "2.6.0"}),
        (
            "versão do keras: 2.6.0, tensorflow versão 2.6.1",
            {"keras": "2.6.0", "tensorflow": "2.6.1"},
        ),
        (
            "我使用tensorflow 1.14.0 keras 2.2.4  但是一直报错",
            {"tensorflow": "1.14.0", "keras": "2.2.4"},
        ),
        ("我在tf1.4.0 和 keras 2.2.4上不行", {"tensorflow": "1.4.0", "keras": "2.2.4"}),
        ("我使用tensorflow：1.4.1有很多地方不支持", {"tensorflow": "1.4.1"}),
        (
            "软件版本为keras2.1.4，tensorflow-gpu1.3.0，",
            {"keras": "2.1.4", "tensorflow-gpu": "1.3.0"},
        ),
        # Full-width digits are the same digits typed with a CJK input method (NFKC's reading);
        # Arabic-Indic ones are not (tests/test_report_robustness.py: a version pip cannot read).
        ("ｋｅｒａｓ：２．４．３", {"keras": "2.4.3"}),
        ("keras==２.１５.０", {"keras": "2.15.0"}),
    ],
)
def test_versions_in_other_languages(text: str, pins: dict[str, str]) -> None:
    assert pins_of(text) == pins


def test_a_name_inside_a_latin_word_is_still_no_name() -> None:
    assert pins_of("mytensorflow版本：2.3.0, tensorflowx 2.4") == {}


@pytest.mark.parametrize(
    ("text", "python"),
    [
        ("python版本：3.8，tensorflow版本：2.3.0", "3.8"),
        ("环境python3.7+最新tensorflow", "3.7"),
        ("pyhton3.7+最新tensorflow+最新keras", "3.7"),
        ("Python版本是3.9", "3.9"),
        ("Pythonのバージョン：3.10", "3.10"),
        ("파이썬 python 버전 3.11", "3.11"),
        ("Versión de Python: 3.8", "3.8"),
    ],
)
def test_python_in_other_languages(text: str, python: str) -> None:
    assert python_of(text) == python


def test_the_latest_in_chinese() -> None:
    assert dict(latest_named("pyhton3.7+最新tensorflow+最新的keras，运行报错")) == {
        "tensorflow": "最新tensorflow",
        "keras": "最新的keras",
    }


@pytest.mark.parametrize(
    "text",
    ["keras 2.2.4 tensorflow 1.13.0 可以用", "换了keras==2.2.5解决了", "tf 2.3.0 就好了"],
)
def test_a_version_said_to_work_in_chinese_is_another_one(text: str) -> None:
    found = version_roles.roles(text)
    assert found.other and all(found.of(start) == "other" for start, _ in found.other)


def test_a_version_said_not_to_work_in_chinese_is_the_failing_one() -> None:
    assert not version_roles.roles("keras 2.2.4 不可以用").other
    assert pins_of("keras 2.2.4 不可以用，keras 2.2.5 可以用") == {"keras": "2.2.4"}


# 2. The claimed error after a label in any language.


@pytest.mark.parametrize(
    "line",
    [
        "报错：ModuleNotFoundError: No module named 'keras.engine.topology'",
        "错误信息如下： ModuleNotFoundError: No module named 'keras.engine.topology'",
        "エラー：ModuleNotFoundError: No module named 'keras.engine.topology'",
        "에러 메시지: ModuleNotFoundError: No module named 'keras.engine.topology'",
        "Ошибка: ModuleNotFoundError: No module named 'keras.engine.topology'",
        "ModuleNotFoundError：No module named 'keras.engine.topology'",
        "报错：ModuleNotFoundError: No module named 'keras.engine.topology'。",
        "运行时出现ModuleNotFoundError: No module named 'keras.engine.topology'",
    ],
)
def test_an_error_after_a_label_in_another_language(line: str) -> None:
    found = claim(f"代码如下：\n\n{line}\n\n请问怎么解决？", title="keras 报错")
    assert found is not None
    assert (found.type, found.message) == (
        "ModuleNotFoundError",
        "No module named 'keras.engine.topology'",
    )


def test_the_message_after_a_label_is_kept_as_typed() -> None:
    # Full-width characters inside a message are the program's, compared as they are.
    line = "报错：FileNotFoundError: [Errno 2] No such file or directory: '数据／训练（1）.csv'"
    found = claim(line, title="")
    assert found is not None
    assert found.message == "[Errno 2] No such file or directory: '数据／训练（1）.csv'"


# 3. Code from the prose: "when importing" in other languages.


@pytest.mark.parametrize(
    ("prose", "code"),
    [
        ("导入keras时报错", "import keras\n"),
        ("導入tensorflow時出錯", "import tensorflow\n"),
        ("kerasをインポートすると、エラーが出ます", "import keras\n"),
        ("keras를 import하면 에러가 납니다", "import keras\n"),
        ("keras 임포트 시 오류", "import keras\n"),
        ("При импорте keras получаю ошибку", "import keras\n"),
        ("Error al importar tensorflow en Windows", "import tensorflow\n"),
        ("Erro ao importar o keras", "import keras\n"),
        ("Fehler beim Importieren von keras_hub", "import keras_hub\n"),
        ("mycodeをインポートすると", "import mycode\n"),
    ],
)
def test_importing_in_other_languages(prose: str, code: str) -> None:
    found = from_prose(prose)
    assert found is not None and found.text == code


def test_a_name_before_an_english_import_is_no_import() -> None:
    assert from_prose("there is a mycode import error") is None


# 4. The reporter's fix, and pip lines glued to a sentence.


@pytest.mark.parametrize(
    "line",
    [
        "解决办法：",
        "解决方法: 降级",
        "解決策：",
        "해결 방법:",
        "Решение:",
        "Solución:",
        "**Solução:**",
    ],
)
def test_a_fix_labelled_in_another_language(line: str) -> None:
    assert fix_parts.opens_fix(line)


def test_the_fix_in_chinese_is_not_the_reproduction() -> None:
    text = "我用keras 2.4.3报错。\n\n解决办法：\n卸载keras，手动安装keras2.2.4\n"
    assert pins_of(text) == {"keras": "2.4.3"}


@pytest.mark.parametrize(
    ("line", "step"),
    [
        (
            "使用`pip install 'h5py==2.10.0' --force-reinstall`后重新运行",
            "h5py==2.10.0 --force-reinstall",
        ),
        ("执行pip install keras==2.4.3，然后运行", "keras==2.4.3"),
        ("pip install tensorflow==2.4.1后运行", "tensorflow==2.4.1"),
    ],
)
def test_a_pip_line_ends_where_a_cjk_sentence_goes_on(line: str, step: str) -> None:
    assert pip_lines.pip_steps(line) == (step,)
