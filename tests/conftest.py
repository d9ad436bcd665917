"""Shared fixtures. Docker tests skip with a reason where no engine answers, and fail
instead when Docker is required (--require-docker, or CI=true)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.commands import silent
from harness.engine import DockerEngine
from harness.errors import EngineUnavailableError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-docker",
        action="store_true",
        help="Fail, rather than skip, Docker tests when no engine answers (default under CI=true).",
    )


def docker_required(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-docker")) or os.environ.get("CI", "").lower() == "true"


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
        if os.environ.get("CI", "").lower() == "true":
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


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "docker" in report.keywords:
        _DOCKER_TESTS_RUN.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"docker tests run against a real engine: {len(_DOCKER_TESTS_RUN)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    selected_docker = any("docker" in item.keywords for item in getattr(session, "items", []))
    if docker_required(session.config) and selected_docker and not _DOCKER_TESTS_RUN:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
