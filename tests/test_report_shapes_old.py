"""Shapes of reports from the multi-backend Keras years (2017-2021): a frame's `return` line,
and the Theano/CNTK backend a report names in its template or words."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import shown_names


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
