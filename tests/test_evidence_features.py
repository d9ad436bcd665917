"""README claims checked against the real engine: the Python 3.9 and 3.13 Debian bases, an
install pip refuses recorded once and tried again only with --rebuild, the storage-driver
note, the engine's own kill of a container that outlives its limit, and `bisect` skipping
releases that cannot be installed for the Python asked for."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness import driver
from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.pipeline import SLOW_STORAGE_DRIVERS
from harness.execute.runner import Payload, outcome_of, run_spec

from .conftest import DATA
from .real_cells import build, cells_of, error_text, harness

pytestmark = pytest.mark.docker
EVIDENCE = DATA / "evidence"
BASES = EVIDENCE / "bases.yaml"
REFUSED = "py3.9/keras-3.12-on-3.9/plain/known_error"
# What the harness prints when it tries the refused install: an image build, or on engines
# where environments are mounted (build/mounted.py), the install step's container.
REFUSED_BUILD = re.compile(
    r"\+ docker build -t keras-matrix-env:py3\.9-keras-3\.12-on-3\.9-"
    r"|\+ docker run .* keras-matrix-env:py3\.9-prefix-\S+ /bin/bash -o pipefail -c "
    r"'timeout --kill-after=10 \d+ pip install keras==3\.12\.0"
)


def _flat(text: str) -> str:
    """Console output with its line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """bases.yaml run three times into one results directory: first, again, and with
    --rebuild for the refused environment alone."""
    where = tmp_path_factory.mktemp("bases")
    results = where / "results"
    found: dict[str, dict[str, Any]] = {}
    for name, extra in (
        ("first", ()),
        ("again", ()),
        ("rebuild", ("--rebuild", "--only", "environment=keras-3.12-on-3.9")),
    ):
        done = harness("run", str(BASES), "--results", str(results), "--quiet", *extra, cwd=where)
        assert done.returncode == 0, done.stderr[-3000:]
        run = (results / "latest").resolve()
        images = json.loads((run / "images.json").read_text(encoding="utf-8"))
        found[name] = {
            "stderr": done.stderr,
            "run": run,
            "cells": cells_of(run),
            "images": {(i["python"], i["environment"]): i for i in images},
        }
    found["first"]["results"] = results
    return found


@pytest.mark.parametrize(("python", "suite"), [("3.9", "bullseye"), ("3.13", "trixie")])
def test_debian_base_runs_a_cell(runs: dict[str, dict[str, Any]], python: str, suite: str) -> None:
    first = runs["first"]
    cell = first["cells"][f"py{python}/tiny/plain/known_error"]
    assert cell["status"] == "error"
    assert error_text(cell) == f"LookupError: six 1.16.0 on Python {python}"
    assert cell["error"]["scenario_line"]["code"].startswith("raise LookupError(")
    assert cell["claim_reproduced"] is True
    assert cell["versions"]["python"].startswith(f"{python}.")
    image = first["images"][(python, "tiny")]
    assert image["base_image"] == f"keras-matrix-base:{suite}"
    assert image["status"] in ("built", "reused")
    assert image["base_image_id"].startswith("sha256:")


def test_a_refused_install_is_build_failed_with_pips_words(
    runs: dict[str, dict[str, Any]],
) -> None:
    first = runs["first"]
    cell = first["cells"][REFUSED]
    assert cell["status"] == "build_failed"
    assert "No matching distribution found for keras==3.12.0" in cell["build_error"]
    assert REFUSED_BUILD.search(first["stderr"])
    remembered = list((first["results"] / ".cache" / "builds").glob("*.json"))
    assert len(remembered) == 1
    record = json.loads(remembered[0].read_text(encoding="utf-8"))
    assert (record["environment"], record["status"]) == ("keras-3.12-on-3.9", "failed")


def test_a_refused_install_is_not_tried_again(runs: dict[str, dict[str, Any]]) -> None:
    first, again = runs["first"], runs["again"]
    assert not REFUSED_BUILD.search(again["stderr"])
    image = again["images"][("3.9", "keras-3.12-on-3.9")]
    assert (image["status"], image["seconds"]) == ("failed", 0.0)
    assert image["error"] == first["images"][("3.9", "keras-3.12-on-3.9")]["error"]
    cell = again["cells"][REFUSED]
    assert cell["status"] == "build_failed"
    assert cell["build_error"] == first["cells"][REFUSED]["build_error"]


def test_rebuild_tries_a_refused_install_again(runs: dict[str, dict[str, Any]]) -> None:
    rebuild = runs["rebuild"]
    assert REFUSED_BUILD.search(rebuild["stderr"])
    assert list(rebuild["cells"]) == [REFUSED]
    assert rebuild["cells"][REFUSED]["status"] == "build_failed"
    assert rebuild["images"][("3.9", "keras-3.12-on-3.9")]["seconds"] > 0


def test_the_storage_driver_note(runs: dict[str, dict[str, Any]]) -> None:
    driver = subprocess.run(
        ["docker", "info", "--format", "{{.Driver}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    first = runs["first"]
    meta = json.loads((first["run"] / "run.json").read_text(encoding="utf-8"))
    assert meta["engine_storage_driver"] == driver
    said = _flat(first["stderr"])
    if driver in SLOW_STORAGE_DRIVERS:
        assert f"storage driver {driver}: {_flat(SLOW_STORAGE_DRIVERS[driver])}" in said
    else:
        assert "storage driver" not in said


def test_the_engine_kills_a_container_that_outlives_its_limit(tmp_path: Path) -> None:
    matrix = load_matrix(EVIDENCE / "engine.yaml")
    engine = DockerEngine.connect(silent)
    (cell,) = expand(matrix).cells
    image = build(engine, matrix, tmp_path)[cell.image_key]
    payload = Payload.prepare(tmp_path / "payload", matrix)

    run_id = f"evidence-kill-{tmp_path.name}"
    # The driver would stop the scenario after 600 s; the container may live 3 s.
    spec = replace(run_spec(matrix, cell, image.tag, payload, run_id), timeout_s=3.0)
    result = engine.run(spec)
    assert result.timed_out
    assert result.exit_code is None
    assert 3.0 <= result.duration_s < 20.0
    assert driver.MARKER not in result.stdout  # killed before the driver could report
    outcome = outcome_of(
        cell=cell,
        scenario=matrix.scenarios[cell.scenario],
        image=image,
        spec=spec,
        result=result,
        run_id=run_id,
    )
    assert (outcome.status, outcome.reason) == ("timeout", "container killed after 3s")
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.keras-matrix.run={run_id}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert left == []


def test_bisect_skips_releases_that_do_not_install_for_that_python(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from importlib.metadata import version\n"
        "if version('click') != '8.1.7':\n"
        "    raise LookupError('not the oldest click')\n",
        encoding="utf-8",
    )
    done = harness(
        "bisect",
        str(snippet),
        "click",
        "8.1.7..8.2.0",
        "--python",
        "3.9",
        "--base",
        "debian",
        "--results",
        str(tmp_path / "results"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = _flat(done.stderr)
    assert "2 releases of click in 8.1.7..8.2.0 install on Python 3.9: 8.1.7, 8.1.8" in said
    assert "skipped click 8.2.0: requires Python >=3.10" in said
    # Skipped before any build: only the two usable releases were built or reused.
    assert "click-8.2.0" not in done.stderr
    assert "The outcome changes between click 8.1.7 and 8.1.8." in done.stdout
    assert "Tried: 8.1.7 (run), 8.1.8 (run)" in done.stdout
    assert "Skipped 8.2.0: requires Python >=3.10" in done.stdout
