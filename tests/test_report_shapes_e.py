"""Shapes of reports from the fifth survey: a release number after `pip install` in a title,
backends a report names only in its error, settings written in prose, and third-party libraries
a traceback or error runs through."""

from __future__ import annotations

import datetime
from pathlib import Path

from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pip_lines import pip_steps
from harness.repro.request import Flags, resolve
from tests.pypi_fake import recorded_index


def resolved(text: str, as_of: str) -> tuple[str, tuple[str, ...], str]:
    request = resolve(
        Path("r.md"),
        extract(text),
        Flags(),
        recorded_index(),
        as_of=datetime.date.fromisoformat(as_of),
    )
    return request.python, request.steps, "\n".join(request.assumed)


def test_a_release_number_after_pip_install_is_not_an_install() -> None:
    assert pip_steps("# RHEL pip install 2.0-rc issues, No module named x") == ()
    assert pip_steps("after pip install 2.16 it broke") == ()
    assert pip_steps("after pip install v2.16.1 it broke") == ()
    # A name that merely starts with a digit is still a distribution.
    assert pip_steps("pip install 3to2") == ("3to2",)
    assert pip_steps("pip install tensorflow==2.0.0rc2") == ("tensorflow==2.0.0rc2",)


def test_a_backend_the_error_says_is_missing_is_not_installed_beside_old_keras() -> None:
    report = (
        "Python 3.6, `pip install keras==2.2.4`\n\n```\n>>> import keras\n"
        "Using TensorFlow backend.\nModuleNotFoundError: No module named 'tensorflow'\n```\n"
    )
    python, steps, assumed = resolved(report, "2019-03-01")
    assert (python, steps) == ("3.6", ("keras==2.2.4",))
    assert "tensorflow not installed beside Keras 2.2.4" in assumed
    # Python 2 wrote the module without quotes; the same absence.
    _, steps, _ = resolved(report.replace("'tensorflow'", "tensorflow"), "2019-03-01")
    assert steps == ("keras==2.2.4",)
    # Another module missing: the backend is still there, as the report shows.
    _, steps, _ = resolved(report.replace("'tensorflow'", "'h5py'"), "2019-03-01")
    assert steps[0].startswith("tensorflow==1.")
