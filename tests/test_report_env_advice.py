"""A program's error that advises a setting ("set the environment variable
`TF_USE_LEGACY_KERAS=True`") names it; only the reporter's own lines set it."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import settings


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: `keras.optimizers.legacy` is not supported. Set `TF_USE_LEGACY_KERAS=True`.",
        "> ValueError: set the environment variable `KERAS_BACKEND=jax` to use JAX",
        "`RuntimeError: run with `CUDA_VISIBLE_DEVICES=0` or lower the batch`",
        "E   ImportError: please set `TF_USE_LEGACY_KERAS=1` before importing",
    ],
)
def test_an_errors_advice_sets_nothing(line: str) -> None:
    assert settings.env(line) == {}


@pytest.mark.parametrize(
    ("line", "variables"),
    [
        ("`TF_USE_LEGACY_KERAS=1` is set and still ImportError", {"TF_USE_LEGACY_KERAS": "1"}),
        ("export TF_USE_LEGACY_KERAS=1", {"TF_USE_LEGACY_KERAS": "1"}),
        ("KERAS_BACKEND=jax python train.py", {"KERAS_BACKEND": "jax"}),
    ],
)
def test_the_reporters_own_lines_still_set_it(line: str, variables: dict[str, str]) -> None:
    assert settings.env(line) == variables
