"""Shapes of TensorFlow issue-template reports: a nightly build named by its distribution in
the version field ("tf-nightly 2.13.0-dev20230427", "TF-nightly (2.13.0-dev20230427)")."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import rendered_text
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.title import title_of

CODE = "\n\n```python\nimport tensorflow as tf\ntf.constant(1).numpy()\n```\n\nValueError: x\n"


def pins(text: str) -> dict[str, str]:
    return {pin.name: pin.version for pin in extract(text + CODE).pins}


@pytest.mark.parametrize(
    ("said", "name", "version"),
    [
        (
            "### Tensorflow Version\n\nTF-nightly (2.13.0-dev20230427)",
            "tf-nightly",
            "2.13.0.dev20230427",
        ),
        (
            "### TensorFlow version\n\ntf-nightly 2.16.0-dev20240115",
            "tf-nightly",
            "2.16.0.dev20240115",
        ),
        ("- TensorFlow version: tf_nightly 2.15.0.dev20230914", "tf-nightly", "2.15.0.dev20230914"),
        ("I run tf-nightly==2.17.0.dev20240501 on Linux.", "tf-nightly", "2.17.0.dev20240501"),
        (
            "Keras version: keras-nightly 3.3.0.dev2024041003",
            "keras-nightly",
            "3.3.0.dev2024041003",
        ),
        ("keras_nightly (3.4.0.dev2024060103) on a laptop", "keras-nightly", "3.4.0.dev2024060103"),
    ],
)
def test_a_nightly_named_by_its_distribution_is_that_build(
    said: str, name: str, version: str
) -> None:
    assert pins(said).get(name) == version
    assert "tensorflow" not in pins(said)


@pytest.mark.parametrize(
    "said",
    [
        "### TensorFlow version\n\ntf-nightly",  # no version: nothing pinned
        "I tried tf-nightly too.",
    ],
)
def test_a_nightly_named_without_a_version_pins_nothing(said: str) -> None:
    assert "tf-nightly" not in pins(said)


# A test shown without what runs it.


def chosen(text: str) -> str:
    code = extract(text).code
    assert code is not None
    return code.text


def test_a_lone_unittest_method_runs_in_a_class_of_its_own() -> None:
    text = (
        "The check below fails on 2.18.0:\n\n```python\n"
        "def test_dense_rejects_zero_units(self):\n"
        "    with self.assertRaises(ValueError):\n"
        "        tf.keras.layers.Dense(0)\n```\n\n"
        "```\nAssertionError: ValueError not raised\n```\n"
    )
    code = chosen(text)
    assert (
        "class ReportTest(unittest.TestCase):\n    def test_dense_rejects_zero_units(self):" in code
    )
    assert code.rstrip().endswith('ReportTest("test_dense_rejects_zero_units").debug()')
    assert code.startswith("import tensorflow as tf\nimport unittest\n")


def test_the_run_raises_what_the_test_raises() -> None:
    text = (
        "```python\nLIMIT = 3\n\ndef test_limit(self):\n"
        "    with self.assertRaises(KeyError):\n        {}.get(LIMIT)\n```\n\n"
        "AssertionError: KeyError not raised\n"
    )
    code = chosen(text)
    with pytest.raises(AssertionError, match="KeyError not raised"):
        exec(compile(code, "<report>", "exec"), {"__name__": "report"})  # noqa: S102


def test_a_lone_method_with_tf_test_assertions_gets_that_class() -> None:
    text = (
        "```python\nimport numpy as np\n\ndef test_softmax_sums_to_one(self):\n"
        "    out = tf.nn.softmax(np.ones((2, 3)))\n"
        "    self.assertAllClose(tf.reduce_sum(out, -1), [1.0, 1.0])\n```\n\n"
        "AssertionError: Not equal to tolerance\n"
    )
    code = chosen(text)
    assert "class ReportTest(tf.test.TestCase):" in code
    assert "import unittest" not in code


def test_a_test_case_class_without_its_main_gets_its_tests_called() -> None:
    text = (
        "```python\nimport unittest\nimport keras\n\n"
        "class LossTest(unittest.TestCase):\n"
        "    def setUp(self):\n        self.loss = keras.losses.MeanSquaredError()\n\n"
        "    def test_zero(self):\n"
        "        self.assertEqual(float(self.loss([0.0], [0.0])), 0.0)\n\n"
        "    def test_one(self):\n        self.assertEqual(float(self.loss([1.0], [0.0])), 1.0)\n"
        "```\n\nAssertionError: 0.5 != 1.0\n"
    )
    code = chosen(text)
    assert code.rstrip().endswith('LossTest("test_zero").debug()\nLossTest("test_one").debug()')


@pytest.mark.parametrize(
    "body",
    [
        # its runner shown: run as written
        "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
        "        self.fail('x')\n\nif __name__ == '__main__':\n    unittest.main()\n",
        # code that does something at the top: not only a test
        "import tensorflow as tf\n\ndef test_a(self):\n    self.fail('x')\n\n"
        "print(tf.__version__)\ntf.keras.layers.Dense(0)\n",
        # a pytest test that needs a fixture cannot be called without pytest
        "def test_save(tmp_path):\n    assert tmp_path.exists() is False\n",
    ],
)
def test_code_that_runs_or_needs_its_runner_is_left_as_written(body: str) -> None:
    code = chosen(f"```python\n{body}```\n\nAssertionError: x\n")
    assert ".debug()" not in code
    assert not code.rstrip().endswith("()") or code.rstrip().endswith("unittest.main()")


def test_a_pytest_function_without_fixtures_is_called() -> None:
    text = (
        "```python\nimport keras\n\ndef test_flatten_shape():\n"
        "    assert keras.layers.Flatten()(keras.ops.ones((2, 3, 4))).shape == (2, 12)\n```\n\n"
        "AssertionError\n"
    )
    assert chosen(text).rstrip().endswith("test_flatten_shape()")


# An error written as its type then its message in quotes, without Python's colon.


@pytest.mark.parametrize(
    ("title", "kind", "message"),
    [
        (
            "TypeError \"unsupported operand type(s) for |: 'dict' and 'dict'\" in fit",
            "TypeError",
            "unsupported operand type(s) for |: 'dict' and 'dict'",
        ),
        (
            "evaluate() raises ValueError `Shapes (None, 4) and (None, 3)`",
            "ValueError",
            "Shapes (None, 4) and (None, 3)",
        ),
        ("KeyError “val_loss” after upgrading", "KeyError", "val_loss"),
        ("ValueError: a message after a colon", "ValueError", "a message after a colon"),
        ("AttributeError when calling fit", "AttributeError", ""),
    ],
)
def test_a_title_gives_a_quoted_message_after_the_type(title: str, kind: str, message: str) -> None:
    claim = extract(
        f"# {title}\n\nIt fails.\n\n```python\nimport keras\nkeras.ops.ones(2)\n```\n"
    ).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == (kind, message)


def test_a_sentence_gives_a_quoted_message_after_the_type() -> None:
    text = (
        'Training stops at the first epoch: it raises a RuntimeError "Dataset iterator '
        'exhausted early" and nothing else.\n\n```python\nimport keras\nkeras.ops.ones(2)\n```\n'
    )
    claim = extract(text).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == ("RuntimeError", "Dataset iterator exhausted early")


def test_a_quoted_name_in_code_is_no_claim() -> None:
    text = "```python\ntry:\n    x = {}['a']\nexcept KeyError \"a\":\n    pass\n```\n"
    assert extract(text).reported_error is None


# HTML comments before the title, as issue templates open with, are not shown.


@pytest.mark.parametrize(
    "opening",
    [
        "<!-- Please fill in the template. -->\n",
        "<!--\nPlease fill in the template.\nThanks!\n-->\n\n",
        "<!-- one -->\n<!-- two -->\n",
        "  <!-- indented --> ",
    ],
)
def test_html_comments_before_the_first_line_are_not_the_title(opening: str) -> None:
    assert title_of(opening + "module 'keras' has no attribute 'x'\n\nbody\n") == (
        "module 'keras' has no attribute 'x'"
    )


def test_a_comment_after_the_first_line_leaves_the_title_alone() -> None:
    assert title_of("Fit fails on 2.16\n<!-- note -->\nbody\n") == "Fit fails on 2.16"
    assert title_of("<!-- never closed\nFit fails\n") == "<!-- never closed"


# Code pasted between single backticks over several lines.


def test_a_span_over_several_lines_of_python_is_a_block() -> None:
    text = (
        "It fails when I compile:\n\n`epochs = 3\n\nopt = keras.optimizers.SGD(0.1)\n\n"
        "net.compile(optimizer=opt, loss='mse')`\n\nValueError: Could not interpret optimizer\n"
    )
    code = chosen(text)
    assert code.startswith("import keras\nepochs = 3\n")
    assert "net.compile(optimizer=opt, loss='mse')\n" in code


def test_a_span_closed_before_the_sentences_period_is_a_block_too() -> None:
    plain, notes = rendered_text.plain("Run `x = keras.ops.ones(3)\nprint(x.shape)`.\n")
    assert plain.startswith("Run `x") is True  # opened mid-line: a sentence's span
    plain, notes = rendered_text.plain("`x = keras.ops.ones(3)\nprint(x.shape)`.\n")
    assert plain == "```python\nx = keras.ops.ones(3)\nprint(x.shape)\n```\n"
    assert notes == ("code pasted between single backticks over several lines read as a block",)


@pytest.mark.parametrize(
    "text",
    [
        "`this does not\nwork at all` on my machine\n",  # words, not Python
        "`keras`\nis fine, `tf.keras`\nis not\n",  # spans that close on their own lines
        "`model\n`\n",  # a name alone
        "```\n`x = 1\ny = 2`\n```\n",  # inside a fenced block: as written
    ],
)
def test_backticks_that_hold_no_pasted_code_stay(text: str) -> None:
    assert rendered_text.plain(text)[0] == text


# The error the code's own comments name, where the report states it nowhere else.


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        (
            "import keras\nm = keras.models.load_model('a.keras')\n# This throws:\n"
            "# IndexError: list assignment index out of range\n",
            "IndexError",
            "list assignment index out of range",
        ),
        (
            "import keras\nkeras.ops.ones(2)  # -> ValueError: bad shape\n",
            "ValueError",
            "bad shape",
        ),
        ("import keras\nkeras.ops.ones(2)   # raises TypeError!\n", "TypeError", ""),
        (
            "import keras\n# fails with tf.errors.InvalidArgumentError\nkeras.ops.ones(2)\n",
            "tf.errors.InvalidArgumentError",
            "",
        ),
    ],
)
def test_a_comment_in_the_code_gives_the_claim(code: str, kind: str, message: str) -> None:
    claim = extract(f"It breaks.\n\n```python\n{code}```\n").reported_error
    assert claim is not None
    assert (claim.type, claim.message, claim.source) == (kind, message, "code comment")


@pytest.mark.parametrize(
    "code",
    [
        "import keras\ns = '# KeyError: not a comment'\nkeras.ops.ones(2)\n",  # a string's hash
        "import keras\n# catch ValueError here later\nkeras.ops.ones(2)\n",  # named, not raised
    ],
)
def test_a_comment_that_names_no_raised_error_gives_none(code: str) -> None:
    assert extract(f"It breaks.\n\n```python\n{code}```\n").reported_error is None


def test_an_error_stated_elsewhere_wins_over_the_comment() -> None:
    text = (
        "```python\nimport keras\nkeras.ops.ones(2)  # raises TypeError: x\n```\n\n"
        "```\nValueError: the real one\n```\n"
    )
    claim = extract(text).reported_error
    assert claim is not None
    assert (claim.type, claim.message) == ("ValueError", "the real one")
