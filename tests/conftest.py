"""Shared fixtures. Docker tests skip with a reason where no engine answers, and fail
instead when Docker is required (--require-docker, or CI=true). Where they are required, a
Docker test that skips itself for any other reason fails too: a skipped test is no evidence."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.errors import EngineUnavailableError

# pytester runs this file's hooks in throwaway sessions (tests/test_conftest_gate.py).
pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-docker",
        action="store_true",
        help="Fail, rather than skip, Docker tests when no engine answers (default under CI=true).",
    )


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def docker_required(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-docker")) or _under_ci()


_ENGINE: list[DockerEngine | str] = []


def _engine() -> DockerEngine | str:
    if not _ENGINE:
        try:
            _ENGINE.append(DockerEngine.connect(silent))
        except EngineUnavailableError as exc:
            _ENGINE.append(str(exc))
    return _ENGINE[0]


@pytest.fixture(autouse=True)
def _docker_gate(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("docker") is None:
        return
    engine = _engine()
    if isinstance(engine, str):
        if docker_required(request.config):
            pytest.fail(f"Docker tests are mandatory here (CI=true or --require-docker): {engine}")
        pytest.skip(f"Docker tests skipped: {engine}")


CHROMIUM, CHROMEDRIVER = "chromium", "chromedriver"  # Debian's chromium, chromium-driver


def browser_missing() -> str | None:
    """Why headless-Chromium tests cannot run here, or None if they can."""
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package is not installed (pip install -e '.[test]')"
    for program, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if shutil.which(program) is None:
            return f"{program} is not on PATH (apt-get install {package})"
    return None


@pytest.fixture(autouse=True)
def _browser_gate(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") is None:
        return
    missing = browser_missing()
    if missing is not None:
        if _under_ci():
            pytest.fail(f"browser tests are mandatory under CI=true: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture
def engine() -> DockerEngine:
    found = _engine()
    assert isinstance(found, DockerEngine), found
    return found


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def chdir_tmp(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


_DOCKER_TESTS_RUN: list[str] = []


def mandatory_kind(item: pytest.Item) -> str | None:
    """The kind of real evidence `item` must give in this session ("docker", "browser"), if any."""
    if item.get_closest_marker("docker") is not None and docker_required(item.config):
        return "docker"
    if item.get_closest_marker("browser") is not None and _under_ci():
        return "browser"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Where real-engine (or browser) tests are mandatory, one that skips, at setup or from
    inside its body, fails: it would otherwise count as passed evidence that never ran. Only a
    body that ran to a result (passed, failed, xfailed) counts as run against a real engine."""
    report: pytest.TestReport = yield
    skipped = call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception)
    if call.when == "call" and item.get_closest_marker("docker") is not None and not skipped:
        _DOCKER_TESTS_RUN.append(item.nodeid)
    kind = mandatory_kind(item)
    # An expected failure counts only if its body ran: one at setup is the gate's, not the test's.
    expected = hasattr(report, "wasxfail") and report.when == "call"
    if kind is not None and report.skipped and not expected:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{kind} tests are mandatory here, and this one skipped: {reason}"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"docker tests run against a real engine: {len(_DOCKER_TESTS_RUN)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    selected_docker = any("docker" in item.keywords for item in getattr(session, "items", []))
    if docker_required(session.config) and selected_docker and not _DOCKER_TESTS_RUN:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
