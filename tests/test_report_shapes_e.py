"""Shapes of reports from the fifth survey: a release number after `pip install` in a title,
backends a report names only in its error, settings written in prose, and third-party libraries
a traceback or error runs through."""

from __future__ import annotations

from harness.repro.bug_report.pip_lines import pip_steps


def test_a_release_number_after_pip_install_is_not_an_install() -> None:
    assert pip_steps("# RHEL pip install 2.0-rc issues, No module named x") == ()
    assert pip_steps("after pip install 2.16 it broke") == ()
    assert pip_steps("after pip install v2.16.1 it broke") == ()
    # A name that merely starts with a digit is still a distribution.
    assert pip_steps("pip install 3to2") == ("3to2",)
    assert pip_steps("pip install tensorflow==2.0.0rc2") == ("tensorflow==2.0.0rc2",)
