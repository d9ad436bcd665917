"""Shapes of reports that change as they go: several installs in one sentence, a `pip uninstall`
between installs, a later comment or edit that tells the reporter's own fix in other words, and
an update whose statement is the one the claimed error comes from."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import fix_parts, pip_lines
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.uninstalls import uninstall_notes

# 1. "I tried X, then Y": each `pip install` of one sentence is a step, in order.


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "First `pip install jax==0.4.30`, then `pip install keras==3.4.1` and it broke.",
            ("jax==0.4.30", "keras==3.4.1"),
        ),
        (
            "I ran pip install tensorflow==2.15.1, then pip install keras==3.2.0 on top.",
            ("tensorflow==2.15.1", "keras==3.2.0"),
        ),
        ("pip install keras==3.1.0", ("keras==3.1.0",)),
    ],
)
def test_several_installs_in_one_sentence_are_each_a_step(text: str, steps: tuple[str]) -> None:
    assert pip_lines.pip_steps(text) == steps


# 2. `pip uninstall` between installs: not run (builds only install), and said so.


def test_an_uninstall_undone_by_a_later_install_is_said_so() -> None:
    text = "pip install tensorflow==2.16.1\npip uninstall -y keras\npip install keras==2.15.0\n"
    (note,) = uninstall_notes(text)
    assert "`pip uninstall keras` not run" in note
    assert "a later step installs keras again" in note


def test_an_uninstall_nothing_undoes_says_the_package_stays() -> None:
    text = "!pip install tensorflow==2.16.1 tf-keras==2.16.0\n!pip uninstall keras-nightly -y\n"
    (note,) = uninstall_notes(text)
    assert "`pip uninstall keras-nightly` not run" in note
    assert "stays installed" in note


def test_an_uninstall_in_a_chain_names_only_its_own_packages() -> None:
    notes = uninstall_notes("pip uninstall -y keras tf-keras && pip install keras==3.3.3")
    assert len(notes) == 2
    assert "again" in notes[0] and "stays installed" in notes[1]


def test_an_uninstall_is_no_step_and_the_steps_around_it_keep_their_order() -> None:
    report = (
        "# tf_keras import breaks\n\n"
        "```\npip install tensorflow==2.16.2\npip uninstall -y keras\n"
        "pip install tf-keras==2.16.0\n```\n\n"
        "```python\nimport tf_keras\nimport keras\n```\n\n"
        "ModuleNotFoundError: No module named 'keras'\n"
    )
    found = extract(report)
    assert found.pip_steps == ("tensorflow==2.16.2", "tf-keras==2.16.0")
    assert any("`pip uninstall keras` not run" in note for note in found.notes)


# 3. The reporter's fix told in a later comment or edit, in other words than "Solution:".


@pytest.mark.parametrize(
    "line",
    [
        "In the end I used keras 2.12.0 as a replacement, which works fine. Commands:",
        "I updated the plugin (1.4.0) and it doesn't give me that error anymore, thanks!",
        "After I reinstalled from PyPI the error messages are gone now.",
        "Downgrading to jax 0.4.28 worked for me.",
        "I installed keras 3.4.0 and now it works perfectly.",
    ],
)
def test_a_fix_in_other_words_opens_a_fix_part(line: str) -> None:
    assert fix_parts.opens_fix(line)


@pytest.mark.parametrize(
    "line",
    [
        "I installed keras 3.4.0 and it works fine for Dense, but Conv1D fails.",
        "I updated to jax 0.4.30 and it still doesn't work.",
        "I used tensorflow 2.16.1 for this.",
        "UPDATE: same error with keras 3.5.0",
    ],
)
def test_a_failure_or_a_plain_update_opens_no_fix_part(line: str) -> None:
    assert not fix_parts.opens_fix(line)


def test_a_later_comment_s_substitute_install_is_not_the_failing_environment() -> None:
    report = (
        "# keras 2.13.0: No module named 'keras.src.engine'\n\n"
        "```\n>>> import keras.src.engine\nTraceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "ModuleNotFoundError: No module named 'keras.src.engine'\n```\n\n"
        "**Comment by someone (author)**\n\n"
        "Finally I used keras 2.12.0 as a substitute, which works fine. What I ran:\n"
        "pip install keras==2.12.0\n"
    )
    found = extract(report)
    assert found.pip_steps == ()
    assert [(pin.name, pin.version) for pin in found.pins if pin.name == "keras"] == [
        ("keras", "2.13.0")
    ]


# 4. An update whose statement is the one the claimed error comes from.


def test_the_prose_import_the_claimed_error_names_wins_over_an_earlier_one() -> None:
    report = (
        "# keras will not import\n\n"
        "Each time I import keras it fails.\n\n"
        "**Comment by someone (author)**\n\n"
        "Update: import keras works now, but when I run 'from keras.layer import Dense' "
        "it fails with\n\nImportError: No module named 'keras.layer'\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text == "from keras.layer import Dense\n"


def test_without_a_named_module_the_first_prose_import_stays() -> None:
    report = (
        "# crash\n\nWhen I import keras it crashes, and the same when I import tensorflow.\n\n"
        "RuntimeError: CUDA driver version is insufficient\n"
    )
    found = extract(report)
    assert found.code is not None
    assert found.code.text == "import keras\n"


# 5. Decisions the listing explains: an edit's recurrence keeps the first version, and an edit
# that fixed the first error before a second one is the reporter's fix.


def test_same_with_a_later_version_keeps_the_version_the_report_gives() -> None:
    report = (
        "# export fails\n\nTensorFlow version: 2.16.1\n\n"
        "```python\nimport keras\nkeras.Sequential().export('out')\n```\n\n"
        "ValueError: Cannot export: no input shape\n\nEDIT: same with tensorflow 2.17.0\n"
    )
    found = extract(report)
    assert [(p.name, p.version) for p in found.pins] == [("tensorflow", "2.16.1")]
    assert any(note.startswith("tensorflow 2.17.0 (named in an edit") for note in found.notes)


def test_a_second_error_after_the_reporter_s_fix_leaves_the_first_claimed() -> None:
    report = (
        "# load fails\n\n```\npip install keras==3.1.0\n```\n\n"
        "```python\nimport keras\nkeras.models.load_model('m.keras')\n```\n\n"
        "TypeError: Could not locate class 'Adder'\n\n"
        "EDIT: I fixed that by pinning numpy, but now I get:\n\n"
        "```\npip install numpy==1.26.4\n```\n\n"
        "ValueError: Layer 'dense' expected 2 variables, but received 0\n"
    )
    found = extract(report)
    assert found.pip_steps == ("keras==3.1.0",)
    assert found.reported_error is not None
    assert found.reported_error.type == "TypeError"
    assert any("the reporter's own fix" in note for note in found.notes)
