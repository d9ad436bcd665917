"""Shapes of reports from the multi-backend Keras years (2017-2021): a frame's `return` line,
and the Theano/CNTK backend a report names in its template or words."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import multi_backend, shown_names
from harness.repro.bug_report.settings import claim


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        ("return K.tf.gather_nd(seq, idxs)", "K.tf.gather_nd(seq, idxs)"),
        ("  yield next(batches)", "next(batches)"),
        ("yield from gen(x)", "gen(x)"),
        ("return", None),
        ("returned = f(x)", None),
        ("return x,", "x,"),
        ("return (a,", None),
    ],
)
def test_a_frames_return_line_runs_its_value(statement: str, value: str | None) -> None:
    assert shown_names.without_return(statement) == value


@pytest.mark.parametrize(
    ("reporter", "backend"),
    [
        ("- CNTK backend (yes/no): yes\n- Keras version: 2.3.1\n", "cntk"),
        ("* **Theano backend (yes / no):** yes\n", "theano"),
        ("- TensorFlow backend (yes / no): no\n- CNTK backend (yes/no): no\n", None),
        ("By setting the keras backend to cntk, after import keras I got this.\n", "cntk"),
        ("Since I set the\nkeras backend to theano, it fails.\n", "theano"),
        ("I try to use theano as backend but i got this error.\n", "theano"),
        ("the error is raised in cntk_backend.py , C.set_global_option\n", "cntk"),
        # A backend the sentence says works is not the one that failed.
        ("When I change the backend to Theano, it runs well.\n", None),
        ("Switching the backend to CNTK works fine.\n", None),
        # Two backends named as run: none is chosen.
        ("I set the backend to theano. Then I set the backend to cntk.\n", None),
        # A blank line ends a sentence.
        ("I set the backend\n\nto theano later\n", None),
    ],
)
def test_a_multi_backend_keras_backend_named_in_a_template_or_words(
    reporter: str, backend: str | None
) -> None:
    found = multi_backend.shown(reporter, reporter, [])
    assert (found[0] if found else None) == backend


def test_a_cut_notebook_traceback_names_a_bare_exception_in_its_header() -> None:
    text = (
        "```\nException                                 Traceback (most recent call last)\n"
        "<ipython-input-1-88d96843a926> in <module>()\n----> 1 import keras\n```\n"
    )
    found = claim(text, title="Importing keras fails")
    assert found is not None
    assert (found.type, found.message) == ("Exception", "")
