"""`harness worker-image`: the Dockerfile it builds, the checkout it needs, its errors.

The image itself is built and run as a Dask worker in tests/test_dask_container_worker.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.cli.worker_image import Checkout, dockerfile, make_wheelhouse
from harness.errors import ConfigurationError, EngineError
from tests.builders import harness
from tests.golden_files import assert_golden

from .conftest import ROOT


def test_the_dockerfile_matches_its_golden_file() -> None:
    text = dockerfile("keras-matrix-base:bookworm", "/usr/bin/python3")
    assert_golden("keras-matrix-worker.Dockerfile", text)


def test_the_dockerfile_installs_offline_into_a_venv_first_on_path() -> None:
    text = dockerfile("python:3.11-slim", "python3")
    assert text.startswith("FROM python:3.11-slim\n")
    assert "python3 -m venv /opt/harness" in text
    assert "--no-index --find-links /tmp/wheels" in text
    assert "'keras-matrix-harness[cluster]'" in text  # the worker needs distributed
    assert "ENV PATH=/opt/harness/bin:$PATH" in text


def test_this_harness_runs_from_a_checkout() -> None:
    checkout = Checkout.of_this_harness()
    assert checkout.root == ROOT and checkout.lock == ROOT / "requirements.lock"


def test_a_directory_that_is_no_checkout_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"no pyproject.toml and requirements.lock"):
        Checkout.at(tmp_path)


def test_a_failed_wheelhouse_says_why_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.lock").write_text("", encoding="utf-8")
    # A project pip cannot build: its pyproject.toml is not TOML.
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    echoed: list[list[str]] = []
    failed = r"^pip wheel for the worker image failed \(exit \d+\): .*TOMLDecodeError"
    with pytest.raises(EngineError, match=failed):
        make_wheelhouse(
            Checkout.at(tmp_path), tmp_path / "wheels", echo=lambda argv: echoed.append([*argv])
        )
    assert echoed[0][:4] == [sys.executable, "-m", "pip", "wheel"]
    assert echoed[0][-1] == f"{tmp_path}[cluster]"


def test_the_command_is_listed() -> None:
    result = harness("worker-image", "--help")
    assert result.returncode == 0 and "Dask worker" in result.stdout
    assert "keras-matrix-" in result.stdout and "--scheduler" in result.stdout
