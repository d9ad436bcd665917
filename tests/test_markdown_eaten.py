"""A traceback copied back from rendered Markdown: an installed `__init__.py` shown as
`init.py` (its underscores taken for bold) is read as `__init__.py`, only where certain."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.markdown_eaten import restored
from harness.repro.bug_report.parse import extract


@pytest.mark.parametrize(
    ("line", "read"),
    [
        (
            'File "/opt/env/lib/python3.9/site-packages/keras/init.py", line 3, in <module>',
            'File "/opt/env/lib/python3.9/site-packages/keras/__init__.py", line 3, in <module>',
        ),
        (
            r'File "C:\Py\Lib\site-packages\tensorflow\python\keras\init.py", line 9',
            r'File "C:\Py\Lib\site-packages\tensorflow\python\keras\__init__.py", line 9',
        ),
        (
            "File /usr/local/lib/python3.10/dist-packages/keras_cv/init.py:8",
            "File /usr/local/lib/python3.10/dist-packages/keras_cv/__init__.py:8",
        ),
    ],
)
def test_an_installed_init_py_is_read_as_dunder_init(line: str, read: str) -> None:
    text, notes = restored(line)
    assert text == read
    assert len(notes) == 1


@pytest.mark.parametrize(
    "text",
    [
        # the report keeps its dunders elsewhere: not rendered
        'File "/e/site-packages/keras/init.py", line 3\nFile "/e/site-packages/x/__init__.py"',
        # the reporter's own file, not an installed package's
        'File "/home/me/project/init.py", line 3, in <module>',
        # another file whose name ends in init
        'File "/e/site-packages/keras/reinit.py", line 3',
        'File "/e/site-packages/keras/initializers.py", line 3',
    ],
)
def test_no_init_py_read_where_it_is_not_certain(text: str) -> None:
    assert restored(text) == (text, ())


def test_a_rendered_traceback_imports_the_package_not_a_module_named_init() -> None:
    found = extract(
        "Traceback (most recent call last):\n"
        'File "/srv/venv/lib/python3.9/site-packages/keras/init.py", line 21, in <module>\n'
        "from keras import models\n"
        "ImportError: cannot import name 'models' from 'keras'\n"
    )
    assert found.code is not None
    assert "keras.init" not in found.code.text
    assert any("`__init__.py`" in note for note in found.notes)
