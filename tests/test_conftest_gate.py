"""The rule that keeps CI honest, run in throwaway pytest sessions: where Docker tests are
mandatory, one that skips (no engine, a skip marker, or a skip from inside its body) fails,
and only bodies that ran count as run against a real engine."""

from __future__ import annotations

import pytest

from .conftest import ROOT

# Appended to a copy of tests/conftest.py: the engine the gate finds, without asking Docker.
ENGINE_ANSWERS = """
from harness.engine.commands import silent as _silent
_ENGINE.append(DockerEngine(None, _silent))
"""
NO_ENGINE = """
_ENGINE.append("no Docker engine answers: test")
"""

TESTS = """
import pytest

@pytest.mark.docker
def test_skips_itself():
    pytest.skip("needs root")

@pytest.mark.docker
@pytest.mark.skip(reason="not today")
def test_skip_marker():
    pass

@pytest.mark.docker
def test_runs():
    assert True

@pytest.mark.docker
@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    raise AssertionError

def test_plain_skip():
    pytest.skip("unrelated to Docker")
"""


def _session(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    *args: str,
    ci: bool,
) -> pytest.RunResult:
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8") + engine)
    pytester.makeini("[pytest]\nmarkers =\n    docker: real engine\n    browser: Chromium\n")
    pytester.makepyfile(test_gate=TESTS)
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    return pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", *args)


def test_under_ci_a_docker_test_that_skips_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _session(pytester, monkeypatch, ENGINE_ANSWERS, ci=True)
    # The skip in the body fails the test; the skip marker, seen at setup, is an error.
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*docker tests are mandatory here, and this one skipped: Skipped: not today*",
            "*docker tests are mandatory here, and this one skipped: Skipped: needs root*",
        ],
        consecutive=False,
    )
    # test_runs and the expected failure's body; neither skip counts.
    result.stdout.fnmatch_lines(["docker tests run against a real engine: 2"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_outside_ci_a_docker_test_may_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _session(pytester, monkeypatch, ENGINE_ANSWERS, ci=False)
    result.assert_outcomes(passed=1, skipped=3, xfailed=1)
    result.stdout.fnmatch_lines(["docker tests run against a real engine: 2"])
    assert result.ret == pytest.ExitCode.OK


def test_under_ci_no_engine_fails_every_docker_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _session(pytester, monkeypatch, NO_ENGINE, ci=True)
    # Every Docker test errors at setup: the gate's failure, the skip marker's and the
    # expected failure's (whose body never ran); the skip of a plain test stays a skip.
    result.assert_outcomes(errors=4, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*Docker tests are mandatory here (CI=true or --require-docker): "
            "no Docker engine answers: test*",
            "docker tests run against a real engine: 0",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_require_docker_flag_without_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _session(
        pytester, monkeypatch, ENGINE_ANSWERS, "--require-docker", "-k", "skips_itself", ci=False
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["docker tests run against a real engine: 0"])
