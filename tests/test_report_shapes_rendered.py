"""Shapes of reports whose text went through rendering, scraping or another markup before
reaching the harness: HTML source (tags and entities), an email's quoted-printable body, a
typographer's quotes and dashes, non-breaking and zero-width spaces, a notebook's JSON,
BBCode, Jira and reStructuredText code blocks, Windows line ends."""

from __future__ import annotations

import json

import pytest

from harness.repro.bug_report import notebook_json, rendered_text, typography
from harness.repro.bug_report.parse import blocks, extract


def claim_of(text: str) -> tuple[str, str] | None:
    found = extract(text).reported_error
    return (found.type, found.message) if found else None


def code_of(text: str) -> str:
    code = extract(text).code
    return code.text if code else ""


# 1. HTML: entities are the characters Python printed; tags are Markdown again.

ESCAPED_TRACEBACK = (
    "tensorflow 2.16.1, Python 3.11\n\n"
    "```\n"
    "Traceback (most recent call last):\n"
    "  File &quot;fit_job.py&quot;, line 2, in &lt;module&gt;\n"
    "    from keras.legacy.layers import RNN\n"
    "ModuleNotFoundError: No module named &#39;keras.legacy&#39;\n"
    "```\n"
)


def test_an_escaped_traceback_gives_the_message_python_printed_and_its_code() -> None:
    assert claim_of(ESCAPED_TRACEBACK) == ("ModuleNotFoundError", "No module named 'keras.legacy'")
    # The frame is read as one: its source line is the code, not an import guessed from prose.
    assert code_of(ESCAPED_TRACEBACK).strip() == "from keras.legacy.layers import RNN"
    assert any("HTML" in note for note in extract(ESCAPED_TRACEBACK).notes)


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("&lt;class &#x27;list&#x27;&gt;", "<class 'list'>"),
        ("&#34;x&#34; &amp; &apos;y&apos;", "\"x\" & 'y'"),
        ("---&gt; 4 model.fit(x)", "---> 4 model.fit(x)"),
    ],
)
def test_the_entities_a_renderer_writes_are_decoded(escaped: str, plain: str) -> None:
    assert rendered_text.plain(escaped)[0] == plain


def test_text_a_renderer_did_not_escape_keeps_its_ampersands() -> None:
    # No entity a renderer writes: `&para=2` in a URL is not the pilcrow `&para;`.
    text = "see https://example.org/q?a=1&para=2&amp"
    assert rendered_text.plain(text) == (text, ())


def test_a_forum_post_in_html_is_read_as_markdown() -> None:
    post = (
        "<p>keras 3.3.3, Python 3.10. This fails:<br>\n"
        '<pre><code class="lang-python">import keras\n'
        "keras.ops.split(keras.ops.ones((5,)), 2)\n"
        "</code></pre>\n"
        '<pre><code class="lang-auto">Traceback (most recent call last):\n'
        '  File "s.py", line 2, in &lt;module&gt;\n'
        "ValueError: array split does not result in an equal division\n"
        "</code></pre>"
    )
    text = rendered_text.plain(post)[0]
    assert [block.info for block in blocks(text)] == ["python", ""]
    assert code_of(post) == "import keras\nkeras.ops.split(keras.ops.ones((5,)), 2)\n"
    assert claim_of(post) == ("ValueError", "array split does not result in an equal division")


def test_a_language_on_the_pre_tag_names_the_block() -> None:
    page = '<pre class="lang-py prettyprint-override"><code>import keras\n</code></pre>'
    assert [block.info for block in blocks(rendered_text.plain(page)[0])] == ["py"]


def test_a_scraped_question_s_code_tags_are_blocks_and_inline_code_spans() -> None:
    question = (
        "import keras\n"
        "keras.layers.Dense(-1)\n"
        "</code>\n"
        "raises:\n"
        "<code>ValueError: Received an invalid value for `units`, expected a positive "
        "integer. Received: units=-1\n"
        "</code>\n"
        "Why does <code>Dense</code> check this?"
    )
    text = rendered_text.plain(question)[0]
    assert "Why does `Dense` check this?" in text
    assert next(block.text for block in blocks(text)) == "import keras\nkeras.layers.Dense(-1)"


def test_names_python_prints_in_angle_brackets_are_not_tags() -> None:
    text = (
        '  File "<stdin>", line 1, in <module>\n'
        '  File "x.py", line 3, in <listcomp>\n'
        "<ipython-input-4-1a2b> in <lambda>()\n"
        "<b>bold</b> <details><summary>Log</summary>"
    )
    plain = rendered_text.plain(text)[0]
    assert plain.startswith(
        '  File "<stdin>", line 1, in <module>\n  File "x.py", line 3, in <listcomp>'
    )
    assert "<ipython-input-4-1a2b> in <lambda>()" in plain
    assert "<b>" not in plain and "<summary>" not in plain and "bold" in plain


def test_a_forum_quote_of_another_post_is_a_quote() -> None:
    post = (
        "<p>keras 3.3.3 here.</p>\n"
        '<aside class="quote"><blockquote>\n'
        "<p>try pip install keras==3.0.0<br>\nwith KERAS_BACKEND=torch</p>\n"
        "</blockquote></aside>\n"
        "<p>Same error.</p>"
    )
    text = rendered_text.plain(post)[0]
    assert "> try pip install keras==3.0.0\n> with KERAS_BACKEND=torch" in text
    found = extract(post)
    assert found.pip_steps == () and "KERAS_BACKEND" not in found.env


def test_a_link_keeps_its_address() -> None:
    text = '<a href="https://colab.research.google.com/drive/1xYz">my notebook</a>'
    assert (
        rendered_text.plain(text)[0]
        == "[my notebook](https://colab.research.google.com/drive/1xYz)"
    )


def test_markdown_fences_keep_their_tags() -> None:
    # Inside a Markdown fence `<b>` is the code's own string, not the page's markup.
    text = '```python\nlabel = "<b>cat</b>"\n```\n'
    assert rendered_text.plain(text)[0] == text


# 2. An email's quoted-printable source.


def test_a_quoted_printable_body_is_decoded() -> None:
    body = (
        "Traceback (most recent call last):<br>=C2=A0 File &quot;a.py&quot;, line 1, in &lt;mod=\n"
        "ule&gt;<br>ValueError: x =3D 1 is not a valid value for the argument `momen=\n"
        "tum`<br>\n"
    )
    assert claim_of(body) == (
        "ValueError",
        "x = 1 is not a valid value for the argument `momentum`",
    )


def test_text_with_an_equals_sign_at_line_ends_is_not_quoted_printable() -> None:
    text = "a =\nb =\nc"
    assert rendered_text.plain(text)[0] == text


# 3. A typographer's quotes and dashes.


def test_code_that_only_runs_with_ascii_quotes_gets_them_said_so() -> None:
    report = (
        "keras 3.3.3, jax 0.4.28, Python 3.11\n\n"
        "    import os\n"
        "    os.environ[“KERAS_BACKEND”] = “jax”\n"
        "    import keras\n"
        "    keras.layers.Dense(2, activation=‘gelu’)(keras.ops.ones((1, 3)))\n"
    )
    found = extract(report)
    assert found.code is not None
    assert 'os.environ["KERAS_BACKEND"] = "jax"' in found.code.text
    assert "activation='gelu'" in found.code.text
    assert any("typographic quotes" in note for note in found.notes)


def test_code_that_compiles_keeps_its_curly_quotes() -> None:
    text = '```python\nprint("“quoted” text")\n```\n'
    assert rendered_text.plain(text) == (text, ())


def test_a_sentence_in_curly_quotes_stays_a_sentence() -> None:
    text = "I typed “import keras” and it hung."
    assert rendered_text.plain(text)[0] == text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip install –upgrade keras==3.3.3", "pip install --upgrade keras==3.3.3"),
        ("pip install —upgrade “tensorflow>=2.16”", 'pip install --upgrade "tensorflow>=2.16"'),
        ("pip install –r requirements.txt", "pip install -r requirements.txt"),
        ("export KERAS_BACKEND=“torch”", 'export KERAS_BACKEND="torch"'),
        (
            "python -c “import keras; print(keras.__version__)”",
            'python -c "import keras; print(keras.__version__)"',
        ),
    ],
)
def test_shell_commands_get_their_ascii_back(line: str, expected: str) -> None:
    assert typography.straightened(line)[0] == expected


def test_a_typographed_traceback_gives_python_s_quotes() -> None:
    report = (
        "Traceback (most recent call last):\n"
        "  File “train.py”, line 3, in <module>\n"
        "    keras.utils.plot_model(model)\n"
        "AttributeError: module ‘keras.utils’ has no attribute ‘plot_model’\n"
    )
    text = typography.straightened(report)[0]
    assert '  File "train.py", line 3, in <module>' in text
    assert text.endswith("AttributeError: module 'keras.utils' has no attribute 'plot_model'\n")


def test_a_message_in_prose_gets_python_s_quotes() -> None:
    report = "# ImportError: cannot import name ‘Adam’ from ‘keras.optimizers’\n"
    assert claim_of(report) == ("ImportError", "cannot import name 'Adam' from 'keras.optimizers'")


def test_a_title_of_python_s_message_alone_and_a_setting_in_a_sentence() -> None:
    report = (
        "# No module named ‘keras.src.legacy’\n\n"
        "keras 3.3.3, Python 3.11. My notebook starts with os.environ[“KERAS_BACKEND”] = “jax”.\n\n"
        "```python\nimport keras\nfrom keras.src.legacy import backend\n```\n"
    )
    found = extract(report)
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras.src.legacy'"
    assert found.env == {"KERAS_BACKEND": "jax"}


def test_a_traceback_pasted_as_printed_keeps_its_message_s_curly_quotes() -> None:
    # Its frames kept their ASCII quotes: nothing typographed it, the program wrote “strict”.
    report = (
        "Traceback (most recent call last):\n"
        '  File "cfg.py", line 8, in <module>\n'
        "    load(cfg)\n"
        "ValueError: mode must be “strict” or ‘lenient’\n"
    )
    assert typography.straightened(report)[0] == report


def test_an_email_reply_quoting_the_report_twice_still_gives_its_error() -> None:
    report = (
        "Still failing, keras 2.15.0.\n\n"
        "On Mon, 4 Mar 2024, maintainer wrote:\n"
        "> Which line?\n"
        ">\n"
        "> > Traceback (most recent call last):\n"
        '> >   File "fit.py", line 9, in <module>\n'
        "> >     model.fit(ds)\n"
        "> > ValueError: Expected input batch_size (8) to match target batch_size (4).\n"
    )
    assert claim_of(report) == (
        "ValueError",
        "Expected input batch_size (8) to match target batch_size (4).",
    )


def test_a_frame_s_source_line_joined_to_it_by_rendering_is_read_on_its_own() -> None:
    report = (
        '  File "/opt/venv/lib/python3.10/site-packages/keras/utils/__init__.py", line 7, '
        "in <module>    from keras.utils.np_utils import to_categorical\n"
        "ModuleNotFoundError: No module named 'keras.utils.np_utils'\n"
    )
    text = rendered_text.plain(report)[0]
    assert text.splitlines()[1] == "    from keras.utils.np_utils import to_categorical"
    assert code_of(report) == "import keras.utils\n"


# 4. Invisible characters and line ends.


def test_non_breaking_and_zero_width_spaces_are_read_as_spaces() -> None:
    report = "```python\nimport keras\nx\u00a0=\u00a0keras.ops.ones((2,))\u200b\n```\n"
    assert code_of(report) == "import keras\nx = keras.ops.ones((2,))\n"


def test_an_escaped_non_breaking_space_is_a_space() -> None:
    assert rendered_text.plain("x&nbsp;=&nbsp;1")[0] == "x = 1"


def test_windows_line_ends_are_line_ends() -> None:
    text, notes = rendered_text.plain("a\r\nb\rc")
    assert (text, notes) == ("a\nb\nc", ())


# 5. A notebook's JSON.


def _cell(source: list[str], ename: str, evalue: str) -> dict[str, object]:
    return {
        "cell_type": "code",
        "metadata": {},
        "outputs": [
            {
                "output_type": "error",
                "ename": ename,
                "evalue": evalue,
                "traceback": [
                    "\u001b[0;31m----------------\u001b[0m",
                    f"\u001b[0;31m{ename}\u001b[0m    Traceback (most recent call last)",
                    "Cell \u001b[0;32mIn[2], line 2\u001b[0m\n\u001b[0;32m----> 2\u001b[0m x\n",
                    f"\u001b[0;31m{ename}\u001b[0m: {evalue}",
                ],
            }
        ],
        "source": source,
    }


def test_a_whole_notebook_is_read_as_its_cells() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title"]},
            _cell(["import keras\n", "keras.ops.eye(-1)"], "ValueError", "negative dimensions"),
        ],
        "nbformat": 4,
    }
    found = extract(json.dumps(notebook, indent=1))
    assert found.code is not None and found.code.text == "import keras\nkeras.ops.eye(-1)\n"
    assert found.reported_error is not None
    assert (found.reported_error.type, found.reported_error.message) == (
        "ValueError",
        "negative dimensions",
    )


def test_a_cut_piece_of_a_notebook_is_read_value_by_value() -> None:
    piece = (
        "```\n"
        '   "source": [\n'
        '    "import keras\\n",\n'
        '    "keras.ops.eye(-1)"\n'
        "   ]\n"
        "  },\n"
        '  "outputs": [{"ename": "ValueError", "evalue": "negative dimensions",\n'
        '  "output_type": "error",\n'
        "```\n"
    )
    text, found = notebook_json.as_markdown(piece)
    assert found
    assert "```python\nimport keras\nkeras.ops.eye(-1)\n```" in text
    assert "ValueError: negative dimensions" in text


def test_json_of_something_else_is_left_as_it_is() -> None:
    text = '```json\n{"source": "s3://bucket", "backend": "jax"}\n```\n'
    assert notebook_json.as_markdown(text) == (text, False)


# 6. Other markups' code blocks.


@pytest.mark.parametrize(
    "report",
    [
        "[code=python]\nimport keras\nkeras.ops.eye(-1)\n[/code]\n",
        "{code:python}\nimport keras\nkeras.ops.eye(-1)\n{code}\n",
        ".. code-block:: python\n   :linenos:\n\n   import keras\n   keras.ops.eye(-1)\n\nDone.\n",
        "Run this::\n\n    import keras\n    keras.ops.eye(-1)\n\nDone.\n",
    ],
)
def test_other_markups_code_blocks_are_fenced_blocks(report: str) -> None:
    found = blocks(rendered_text.plain(report)[0])
    assert [block.text for block in found] == ["import keras\nkeras.ops.eye(-1)"]


def test_a_notebook_exported_to_restructuredtext_keeps_cell_and_output_apart() -> None:
    # nbsphinx writes a cell as `.. code:: ipython3` and its output as `.. parsed-literal::`.
    report = (
        ".. code:: ipython3\n\n    import keras\n    keras.ops.eye(-1)\n\n"
        ".. parsed-literal::\n\n    ValueError: negative dimensions are not allowed\n"
    )
    found = blocks(rendered_text.plain(report)[0])
    assert [(block.info, block.text) for block in found] == [
        ("ipython3", "import keras\nkeras.ops.eye(-1)"),
        ("", "ValueError: negative dimensions are not allowed"),
    ]


def test_jira_noformat_holds_a_traceback() -> None:
    report = (
        "{noformat}\nTraceback (most recent call last):\n"
        "  File \"j.py\", line 1, in <module>\nKeyError: 'units'\n{noformat}\n"
    )
    assert blocks(rendered_text.plain(report)[0])[0].info == ""
    assert claim_of(report) == ("KeyError", "'units'")
