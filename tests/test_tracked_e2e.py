"""Tracked environments for real: a lock written from PyPI itself, and a locked matrix built
and run by the real engine without the harness asking PyPI anything.

The tracked package is six over two minors (1.16, 1.17): two wheels of 11 kB.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import lock as lock_cli
from harness.cli.app import main
from harness.config.lockfile import read_lock
from harness.errors import PackageIndexError
from harness.execute.pipeline import default_ca_bundle
from harness.pypi import PackageIndex
from tests.pypi_fake import recorded_simple_index

SCENARIO = '''"""
title: Import six
description: Prints the installed six's version.
source: tests
claim: {summary: nothing raises, pattern: "^$"}
"""
import six
print(six.__version__)
'''
MATRIX = """\
python: ["3.11"]
base: debian
timeout: 60
environments:
  six:
    track: {six: ">=1.16,<1.18"}
backends: {plain: {}}
scenarios: [imports]
"""


def project(where: Path) -> Path:
    (where / "scenarios").mkdir(parents=True)
    (where / "scenarios" / "imports.py").write_text(SCENARIO, encoding="utf-8")
    path = where / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    return path


def test_a_lock_from_pypi_itself(tmp_path: Path) -> None:
    try:
        PackageIndex.simple(default_ca_bundle()).releases("six")
    except PackageIndexError as exc:
        pytest.skip(f"PyPI cannot be asked here: {exc}")
    path = project(tmp_path)
    main(["lock", str(path)])
    lock = read_lock(tmp_path / "matrix.yaml.lock")
    assert lock is not None
    releases = lock.groups["six"].releases
    assert [(r.environment, r.version) for r in releases] == [
        ("six-1.16", "1.16.0"),
        ("six-1.17", "1.17.0"),
    ]
    assert all("3.11" in r.pythons and r.uploaded is not None for r in releases)


@pytest.mark.docker
def test_a_locked_matrix_builds_and_runs_its_pins_without_asking_pypi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path / "project")
    monkeypatch.setattr(lock_cli, "make_index", lambda ca_bundle: recorded_simple_index())
    main(["lock", str(path)])

    def no_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run of a locked matrix must not ask PyPI")

    monkeypatch.setattr(lock_cli, "make_index", no_index)
    monkeypatch.setattr(PackageIndex, "releases", no_index)
    results = tmp_path / "results"
    capsys.readouterr()
    main(["run", str(path), "--results", str(results), "--quiet", "--jobs", "2"])
    assert "note:" not in capsys.readouterr().err
    run = (results / "latest").resolve()
    cells = [
        json.loads(line) for line in (run / "cells.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    printed = {c["environment"]: (c["status"], c["stdout_tail"].strip()) for c in cells}
    assert printed == {"six-1.16": ("ok", "1.16.0"), "six-1.17": ("ok", "1.17.0")}
    freeze = (run / "environments" / "py3.11-six-1.17.txt").read_text(encoding="utf-8")
    assert "six==1.17.0" in freeze.splitlines()
